"""Copies of residents' mobiles made before the numbers were protected (protect_personal_fields runs first):
ERPNext's Contact and Customer of a resident file, the Communications of greetings and arrears notices, the
log of sent SMS and the residents' profile changes hold the mask from now on; a resident's portal User holds
no mobile (the login is the e-mail address). A pending profile change keeps its new number encrypted in
Frappe's store of secrets (__Auth) for the confirmation (property_care.profile)."""

import json

import frappe
from frappe.utils.password import set_encrypted_password

from property_crm.masks import is_masked, mask_mobile


def execute():
	counts = {
		"contact phones": _contacts(),
		"customers": _mask_column("Customer", "mobile_no", {"property_owner": ("is", "set")}),
		"portal users": _portal_users(),
		"communications": _mask_column(
			"Communication", "phone_no", {"reference_doctype": ("in", ("Property Owner", "Dunning"))}
		),
		"sms logs": _sms_logs(),
		"profile changes": _profile_changes(),
	}
	frappe.db.commit()
	if any(counts.values()):
		print("Masked: " + ", ".join(f"{what} {count}" for what, count in counts.items() if count))


def _mask_column(doctype: str, field: str, filters: dict) -> int:
	done = 0
	for name, value in frappe.get_all(doctype, filters={**filters, field: ("is", "set")}, fields=["name", field],
		as_list=True):  # fmt: skip
		if not is_masked(value):
			frappe.db.set_value(doctype, name, field, mask_mobile(value), update_modified=False)
			done += 1
	return done


def _contacts() -> int:
	"""Every Contact linked to a resident file: its phone rows and the primary numbers it copies."""
	link = frappe.qb.DocType("Dynamic Link")
	contacts = (
		frappe.qb.from_(link)
		.select(link.parent)
		.distinct()
		.where((link.parenttype == "Contact") & (link.link_doctype == "Property Owner"))
		.run(pluck=True)
	)
	if not contacts:
		return 0
	done = _mask_column("Contact Phone", "phone", {"parenttype": "Contact", "parent": ("in", contacts)})
	for field in ("phone", "mobile_no"):
		done += _mask_column("Contact", field, {"name": ("in", contacts)})
	return done


def _portal_users() -> int:
	users = frappe.get_all("Property Owner", filters={"user": ("is", "set")}, pluck="user")
	done = 0
	for user in frappe.get_all(
		"User", filters={"name": ("in", users or [""]), "user_type": "Website User", "mobile_no": ("is", "set")},
		pluck="name",
	):  # fmt: skip
		frappe.db.set_value("User", user, "mobile_no", None, update_modified=False)
		done += 1
	return done


def _sms_logs() -> int:
	done = 0
	for row in frappe.get_all("SMS Log", fields=["name", "requested_numbers", "sent_to"]):
		values = {
			field: "\n".join(mask_mobile(n.strip()) for n in (row.get(field) or "").splitlines() if n.strip())
			for field in ("requested_numbers", "sent_to")
		}
		if any(values[f] != (row.get(f) or "") for f in values):
			frappe.db.set_value("SMS Log", row.name, values, update_modified=False)
			done += 1
	return done


def _profile_changes() -> int:
	done = 0
	for row in frappe.get_all(
		"Property Profile Change",
		filters={"field": ("in", ("Mobile", "Family Members"))},
		fields=["name", "field", "status", "old_value", "new_value"],
	):
		values = {}
		if row.field == "Mobile":
			for field in ("old_value", "new_value"):
				if row.get(field) and not is_masked(row.get(field)):
					values[field] = mask_mobile(row.get(field))
			if row.status == "Pending" and "new_value" in values:
				# the number waits in Frappe's store of secrets until it is confirmed (property_care.profile)
				set_encrypted_password("Property Profile Change", row.name, row.new_value, "new_value")
		else:
			for field in ("old_value", "new_value"):
				masked = _family_masked(row.get(field))
				if masked is not None:
					values[field] = masked
		if values:
			frappe.db.set_value("Property Profile Change", row.name, values, update_modified=False)
			done += 1
	return done


def _family_masked(text: str | None) -> str | None:
	"""A family list (JSON) with its mobiles masked, or None when nothing changes."""
	try:
		rows = json.loads(text or "[]")
	except ValueError:
		return None
	if not isinstance(rows, list):
		return None
	changed = False
	for row in rows:
		if isinstance(row, dict) and row.get("mobile") and not is_masked(row["mobile"]):
			row["mobile"], changed = mask_mobile(row["mobile"]), True
	return json.dumps(rows, ensure_ascii=False) if changed else None
