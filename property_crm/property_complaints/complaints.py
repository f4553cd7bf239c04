"""What happens around a Complaint: registration, anonymity, acknowledgement, the workflow's rules,
feedback, return visits, auto-closing and escalation. The rules themselves are `property_complaints.rules.complaint`.

Anonymity. An anonymous complaint never holds its complainant: on registration the name, unit, contact,
related service order and earlier complaint move to a Complaint Identity record that only Property
Managers may read, and the complaint keeps 匿名. So every read path of Complaint — form, list, REST,
`frappe.client.*`, link search, Report Builder, exports, prints, notification texts, version history — has
nothing to show; managers read the identity record (and the form shows it to them). Messages to the
complainant of an anonymous complaint are Notifications on the identity record, whose timeline only
managers see. A resident filing anonymously on the portal files as nobody in particular (the records are
written by the system, not by their user), and still tracks the complaint through the identity record."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import get_datetime, now_datetime

from property_crm.anonymous import as_system
from property_crm.property_complaints.rules import complaint as rules
from property_crm.property_households.residents import check_occupant
from property_crm.property_service import orders
from property_crm.property_service.rules.service import is_repeat

DOCTYPE = "Complaint"
IDENTITY = "Complaint Identity"
MANAGER = "Property Manager"


def settings():
	return frappe.get_cached_doc("Property CRM Settings")


# ------------------------------------------------------------------ validate
def validate(doc) -> None:
	if doc.is_new():
		hold_identity_fields(doc)
	identity = doc.flags.identity or frappe._dict()
	set_location(doc, identity.get("unit") or doc.unit)
	fill_complainant(doc, identity)
	validate_complainant_lives_there(doc, identity)
	set_defaults_from_category(doc)
	validate_hotline(doc)
	if doc.is_new():
		set_repeats(doc, identity)
		acknowledge(doc, identity)
	apply_status_rules(doc)
	if doc.is_anonymous:
		keep_anonymous(doc)


def hold_identity_fields(doc) -> None:
	"""A new anonymous complaint: keep who filed it aside (saved on the identity record after insert)."""
	if not doc.is_anonymous:
		return
	doc.flags.identity = frappe._dict({field: doc.get(field) for field in rules.IDENTITY_FIELDS})


def keep_anonymous(doc) -> None:
	"""The complaint itself never holds the complainant of an anonymous complaint."""
	identity = doc.flags.identity
	if identity is None and any(doc.get(f) for f in rules.IDENTITY_FIELDS if f != "complainant_name"):
		frappe.throw(
			_("This complaint is anonymous: record who filed it on its confidential identity, not here."),
			title=_("Anonymous complaint"),
		)
	if identity is not None:
		# the identity holds what the complainant's fields were filled with (by hand or from the file)
		for field in ("complainant_name", "contact_mobile", "complainant_email"):
			identity[field] = identity.get(field) or doc.get(field)
		identity["related_service_order"] = identity.get("related_service_order") or doc.related_service_order
	for field in rules.IDENTITY_FIELDS:
		doc.set(field, None)
	doc.complainant_name = rules.ANONYMOUS
	if doc.building and not rules.keeps_building(
		frappe.db.count("Property Unit", {"building": doc.building})
	):
		doc.building = None


def set_location(doc, unit: str | None) -> None:
	if unit:
		doc.estate, doc.building = frappe.db.get_value("Property Unit", unit, ["estate", "building"])
	if not doc.estate:
		frappe.throw(
			_("Estate: choose the estate this complaint is about (or the unit, which gives it)."),
			title=_("Please correct this value"),
		)


def fill_complainant(doc, identity: dict) -> None:
	"""Name, mobile and e-mail from the resident file where the form left them empty."""
	target = identity if doc.flags.identity is not None else doc
	person = target.get("complainant")
	if not person:
		return
	row = frappe.db.get_value("Property Owner", person, ["full_name", "mobile", "email"], as_dict=True)
	if not row:
		return
	for field, value in (("complainant_name", row.full_name), ("contact_mobile", row.mobile),
		("complainant_email", row.email)):  # fmt: skip
		if not target.get(field):
			setattr(target, field, value)


def validate_complainant_lives_there(doc, identity: dict) -> None:
	source = identity if doc.flags.identity is not None else doc
	check_occupant(source.get("complainant"), source.get("unit"), "Complainant")


def set_defaults_from_category(doc) -> None:
	category = frappe.db.get_value(
		"Complaint Category", doc.complaint_category, ["default_severity", "department"], as_dict=True
	)
	if not category:
		return
	if not doc.severity:
		doc.severity = category.default_severity or "Medium"
	doc.priority = rules.priority_of(doc.severity)
	if not doc.responsible_department:
		doc.responsible_department = category.department
	if doc.is_new() and not doc.responsible_person:
		doc.responsible_person = least_loaded_handler(doc.complaint_category, doc.estate)


def least_loaded_handler(category: str, estate: str | None) -> str | None:
	"""The category's handler (who may work in the estate) with the fewest open complaints."""
	from property_crm.permissions import allowed_estates

	handlers = frappe.get_all(
		"Complaint Category Handler",
		filters={"parent": category, "parenttype": "Complaint Category"},
		pluck="user",
		order_by="idx asc",
	)
	handlers = [
		user for user in handlers if (estates := allowed_estates(user, DOCTYPE)) is None or estate in estates
	]
	if not handlers:
		return None
	load = {
		row.responsible_person: row.count
		for row in frappe.get_all(
			DOCTYPE,
			filters={"responsible_person": ("in", handlers), "status": ("in", rules.OPEN_STATES)},
			fields=["responsible_person", "count(name) as count"],
			group_by="responsible_person",
		)
	}
	return min(handlers, key=lambda user: (load.get(user, 0), handlers.index(user)))


