"""Satisfaction surveys around the records: templates and their versions, invitations and their tokens,
answering (portal, e-mailed link, phone, paper), post-service surveys, the closed loop and the sending job.
The rules themselves are `property_surveys.rules.survey`.

Anonymity. A response to an anonymous campaign is written by the system (owner Administrator) with no
person, unit, building or invitation: only the estate (the report counts low answers per estate). Its
invitation is left exactly as it was — no status, no uses counted, no time — so invitations do not even
tell who took part. One answer per invitation all the same: the response's key is the invitation's name
signed with the site's key (`used_key`), and the UNIQUE (campaign, response_key) index refuses a second.
Named responses: the invitation's row is locked and its use counted down in the response's transaction,
and the same UNIQUE index holds their person (or household, or served document); invitations carry a
UNIQUE (campaign, respondent_key) one.
"""

import json
import secrets
from contextlib import nullcontext

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import add_days, cint, flt, get_datetime, get_url, getdate, now_datetime, nowdate

from property_crm.anonymous import as_system
from property_crm.property_surveys.rules import survey as rules
from property_crm.property_surveys.rules.survey import Question, SurveyError

TEMPLATE, CAMPAIGN, INVITATION, RESPONSE = (
	"Survey Template",
	"Survey Campaign",
	"Survey Invitation",
	"Survey Response",
)
DEFAULT_DIMENSIONS = ("Service Quality", "Attitude", "Efficiency", "Environment", "Security", "Fees")
CHUNK = 2_000


def settings():
	return frappe.get_cached_doc("Property CRM Settings")


def throw(error: SurveyError, exc=frappe.ValidationError):
	frappe.throw(_(error.message).format(*error.params), exc, title=_("Please correct this value"))


def install_dimensions() -> int:
	"""The default dimensions, made once (staff maintain the list)."""
	made = 0
	for name in DEFAULT_DIMENSIONS:
		if not frappe.db.exists("Survey Dimension", name):
			frappe.get_doc({"doctype": "Survey Dimension", "dimension_name": name}).insert(
				ignore_permissions=True  # Safe: installation defaults.
			)
			made += 1
	return made


# ------------------------------------------------------------------ templates
def question_of(row, lang: str = "zh") -> Question:
	text = (row.text_zh if lang.startswith("zh") else row.text_en) or row.text_zh or row.text_en or ""
	return Question(
		key=row.question_key,
		type=row.question_type,
		weight=flt(row.weight) or 1.0,
		required=bool(row.required),
		dimension=row.dimension or None,
		options=rules.options_of(row.options),
		condition_key=row.condition_question or None,
		condition_operator=row.condition_operator or None,
		condition_value=row.condition_value,
		label=text.strip(),
	)


def question_rows(template: str) -> list:
	"""The template's questions in order (one query)."""
	return frappe.get_all(
		"Survey Question",
		filters={"parent": template, "parenttype": TEMPLATE},
		fields=["question_key", "text_zh", "text_en", "question_type", "options", "dimension", "weight",
			"required", "condition_question", "condition_operator", "condition_value"],
		order_by="idx asc",
	)  # fmt: skip


def validate_template(doc) -> None:
	for row in doc.questions:
		row.question_key = (row.question_key or "").strip()
		row.weight = row.weight if row.weight is not None else 1
	try:
		rules.check_questions(
			[question_of(row) for row in doc.questions],
			[(row.text_zh or "") + (row.text_en or "") for row in doc.questions],
		)
	except SurveyError as error:
		throw(error)
	if doc.is_new():
		doc.family = doc.family or None
		return
	keep_answered_version(doc)


QUESTION_FIELDS = ("question_key", "text_zh", "text_en", "question_type", "options", "dimension", "weight",
	"required", "condition_question", "condition_operator", "condition_value")  # fmt: skip


def _questions_signature(rows) -> list:
	return [tuple(str(row.get(f) or "") for f in QUESTION_FIELDS) for row in rows]


