"""The resident's side of surveys: which invitations they may see and answer (only their own), the form
of one survey, and submission from the portal or an e-mailed link. Every read is a constant number of
queries, whatever the number of invitations or questions."""

import frappe
from frappe import _
from frappe.utils import cint, get_datetime, getdate, now_datetime

from property_crm.property_surveys import surveys
from property_crm.property_surveys.rules import survey as rules

INVITATION, CAMPAIGN, TEMPLATE = surveys.INVITATION, surveys.CAMPAIGN, surveys.TEMPLATE
LIST_LIMIT = 50


def invitations_of(resident: str) -> list:
	"""The resident's own invitations of running or closed campaigns, newest first (one query)."""
	invitation, campaign = frappe.qb.DocType(INVITATION), frappe.qb.DocType(CAMPAIGN)
	rows = (
		frappe.qb.from_(invitation)
		.join(campaign).on(campaign.name == invitation.campaign)
		.select(invitation.name, invitation.status, invitation.uses_left, invitation.valid_until,
			invitation.valid_from, invitation.creation, invitation.reference_doctype, invitation.reference_name,
			campaign.title, campaign.status.as_("campaign_status"), campaign.anonymous, campaign.ends_on)
		.where((invitation.person == resident) & (campaign.status != "Draft"))
		.orderby(invitation.creation, order=frappe.qb.desc)
		.limit(LIST_LIMIT)
		.run(as_dict=True)
	)  # fmt: skip
	now = now_datetime()
	answered_anonymously(rows)
	for row in rows:
		row.open = (
			row.campaign_status == "Running"
			and (not row.ends_on or getdate(row.ends_on) >= now.date())
			and row.status != "Answered"
			and rules.token_state(
				cint(row.uses_left),
				get_datetime(row.valid_from) if row.valid_from else None,
				get_datetime(row.valid_until) if row.valid_until else None,
				now,
			)
			== rules.TOKEN_OK
		)
	return rows


def answered_anonymously(rows: list) -> None:
	"""An anonymous campaign's invitation is never marked: ask whether its signed key has a response (one
	query, only when the list has such invitations). Only the resident's own invitations are ever looked up."""
	keys = {surveys.used_key(row.name): row for row in rows if row.anonymous and row.status != "Answered"}
	if not keys:
		return
	for key in frappe.get_all(
		surveys.RESPONSE, filters={"response_key": ("in", list(keys))}, pluck="response_key"
	):
		keys[key].status = "Answered"


def invitation_of_resident(name: str, resident: str) -> frappe._dict:
	"""The invitation if it is addressed to this resident; otherwise a permission error saying no more."""
	row = frappe.db.get_value(INVITATION, name, "*", as_dict=True) if name and isinstance(name, str) else None
	if not row or row.person != resident:
		raise frappe.PermissionError(_("This survey is not addressed to you."))
	return row


def invitation_by_link(token: str) -> frappe._dict:
	"""The invitation of an e-mailed link. A signed-in resident may open only their own link."""
	row = surveys.invitation_by_token(token)
	resident = portal_resident()
	if resident and row.person != resident:
		raise frappe.PermissionError(_("This survey link belongs to someone else."))
	return row


def portal_resident() -> str | None:
	user = frappe.session.user
	return None if user == "Guest" else frappe.db.get_value("Property Owner", {"user": user}, "name")


def form_of(invitation, lang: str) -> frappe._dict:
	"""Title, introduction, questions (in the resident's language) and whether it can still be answered."""
	campaign = frappe.db.get_value(
		CAMPAIGN, invitation.campaign, ["title", "template", "status", "anonymous"], as_dict=True
	)
	intro = frappe.db.get_value(TEMPLATE, campaign.template, ["intro_zh", "intro_en"], as_dict=True)
	zh = lang.startswith("zh")
	questions = []
	for row in surveys.question_rows(campaign.template):
		question = surveys.question_of(row, lang)
		questions.append(
			frappe._dict(
				key=question.key,
				type=question.type,
				text=question.label,
				required=question.required,
				options=question.options,
				condition_key=question.condition_key,
				condition_operator=question.condition_operator,
				condition_value=question.condition_value,
			)
		)
	closed = None
	if invitation.status == "Answered" or cint(invitation.uses_left) <= 0:
		closed = _("You have answered this survey. Thank you!")
	elif campaign.status != "Running":
		closed = _("This survey is closed.")
	else:
		try:
			surveys.check_usable(invitation)
		except frappe.PermissionError as error:
			closed = str(error)
	return frappe._dict(
		title=campaign.title,
		intro=(intro.intro_zh if zh else intro.intro_en) or intro.intro_zh or intro.intro_en,
		anonymous=campaign.anonymous,
		questions=questions,
		closed_message=closed,
		types=rules,
	)


def submit(answers, invitation: str | None = None, token: str | None = None) -> dict:
	"""A resident's answers: by their own invitation (signed in) or by the link's token (anyone holding it;
	a signed-in resident only their own). The token, when given, must open this very invitation: another
	person's or another campaign's token is refused."""
	if token:
		row = invitation_by_link(token)
		if invitation and invitation != row.name:
			raise frappe.PermissionError(_("This survey link belongs to someone else."))
		channel = "E-mail"
	else:
		resident = portal_resident()
		if not resident:
			raise frappe.PermissionError(_("Please log in or use the link you received."))
		row = invitation_of_resident(invitation, resident)
		channel = "Portal"
	name = surveys.submit(row.name, answers, channel)
	anonymous = frappe.db.get_value(CAMPAIGN, row.campaign, "anonymous")
	return {"ok": True, "response": None if anonymous else name}


def count_waiting(resident: str) -> int:
	"""Surveys waiting for the resident's answer, for the home page (at most two queries)."""
	return sum(1 for row in invitations_of(resident) if row.open)


def survey_of_order(order: str, resident: str) -> frappe._dict | None:
	"""The post-service survey that replaces the plain rating of an order, if it was sent to this resident."""
	row = surveys.invitation_for("Service Order", order)
	return row if row and row.person == resident else None