def validate_hotline(doc) -> None:
	if doc.channel == "12345 Hotline":
		if not (doc.external_reference or "").strip():
			frappe.throw(
				_("External Reference: give the hotline's case number of this complaint."),
				title=_("Please correct this value"),
			)
		if not doc.hotline_reply_deadline:
			frappe.throw(
				_("Reply Deadline: give the date by which the hotline expects our reply."),
				title=_("Please correct this value"),
			)
	if doc.hotline_reply and not doc.hotline_replied_on:
		doc.hotline_replied_on = now_datetime()


def set_repeats(doc, identity: dict) -> None:
	"""Link the complainant's latest earlier complaint within the window and count them.

	A named complaint links and counts only the person's named complaints: pointing at an anonymous one
	would tell staff who filed it. An anonymous complaint's earlier complaint (any) is kept on its identity."""
	anonymous = doc.flags.identity is not None
	person = (identity if anonymous else doc).get("complainant")
	if not person:
		return
	opened = get_datetime(doc.received_on) if doc.received_on else now_datetime()
	since = opened - timedelta(days=rules.REPEAT_WINDOW_DAYS)
	complaint = frappe.qb.DocType(DOCTYPE)
	identities = frappe.qb.DocType(IDENTITY)
	query = (
		frappe.qb.from_(complaint)
		.left_join(identities)
		.on(identities.name == complaint.identity)
		.select(complaint.name, complaint.creation)
		.where((complaint.creation >= since) & (complaint.status != "Withdrawn"))
		.orderby(complaint.creation, order=frappe.qb.desc)
	)
	if anonymous:
		query = query.where((complaint.complainant == person) | (identities.complainant == person))
	else:
		query = query.where(complaint.complainant == person)
	earlier = [
		row
		for row in query.run(as_dict=True)
		if is_repeat(get_datetime(row.creation), opened, rules.REPEAT_WINDOW_DAYS)
	]
	if not earlier:
		return
	if anonymous:
		identity["repeat_of"] = earlier[0].name
	else:
		doc.repeat_of = earlier[0].name
		doc.repeat_count = len(earlier)


def openid_of(person: str) -> str | None:
	from property_crm.wechat import binding

	return binding.openid_of(person)