def keep_answered_version(doc) -> None:
	"""Editing the questions of a template that has answers saves them as a new version (a copy); this
	version keeps its questions, so past answers keep pointing at what was asked."""
	before = doc.get_doc_before_save()
	if not before or _questions_signature(before.questions) == _questions_signature(doc.questions):
		return
	if not frappe.db.exists(RESPONSE, {"template": doc.name}):
		return
	copy = frappe.copy_doc(doc)
	copy.version = cint(doc.version or 1) + 1
	copy.previous_version = doc.name
	copy.family = doc.family or doc.name
	copy.is_latest = 1
	copy.insert()
	doc.set("questions", [])
	for row in before.questions:
		doc.append("questions", {f: row.get(f) for f in QUESTION_FIELDS} | {"name": row.name})
	doc.is_latest = 0
	doc.flags.new_version = copy.name
	frappe.msgprint(
		_("This template already has answers: your changes were saved as version {0}, {1}.").format(
			copy.version, frappe.utils.get_link_to_form(TEMPLATE, copy.name)
		),
		title=_("New version"),
		indicator="blue",
	)


def after_template_insert(doc) -> None:
	if not doc.family:
		doc.db_set("family", doc.name, update_modified=False)
	if doc.previous_version:
		frappe.db.set_value(TEMPLATE, doc.previous_version, "is_latest", 0, update_modified=False)


def latest_version(template: str | None) -> str | None:
	"""The newest version of the template's family (what new invitations use)."""
	if not template:
		return None
	family = frappe.db.get_value(TEMPLATE, template, "family") or template
	rows = frappe.get_all(
		TEMPLATE,
		filters={"family": family, "disabled": 0},
		fields=["name"],
		order_by="version desc",
		limit=1,
	)
	return rows[0].name if rows else template


# ------------------------------------------------------------------ tokens and invitations
def signing_key() -> bytes:
	from frappe.utils.password import get_encryption_key

	return get_encryption_key().encode()


def new_token() -> str:
	return rules.make_token(secrets.token_hex(16), signing_key())


def link_of(token: str) -> str:
	return get_url(f"/property/s/{token}")


def person_details(person: str) -> frappe._dict:
	return (
		frappe.db.get_value(
			"Property Owner",
			person,
			["full_name", "mobile", "mobile_encrypted", "mobile_hash", "email", "user"],
			as_dict=True,
		)
		or frappe._dict()
	)


def invite(
	campaign: str,
	person: str | None,
	unit: str | None,
	channel: str = "Portal",
	reference: tuple[str, str] | None = None,
	valid_days: int | None = None,
) -> tuple[str, str]:
	"""One invitation (its name and token; the token itself is never stored)."""
	conf = frappe.db.get_value(CAMPAIGN, campaign, ["one_per", "link_valid_days"], as_dict=True)
	token = new_token()
	place = (
		frappe.db.get_value("Property Unit", unit, ["estate", "building"], as_dict=True) if unit else None
	) or frappe._dict()
	who = person_details(person) if person else frappe._dict()
	now = now_datetime()
	days = valid_days if valid_days is not None else cint(conf.link_valid_days) or 30
	doc = frappe.get_doc(
		{
			"doctype": INVITATION,
			"campaign": campaign,
			"person": person,
			"person_name": who.full_name,
			# the file's protected mobile as it is stored: mask, ciphertext and hash (never the number)
			"mobile": who.mobile,
			"mobile_encrypted": who.mobile_encrypted,
			"mobile_hash": who.mobile_hash,
			"unit": unit,
			"estate": place.estate,
			"building": place.building,
			"channel": channel,
			"uses_left": 1,
			"valid_from": now,
			"valid_until": add_days(now, days),
			"token_hash": rules.token_hash(token),
			"respondent_key": rules.respondent_key(
				person, unit, conf.one_per == "Household", ":".join(reference) if reference else None
			),
			"reference_doctype": reference[0] if reference else None,
			"reference_name": reference[1] if reference else None,
			"sent_on": now,
		}
	)
	doc.flags.from_system = True
	# Safe: invitations are made by the system (campaign sending, a completed order, staff's campaign).
	doc.insert(ignore_permissions=True)
	return doc.name, token


def refuse(message: str):
	"""Refused: HTTP 403 with the reason (also shown on the page)."""
	frappe.throw(message, frappe.PermissionError, title=_("Survey"))


def invitation_by_token(token: str) -> frappe._dict:
	"""The invitation a link's token opens, or a PermissionError saying why not (forged, used, expired)."""
	if not rules.signature_ok(token or "", signing_key()):
		refuse(_("This survey link is not valid."))
	row = frappe.db.get_value(INVITATION, {"token_hash": rules.token_hash(token)}, "*", as_dict=True)
	if not row:
		refuse(_("This survey link is not valid."))
	check_usable(row)
	return row


