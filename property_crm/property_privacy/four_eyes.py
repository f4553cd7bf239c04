"""Four-eyes principle (四眼原则): key data is deleted or changed only after a second manager approves.

Doors: `doc_events` (hooks.py) run `refuse_delete` on `on_trash` and `refuse_change` on `before_save` of the
guarded doctypes, so a direct deletion or guarded change — desk, REST `/api/resource`, `frappe.client.*`,
Data Import — is refused (a ValidationError, HTTP 417) for every user, Property Manager and System Manager
included. Exempt: Administrator, install/migrate/patches, and an approved Data Change Request being applied
(`frappe.flags.four_eyes_approved`, set by `apply` below). The rules are pure (`rules/four_eyes.py`).

A request is a Data Change Request (its controller validates and decides; a Frappe Workflow moves it
Pending → Approved / Rejected). On approval the change is applied as the approver: a resident file's
deletion through Frappe's Personal Data Deletion Request (the app's override reaches every record hanging
off the file, `resident_data_fields`), an occupancy row by removing it from its unit, anything else by
`frappe.delete_doc`; a change by saving the record (all its own validation runs). Before and after go into
the record's timeline and the request's.
"""

import json
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import nowdate

from property_crm import protected_fields
from property_crm.masks import mask_id, mask_mobile
from property_crm.property_privacy.rules import four_eyes as rules
from property_crm.rate_limits import limited

MANAGER = "Property Manager"
OWNER = "Property Owner"
UNIT = "Property Unit"
OCCUPANT = "Property Unit Occupant"
REQUEST = "Data Change Request"
# what a deletion request keeps of the record as "before" (masked where personal)
SNAPSHOT = {
	OWNER: ("full_name", "archive_number", "resident_type", "id_type", "id_number", "mobile", "email"),
	UNIT: ("estate", "building", "unit_number", "status", "usage"),
	OCCUPANT: ("parent", "resident", "resident_name", "relation", "move_in", "move_out"),
	"Service Order": ("subject", "status", "unit", "requester_name", "estate"),
	"Complaint": ("subject", "status", "unit", "estate"),
	"Survey Response": ("person", "unit", "reference_doctype", "reference_name"),
	"Property Meter Reading": ("unit", "meter_type", "period", "previous_reading", "current_reading"),
	"Property Fee Charge": ("unit", "fee_item", "period_start", "period_end", "payer", "amount"),
	"Property Late Fee": ("sales_invoice", "amount", "status"),
	"Property Fee Override": ("unit", "fee_item", "kind", "value"),
}
MASKED = {"id_number": mask_id, "mobile": mask_mobile}


class FourEyesRequired(frappe.ValidationError):
	"""A deletion or guarded change that needs a second manager's approval (HTTP 417)."""


def exempt() -> bool:
	return rules.is_exempt(frappe.session.user, frappe.flags)


def refuse_delete(doc, method=None) -> None:
	"""`on_trash` of a guarded doctype: refused unless exempt."""
	if doc.doctype not in rules.GUARDED_DELETE or exempt():
		return
	frappe.throw(
		_(rules.DELETE_NEEDS_APPROVAL).format(_(doc.doctype), doc.name),
		FourEyesRequired,
		title=_("Approval needed"),
	)


def _plain(doc) -> dict:
	data = doc.as_dict(no_default_fields=False)
	return {k: v for k, v in data.items() if not isinstance(v, list)} | {
		"occupants": [row.as_dict() for row in doc.get("occupants") or []]
	}