def acknowledge(doc, identity: dict) -> None:
	"""Choose how the complainant hears of the complaint's reference; the message itself is the
	Complaint Acknowledgement notification (on the identity record for an anonymous complaint)."""
	source = identity if doc.flags.identity is not None else doc
	person = source.get("complainant")
	preferred, user = (
		frappe.db.get_value("Property Owner", person, ["preferred_channel", "user"])
		if person
		else (None, None)
	)
	channel = rules.acknowledgement_channel(
		preferred,
		source.get("complainant_email"),
		source.get("contact_mobile"),
		bool(user),
		doc.channel == "Portal",
		# an anonymous complaint's acknowledgement is the identity's notifications (e-mail, SMS): not WeChat
		wechat=doc.flags.identity is None and preferred == "WeChat" and bool(openid_of(person)),
	)
	if doc.flags.identity is not None:
		# How an anonymous complainant is reached narrows down who they are (has an e-mail, has a portal login,
		# is unreachable): it stays on the identity. The complaint shows it acknowledged, as every anonymous one
		# is (its reference is given when it is filed).
		identity["acknowledged_via"] = channel
		doc.acknowledged_via = None
		doc.acknowledged_on = now_datetime()
		return
	doc.acknowledged_via = channel
	doc.acknowledged_on = now_datetime() if channel else None


def apply_status_rules(doc) -> None:
	"""What each state needs, checked on the server whoever moves the complaint (desk, REST, portal)."""
	before = doc.get_doc_before_save()
	previous = before.status if before else None
	if doc.is_new() or previous == doc.status:
		return
	now = now_datetime()
	if doc.status == "Investigating" and previous == "Registered":
		doc.flags.on_first_reply = True  # ERPNext's SLA: the complaint has been assessed (first response)
	if doc.status == "Resolved":
		problems = rules.resolve_problems(doc.root_cause, doc.resolution)
		if problems:
			frappe.throw("<br>".join(_(p) for p in problems), title=_("Not ready to resolve"))
		doc.resolved_on = now
		doc.feedback = doc.feedback_comment = doc.feedback_on = None
	if doc.status == "Closed":
		problems = rules.close_problems(
			doc.feedback,
			get_datetime(doc.resolved_on) if doc.resolved_on else None,
			now,
			int(settings().complaint_close_days or 7),
			doc.channel,
			doc.hotline_replied_on,
		)
		if problems:
			frappe.throw("<br>".join(_(p) for p in problems), title=_("Not ready to close"))
		doc.closed_on = now
	if doc.status == "Reopened":
		doc.reopen_count = (doc.reopen_count or 0) + 1
		doc.closed_on = None


# ------------------------------------------------------------------ after insert / update
def after_insert(doc) -> None:
	identity = doc.flags.identity
	if identity is None:
		return
	user = (
		frappe.db.get_value("Property Owner", identity.get("complainant"), "user")
		if identity.get("complainant")
		else None
	)
	record = frappe.get_doc(
		{
			"doctype": IDENTITY,
			"complaint": doc.name,
			"estate": doc.estate,
			"complaint_status": doc.status,
			"user": user,
			**identity,
		}
	)
	# Safe: written by the system when a complaint is registered; only managers can read it afterwards.
	record.insert(ignore_permissions=True)
	doc.db_set("identity", record.name, update_modified=False)
	doc.flags.identity = None


def on_update(doc) -> None:
	if not doc.has_value_changed("status"):
		return
	if doc.is_anonymous and doc.identity:
		mirror_status(doc)
	if doc.status == "Resolved":
		make_return_visit(doc)


def mirror_status(doc) -> None:
	"""The identity record follows the complaint's status, so that its notifications (resolved → the
	complainant, with the feedback link) fire on it."""
	identity = frappe.get_doc(IDENTITY, doc.identity)
	identity.complaint_status = doc.status
	# Safe: the system keeps the identity in step with its complaint.
	identity.save(ignore_permissions=True)


def identity_of(doc) -> frappe._dict:
	"""Who filed the complaint, for the system's own use (acknowledgement, portal, return visit)."""
	if doc.is_anonymous and doc.identity:
		row = frappe.db.get_value(IDENTITY, doc.identity, [*rules.IDENTITY_FIELDS, "user"], as_dict=True)
		return row or frappe._dict()
	return frappe._dict({field: doc.get(field) for field in rules.IDENTITY_FIELDS})