FIXED_INVITATION_FIELDS = ("campaign", "person", "unit", "estate", "building", "token_hash", "uses_left",
	"valid_from", "valid_until", "respondent_key", "response", "reference_doctype", "reference_name")  # fmt: skip


def validate_invitation(doc) -> None:
	"""Invitations are made by the system (with their token) and keep who, what and the token's state; staff
	record only the call (outcome, call-back time, notes)."""
	if doc.is_new():
		if not doc.flags.from_system:
			frappe.throw(
				_("Survey Invitation: invitations are made by sending the campaign's invitations."),
				title=_("Not allowed"),
			)
		return
	before = doc.get_doc_before_save()
	if before and any(str(before.get(f) or "") != str(doc.get(f) or "") for f in FIXED_INVITATION_FIELDS):
		frappe.throw(
			_("Survey Invitation: only the call's outcome, call-back time and notes can be changed."),
			title=_("Not allowed"),
		)


def check_usable(row) -> None:
	state = rules.token_state(
		cint(row.uses_left),
		get_datetime(row.valid_from) if row.valid_from else None,
		get_datetime(row.valid_until) if row.valid_until else None,
		now_datetime(),
	)
	if state == rules.TOKEN_USED:
		refuse(_("This survey has already been answered. Thank you!"))
	if state == rules.TOKEN_EXPIRED:
		refuse(_("This survey link has expired."))
	if state == rules.TOKEN_NOT_YET:
		refuse(_("This survey is not open yet."))
	status, ends_on, anonymous = frappe.db.get_value(
		CAMPAIGN, row.campaign, ["status", "ends_on", "anonymous"]
	)
	if status != "Running" or (ends_on and getdate(ends_on) < getdate(nowdate())):
		refuse(_("This survey is closed."))
	if anonymous and frappe.db.exists(
		RESPONSE, {"campaign": row.campaign, "response_key": used_key(row.name)}
	):
		refuse(_("This survey has already been answered. Thank you!"))


# ------------------------------------------------------------------ answering
def parse_answers(answers) -> dict:
	if isinstance(answers, str):
		try:
			answers = json.loads(answers or "{}")
		except ValueError:
			answers = None
	if not isinstance(answers, dict):
		frappe.throw(_("Answers: send the answers as a JSON object."), title=_("Please correct this value"))
	return answers


def submit(invitation: str | None, answers, channel: str, campaign: str | None = None, person=None,
	unit=None) -> str:  # fmt: skip
	"""Record one response (callers checked who may answer). With an invitation its row is locked (and, when
	named, its use counted down) in this transaction; a second answer is refused. Returns the response's
	name (an anonymous response's name is not shown to the resident)."""
	answers = parse_answers(answers)
	row = None
	if invitation:
		row = frappe.db.get_value(INVITATION, invitation, "*", as_dict=True, for_update=True)
		if not row:
			refuse(_("This survey link is not valid."))
		check_usable(row)
		campaign, person, unit = row.campaign, row.person, row.unit
	conf = frappe.db.get_value(
		CAMPAIGN, campaign, ["template", "anonymous", "one_per", "status", "kind"], as_dict=True
	)
	if not conf:
		frappe.throw(_("Survey Campaign: choose the campaign."), title=_("Please correct this value"))
	if conf.status != "Running":
		refuse(_("This survey is closed."))
	anonymous = bool(conf.anonymous)
	template = conf.template
	questions = [question_of(q, frappe.local.lang or "zh") for q in question_rows(template)]
	try:
		cleaned = rules.clean_answers(questions, answers)
	except SurveyError as error:
		throw(error)
	place = (
		frappe.db.get_value("Property Unit", unit, ["estate", "building"], as_dict=True) if unit else None
	) or frappe._dict()
	reference = (row.reference_doctype, row.reference_name) if row and row.reference_name else (None, None)
	doc = frappe.get_doc(
		{
			"doctype": RESPONSE,
			"campaign": campaign,
			"template": template,
			"channel": channel,
			"is_anonymous": int(anonymous),
			"submitted_on": now_datetime(),
			"estate": place.estate or (row.estate if row else None),
			"building": None if anonymous else place.building,
			"unit": None if anonymous else unit,
			"person": None if anonymous else person,
			"invitation": None if anonymous else invitation,
			"reference_doctype": reference[0],
			"reference_name": reference[1],
			"response_key": (used_key(invitation) if invitation else anonymous_key())
			if anonymous
			else (
				row.respondent_key
				if row
				else rules.respondent_key(person, unit, conf.one_per == "Household")
				if person
				else anonymous_key()
			),
			"answers": [
				{"question_key": question.key, "value": _stored(cleaned[question.key])}
				for question in questions
				if question.key in cleaned
			],
		}
	)
	doc.flags.questions = questions
	context = as_system() if anonymous else nullcontext()
	frappe.db.savepoint("survey_response")
	with context:
		try:
			# Safe: the caller checked the resident (their invitation or token) or the staff member.
			doc.insert(ignore_permissions=True)
		except frappe.UniqueValidationError:
			# the UNIQUE (campaign, response_key) index: this person or household has answered already
			frappe.db.rollback(save_point="survey_response")
			refuse(_("This survey has already been answered. Thank you!"))
	if row and not anonymous:
		values = {"uses_left": max(0, cint(row.uses_left) - 1), "status": "Answered", "response": doc.name}
		if channel == "Phone":
			values["call_outcome"] = "Answered"
		frappe.db.set_value(INVITATION, row.name, values, update_modified=False)
	return doc.name


