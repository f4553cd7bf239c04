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

The child tables that carry personal data (occupants, family members, vehicles, tags, survey answers and
scores, verification items) follow their parent's rule and the permission level of the parent's table field
(from the parent's meta), because Frappe lets a reader of the parent query a child table directly and checks
neither.
"""

import frappe
from frappe.permissions import get_user_permissions
from frappe.utils import cint

from property_crm.mobile_numbers import search_by_mobile

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


# --- child tables queried on their own (`frappe.client.get_list(child, parent=...)`, `/api/resource/<child>`,
# `frappe.client.get_value`, Report Builder and its export). Frappe checks only that the user may read the
# parent doctype; the permission level of the parent's table field and the parent's own row rules are ours.
TABLE_TYPES = ("Table", "Table MultiSelect")


def _table_fields_of(child: str) -> list[tuple[str, str]]:
	"""(parent doctype, table fieldname) of every table field holding `child`, custom fields included."""
	rows = frappe.get_all(
		"DocField",
		filters={"options": child, "fieldtype": ("in", TABLE_TYPES)},
		fields=["parent", "fieldname"],
	)
	rows += frappe.get_all(
		"Custom Field",
		filters={"options": child, "fieldtype": ("in", TABLE_TYPES)},
		fields=["dt as parent", "fieldname"],
	)
	return sorted({(row.parent, row.fieldname) for row in rows})


def readable_table(user: str, parent: str, fieldname: str) -> bool:
	"""Whether `user` may read the table field `parent.fieldname`: its permission level, from the parent's
	meta (Property Setters included), is one the user's roles read, and so is level 0."""
	meta = frappe.get_meta(parent)
	field = meta.get_field(fieldname)
	if not field or meta.istable:
		return False
	levels = set(meta.get_permlevel_access("read", user=user))
	return 0 in levels and (field.permlevel or 0) in levels


def _parent_rows(user: str, parent: str) -> str:
	"""The parent's own row rule for `user` (user permissions, our query conditions) as a condition on
	`tab<parent>`, or "" when the user reads every row."""
	from frappe.model.db_query import DatabaseQuery

	return DatabaseQuery(parent, user=user).build_match_conditions()


def child_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Rows of a child table with personal data: only those held in a table field the user may read (its
	permission level on the parent) of a parent row the user may read."""
	user = user or frappe.session.user
	if user == "Administrator":
		return ""
	child = f"`tab{doctype}`"
	parts = []
	for parent, fieldname in _table_fields_of(doctype):
		if not readable_table(user, parent, fieldname):
			continue
		part = (
			f"{child}.`parenttype` = {frappe.db.escape(parent)}"
			f" and {child}.`parentfield` = {frappe.db.escape(fieldname)}"
		)
		if rows := _parent_rows(user, parent):
			part += f" and {child}.`parent` in (select `tab{parent}`.`name` from `tab{parent}` where {rows})"
		parts.append(f"({part})")
	return f"({' or '.join(parts)})" if parts else "1=0"


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


# --- ERPNext and Frappe records of residents: estate isolation beyond our own doctypes. A resident's Customer
# belongs to the estates of the resident files that point at it (Property Owner.customer) and of the estates on
# its invoices; its invoices, payments and arrears notices follow it, a Contact or Address follows the
# customers and files it links, and a timeline entry, task or attachment follows the record it is about. Only
# users with an estate restriction get a condition: unrestricted users pay nothing. Records that belong to no
# resident (a company customer with no resident file and no estate on its invoices) stay visible.
def _estate_list(estates: list[str]) -> str:
	return ", ".join(frappe.db.escape(estate) for estate in estates)


def _estate_ok(column: str, estates: list[str]) -> str:
	return f"(ifnull({column}, '') = '' or {column} in ({_estate_list(estates)}))"


def _customer_condition(estates: list[str], ref: str) -> str:
	"""A Customer (`ref`, a column or a quoted name) a user restricted to `estates` may read."""
	return f"""(ifnull({ref}, '') = ''
		or (not exists (select 1 from `tabProperty Owner` pcrm_co where pcrm_co.customer = {ref})
			and not exists (select 1 from `tabSales Invoice` pcrm_ci where pcrm_ci.customer = {ref}
				and ifnull(pcrm_ci.property_estate, '') != ''))
		or exists (select 1 from `tabProperty Owner` pcrm_co where pcrm_co.customer = {ref}
			and {_estate_owner_condition(estates, "pcrm_co.name")})
		or exists (select 1 from `tabSales Invoice` pcrm_ci where pcrm_ci.customer = {ref}
			and pcrm_ci.property_estate in ({_estate_list(estates)})))"""


def _linked_party_condition(estates: list[str], doctype: str, ref: str) -> str:
	"""A Contact / Address (`ref`) whose every linked Customer and resident file the user may read."""
	return f"""not exists (select 1 from `tabDynamic Link` pcrm_dl
		where pcrm_dl.parenttype = {frappe.db.escape(doctype)} and pcrm_dl.parent = {ref}
		and ((pcrm_dl.link_doctype = 'Customer' and not {_customer_condition(estates, "pcrm_dl.link_name")})
			or (pcrm_dl.link_doctype = 'Property Owner'
				and not {_estate_owner_condition(estates, "pcrm_dl.link_name")})))"""


# how each record of a resident is tied to estates: a condition on a row of the doctype (table `t`)
RESIDENT_RECORDS = {
	"Customer": lambda e, t: _customer_condition(e, f"{t}.`name`"),
	"Sales Invoice": lambda e, t: (
		f"{_estate_ok(f'{t}.`property_estate`', e)} and {_customer_condition(e, f'{t}.`customer`')}"
	),
	"Payment Entry": lambda e, t: (
		f"(ifnull({t}.`party_type`, '') != 'Customer' or {_customer_condition(e, f'{t}.`party`')})"
	),
	"Dunning": lambda e, t: _customer_condition(e, f"{t}.`customer`"),
	"Contact": lambda e, t: _linked_party_condition(e, "Contact", f"{t}.`name`"),
	"Address": lambda e, t: _linked_party_condition(e, "Address", f"{t}.`name`"),
}
# ledger rows (the General Ledger report reads GL Entry with these conditions): their party and their voucher
LEDGER_RECORDS = {
	doctype: lambda e, t: (
		f"(ifnull({t}.`party_type`, '') != 'Customer' or {_customer_condition(e, f'{t}.`party`')})"
		f" and {_reference_condition(e, f'{t}.`voucher_type`', f'{t}.`voucher_no`')}"
	)
	for doctype in ("GL Entry", "Payment Ledger Entry")
}
# records about another record: (document type column, document name column)
ABOUT_RECORDS = {
	"Communication": ("reference_doctype", "reference_name"),
	"Comment": ("reference_doctype", "reference_name"),
	"ToDo": ("reference_type", "reference_name"),
	"File": ("attached_to_doctype", "attached_to_name"),
}


def _estate_fields(doctype: str) -> list[str]:
	meta = frappe.get_meta(doctype)
	return [field.fieldname for field in meta.get_link_fields() if field.options == ESTATE]


def _reference_condition(estates: list[str], dt_ref: str, name_ref: str) -> str:
	"""The record a timeline entry, task or attachment is about (`dt_ref`, `name_ref`) is readable: one of
	the residents' ERPNext records above, a resident file, an estate, or a record of ours with an estate."""
	branches = {
		ESTATE: f"{name_ref} in ({_estate_list(estates)})",
		"Property Owner": _estate_owner_condition(estates, name_ref),
	}
	for doctype, rule in RESIDENT_RECORDS.items():
		branches[doctype] = (
			f"exists (select 1 from `tab{doctype}` pcrm_r where pcrm_r.name = {name_ref} and {rule(estates, 'pcrm_r')})"
		)
	for doctype in _our_doctypes_with_estate():
		fields = " and ".join(_estate_ok(f"pcrm_r.`{field}`", estates) for field in _estate_fields(doctype))
		branches[doctype] = (
			f"exists (select 1 from `tab{doctype}` pcrm_r where pcrm_r.name = {name_ref} and {fields})"
		)
	scoped = ", ".join(frappe.db.escape(doctype) for doctype in branches)
	either = " or ".join(f"({dt_ref} = {frappe.db.escape(dt)} and {rule})" for dt, rule in branches.items())
	return f"(ifnull({dt_ref}, '') not in ({scoped}) or {either})"


def _our_doctypes_with_estate() -> list[str]:
	def load():
		modules = frappe.get_module_list("property_crm")
		doctypes = frappe.get_all(
			"DocType", filters={"module": ("in", modules), "istable": 0, "issingle": 0}, pluck="name"
		)
		return sorted(doctype for doctype in doctypes if doctype != ESTATE and _estate_fields(doctype))

	return frappe.cache.get_value("property_crm:doctypes_with_estate", load)


def _resident_record_condition(user: str, doctype: str, table: str) -> str:
	estates = allowed_estates(user, doctype)
	if estates is None or user == "Administrator":
		return ""
	if doctype in ABOUT_RECORDS:
		dt_column, name_column = ABOUT_RECORDS[doctype]
		return _reference_condition(estates, f"{table}.`{dt_column}`", f"{table}.`{name_column}`")
	return (RESIDENT_RECORDS.get(doctype) or LEDGER_RECORDS[doctype])(estates, table)


def resident_record_query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	"""Lists, REST, `frappe.client.get_list/get_value/get_count`, Report Builder, exports, link search."""
	return _resident_record_condition(user or frappe.session.user, doctype, f"`tab{doctype}`")


def resident_record_has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False):
	"""Forms, `frappe.client.get`, prints: False for another estate's record, else None (Frappe's and
	ERPNext's own rules for the doctype still decide)."""
	if doc.is_new():
		return None
	condition = _resident_record_condition(user or frappe.session.user, doc.doctype, "pcrm_self")
	if not condition:
		return None
	found = frappe.db.sql(
		f"select 1 from `tab{doc.doctype}` pcrm_self where pcrm_self.name = %s and {condition}", doc.name
	)
	return None if found else False