@frappe.whitelist()
def confidential_identity(complaint: str) -> dict | None:
	"""The complainant of an anonymous complaint, for a manager who may read its identity record."""
	identity = frappe.db.get_value(DOCTYPE, complaint, "identity")
	if not identity or not frappe.has_permission(IDENTITY, "read", identity):
		raise frappe.PermissionError(_("Only Property Managers may see who filed an anonymous complaint."))
	return frappe.db.get_value(
		IDENTITY,
		identity,
		["name", "complainant", "complainant_name", "unit", "contact_mobile", "complainant_email"],
		as_dict=True,
	)


def anonymous_identity_in(subject: str | None) -> str | None:
	"""The identity record of an anonymous complaint whose reference the subject carries, if any."""
	for name in rules.references_in(subject):
		identity = frappe.db.get_value(DOCTYPE, {"name": name, "is_anonymous": 1}, "identity")
		if identity:
			return identity
	return None


def keep_unthreaded_replies_anonymous(order, method=None) -> None:
	"""Service Order.before_insert (doc_events): a reply to an anonymous complaint's acknowledgement whose
	threading headers were lost (so Frappe could not put it on the identity record) would become an e-mailed
	order carrying the complainant's address next to the complaint's reference in its subject. The order
	keeps neither; the mail itself goes to the identity record (`keep_messages_confidential`)."""
	if not (order.channel == "Email" and order.requester_email and not order.requester):
		return
	if not anonymous_identity_in(order.subject):
		return
	order.requester_email = order.requester_name = order.contact_mobile = None
	order.suggested_requester = order.suggested_unit = order.unit = None
	order.subject = _("A reply about an anonymous complaint")
	order.flags.intake_note = _(
		"This mail answers a message about an anonymous complaint: it is kept on the complaint's confidential "
		"identity (Property Managers). Cancel this request unless it asks for a service."
	)


def keep_messages_confidential(communication, method=None) -> None:
	"""Communication.validate (doc_events): a message to or from the complainant of an anonymous complaint —
	the acknowledgement and resolution notices sent from its identity record, and the complainant's replies,
	which Frappe threads onto the same record by their In-Reply-To — is read only through that record
	(Property Managers). Frappe would also link it to the Contacts of its addresses and their Customer /
	resident file (timeline links: the reply would show on the complainant's file, next to the complaint's
	reference in its subject) and list it in the shared inbox of its e-mail account; neither is kept."""
	if (
		communication.reference_doctype != IDENTITY
		and communication.sent_or_received == "Received"
		and communication.communication_type == "Communication"
	):
		identity = anonymous_identity_in(communication.subject)
		if identity:
			communication.reference_doctype, communication.reference_name = IDENTITY, identity
	if communication.reference_doctype != IDENTITY:
		return
	communication.timeline_links = []
	communication.email_account = None


# ------------------------------------------------------------------ feedback
FEEDBACK = ("Satisfied", "Not Satisfied")


@frappe.whitelist(methods=["POST"])
def record_feedback(complaint: str, feedback: str, comment: str | None = None) -> str:
	"""Staff record the complainant's answer (by phone, in person); the portal has its own method."""
	doc = frappe.get_doc(DOCTYPE, complaint)
	doc.check_permission("write")
	return apply_feedback(doc, feedback, comment)


def apply_feedback(doc, feedback: str, comment: str | None = None, by_complainant: bool = False) -> str:
	"""Satisfied closes a resolved complaint; not satisfied reopens it. Returns the new status."""
	if feedback not in FEEDBACK:
		frappe.throw(_("Feedback: choose Satisfied or Not Satisfied."), title=_("Please correct this value"))
	if doc.status != "Resolved":
		frappe.throw(_("Only a resolved complaint takes the complainant's feedback."), title=_("Not yet"))
	doc.feedback = feedback
	doc.feedback_comment = comment
	doc.feedback_on = now_datetime()
	action = rules.feedback_action(feedback)
	if by_complainant:
		# the complainant has no desk role to match a workflow transition: this one move is theirs
		doc.status = "Closed" if action == "Close" else "Reopened"
		doc.flags.complainant_feedback = True
		doc.flags.ignore_permissions = True
		doc.save()
	else:
		doc.save()
		doc.reload()
		apply_workflow(doc, action)
		doc.reload()
	if doc.status == "Reopened":
		doc.add_comment(
			"Info", _("Reopened: the complainant is not satisfied. {0}").format(comment or "").strip()
		)
	close_open_visits(doc)
	return doc.status