def used_key(invitation: str) -> str:
	"""An anonymous response's key: the invitation's name signed with the site's key. The UNIQUE
	(campaign, response_key) index refuses a second answer through the same invitation, while the invitation
	itself stays as it was (no status, no uses counted, no time) — so no one reading invitations and responses
	can tell who answered, let alone what (only code holding the site's key could recompute it)."""
	return "anon:" + rules.keyed_hash(invitation, signing_key())


def anonymous_key() -> str:
	return "anon:" + secrets.token_hex(12)


def _stored(value) -> str:
	return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)


def _loaded(question_type: str, value: str | None):
	if question_type == rules.MULTIPLE and value:
		try:
			return json.loads(value)
		except ValueError:
			return [value]
	return value


# ------------------------------------------------------------------ the response's own steps
FIXED_RESPONSE_FIELDS = ("campaign", "template", "channel", "is_anonymous", "submitted_on", "estate", "building",
	"unit", "person", "invitation", "reference_doctype", "reference_name", "response_key", "overall_score",
	"response_class", "nps_value", "nps_class", "low_score")  # fmt: skip


def validate_response(doc) -> None:
	"""Scores are computed once, when the response is saved, from its template's questions. A response is
	made only by `submit` (portal, link, phone, paper) — never typed in through REST — and never changes."""
	if not doc.is_new():
		before = doc.get_doc_before_save()
		if before and (
			[(a.question_key, a.value) for a in before.answers]
			!= [(a.question_key, a.value) for a in doc.answers]
			or any(str(before.get(f) or "") != str(doc.get(f) or "") for f in FIXED_RESPONSE_FIELDS)
		):
			frappe.throw(_("Answers: a response's answers cannot be changed."), title=_("Not allowed"))
		return
	if not doc.flags.questions:
		frappe.throw(
			_(
				"Survey Response: record answers from the campaign (phone or paper) or the resident's survey page."
			),
			title=_("Not allowed"),
		)
	questions = doc.flags.questions
	by_key = {q.key: q for q in questions}
	answers = {}
	for row in doc.answers:
		question = by_key.get(row.question_key)
		if question:
			answers[row.question_key] = _loaded(question.type, row.value)
	try:
		answers = rules.clean_answers(questions, answers)
	except SurveyError as error:
		throw(error)
	scores = rules.score(questions, answers)
	doc.set("answers", [])
	for question in questions:
		if question.key in answers:
			doc.append(
				"answers",
				{
					"question_key": question.key,
					"question": question.label,
					"question_type": question.type,
					"dimension": question.dimension,
					"value": _stored(answers[question.key]),
					"score": scores.answer_scores.get(question.key),
				},
			)
	if doc.reference_name and not doc.is_anonymous:
		set_service_details(doc)
	apply_scores(doc, scores)


DIMENSION_ROW_FIELDS = ("submitted_on", "estate", "building", "campaign", "category", "technician")