def refuse_change(doc, method=None) -> None:
	"""`before_save` of a guarded doctype: a change of a file's name or ID number, a unit's owners or an
	occupancy row removed is refused unless exempt."""
	if doc.doctype not in rules.GUARDED_CHANGE or doc.is_new() or exempt():
		return
	before = doc.get_doc_before_save()
	if not before:
		return
	has_hash = bool(frappe.get_meta(doc.doctype).has_field("id_number_hash"))
	changed = rules.guarded_changes(doc.doctype, _plain(before), _plain(doc), has_hash=has_hash)
	if not changed:
		return
	labels = {"owner": _("Owner"), "occupants": _("Occupants")}
	meta = frappe.get_meta(doc.doctype)
	names = ", ".join(labels.get(field) or _(meta.get_label(field)) for field in changed)
	frappe.throw(
		_(rules.CHANGE_NEEDS_APPROVAL).format(names, _(doc.doctype), doc.name),
		FourEyesRequired,
		title=_("Approval needed"),
	)


# ---- requests ---------------------------------------------------------------------------------------


def masked(values: dict) -> dict:
	return {k: (MASKED[k](str(v)) if k in MASKED and v else v) for k, v in values.items()}


def snapshot(doc) -> dict:
	fields = SNAPSHOT.get(doc.doctype, ())
	return masked({"name": doc.name} | {f: doc.get(f) for f in fields if doc.get(f) not in (None, "")})


def estate_of(doc) -> str | None:
	if doc.get("estate"):
		return doc.estate
	if doc.doctype == OCCUPANT:
		return frappe.db.get_value(UNIT, doc.parent, "estate")
	if doc.get("unit"):
		return frappe.db.get_value(UNIT, doc.unit, "estate")
	if doc.doctype == OWNER:
		row = frappe.qb.DocType(OCCUPANT)
		unit = frappe.qb.DocType(UNIT)
		found = (
			frappe.qb.from_(row)
			.join(unit)
			.on(unit.name == row.parent)
			.select(unit.estate)
			.where((row.parenttype == UNIT) & (row.resident == doc.name))
			.limit(1)
			.run(pluck=True)
		)
		return found[0] if found else None
	return None


def current_values(doc, fields) -> dict:
	if doc.doctype == UNIT and "owner" in fields:
		owners = [r.resident for r in doc.occupants if r.relation in rules.OWNER_RELATIONS and not r.move_out]
		return {"owner": ", ".join(owners)}
	values = {f: doc.get(f) for f in fields}
	if "id_number" in values and frappe.get_meta(doc.doctype).has_field("id_number_encrypted"):
		values["id_number"] = protected_fields.plain_value(doc, "id_number")
	return values


def prepare(request) -> None:
	"""A new request: the record exists and is guarded, the requester may delete / write it, one pending
	request per record and action; before, after and the readable summary computed here (never taken from
	the client); the proposed values sealed with the site's key (`frappe.utils.password.encrypt`)."""
	from frappe.utils.password import encrypt

	doctype, name = request.reference_doctype, request.reference_name
	guarded = rules.GUARDED_DELETE if request.action == rules.DELETE else rules.CHANGEABLE
	if doctype not in guarded:
		frappe.throw(_(rules.NOT_GUARDED).format(_(doctype or "")))
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	target = frappe.get_doc(doctype, name)
	ptype = "delete" if request.action == rules.DELETE else "write"
	check = frappe.get_doc(UNIT, target.parent) if doctype == OCCUPANT else target
	if not frappe.has_permission(check.doctype, ptype, check):
		frappe.throw(
			_("You may not {0} {1} {2}, so you cannot request it.").format(_(ptype), _(doctype), name),
			frappe.PermissionError,
		)
	if frappe.db.exists(
		REQUEST,
		{"reference_doctype": doctype, "reference_name": name, "action": request.action, "status": "Pending"},
	):
		frappe.throw(_("A pending request for {0} {1} already exists.").format(_(doctype), name))
	request.status = rules.PENDING
	request.requested_by = frappe.session.user
	request.approver = request.decided_on = None
	request.estate = estate_of(target)
	if request.action == rules.DELETE:
		request.before_json = json.dumps(snapshot(target), ensure_ascii=False, indent=1, default=str)
		request.after_json = json.dumps({}, ensure_ascii=False)
		request.changes = json.dumps({}, ensure_ascii=False)
		request.summary = _("Delete {0} {1}").format(_(doctype), name)
		request.sealed_changes = None
		return
	try:
		proposed = (
			json.loads(request.changes or "{}") if isinstance(request.changes, str) else request.changes
		)
	except ValueError:
		proposed = None
	if not isinstance(proposed, dict):
		frappe.throw(_("Proposed Values: enter the new values as field → value."))
	values, refusal = rules.clean_changes(doctype, proposed)
	if refusal:
		allowed = ", ".join(rules.CHANGEABLE.get(doctype, ()))
		frappe.throw(_(refusal).format(_(doctype), allowed))
	if doctype == UNIT and not frappe.db.exists(OWNER, values["owner"]):
		frappe.throw(_("Resident file {0} does not exist.").format(values["owner"]), frappe.DoesNotExistError)
	before = current_values(target, values)
	if not rules.describe(before, values, {}):
		frappe.throw(_(rules.NO_CHANGES))
	meta = frappe.get_meta(doctype)
	labels = {f: _(meta.get_label(f)) for f in values} | {"owner": _("Owner")}
	request.sealed_changes = encrypt(json.dumps(values, ensure_ascii=False))
	request.changes = json.dumps(masked(values), ensure_ascii=False, indent=1)
	request.before_json = json.dumps(masked(before), ensure_ascii=False, indent=1, default=str)
	request.after_json = request.changes
	request.summary = "\n".join(
		f"{label}: {old or '—'} → {new or '—'}"
		for label, old, new in rules.describe(masked(before), masked(values), labels)
	)


