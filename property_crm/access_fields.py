"""Fields that grant access: who may set them, and the guard that holds it on every door.

A Link that decides who sees what — a resident file's Customer (its bills and payments) and portal User (whose
file it is), a unit's occupants (whose home it is), an order's requester and unit, a complaint's complainant…
— is set only by the method made for it, or directly by a role allowed to. REST `/api/resource`,
`frappe.client.insert/save/set_value`, Data Import and the desk form all pass `before_validate`, where
`guard` (a `doc_events` "*" hook, before the controllers' own checks) compares each registered field with
the saved value and refuses a change the current user may not make with a PermissionError (403), before
anything is written.

Who is trusted without a role: server code that already took responsibility for the write
(`doc.flags.ignore_permissions`, e.g. the portal's own methods setting requester = the logged-in resident),
install/migrate/patches, Administrator and System Manager, and a method made for the field that checked the
caller and marked the document with `allow(doc, fieldname…)` (e.g. merging duplicate files).

`NOT_GRANTING` lists the links to people and places that were looked at and grant nothing, each with why;
the integration test enumerates every such Link / Dynamic Link from the DocType JSON and fails on one that is
in neither list, so a new field waits for someone to decide.
"""

from typing import NamedTuple

import frappe
from frappe import _

MANAGER = "Property Manager"
SERVICE = "Property Customer Service"
ACCOUNTANT = "Property Accountant"
STAFF = (MANAGER, SERVICE)
# roles that administer the site: trusted with every field
ADMIN_ROLES = frozenset(("System Manager",))


class Rule(NamedTuple):
	"""Who may set a field directly (`roles`; empty = nobody) and the method made for it (`via`).
	For a table field, `columns` are the columns of its rows that grant access. `held_by`: the doctype's
	own validation already refuses every change of the field (a ValidationError, 417); the guard leaves it
	there."""

	roles: tuple[str, ...] = ()
	via: str = ""
	columns: tuple[str, ...] = ()
	held_by: str = ""


INVITATION_RULE = "property_crm.property_surveys.surveys.validate_invitation"
RESPONSE_RULE = "property_crm.property_surveys.surveys.validate_response"
OCCUPANT_COLUMNS = ("resident", "relation", "move_in", "move_out", "primary_contact")

REGISTRY: dict[str, dict[str, Rule]] = {
	# the portal finds a resident by `user`, their bills by `customer`; ERPNext's portal pages by `contact`
	"Property Owner": {
		"customer": Rule(via="property_crm.property_households.api.make_customer"),
		"contact": Rule(via="property_crm.property_households.api.make_customer"),
		"user": Rule(via="property_crm.property_households.api.make_portal_user"),
	},
	# whose home a unit is: the portal's units, requests, complaints, bills, notices and surveys follow it;
	# customer service register residents and occupants in the desk (README roles table)
	"Property Unit": {
		"occupants": Rule(roles=STAFF, columns=OCCUPANT_COLUMNS),
		"primary_contact": Rule(roles=STAFF),
	},
	# an occupant row saved on its own (PUT /api/resource/Property Unit Occupant/<row>)
	"Property Unit Occupant": {column: Rule(roles=STAFF) for column in OCCUPANT_COLUMNS},
	# the requester and the unit put an order on a resident's portal and a household's; the resident's
	# confirmation of the work (a signature drawn on the technician's phone, or an SMS code) is proof that
	# decides what the resident is asked to accept: written by the field app's methods only, by nobody directly
	"Service Order": {
		"requester": Rule(roles=STAFF),
		"unit": Rule(roles=STAFF),
		**{
			field: Rule(via="property_crm.property_service.field.api.sign")
			for field in ("resident_signature", "confirmation_method", "confirmed_on", "confirmed_by_name")
		},
	},
	# the complainant (and the unit's household, for named complaints) follow it on the portal
	"Complaint": {"complainant": Rule(roles=STAFF), "unit": Rule(roles=STAFF)},
	# the confidential identity of an anonymous complaint: written by the filing, read by managers only
	"Complaint Identity": {
		"complainant": Rule(roles=(MANAGER,)),
		"unit": Rule(roles=(MANAGER,)),
		"user": Rule(roles=(MANAGER,)),
	},
	# an invitation shows its person the survey and the order or complaint it is about; invitations and
	# responses are made by the system only and never change (property_surveys.surveys validates both)
	"Survey Invitation": {
		field: Rule(via="property_crm.property_surveys.surveys.invite", held_by=INVITATION_RULE)
		for field in ("person", "unit", "reference_doctype", "reference_name")
	},
	"Survey Response": {
		field: Rule(via="property_crm.property_surveys.surveys.submit", held_by=RESPONSE_RULE)
		for field in ("person", "unit", "reference_doctype", "reference_name")
	},
	# ERPNext's Customer points back at its resident file: `make_customer` links the file found this way
	"Customer": {"property_owner": Rule(roles=(MANAGER,), via="property_crm.property_households.accounts")},
	# whose portal the Official Account's menu opens logged in: the binding is written by the WeChat sign-in
	# only (nobody has create or write on WeChat Binding; managers may delete = unbind)
	"WeChat Binding": {field: Rule(via="property_crm.wechat.binding.bind") for field in ("resident", "user")},
	# whose payment an online payment order is (the portal shows a resident only their own orders) and whose
	# bills it pays: written by the server only (nobody has write or create on orders)
	"Property Payment Order": {
		field: Rule(via="property_crm.property_fees.payments.orders.create_order")
		for field in ("resident", "customer")
	},
}

