"""The resident's surveys on the portal shell: /property/surveys (waiting for me and answered),
/property/surveys/<invitation> (answering) and /property/s/<token> (the e-mailed link, no login needed).

Occupancy rule: a resident sees only the invitations addressed to them (their own person), never a
household member's or a neighbour's; a token link opens only its own invitation, and a signed-in resident
cannot use another person's link."""

import frappe
from frappe import _

from property_crm.property_households import resident_portal as portal
from property_crm.property_surveys import resident_surveys as portal_surveys
from property_crm.rate_limits import limited


def survey_list():
	resident = portal.current_resident()
	rows = portal_surveys.invitations_of(resident)
	return "surveys.html", {
		"title": _("My Surveys"),
		"waiting": [row for row in rows if row.open],
		"answered": [row for row in rows if row.status == "Answered"],
		"parents": [{"route": "/property", "title": _("My Home")}],
	}


def survey(name: str):
	resident = portal.current_resident()
	try:
		invitation = portal_surveys.invitation_of_resident(name, resident)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	return _answer_page(invitation, token=None)


@limited("token_page")
def survey_by_token(token: str):
	try:
		invitation = portal_surveys.invitation_by_link(token)
	except frappe.PermissionError as error:
		return "survey_message.html", {"title": _("Survey"), "message": str(error), "refused": True}
	return _answer_page(invitation, token=token)


def _answer_page(invitation, token: str | None):
	lang = frappe.local.lang or "zh"
	form = portal_surveys.form_of(invitation, lang)
	context = {
		"title": form.title,
		"invitation": invitation,
		"token": token,
		"form": form,
		"lang_links": token is not None,
		"parents": []
		if token
		else [
			{"route": "/property", "title": _("My Home")},
			{"route": "/property/surveys", "title": _("My Surveys")},
		],
	}
	if form.closed_message:
		return "survey_message.html", context | {"message": form.closed_message}
	return "survey.html", context


def home_section(resident: str, units: list, reach, owner) -> dict:
	"""The surveys part of the resident's home page (`portal_home` hook)."""
	return {"surveys_waiting": portal_surveys.count_waiting(resident)}
