"""Who may read what: estate isolation and need-to-know, one module.

Every rule is a pair — `*_query_conditions` (lists, REST, `frappe.client.get_list/get_value`, link search,
Report Builder, exports) and `*_has_permission` (forms, `frappe.client.get`, prints, notifications) — built
from the same SQL fragment, so the two can never disagree.

Estate isolation. Property Building and Property Unit carry an `estate` link, so Frappe's own User
Permissions on Property Estate already filter them everywhere. A resident file (Property Owner) has no
estate of its own: it belongs to the estates of the units the person occupies. A user restricted to some
estates sees the files of people who occupy a unit there, plus files not yet attached to any unit (so newly
registered residents can be placed).

Need-to-know (technicians). A user whose only Property CRM role is Property Technician sees the orders
assigned to him; the resident files of the requesters of his *open* orders; the units of his open orders
(with their occupants: the household he is visiting). When the order is completed, closed or cancelled
that reach ends — the order itself still shows what it recorded (requester's name and phone). A reopened
order is open again.

The child tables that carry personal data (occupants, family members, vehicles, tags) follow their
parent's rule, because Frappe lets a reader of the parent query a child table directly.
"""

import frappe
from frappe.permissions import get_user_permissions
from frappe.utils import cint

ESTATE = "Property Estate"
ORDER = "Service Order"
# an order in one of these states no longer gives its technician access to the requester or the unit
FINISHED = ("Completed", "Closed", "Cancelled")
# Technicians see only the orders assigned to them unless they also hold one of these roles.
DISPATCH_ROLES = {"Property Manager", "Property Customer Service", "Property Accountant", "System Manager"}


def allowed_estates(user: str, doctype: str) -> list[str] | None:
	"""The estates `user` is restricted to for `doctype`, or None when not restricted."""
	rules = get_user_permissions(user).get(ESTATE) or []
	estates = [rule.doc for rule in rules if not rule.get("applicable_for") or rule.applicable_for == doctype]
	return estates or None


def _technician_only(user: str) -> bool:
	if user == "Administrator":
		return False
	roles = set(frappe.get_roles(user))
	return "Property Technician" in roles and not roles & DISPATCH_ROLES


def json_quoted(user: str) -> str:
	"""How a user id appears inside the JSON list of `_assign`: in double quotes."""
	return '"' + user.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _assigned_to(user: str, ref: str) -> str:
	literal = json_quoted(user).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
	return f"{ref} like {frappe.db.escape('%' + literal + '%')}"


def _open_orders_of(user: str, column: str) -> str:
	"""Subquery: `column` (a fixed field name of ours) of the unfinished orders assigned to `user`."""
	finished = ", ".join(frappe.db.escape(status) for status in FINISHED)
	return f"""(select pcrm_so.`{column}` from `tabService Order` pcrm_so
		where {_assigned_to(user, "pcrm_so.`_assign`")}
		and pcrm_so.`status` not in ({finished}) and pcrm_so.`{column}` is not null)"""


def _check(condition: str) -> bool:
	return not condition or bool(frappe.db.sql(f"select {condition}")[0][0])


# --- Property Owner (resident files)
def _estate_owner_condition(estates: list[str], owner_ref: str) -> str:
	allowed = ", ".join(frappe.db.escape(estate) for estate in estates)
	return f"""(not exists (select 1 from `tabProperty Unit Occupant` pcrm_o
			where pcrm_o.parenttype = 'Property Unit' and pcrm_o.resident = {owner_ref})
		or exists (select 1 from `tabProperty Unit Occupant` pcrm_o
			inner join `tabProperty Unit` pcrm_u on pcrm_u.name = pcrm_o.parent
			where pcrm_o.parenttype = 'Property Unit' and pcrm_o.resident = {owner_ref}
			and pcrm_u.estate in ({allowed})))"""


def owner_condition(user: str, owner_ref: str) -> str:
	"""SQL condition on `owner_ref` (a column or a quoted name) for the files `user` may read; "" = all."""
	parts = []
	estates = allowed_estates(user, "Property Owner")
	if estates is not None:
		parts.append(_estate_owner_condition(estates, owner_ref))
	if _technician_only(user):
		parts.append(f"{owner_ref} in {_open_orders_of(user, 'requester')}")
	return " and ".join(f"({part})" for part in parts)


