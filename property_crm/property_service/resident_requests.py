"""Which service orders a resident sees on the portal: their own, and their home's during their stay
(`property_households.resident_portal.reach_of`, the one occupancy rule), for the list, the single page
and every portal method."""

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Sum
from frappe.utils import cint

from property_crm.property_households.resident_portal import PAGE_SIZE, reach_of, visible_to
from property_crm.property_households.rules.occupancy_periods import Reach

OPEN_FOR_CANCEL = ("Draft", "Accepted")


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