# Links to people and places of ours that grant nobody access, and why (checked by the integration test).
NOT_GRANTING: dict[tuple[str, str], str] = {
	("Property Building", "estate"): "structure; Frappe's User Permission on the estate checks it on save",
	("Property Unit", "estate"): "structure; Frappe's User Permission on the estate checks it on save",
	("Property Unit", "building"): "structure; must belong to the unit's estate (validated)",
	("Property Estate", "manager"): "who is alerted on escalation; only Property Manager writes an estate",
	("Property Vehicle", "parking_space"): "a label of the resident's own vehicle; reaches no one's records",
	("Service Order", "estate"): "derived from the unit by the controller",
	("Service Order", "building"): "derived from the unit by the controller",
	("Service Order", "suggested_requester"): "a suggestion of e-mail intake; reaches no portal until "
	"staff, who may set the requester anyway, confirm it",
	("Service Order", "suggested_unit"): "a suggestion of e-mail intake, as suggested_requester",
	("Complaint", "estate"): "derived from the unit or chosen public area; scopes staff, not residents",
	("Complaint", "building"): "derived from the unit or chosen public area",
	("Complaint", "responsible_person"): "staff who handle it; Complaint has no per-user read rule",
	("Complaint Identity", "estate"): "copied from the complaint; managers only",
	("Complaint Category Handler", "user"): "staff told of new complaints; only managers write categories",
	("Service Category Technician", "user"): "the dispatch pool; only managers write categories",
	("Return Visit", "reference_name"): "what the staff visit follows up; no resident reads return visits",
	("Return Visit", "estate"): "copied from the record followed up",
	("Return Visit", "unit"): "copied from the record followed up",
	("Return Visit", "visitor"): "staff making the visit",
	("Survey Invitation", "estate"): "derived from the unit",
	("Survey Invitation", "building"): "derived from the unit",
	("Survey Response", "estate"): "derived from the unit",
	("Survey Response", "building"): "derived from the unit",
	("Survey Response", "technician"): "copied from the order, for the technician's scores",
	("Survey Response Dimension", "estate"): "copied from its response, for analysis",
	("Survey Response Dimension", "building"): "copied from its response, for analysis",
	("Survey Response Dimension", "technician"): "copied from its response, for analysis",
	("Survey Campaign Estate", "estate"): "whom a campaign invites; invitations are made by the system",
	("Survey Campaign Building", "building"): "whom a campaign invites; invitations are made by the system",
	("Property Care Event", "resident"): "the care calendar, made by the daily job; residents never read it",
	("Property Care Event", "estate"): "the care calendar",
	("Property Care Event", "unit"): "the care calendar",
	("Property Care Policy", "estate"): "where a policy applies",
	("Property Care Staff", "user"): "staff who make care visits",
	("Property Event", "estate"): "where an event is announced; public to that estate's residents",
	(
		"Property Event Registration",
		"resident",
	): "a sign-up; shows the resident only an event of their estate",
	("Property Event Registration", "estate"): "copied from the event",
	("Property Event Registration", "unit"): "the sign-up's home, for the attendee list",
	("Property Greeting Campaign", "estate"): "where greetings go; made by staff for their estate",
	("Property Notice", "estate"): "where a notice is published; public to that estate's residents",
	("Property Notice", "building"): "where a notice is published",
	("Property Notice Read", "estate"): "a read receipt",
	("Property Notice Read", "user"): "a read receipt, written by the portal for the reader",
	("Property Notice Read", "resident"): "a read receipt, written by the portal for the reader",
	("Property Profile Change", "resident"): "a change request; staff who may edit that file decide it",
	("Property Profile Change", "estate"): "copied from the resident's home",
	("Data Change Request", "reference_name"): "the record a four-eyes request is about; managers read "
	"requests, and deciding one needs the right to delete or edit that record itself",
	("Data Change Request", "estate"): "copied from the record; scopes managers, not residents",
	("Data Change Request", "requested_by"): "set by the server to who filed it",
	("Data Change Request", "approver"): "set by the server to who decided it",
	("Confidentiality Agreement", "user"): "whose agreement it is; that user reads this one record, and only "
	"managers and IT write agreements",
	(
		"Data Incident",
		"estate",
	): "which estate's incident; scopes managers (User Permission), only managers write",
	("Data Incident", "reported_by"): "who reported the incident; a name on a managers-only record",
	(
		"Data Incident Resident",
		"resident",
	): "an affected resident; the form refuses a file the manager may not "
	"read (403), and residents have no access to incidents",
	("Data Incident Resident", "unit"): "the affected resident's unit, copied from the file",
	("Data Incident Step", "done_by"): "who took a containment step; a name on a managers-only record",
	("Property Profile Change", "requested_by"): "who asked; written by the portal",
	("Property Profile Change", "decided_by"): "who decided; written on the decision",
	("Property Verification Round", "estate"): "where a round checks files; staff work",
	("Property Verification Item", "resident"): "a file to check in a round; staff work",
	("Property Verification Item", "assigned_to"): "staff who check it",
	("Property Billing Run Estate", "estate"): "which estates a billing run bills; accountants' work",
	("Property Fee Schedule", "estate"): "where a fee schedule applies",
	("Property Fee Charge", "unit"): "written by the billing run only (read-only for every role)",
	("Property Fee Charge", "estate"): "written by the billing run only",
	("Property Fee Charge", "building"): "written by the billing run only",
	("Property Fee Charge", "customer"): "written by the billing run only",
	("Property Fee Charge", "resident"): "written by the billing run only",
	("Property Fee Override", "unit"): "a unit's fee exception; accountants' work, reaches no portal",
	("Property Fee Override", "estate"): "derived from the unit",
	("Property Fee Override", "approved_by"): "who approved; written on approval",
	("Property Late Fee", "customer"): "written by the late-fee job; read-only for its writers",
	("Property Late Fee", "estate"): "written by the late-fee job",
	("Property Late Fee", "waiver_requested_by"): "who asked for a waiver; written by the method",
	("Property Late Fee", "waiver_approved_by"): "who approved a waiver; written by the method",
	("Property Meter Reading", "unit"): "a reading of a unit's meter; reaches no one's records",
	("Property Meter Reading", "estate"): "derived from the unit",
	("Property Meter Reading", "building"): "derived from the unit",
	(
		"Property Payment Order",
		"estate",
	): "copied from the bills by the server; scopes staff (User Permission)",
	("Property Payment Refund", "estate"): "fetched from the payment order; scopes staff (User Permission)",
	("Property Payment Refund", "customer"): "fetched from the payment order; refunds reach no portal",
	("Property Payment Refund", "resident"): "fetched from the payment order; refunds reach no portal",
	("Property Payment Refund", "requested_by"): "who asked for the refund; written by the method",
	("Property Payment Refund", "approved_by"): "who approved or refused it; written by the method",
}