def apply_scores(doc, scores: rules.Scores) -> None:
	doc.overall_score = scores.overall
	doc.has_score = int(scores.overall is not None)
	doc.response_class = scores.response_class
	doc.nps_value = scores.nps_value
	doc.nps_class = scores.nps_class
	doc.ratings_count = scores.ratings
	doc.satisfied_ratings = scores.satisfied_ratings
	# each dimension row carries what the report groups by, so it aggregates one table (no join)
	where = {f: doc.get(f) for f in DIMENSION_ROW_FIELDS}
	doc.set("dimension_scores", [{"dimension": d, "score": v} | where for d, v in scores.dimensions.items()])
	doc.low_score = int(
		not doc.is_anonymous and rules.needs_follow_up(scores, flt(settings().survey_follow_up_below) or 60)
	)


def set_service_details(doc) -> None:
	if doc.reference_doctype == "Service Order":
		row = frappe.db.get_value(
			"Service Order", doc.reference_name, ["service_category", "_assign"], as_dict=True
		)
		if row:
			doc.category = row.service_category
			assigned = json.loads(row._assign or "[]")
			doc.technician = assigned[0] if assigned else None
	elif doc.reference_doctype == "Complaint":
		doc.category = frappe.db.get_value("Complaint", doc.reference_name, "complaint_category")


def after_response_insert(doc) -> None:
	if doc.low_score and not doc.is_anonymous:
		make_follow_up(doc)
	if doc.reference_doctype == "Service Order" and doc.reference_name:
		rate_order(doc)
	refresh_counts(doc.campaign)


def make_follow_up(doc) -> str | None:
	"""The closed loop: a low response gets a Return Visit of its own for the estate's customer service."""
	from property_crm.property_service.orders import least_loaded_visitor

	visit = frappe.get_doc(
		{
			"doctype": "Return Visit",
			"reference_doctype": RESPONSE,
			"reference_name": doc.name,
			"due_date": add_days(nowdate(), cint(settings().survey_follow_up_days or 2)),
			"visitor": least_loaded_visitor(doc.estate, exclude={doc.technician} - {None}, doctype=RESPONSE),
			"on_unsatisfied": "Record only",
			"notes": _("Survey score {0}: please call the resident back.").format(
				flt(doc.overall_score, 1) if doc.overall_score is not None else "-"
			),
		}
	)
	# Safe: created by the system for a response that needs a follow-up.
	visit.insert(ignore_permissions=True)
	doc.db_set("follow_up", visit.name, update_modified=False)
	return visit.name


def rate_order(doc) -> None:
	"""The post-service survey replaces the order's plain rating: its rating keeps the order's own flow
	(auto-close of unrated orders, return visits only if unrated) going."""
	from property_crm.property_service.orders import apply_rating

	first = next((a for a in doc.answers if a.question_type == rules.RATING), None)
	rating = cint(first.value) if first else (round(doc.overall_score / 25) + 1 if doc.overall_score else 0)
	order = frappe.get_doc("Service Order", doc.reference_name)
	if order.rating or not rating or order.status not in ("Completed", "Closed"):
		return
	apply_rating(order, max(1, min(5, rating)), comment=_("Survey {0}").format(doc.name))


def refresh_counts(campaign: str) -> None:
	invitations = frappe.db.count(INVITATION, {"campaign": campaign})
	responses = frappe.db.count(RESPONSE, {"campaign": campaign})
	frappe.db.set_value(
		CAMPAIGN,
		campaign,
		{
			"invitations": invitations,
			"responses": responses,
			"response_rate": rules.rate(responses, invitations) or 0,
		},
		update_modified=False,
	)


# ------------------------------------------------------------------ post-service
def post_service_campaign(template: str) -> str:
	"""The running campaign that holds a template's post-service invitations (made once per template)."""
	name = frappe.db.get_value(CAMPAIGN, {"template": template, "kind": "Post-service"}, "name")
	if name:
		return name
	title = frappe.db.get_value(TEMPLATE, template, "title")
	doc = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"title": _("After service: {0}").format(title),
			"template": template,
			"kind": "Post-service",
			"status": "Running",
			"one_per": "Person",
			"exclude_days": 0,
			"channel_email": 1,
			"channel_portal": 1,
			"link_valid_days": 30,
		}
	)
	doc.flags.system = True
	# Safe: made by the system when the first order or complaint of a category with a survey is done.
	doc.insert(ignore_permissions=True)
	return doc.name


def after_order_update(order, method=None) -> None:
	"""doc_events: a completed order of a category with a survey invites its requester."""
	if order.status != "Completed" or not order.has_value_changed("status") or not order.requester:
		return
	template = frappe.db.get_value("Service Category", order.service_category, "survey_template")
	invite_after_service(template, order.doctype, order.name, order.requester, order.unit)


