"""Which complaints a resident sees on the portal: one rule, for the list, the single page and every
portal method (`complaints_of`, `count_open`, `complaint_of_resident` all use `visible`).

A resident sees
- every complaint they filed themselves, always, also after moving out: the complainant of a named
  complaint, or of an anonymous one on its Complaint Identity (the complaint itself no longer names them);
- the named complaints of the units they live in today, filed during their stay (`property_households.resident_portal.reach_of`,
  the occupancy windows of `property_households.rules.occupancy_periods`): the household shares them, a new occupant never
  sees an earlier occupant's.
Nobody else's anonymous complaint is ever visible: it names no unit and no complainant, and the rule
matches it only through its identity record."""

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Sum
from frappe.utils import cint

from property_crm.property_complaints.rules import complaint as rules
from property_crm.property_households import resident_portal as portal
from property_crm.property_households.rules.occupancy_periods import Reach

PAGE_SIZE = 20
LIST_FIELDS = ("name", "subject", "status", "complaint_category", "unit", "is_anonymous", "creation")


def tables():
	return frappe.qb.DocType("Complaint"), frappe.qb.DocType("Complaint Identity")


def own_anonymous(reach: Reach) -> list[str]:
	"""The resident's own anonymous complaints (one indexed query on the identity records)."""
	return frappe.get_all(
		"Complaint Identity", filters={"complainant": reach.resident}, pluck="name", order_by="name"
	)


def visible(reach: Reach, complaint, identity, anonymous: list[str] | None = None):
	"""The query-builder condition of the rule on `complaint` (left-joined to its `identity`). Each part
	is on an indexed column of the complaint itself (complainant, identity, unit), so MariaDB merges
	indexes instead of scanning every complaint. Values are bound parameters, never SQL text."""
	if not isinstance(reach, Reach):
		raise TypeError("Pass property_households.resident_portal.reach_of(resident).")
	anonymous = own_anonymous(reach) if anonymous is None else anonymous
	condition = complaint.complainant == reach.resident
	if anonymous:
		condition |= complaint.identity.isin(anonymous)
	for window in reach.windows:
		stay = (complaint.unit == window.unit) & (complaint.creation >= window.since)
		if window.before is not None:
			stay &= complaint.creation < window.before
		condition |= (complaint.is_anonymous == 0) & stay
	return condition


def query(reach: Reach):
	complaint, identity = tables()
	return (
		frappe.qb.from_(complaint)
		.left_join(identity)
		.on(identity.name == complaint.identity)
		.where(visible(reach, complaint, identity))
	)


def filed_by_expression(reach: Reach):
	"""1 when the resident filed the complaint (named or anonymous), else 0."""
	complaint, identity = tables()
	mine = (complaint.complainant == reach.resident) | (identity.complainant == reach.resident)
	return Case().when(mine, 1).else_(0)


def complaints_of(
	reach: Reach, start: int = 0, page_length: int = PAGE_SIZE, status: str | None = None
) -> list[dict]:
	"""The complaints the resident sees, newest first (one query); `mine` says which they filed."""
	complaint, identity = tables()
	rows = query(reach).select(
		*(complaint[field] for field in LIST_FIELDS),
		identity.unit.as_("identity_unit"),
		filed_by_expression(reach).as_("mine"),
	)
	if status == "open":
		rows = rows.where(complaint.status.notin(rules.FINISHED_STATES))
	rows = (
		rows.orderby(complaint.creation, order=Order.desc)
		.orderby(complaint.name, order=Order.desc)
		.limit(cint(page_length))
		.offset(max(0, cint(start)))
		.run(as_dict=True)
	)
	for row in rows:
		# the resident's own anonymous complaint: they may read which home it was about; nobody else's
		row.unit = row.unit or (row.identity_unit if row.mine else None)
		del row["identity_unit"]
	return rows


def count_open(reach: Reach) -> dict:
	"""Open complaints (not closed or withdrawn) and those waiting for the resident's feedback (one query)."""
	complaint, identity = tables()
	open_case = Case().when(complaint.status.notin(rules.FINISHED_STATES), 1).else_(0)
	mine = (complaint.complainant == reach.resident) | (identity.complainant == reach.resident)
	feedback_case = Case().when((complaint.status == "Resolved") & mine, 1).else_(0)
	row = (
		query(reach)
		.select(Sum(open_case).as_("open"), Sum(feedback_case).as_("feedback"))
		.run(as_dict=True)[0]
	)
	return {"open": int(row.open or 0), "feedback": int(row.feedback or 0)}


def complaint_of_resident(name: str, resident: str, reach: Reach):
	"""The complaint if the rule lets the resident see it, with `mine` (they filed it) and, for their own
	anonymous complaint, the unit from its identity; otherwise a permission error that says no more."""
	complaint, identity = tables()
	row = None
	if name and isinstance(name, str):
		found = (
			query(reach)
			.select(
				complaint.name, identity.unit.as_("identity_unit"), filed_by_expression(reach).as_("mine")
			)
			.where(complaint.name == name)
			.run(as_dict=True)
		)
		row = found[0] if found else None
	if not row:
		raise frappe.PermissionError(_("This complaint is not one of yours."))
	doc = frappe.get_doc("Complaint", row.name)
	doc.flags.mine = bool(row.mine)
	doc.flags.identity_unit = row.identity_unit if row.mine else None
	return doc


def status_history(name: str) -> list[dict]:
	"""When the complaint reached each status, from Frappe's version history (one query)."""
	return portal.status_history(name, "Complaint")