def owner_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return owner_condition(user or frappe.session.user, "`tabProperty Owner`.`name`")


def owner_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	if doc.is_new():
		return True
	return _check(owner_condition(user or frappe.session.user, frappe.db.escape(doc.name)))


# --- Property Unit (its occupants are personal data); estates are Frappe's User Permissions
def unit_condition(user: str, unit_ref: str) -> str:
	if _technician_only(user):
		return f"({unit_ref} in {_open_orders_of(user, 'unit')})"
	return ""


def unit_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	return unit_condition(user or frappe.session.user, "`tabProperty Unit`.`name`")


def unit_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	if doc.is_new():
		return True
	return _check(unit_condition(user or frappe.session.user, frappe.db.escape(doc.name)))


# --- child tables queried on their own (`frappe.client.get_list(child, parent=...)`, Report Builder)
def _estate_unit_condition(user: str, unit_ref: str) -> str:
	estates = allowed_estates(user, "Property Unit")
	if estates is None:
		return ""
	allowed = ", ".join(frappe.db.escape(estate) for estate in estates)
	return f"{unit_ref} in (select pcrm_eu.name from `tabProperty Unit` pcrm_eu where pcrm_eu.estate in ({allowed}))"


def child_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Rows of a child table of Property Unit or Property Owner: those of parents the user may read."""
	user = user or frappe.session.user
	ref = f"`tab{doctype}`.`parent`"
	unit_rule = " and ".join(
		f"({part})" for part in (unit_condition(user, ref), _estate_unit_condition(user, ref)) if part
	)
	owner_rule = owner_condition(user, ref)
	if not unit_rule and not owner_rule:
		return ""
	return f"""((`tab{doctype}`.`parenttype` = 'Property Unit' and {unit_rule or "1=1"})
		or (`tab{doctype}`.`parenttype` = 'Property Owner' and {owner_rule or "1=1"}))"""


# --- Service Order: technicians see only the orders assigned to them
def order_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	user = user or frappe.session.user
	if not _technician_only(user):
		return ""
	return _assigned_to(user, "`tabService Order`.`_assign`")


def order_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	user = user or frappe.session.user
	if not _technician_only(user) or doc.is_new():
		return True
	# from the database, as the list condition does: a document sent back by a form may lack `_assign`
	return user in assignees(doc.name)


def assignees(order: str) -> list[str]:
	"""Who a service order is assigned to, from the database (a document in memory may lack `_assign`)."""
	return frappe.parse_json(frappe.db.get_value(ORDER, order, "_assign") or "[]")


# --- link search: Frappe's `ignore_user_permissions=1` makes the search ignore *all* permissions (the
# query conditions above included) for anyone with read access on the doctype. For our records the
# query conditions are the rule, so that switch is refused.
GUARDED = frozenset(("Property Owner", "Property Unit", ORDER, "Complaint", "Complaint Identity"))


@frappe.whitelist()
def search_link(
	doctype: str,
	txt: str,
	query: str | None = None,
	filters: str | dict | list | None = None,
	page_length: int = 10,
	searchfield: str | None = None,
	reference_doctype: str | None = None,
	ignore_user_permissions: bool = False,
):
	from frappe.desk.search import search_link as frappe_search_link

	return frappe_search_link(
		doctype,
		txt,
		query,
		filters=filters,
		page_length=page_length,
		searchfield=searchfield,
		reference_doctype=reference_doctype,
		ignore_user_permissions=bool(cint(ignore_user_permissions)) and doctype not in GUARDED,
	)


@frappe.whitelist()
def search_widget(
	doctype: str,
	txt: str,
	query: str | None = None,
	searchfield: str | None = None,
	start: int = 0,
	page_length: int = 10,
	filters: str | dict | list | None = None,
	filter_fields=None,
	as_dict: bool = False,
	reference_doctype: str | None = None,
	ignore_user_permissions: bool = False,
):
	from frappe.desk.search import search_widget as frappe_search_widget

	return frappe_search_widget(
		doctype,
		txt,
		query,
		searchfield=searchfield,
		start=start,
		page_length=page_length,
		filters=filters,
		filter_fields=filter_fields,
		as_dict=as_dict,
		reference_doctype=reference_doctype,
		ignore_user_permissions=bool(cint(ignore_user_permissions)) and doctype not in GUARDED,
	)