def close_open_visits(doc) -> None:
	for name in frappe.get_all(
		"Return Visit",
		filters={"reference_doctype": DOCTYPE, "reference_name": doc.name, "status": "Open"},
		pluck="name",
	):
		frappe.db.set_value("Return Visit", name, "status", "Not Needed")


# ------------------------------------------------------------------ return visits
def make_return_visit(doc) -> str | None:
	"""A return visit after every resolution, by someone other than the responsible person; an anonymous
	complaint's by the estate's manager, or another manager (only managers know whom to call)."""
	if frappe.db.exists("Return Visit", {"reference_doctype": DOCTYPE, "reference_name": doc.name,
		"status": "Open"}):  # fmt: skip
		return None
	exclude = {doc.responsible_person} - {None}
	visitor = None
	if doc.is_anonymous:
		visitor = frappe.db.get_value("Property Estate", doc.estate, "manager")
		visitor = visitor if visitor and visitor not in exclude else None
	visitor = visitor or orders.least_loaded_visitor(
		doc.estate,
		exclude=exclude,
		role=MANAGER if doc.is_anonymous else "Property Customer Service",
		doctype=DOCTYPE,
	)
	visit = frappe.get_doc(
		{
			"doctype": "Return Visit",
			"reference_doctype": DOCTYPE,
			"reference_name": doc.name,
			"due_date": frappe.utils.add_days(frappe.utils.nowdate(), settings().return_visit_days or 3),
			"visitor": visitor,
		}
	)
	# Safe: created by the system when a complaint is resolved.
	visit.insert(ignore_permissions=True)
	return visit.name


def on_return_visit_outcome(visit) -> None:
	"""The complainant's answer on the return visit is their feedback: satisfied closes, not reopens."""
	if visit.reference_doctype != DOCTYPE or visit.outcome not in ("Satisfied", "Unsatisfied"):
		return
	doc = frappe.get_doc(DOCTYPE, visit.reference_name)
	if doc.status != "Resolved":
		return
	if visit.outcome == "Unsatisfied" and visit.on_unsatisfied != "Reopen the order":
		return
	feedback = "Satisfied" if visit.outcome == "Satisfied" else "Not Satisfied"
	comment = _("Return visit {0}: {1}").format(visit.name, visit.notes or "").strip()
	with as_system():
		apply_feedback(doc, feedback, comment, by_complainant=True)


# ------------------------------------------------------------------ scheduled jobs
def auto_close_silent() -> None:
	"""Resolved complaints the complainant has not answered for the configured days close by themselves
	(a hotline case only once its reply to the hotline is recorded)."""
	days = int(settings().complaint_close_days or 0)
	if days <= 0:
		return
	now = now_datetime()
	for name in frappe.get_all(
		DOCTYPE,
		filters={
			"status": "Resolved",
			"feedback": ("is", "not set"),
			"resolved_on": ("<=", now - timedelta(days=days)),
		},
		pluck="name",
	):
		doc = frappe.get_doc(DOCTYPE, name)
		if rules.close_problems(None, get_datetime(doc.resolved_on), now, days, doc.channel,
			doc.hotline_replied_on):  # fmt: skip
			continue
		apply_workflow(doc, "Close")
		doc.add_comment(
			"Info",
			_("Closed automatically: resolved {0} days ago and the complainant did not answer.").format(days),
		)


def escalate() -> None:
	"""The service orders' escalation ladder, twice: the SLA's resolution time and the hotline's reply
	deadline. At the second level an open complaint moves to Escalated."""
	orders.escalate_overdue(
		DOCTYPE, "sla_resolution_by", fulfilled=rules.FULFILLED_STATES, on_level=move_to_escalated
	)
	orders.escalate_overdue(
		DOCTYPE,
		"hotline_reply_deadline",
		level_field="hotline_escalation_level",
		filters={"hotline_replied_on": ("is", "not set")},
		what=_("hotline reply deadline"),
		fulfilled=rules.FINISHED_STATES,
		on_level=move_to_escalated,
	)


def move_to_escalated(name: str, level: int) -> None:
	if level < 2:
		return
	doc = frappe.get_doc(DOCTYPE, name)
	if doc.status in ("Registered", "Investigating", "Reopened"):
		apply_workflow(doc, "Escalate")