COMPUTED = ("reference_doctype", "reference_name", "action", "estate", "requested_by", "reason", "summary",
	"changes", "sealed_changes", "before_json", "after_json", "approver", "decided_on")  # fmt: skip


def check_decision(request) -> bool:
	"""A saved request: only its status (and the decision note) change, by anyone but the requester, once.
	Returns True when this save approves it."""
	before = request.get_doc_before_save()
	if not before:
		return False
	if before.status in (rules.APPROVED, rules.REJECTED) and not exempt():
		frappe.throw(_(rules.NOT_PENDING).format(request.name, _(before.status)), frappe.PermissionError)
	for field in COMPUTED:  # never taken from the client, whatever the door
		request.set(field, before.get(field))
	refusal = rules.check_decision(before.status, request.status, before.requested_by, frappe.session.user)
	if refusal:
		frappe.throw(_(refusal).format(request.name, _(before.status)), frappe.PermissionError)
	if before.status == request.status:
		return False
	if request.status not in (rules.APPROVED, rules.REJECTED):
		frappe.throw(_("Status: {0} is not a decision.").format(request.status))
	request.approver = frappe.session.user
	request.decided_on = frappe.utils.now_datetime()
	return request.status == rules.APPROVED


def managers_to_tell(request) -> list[str]:
	"""The other managers of the request's estate (those restricted to it; for a record of no estate, to
	the requester's estates); where there is none, the managers restricted to no estate."""
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	managers = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where((has_role.role == MANAGER) & (has_role.parenttype == "User") & (user.enabled == 1))
		.where(user.name.notin(["Administrator", request.requested_by]))
		.run(pluck=True)
	)
	if not managers:
		return []
	rules_of = frappe.get_all(
		"User Permission",
		filters={"allow": "Property Estate", "user": ("in", [*managers, request.requested_by])},
		fields=["user", "for_value"],
	)
	estates = [request.estate] if request.estate else [
		r.for_value for r in rules_of if r.user == request.requested_by
	]  # fmt: skip
	local = sorted({r.user for r in rules_of if r.for_value in estates and r.user != request.requested_by})
	if local:
		return local
	restricted = {r.user for r in rules_of}
	return sorted(u for u in managers if u not in restricted)[:20]