ALLOWED_FLAG = "access_fields_allowed"


def allow(doc, *fieldnames: str) -> None:
	"""Mark `doc` as written by the method made for `fieldnames` (after that method checked the caller)."""
	allowed = set(doc.flags.get(ALLOWED_FLAG) or ())
	doc.flags[ALLOWED_FLAG] = allowed | set(fieldnames)


def may_set(doctype: str, fieldname: str, user: str | None = None) -> bool:
	"""Whether `user` may set `doctype.fieldname` directly (not through its method)."""
	user = user or frappe.session.user
	rule = REGISTRY.get(doctype, {}).get(fieldname)
	if rule is None or user == "Administrator":
		return True
	roles = set(frappe.get_roles(user))
	return bool(roles & ADMIN_ROLES or roles & set(rule.roles))


def _trusted(doc) -> bool:
	flags = frappe.flags
	return bool(
		doc.flags.ignore_permissions
		or flags.in_install
		or flags.in_migrate
		or flags.in_patch
		or flags.in_setup_wizard
		or frappe.session.user == "Administrator"
	)


def _value(value):
	return None if value in (None, "") else str(value)


def _rows(rows, columns: tuple[str, ...]) -> list[tuple]:
	"""The rows' access-granting content, in a stable order (reordering rows grants nothing)."""
	content = (tuple(_value(row.get(column)) or "" for column in columns) for row in rows or ())
	return sorted(row for row in content if any(row))


