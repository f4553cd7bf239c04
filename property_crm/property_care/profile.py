"""Self-service profile updates: a resident changes their own mobile, e-mail, vehicles and family on the
portal. Every change is a Property Profile Change (before and after) and, once applied, a version of the
resident file (track_changes). Vehicles and family members apply at once; the mobile and the e-mail
(`property_care.rules.care.SENSITIVE_FIELDS`: they carry logins, bills and notices) wait for customer service to confirm
them. Input is validated in full before anything is written: a bad number leaves no change behind."""

import json

import frappe
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password, remove_encrypted_password, set_encrypted_password

from property_crm.masks import is_masked, mask_mobile
from property_crm.property_care.rules import care as rules
from property_crm.property_households.rules.contact import normalize_email, normalize_mobile
from property_crm.validation import apply_rule, json_argument

CHANGE = "Property Profile Change"
PENDING_NUMBER = "new_value"  # the __Auth field name under which a pending new mobile is kept encrypted
FIELD_LABELS = {
	"mobile": "Mobile",
	"email": "Email",
	"vehicles": "Vehicles",
	"family_members": "Family Members",
}
FIELDS_BY_LABEL = {label: field for field, label in FIELD_LABELS.items()}
VEHICLE_FIELDS = ("plate_number", "vehicle_type", "brand_model", "color")
FAMILY_FIELDS = ("member_name", "relation", "gender", "date_of_birth", "mobile")
VEHICLE_TYPES = ("Car", "New Energy Car", "Motorcycle", "Electric Bike", "Other")
RELATIONS = ("Spouse", "Child", "Parent", "Sibling", "Other")
MAX_ROWS = 10


def _rows(value, fields: tuple[str, ...], label: str) -> list[dict]:
	rows = json_argument(value, label) if value else []
	if len(rows) > MAX_ROWS:
		frappe.throw(_("At most {0} rows.").format(MAX_ROWS), title=_("Please correct this value"))
	out = []
	for row in rows:
		if not isinstance(row, dict):
			frappe.throw(_("Each row must be a record."), title=_("Please correct this value"))
		clean = {f: (str(row.get(f) or "").strip()[:140] or None) for f in fields}
		if any(clean.values()):
			out.append(clean)
	return out


def clean_vehicles(value) -> list[dict]:
	rows = _rows(value, VEHICLE_FIELDS, "Vehicles")
	for i, row in enumerate(rows, 1):
		row["plate_number"] = "".join((row["plate_number"] or "").split()).upper().replace("·", "")
		if not row["plate_number"]:
			frappe.throw(
				_("Vehicles, row {0}: enter the plate number.").format(i),
				title=_("Please correct this value"),
			)
		if row["vehicle_type"] not in VEHICLE_TYPES:
			row["vehicle_type"] = "Car"
	return rows


def clean_family(value) -> list[dict]:
	rows = _rows(value, FAMILY_FIELDS, "Family Members")
	for i, row in enumerate(rows, 1):
		if not row["member_name"]:
			frappe.throw(
				_("Family, row {0}: enter the name.").format(i), title=_("Please correct this value")
			)
		if row["relation"] not in RELATIONS:
			row["relation"] = "Other"
		if row["gender"] not in ("Male", "Female"):
			row["gender"] = None
		if row["date_of_birth"]:
			try:
				row["date_of_birth"] = str(frappe.utils.getdate(row["date_of_birth"]))
			except Exception:
				frappe.throw(
					_("Family, row {0}: {1} is not a date.").format(i, row["date_of_birth"]),
					title=_("Please correct this value"),
				)
		if not is_masked(row["mobile"]):  # a mask came back unchanged: the stored number stays
			row["mobile"] = apply_rule(normalize_mobile, row["mobile"] or "", "family_members") or None
	return rows


def current_values(owner) -> dict:
	return {
		"mobile": owner.mobile or "",
		"email": owner.email or "",
		"vehicles": [{f: row.get(f) for f in VEHICLE_FIELDS} for row in owner.vehicles],
		"family_members": [
			{f: (str(row.get(f)) if row.get(f) is not None else None) for f in FAMILY_FIELDS}
			for row in owner.family_members
		],
	}