def notify(request) -> None:
	"""Each other manager of the estate gets the request assigned (a ToDo and Frappe's notification)."""
	from frappe.desk.form import assign_to

	users = managers_to_tell(request)
	if not users:
		return
	assign_to.add(
		{
			"assign_to": users,
			"doctype": REQUEST,
			"name": request.name,
			"description": _("Please approve or reject: {0}").format(request.summary or request.name),
		},
		ignore_permissions=True,
	)


def timeline(request, text: str, target_too: bool = True) -> None:
	request.add_comment("Info", text)
	if target_too and frappe.db.exists(request.reference_doctype, request.reference_name):
		target = frappe.get_doc(request.reference_doctype, request.reference_name)
		if request.reference_doctype == OCCUPANT:
			target = frappe.get_doc(UNIT, target.parent)
		target.add_comment("Info", text)


def filed(request) -> None:
	"""After a request is inserted: the record's timeline and the request's, the other managers told."""
	timeline(
		request,
		_("Data Change Request {0} filed by {1}: {2}. Reason: {3}").format(
			request.name, request.requested_by, request.summary, request.reason
		),
	)
	notify(request)


def decided(request) -> None:
	"""After a decision: applied when approved (as the approver), timelines written, assignments closed."""
	from frappe.desk.form import assign_to

	if request.status == rules.APPROVED:
		after = apply(request)
		request.db_set("after_json", json.dumps(after, ensure_ascii=False, indent=1, default=str))
		text = _("Data Change Request {0} approved by {1} and applied. Before: {2} After: {3}").format(
			request.name, request.approver, request.before_json, request.after_json
		)
	else:
		text = _("Data Change Request {0} rejected by {1}: nothing was changed. {2}").format(
			request.name, request.approver, request.decision_note or ""
		)
	timeline(request, text, target_too=True)
	assign_to.close_all_assignments(REQUEST, request.name, ignore_permissions=True)


def apply(request) -> dict:
	"""Carry out an approved request as the approver (their permissions apply) with the exemption flag set;
	returns the "after" for the record."""
	from frappe.utils.password import decrypt

	doctype, name = request.reference_doctype, request.reference_name
	ptype = "delete" if request.action == rules.DELETE else "write"
	target = frappe.get_doc(doctype, name)
	check = frappe.get_doc(UNIT, target.parent) if doctype == OCCUPANT else target
	if not frappe.has_permission(check.doctype, ptype, check):
		frappe.throw(_("You may not {0} {1} {2}.").format(_(ptype), _(doctype), name), frappe.PermissionError)
	frappe.flags[rules.APPROVED_FLAG] = request.name
	try:
		if request.action == rules.DELETE:
			if doctype == OWNER:
				return erase_resident(target, request)
			if doctype == OCCUPANT:
				unit = frappe.get_doc(UNIT, target.parent)
				unit.remove(next(row for row in unit.occupants if row.name == name))
				unit.save()
				return {"deleted": name, "unit": unit.name}
			frappe.delete_doc(doctype, name)
			return {"deleted": name}
		values = json.loads(decrypt(request.sealed_changes))
		if doctype == UNIT:
			return transfer_unit(target, values["owner"])
		target.update(values)
		target.save()
		return masked({f: target.get(f) for f in values})
	finally:
		frappe.flags.pop(rules.APPROVED_FLAG, None)


def transfer_unit(unit, owner: str) -> dict:
	"""The unit passes to `owner`: the current owners' rows end today, an owner row for the new one begins."""
	today = nowdate()
	for row in unit.occupants:
		if row.relation in rules.OWNER_RELATIONS and not row.move_out:
			row.move_out = today
			row.primary_contact = 0
	unit.append("occupants", {"resident": owner, "relation": "Owner", "move_in": today})
	unit.save()
	return {"owner": owner, "move_in": today}


@contextmanager
def as_administrator():
	"""Run as Administrator, then give the request back its user, session (sid, data) and form_dict intact:
	`frappe.set_user` alone would leave the caller's session saved under another id."""
	session, form_dict = frappe._dict(frappe.local.session), frappe.local.form_dict
	frappe.set_user("Administrator")
	try:
		yield
	finally:
		frappe.set_user(session.user)
		frappe.local.session.update(session)
		frappe.local.form_dict = form_dict