def _changed(doc, before, fieldname: str, rule: Rule) -> bool:
	if rule.columns:
		old = _rows(before.get(fieldname), rule.columns) if before else []
		return _rows(doc.get(fieldname), rule.columns) != old
	now = _value(doc.get(fieldname))
	if before is None:
		return now is not None
	return now != _value(before.get(fieldname))


def _before(doc):
	if doc.is_new():
		return None
	before = doc.get_doc_before_save()
	if before is None and frappe.db.exists(doc.doctype, doc.name):
		before = frappe.get_doc(doc.doctype, doc.name)
	return before


def guard(doc, method: str | None = None) -> None:
	"""before_validate of every document ("*" doc_event): refuse a change of a registered field by a user
	who may not make it directly, unless the method made for it marked the document."""
	rules = REGISTRY.get(doc.doctype)
	if not rules or _trusted(doc):
		return
	user = frappe.session.user
	roles = set(frappe.get_roles(user))
	if roles & ADMIN_ROLES:
		return
	allowed = doc.flags.get(ALLOWED_FLAG) or ()
	before = _before(doc)
	for fieldname, rule in rules.items():
		if rule.held_by or fieldname in allowed or roles & set(rule.roles):
			continue
		if not doc.meta.has_field(fieldname) or not _changed(doc, before, fieldname, rule):
			continue
		label = _(doc.meta.get_label(fieldname))
		if rule.via:
			message = _("{0}: {1} is set only through its own action, not by editing the record.").format(
				_(doc.doctype), label
			)
		else:
			message = _("{0}: you may not change {1}; it decides who can see this record.").format(
				_(doc.doctype), label
			)
		frappe.throw(message, frappe.PermissionError, title=_("Not permitted"))
