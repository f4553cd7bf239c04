"""The resident's side: who is asking, which units are theirs, which orders they may see.

Every portal page and portal method goes through these functions; a resident's reach is decided here,
on the server, from the Property Owner linked to their user and the units they occupy."""

import frappe
from frappe import _
from frappe.utils import getdate, today

from property_crm.domain.occupancy import current_occupants

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


def order_of_resident(name: str, resident: str):
	"""The order if it belongs to one of the resident's units; otherwise a permission error."""
	units = {u.name for u in my_units(resident)}
	unit = frappe.db.get_value("Service Order", name, "unit")
	if not unit or unit not in units:
		raise frappe.PermissionError(_("This request does not belong to your home."))
	return frappe.get_doc("Service Order", name)


def orders_of(
	units: list[str], start: int = 0, page_length: int = PAGE_SIZE, status: str | None = None
) -> list[dict]:
	if not units:
		return []
	filters = {"unit": ("in", units)}
	if status == "open":
		filters["status"] = ("not in", ("Closed", "Cancelled"))
	return frappe.get_all(
		"Service Order",
		filters=filters,
		fields=[
			"name",
			"subject",
			"status",
			"unit",
			"service_category",
			"creation",
			"rating",
			"completed_on",
		],
		order_by="creation desc",
		start=start,
		page_length=page_length,
	)


def counts_of(units: list[str]) -> dict:
	"""Open orders and orders waiting for the resident's rating, in one query."""
	if not units:
		return {"open": 0, "to_rate": 0}
	order = frappe.qb.DocType("Service Order")
	from pypika.terms import Case

	from frappe.query_builder.functions import Sum

	open_case = Case().when(order.status.notin(["Closed", "Cancelled"]), 1).else_(0)
	rate_case = (
		Case()
		.when(order.status.isin(["Completed", "Closed"]) & (order.rating.isnull() | (order.rating == 0)), 1)
		.else_(0)
	)
	row = (
		frappe.qb.from_(order)
		.select(Sum(open_case).as_("open"), Sum(rate_case).as_("to_rate"))
		.where(order.unit.isin(units))
		.run(as_dict=True)[0]
	)
	return {"open": int(row.open or 0), "to_rate": int(row.to_rate or 0)}


def status_history(order: str) -> list[dict]:
	"""When the order reached each status, from Frappe's own version history (one query)."""
	history = []
	for version in frappe.get_all(
		"Version",
		filters={"ref_doctype": "Service Order", "docname": order},
		fields=["data", "creation"],
		order_by="creation asc",
	):
		data = frappe.parse_json(version.data or "{}")
		for field, _old, new in data.get("changed") or []:
			if field == "status":
				history.append({"status": new, "on": version.creation})
	return history


def orders_to_rate(units: list[str], limit: int = 5) -> list[dict]:
	if not units:
		return []
	return frappe.get_all(
		"Service Order",
		filters={
			"unit": ("in", units),
			"status": ("in", ("Completed", "Closed")),
			"rating": ("in", (0, None)),
		},
		fields=["name", "subject", "status"],
		order_by="completed_on desc",
		page_length=limit,
	)


def outstanding_amount(resident: str) -> float:
	"""Unpaid ERPNext invoices of the resident's Customer (one query; ERPNext keeps the ledger)."""
	customer = frappe.db.get_value("Property Owner", resident, "customer")
	if not customer:
		return 0.0
	invoice = frappe.qb.DocType("Sales Invoice")
	from frappe.query_builder.functions import Sum

	total = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice.outstanding_amount))
		.where((invoice.customer == customer) & (invoice.docstatus == 1))
		.run()[0][0]
	)
	return float(total or 0)