def erase_resident(owner, request) -> dict:
	"""Deleting a resident file is Frappe's personal-data deletion (Personal Data Deletion Request, with the
	app's override reaching every record hanging off the file): the file and its records are anonymised,
	their statistics kept. The request is made as approved (no confirmation mail to the resident: a manager
	decided it). A file with no address of its own (or sharing it with another file) is first given a unique
	placeholder address so that the deletion finds this file alone."""
	from property_crm.overrides.personal_data import resident_files

	address = owner.user or owner.email
	if not address or resident_files(address) != [owner.name]:
		address = f"{frappe.scrub(owner.name)}@deleted.invalid"
		frappe.db.set_value(OWNER, owner.name, "email", address, update_modified=False)
	# Safe: the approver's right to delete this file was checked (apply); Frappe's deletion renames the
	# resident's User and Contacts, which only an administrator may do
	with as_administrator():
		deletion = frappe.new_doc("Personal Data Deletion Request")
		deletion.email = address
		deletion.status = "Pending Approval"
		deletion.flags.ignore_permissions = True
		# recorded without Frappe's after_insert, whose mail asks the resident to confirm: a manager decided
		deletion.set_new_name()
		deletion.db_insert()
		if frappe.db.exists("User", address):
			frappe.db.set_value("User", address, "enabled", 0)
			deletion._anonymize_data()
		else:
			# Frappe's steps without the User rename (there is no User of this address)
			deletion._PersonalDataDeletionRequest__set_anonymization_data(address, deletion.name)
			deletion.redact_resident_rows([owner.name])
			for ref in deletion.full_match_privacy_docs:
				deletion.redact_full_match_data(ref, address)
			for ref in deletion.partial_privacy_docs:
				deletion.redact_partial_match_data(ref)
			deletion.db_set("status", "Deleted")
	# protected columns of the file (ciphertext, keyed hash) go with the values they hold
	meta = frappe.get_meta(OWNER)
	sealed = {
		df.fieldname: None
		for df in meta.fields
		if df.fieldname.endswith("_encrypted") or df.fieldname.endswith("_hash")
	}
	if sealed:
		frappe.db.set_value(OWNER, owner.name, sealed, update_modified=False)
	return {"anonymised": owner.name, "personal_data_deletion_request": deletion.name}


def refuse_request_deletion(request) -> None:
	"""A request is the record of a decision: it stays (Administrator may still remove one)."""
	if not exempt():
		frappe.throw(_("A Data Change Request is kept as the record of its decision."))


@frappe.whitelist(methods=["POST"])
@limited("data_change_request")
def request_change(
	doctype: str, name: str, action: str, reason: str, changes: str | dict | None = None
) -> str:
	"""File a Data Change Request (Delete, or Change with `changes` = {field: new value}); returns its name.
	The requester needs the right to delete / write the record; the request is assigned to the other
	managers of its estate."""
	if action not in (rules.DELETE, rules.CHANGE):
		frappe.throw(_("Action: choose Delete or Change."))
	if not (reason or "").strip():
		frappe.throw(_("Reason: say why this should be deleted or changed."))
	if doctype not in rules.GUARDED_DELETE:
		frappe.throw(_(rules.NOT_GUARDED).format(_(doctype or "")))
	if not name or not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	if isinstance(changes, dict):
		changes = json.dumps(changes, ensure_ascii=False)
	request = frappe.get_doc(
		{
			"doctype": REQUEST,
			"reference_doctype": doctype,
			"reference_name": name,
			"action": action,
			"reason": reason.strip(),
			"changes": changes or "{}",
		}
	)
	# Safe: prepare() checked that the caller may delete / write the record itself
	request.insert(ignore_permissions=True)
	return request.name
