"""The resident's side: who is asking, which units are theirs, which orders they may see.

Every portal page and portal method goes through these functions; a resident's reach is decided here,
on the server, from the Property Owner linked to their user and the units they occupy — and when:
`domain.occupancy_periods` is the one rule (own records always, a unit's only for the time one lives
there)."""

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Sum
from frappe.translate import get_all_translations
from frappe.utils import cint, getdate, today

from property_crm.domain import occupancy_periods
from property_crm.domain.occupancy import current_occupants
from property_crm.domain.occupancy_periods import Reach

OPEN_FOR_CANCEL = ("Draft", "Accepted")
PAGE_SIZE = 20


def current_resident(required: bool = True) -> str | None:
	user = frappe.session.user
	resident = None if user == "Guest" else frappe.db.get_value("Property Owner", {"user": user}, "name")
	if required and not resident:
		if user == "Guest":
			frappe.local.flags.redirect_location = "/login?redirect-to=" + (
				frappe.local.request.path if frappe.request else "/property"
			)
			raise frappe.Redirect
		frappe.throw(
			_("Your account is not linked to a resident file. Please contact the service desk."),
			frappe.PermissionError,
		)
	return resident


def my_units(resident: str) -> list[dict]:
	"""Units the resident occupies today (one query)."""
	unit = frappe.qb.DocType("Property Unit")
	row = frappe.qb.DocType("Property Unit Occupant")
	rows = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.select(unit.name, unit.estate, unit.building, unit.status, row.relation, row.move_in, row.move_out,
			row.primary_contact, row.resident.as_("owner"), row.idx)
		.where((row.parenttype == "Property Unit") & (row.resident == resident))
		.orderby(unit.name)
		.run(as_dict=True)
	)  # fmt: skip
	return current_occupants(rows, getdate(today()))


def reach_of(resident: str, units: list[dict] | None = None) -> Reach:
	"""What the resident may see today (`domain.occupancy_periods`): their own orders, and their current
	units' orders created since they moved in. Pass `units` (rows of `my_units(resident)`) when the page
	already has them, so that no query is added."""
	rows = my_units(resident) if units is None else units
	return occupancy_periods.reach(
		resident,
		[{"unit": row.name, "move_in": row.move_in, "move_out": row.move_out} for row in rows],
		getdate(today()),
	)


def visible_to(reach: Reach, table):
	"""The query-builder condition of `Reach.sees` on `table` (unit, requester, creation): the same rule
	for lists that `order_of_resident` applies to one record. Values are bound parameters, never SQL text."""
	if not isinstance(reach, Reach):
		# a list of unit names is how this used to be called: it would ignore who lived there when
		raise TypeError("Pass services.portal.reach_of(resident), not unit names.")
	condition = table.requester == reach.resident
	for window in reach.windows:
		stay = (table.unit == window.unit) & (table.creation >= window.since)
		if window.before is not None:
			stay &= table.creation < window.before
		condition |= stay
	return condition


def order_of_resident(name: str, resident: str, reach: Reach | None = None):
	"""The order if the resident may see it (their own, or their home's during their stay); otherwise a
	permission error that says no more than that."""
	reach = reach or reach_of(resident)
	row = None
	if name and isinstance(name, str):
		row = frappe.db.get_value("Service Order", name, ["unit", "requester", "creation"], as_dict=True)
	if not row or not reach.sees(row.unit, row.requester, row.creation):
		raise frappe.PermissionError(_("This request does not belong to your home."))
	return frappe.get_doc("Service Order", name)


def is_open(order):
	return order.status.notin(["Closed", "Cancelled"])


def waits_for_rating(order):
	return order.status.isin(["Completed", "Closed"]) & (order.rating.isnull() | (order.rating == 0))


LIST_FIELDS = ("name", "subject", "status", "unit", "service_category", "creation", "rating", "completed_on")


def orders_of(
	reach: Reach, start: int = 0, page_length: int = PAGE_SIZE, status: str | None = None
) -> list[dict]:
	"""The orders the resident may see, newest first (one query)."""
	order = frappe.qb.DocType("Service Order")
	query = (
		frappe.qb.from_(order)
		.select(*(order[field] for field in LIST_FIELDS))
		.where(visible_to(reach, order))
	)
	if status == "open":
		query = query.where(is_open(order))
	return (
		query.orderby(order.creation, order=Order.desc)
		.limit(cint(page_length))
		.offset(max(0, cint(start)))
		.run(as_dict=True)
	)


def counts_of(reach: Reach) -> dict:
	"""Open orders and orders waiting for the resident's rating, in one query."""
	order = frappe.qb.DocType("Service Order")
	open_case = Case().when(is_open(order), 1).else_(0)
	rate_case = Case().when(waits_for_rating(order), 1).else_(0)
	row = (
		frappe.qb.from_(order)
		.select(Sum(open_case).as_("open"), Sum(rate_case).as_("to_rate"))
		.where(visible_to(reach, order))
		.run(as_dict=True)[0]
	)
	return {"open": int(row.open or 0), "to_rate": int(row.to_rate or 0)}


def status_history(order: str, doctype: str = "Service Order") -> list[dict]:
	"""When the order (or a complaint) reached each status, from Frappe's own version history (one query)."""
	history = []
	states = status_by_label(doctype)
	for version in frappe.get_all(
		"Version",
		filters={"ref_doctype": doctype, "docname": order},
		fields=["data", "creation"],
		order_by="creation asc",
	):
		data = frappe.parse_json(version.data or "{}")
		for field, _old, new in data.get("changed") or []:
			if field == "status":
				history.append({"status": states.get(new, new), "on": version.creation})
	return history


def status_by_label(doctype: str) -> dict[str, str]:
	"""Frappe's version history keeps a Select value as it was shown to whoever saved it — translated
	(已处理 for Resolved when the clerk works in Chinese): each state by its labels, back to the state."""
	options = [o for o in (frappe.get_meta(doctype).get_field("status").options or "").split("\n") if o]
	states = {option: option for option in options}
	for lang in {"zh", "en", frappe.get_system_settings("language") or "en"}:
		translations = get_all_translations(lang)
		states.update({translations[o]: o for o in options if translations.get(o)})
	return states


def orders_to_rate(reach: Reach, limit: int = 5) -> list[dict]:
	"""Completed orders the resident may see and nobody has rated yet (one query)."""
	order = frappe.qb.DocType("Service Order")
	return (
		frappe.qb.from_(order)
		.select(order.name, order.subject, order.status)
		.where(visible_to(reach, order))
		.where(waits_for_rating(order))
		.orderby(order.completed_on, order=Order.desc)
		.limit(cint(limit))
		.run(as_dict=True)
	)


def outstanding_amount(resident: str, customer: str | None = None) -> float:
	"""Unpaid ERPNext invoices of the resident's Customer (one query; ERPNext keeps the ledger).

	These are the person's own bills, wherever they lived, so no occupancy window applies. Invoices
	shown per unit (a unit's fees, a household's bills) must go through the same rule as orders:
	`reach_of(resident)` and `visible_to()` (or `Reach.sees()` for one invoice) — a new occupant never
	sees the previous occupant's bills."""
	customer = customer or frappe.db.get_value("Property Owner", resident, "customer")
	if not customer:
		return 0.0
	invoice = frappe.qb.DocType("Sales Invoice")
	total = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice.outstanding_amount))
		.where((invoice.customer == customer) & (invoice.docstatus == 1))
		.run()[0][0]
	)
	return float(total or 0)