# --- counting: Frappe v15's `frappe.client.get_count` counts with no permission check at all (any desk or
# portal user could count any doctype's rows by any filter: "is there a resident with this mobile in estate
# B?"). Ours counts what the user may list, through the same rules as every list.
@frappe.whitelist()
def get_count(doctype: str, filters=None, debug=False, cache=False) -> int:
	from frappe.client import get_safe_filters

	rows = frappe.get_list(
		doctype, filters=get_safe_filters(filters), fields=["count(*) as total"], as_list=True
	)
	return rows[0][0] if rows else 0


# --- link search: Frappe's `ignore_user_permissions=1` makes the search ignore *all* permissions (the
# query conditions above included) for anyone with read access on the doctype. For our records the
# query conditions are the rule, so that switch is refused for every doctype that has a permission query
# condition (of any app) or is scoped by estate (User Permissions on Property Estate reach it through a link).
GUARDED = frozenset(("Property Owner", "Property Unit", ORDER, "Complaint", "Complaint Identity"))


def search_ignores_permissions(doctype: str, ignore_user_permissions) -> bool:
	"""Whether a link search may honour `ignore_user_permissions` for `doctype`: only where no rule of ours,
	no other app's permission query condition and no estate restriction would be skipped."""
	if not cint(ignore_user_permissions) or not isinstance(doctype, str):
		return False
	if (
		doctype in GUARDED
		or doctype == ESTATE
		or doctype in {*RESIDENT_RECORDS, *ABOUT_RECORDS, *LEDGER_RECORDS}
	):
		return False
	if frappe.get_hooks("permission_query_conditions").get(doctype):
		return False
	return not frappe.db.exists("DocType", doctype) or not _estate_fields(doctype)


def search_filters(filters):
	"""A link search's filters as JSON text (the desk sends them so) or already parsed: broken JSON is a
	translated 417 (Frappe's search would fail with a 500)."""
	from property_crm.validation import json_argument

	if isinstance(filters, str):
		return json_argument(filters, "Filters", dict | list) if filters.strip() else None
	return filters


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

	filters = search_filters(filters)
	txt, filters = search_by_mobile(doctype, txt, filters)  # a full number finds its protected mobile
	return frappe_search_link(
		doctype,
		txt,
		query,
		filters=filters,
		page_length=page_length,
		searchfield=searchfield,
		reference_doctype=reference_doctype,
		ignore_user_permissions=search_ignores_permissions(doctype, ignore_user_permissions),
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
	filter_fields: str | list | None = None,
	as_dict: bool = False,
	reference_doctype: str | None = None,
	ignore_user_permissions: bool = False,
):
	from frappe.desk.search import search_widget as frappe_search_widget

	filters = search_filters(filters)
	txt, filters = search_by_mobile(doctype, txt, filters)  # a full number finds its protected mobile
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
		ignore_user_permissions=search_ignores_permissions(doctype, ignore_user_permissions),
	)
