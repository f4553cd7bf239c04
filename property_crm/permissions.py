"""Estate isolation for resident files.

Property Building and Property Unit carry an `estate` link, so Frappe's own User Permissions on
Property Estate already filter them everywhere. A resident file (Property Owner) has no estate of its
own: it belongs to the estates of the units the person occupies. These two functions, always used as
a pair, make lists/REST/link search/reports (query conditions) and single documents (has_permission)
agree: a user restricted to some estates sees the files of people who occupy a unit there, plus files
not yet attached to any unit (so newly registered residents can be placed).
"""

import frappe
from frappe.permissions import get_user_permissions

ESTATE = "Property Estate"


def allowed_estates(user: str, doctype: str) -> list[str] | None:
	"""The estates `user` is restricted to for `doctype`, or None when not restricted."""
	rules = get_user_permissions(user).get(ESTATE) or []
	estates = [rule.doc for rule in rules if not rule.get("applicable_for") or rule.applicable_for == doctype]
	return estates or None


def _owner_condition(estates: list[str], owner_ref: str) -> str:
	allowed = ", ".join(frappe.db.escape(estate) for estate in estates)
	return f"""(not exists (select 1 from `tabProperty Unit Occupant` pcrm_o
			where pcrm_o.parenttype = 'Property Unit' and pcrm_o.resident = {owner_ref})
		or exists (select 1 from `tabProperty Unit Occupant` pcrm_o
			inner join `tabProperty Unit` pcrm_u on pcrm_u.name = pcrm_o.parent
			where pcrm_o.parenttype = 'Property Unit' and pcrm_o.resident = {owner_ref}
			and pcrm_u.estate in ({allowed})))"""


def owner_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	estates = allowed_estates(user, "Property Owner")
	if estates is None:
		return ""
	return _owner_condition(estates, "`tabProperty Owner`.`name`")


def owner_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	user = user or frappe.session.user
	estates = allowed_estates(user, "Property Owner")
	if estates is None or doc.is_new():
		return True
	condition = _owner_condition(estates, frappe.db.escape(doc.name))
	return bool(frappe.db.sql(f"select {condition}")[0][0])


# Technicians see only the orders assigned to them (Frappe's assignment list `_assign`), unless they also
# hold a dispatching role. Again a pair: lists/REST/reports and single documents agree.
DISPATCH_ROLES = {"Property Manager", "Property Customer Service", "Property Accountant", "System Manager"}


def _technician_only(user: str) -> bool:
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	return "Property Technician" in roles and not roles & DISPATCH_ROLES


def order_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not _technician_only(user):
		return ""
	literal = json_quoted(user).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
	return f"`tabService Order`.`_assign` like {frappe.db.escape('%' + literal + '%')}"


def order_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	user = user or frappe.session.user
	if not _technician_only(user) or doc.is_new():
		return True
	# from the database, as the list condition does: a document sent back by a form may lack `_assign`
	from property_crm.services.dispatch import assignees

	return user in assignees(doc.name)


def json_quoted(user: str) -> str:
	"""How a user id appears inside the JSON list of `_assign`: in double quotes."""
	return '"' + user.replace("\\", "\\\\").replace('"', '\\"') + '"'