def request_changes(resident: str, data: dict, user: str) -> list[str]:
	"""The resident's submitted profile: everything validated first, then one Profile Change per changed
	field; non-sensitive ones applied now. Returns the names of the changes."""
	owner = frappe.get_doc("Property Owner", resident)
	before = current_values(owner)
	after = dict(before)
	if "mobile" in data:
		typed = (data.get("mobile") or "").strip()
		if is_masked(typed) and typed != before["mobile"]:
			frappe.throw(
				_("Mobile: enter your full mobile number, or leave it as shown."),
				title=_("Please correct this value"),
			)
		after["mobile"] = typed if is_masked(typed) else apply_rule(normalize_mobile, typed, "mobile")
		if not after["mobile"]:
			frappe.throw(_("Mobile: please enter your mobile number."), title=_("Please correct this value"))
	if "email" in data:
		after["email"] = apply_rule(normalize_email, data.get("email") or "", "email")
	if "vehicles" in data:
		after["vehicles"] = clean_vehicles(data.get("vehicles"))
	if "family_members" in data:
		after["family_members"] = with_stored_mobiles(owner, clean_family(data.get("family_members")))
	estate = estate_of(resident)
	names, apply_now = [], []
	for field in rules.SELF_SERVICE_FIELDS:
		if _comparable(field, after[field]) == _comparable(field, before[field]):
			continue
		pending = frappe.db.get_value(
			"Property Profile Change",
			{"resident": resident, "field": FIELD_LABELS[field], "status": "Pending"},
		)
		change = frappe.get_doc(
			{
				"doctype": "Property Profile Change",
				"resident": resident,
				"resident_name": owner.full_name,
				"estate": estate,
				"field": FIELD_LABELS[field],
				"status": "Pending" if rules.needs_confirmation(field) else "Applied",
				"requested_by": user,
				# what staff and the resident see: masks (a resident's mobile is protected at rest here too)
				"old_value": _dump(_shown(field, before[field])),
				"new_value": _dump(_shown(field, after[field])),
			}
		)
		if pending:  # a newer request for the same field replaces the waiting one
			frappe.db.set_value("Property Profile Change", pending, "status", "Rejected")
			remove_encrypted_password(CHANGE, pending, PENDING_NUMBER)
		change.insert(ignore_permissions=True)  # Safe: the resident's own request about their own file
		if field == "mobile" and not is_masked(after[field]):
			# the new number waits encrypted in Frappe's own store of secrets (__Auth, the site's key; key
			# rotation re-encrypts it) until customer service decide; the record shows its mask
			set_encrypted_password(CHANGE, change.name, after[field], PENDING_NUMBER)
		names.append(change.name)
		if not rules.needs_confirmation(field):
			apply_now.append((field, after[field]))
	if apply_now:
		for field, value in apply_now:
			_set(owner, field, value)
		owner.flags.ignore_permissions = True  # Safe: the resident's own file, fields they may change
		owner.save()
	return names


def with_stored_mobiles(owner, rows: list[dict]) -> list[dict]:
	"""Family rows sent back with a masked mobile (as the page showed it) keep the stored number: the
	masked row takes the ciphertext and hash of the member's row with that mask (the same name first)."""
	stored = {}
	for member in owner.family_members:
		if is_masked(member.mobile) and member.get("mobile_encrypted"):
			secret = {"mobile_encrypted": member.mobile_encrypted, "mobile_hash": member.mobile_hash}
			stored[(member.member_name, member.mobile)] = secret
			stored.setdefault((None, member.mobile), secret)
	for i, row in enumerate(rows, 1):
		if not is_masked(row.get("mobile")):
			continue
		secret = stored.get((row["member_name"], row["mobile"])) or stored.get((None, row["mobile"]))
		if not secret:
			frappe.throw(
				_("Family, row {0}: enter the full mobile number.").format(i),
				title=_("Please correct this value"),
			)
		row.update(secret)
	return rows


def _comparable(field: str, value):
	"""Family rows as the page sends them (a masked row carries its stored secret besides; empty is empty)."""
	if field == "family_members":
		return [{f: row.get(f) or None for f in FAMILY_FIELDS} for row in value]
	return value


def _shown(field: str, value):
	"""A value as the change record keeps it: mobiles masked, family members' mobiles masked, the rest as
	it is."""
	if field == "mobile":
		return mask_mobile(value)
	if field == "family_members":
		return [
			{f: (mask_mobile(row.get(f)) if f == "mobile" else row.get(f)) for f in FAMILY_FIELDS}
			for row in value
		]
	return value


def _dump(value) -> str:
	return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _set(owner, field: str, value) -> None:
	if field in ("vehicles", "family_members"):
		owner.set(field, [])
		for row in value:
			owner.append(field, row)
	else:
		owner.set(field, value)


def estate_of(resident: str) -> str | None:
	from property_crm.property_households.resident_portal import my_units

	units = my_units(resident)
	return units[0].estate if units else None


def _decide(name: str):
	change = frappe.get_doc("Property Profile Change", name)
	change.check_permission("write")
	frappe.get_doc("Property Owner", change.resident).check_permission("write")
	if change.status != "Pending":
		frappe.throw(_("This change has already been decided."), title=_("Not possible"))
	return change


def confirm(name: str) -> None:
	"""Customer service confirms a sensitive change: the file takes the new value (a version records it)."""
	change = _decide(name)
	field = FIELDS_BY_LABEL[change.field]
	owner = frappe.get_doc("Property Owner", change.resident)
	if field == "mobile":
		value = get_decrypted_password(CHANGE, change.name, PENDING_NUMBER, raise_exception=False)
		if not value and is_masked(change.new_value):
			frappe.throw(
				_("The new number of this change is no longer stored; ask the resident to enter it again."),
				title=_("Not possible"),
			)
		value = value or change.new_value  # a change recorded before numbers were protected
	else:
		value = change.new_value if field == "email" else json.loads(change.new_value or "[]")
	_set(owner, field, value)
	owner.save()
	change.db_set({"status": "Confirmed", "decided_by": frappe.session.user, "decided_on": now_datetime()})
	remove_encrypted_password(CHANGE, change.name, PENDING_NUMBER)
	change.add_comment("Info", _("Confirmed and applied to the resident file."))


def reject(name: str, reason: str) -> None:
	change = _decide(name)
	if not (reason or "").strip():
		frappe.throw(_("Reason: say why the change is rejected."), title=_("Please correct this value"))
	change.db_set(
		{
			"status": "Rejected",
			"decided_by": frappe.session.user,
			"decided_on": now_datetime(),
			"reason": reason,
		}
	)
	remove_encrypted_password(CHANGE, change.name, PENDING_NUMBER)


def pending_of(resident: str) -> list[dict]:
	return frappe.get_all(
		"Property Profile Change",
		filters={"resident": resident, "status": ("in", ["Pending", "Rejected"])},
		fields=["name", "field", "status", "new_value", "reason", "creation"],
		order_by="creation desc",
		limit=5,
	)