def after_complaint_update(complaint, method=None) -> None:
	"""doc_events: a resolved named complaint of a category with a survey invites its complainant.
	An anonymous complaint gets none: its complainant is known only to the confidential identity."""
	if complaint.status != "Resolved" or not complaint.has_value_changed("status"):
		return
	if complaint.is_anonymous or not complaint.complainant:
		return
	template = frappe.db.get_value("Complaint Category", complaint.complaint_category, "survey_template")
	invite_after_service(template, complaint.doctype, complaint.name, complaint.complainant, complaint.unit)


def invite_after_service(template, doctype, name, person, unit) -> str | None:
	template = latest_version(template)
	if not template:
		return None
	campaign = post_service_campaign(template)
	if frappe.db.exists(
		INVITATION, {"campaign": campaign, "reference_doctype": doctype, "reference_name": name}
	):
		return None
	invitation, token = invite(campaign, person, unit, "Portal", reference=(doctype, name))
	send_email(invitation, token)
	return invitation


def invitation_for(doctype: str, name: str) -> frappe._dict | None:
	"""The post-service invitation of an order or complaint (for its portal page)."""
	return frappe.db.get_value(
		INVITATION,
		{"reference_doctype": doctype, "reference_name": name},
		["name", "person", "status", "uses_left"],
		as_dict=True,
		order_by="creation desc",
	)


# ------------------------------------------------------------------ e-mail
def send_email(
	invitation: str,
	token: str,
	email: str | None = None,
	title: str | None = None,
	language: str | None = None,
) -> bool:
	"""The invitation's link by e-mail through Frappe's Email Queue (sent by its own scheduler), in the
	resident's language (their file's, else Chinese); the link opens the survey in that language too."""
	if email is None:
		person = frappe.db.get_value(INVITATION, invitation, "person")
		email, language = (
			frappe.db.get_value("Property Owner", person, ["email", "language"]) if person else (None, None)
		)
	if not email or not can_send_email():
		return False
	if title is None:
		campaign = frappe.db.get_value(INVITATION, invitation, "campaign")
		title = frappe.db.get_value(CAMPAIGN, campaign, "title")
	language = "en" if (language or "").startswith("en") else "zh"
	link = f"{link_of(token)}?_lang={language}"
	with print_language(language):
		subject = _("Survey: {0}").format(title)
		message = _("Please tell us how we are doing. Answer here (no login needed): {0}").format(
			f'<a href="{link}">{link}</a>'
		)
	try:
		frappe.sendmail(
			recipients=[email],
			subject=subject,
			message=message,
			reference_doctype=INVITATION,
			reference_name=invitation,
			delayed=True,
		)
	except frappe.OutgoingEmailError:
		# An invitation is never worth failing the resolution or completion that made it: the link is
		# on the resident's portal page anyway.
		frappe.log_error(_("Survey invitation not e-mailed"), reference_doctype=INVITATION,
			reference_name=invitation)  # fmt: skip
		return False
	return True


def can_send_email() -> bool:
	"""Frappe has an outgoing Email Account to send an invitation with (without one it refuses to queue
	mail; the portal and the call list still work). Frappe's own lookup, cached as Frappe caches it."""
	from frappe.email.doctype.email_account.email_account import EmailAccount

	return bool(EmailAccount.find_outgoing(match_by_doctype=INVITATION))


def redact_sent_links(batch: int = 2000) -> int:
	"""Cut the link's token out of the survey mails Frappe has sent or given up on (Email Queue.message keeps
	the whole mail; only the token's hash is meant to be kept). Frappe marks a mail sent with a plain
	`set_value` (no document event), so this runs with the scheduler's every-tick jobs; a redacted mail is
	marked by its first header (`rules.mail.MARK`), so each is read once. Returns how many were redacted."""
	from property_crm.property_surveys.rules.mail import MARK, mark_redacted

	queue = frappe.qb.DocType("Email Queue")
	rows = (
		frappe.qb.from_(queue)
		.select(queue.name, queue.message)
		.where(queue.reference_doctype == INVITATION)
		.where(queue.status.isin(["Sent", "Error"]))
		.where(queue.message.not_like(f"{MARK}%"))
		.limit(batch)
		.run()
	)
	for name, message in rows:
		frappe.db.set_value("Email Queue", name, "message", mark_redacted(message), update_modified=False)
	return len(rows)
