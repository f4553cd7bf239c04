"""A resident's bills on the portal: ERPNext Sales Invoices, seen by the occupancy rule.

A resident sees every invoice of their own Customer (their own bills, wherever they lived), and the lines
of other payers' invoices that bill one of their current units for a period that began while they live
there (`property_households.resident_portal.reach_of`, `property_households.rules.occupancy_periods`): a household shares its bills; a new
tenant never sees the previous tenant's or the owner's earlier bills. Of someone else's invoice only those
lines are shown, with their share of what is outstanding; payments are shown only to the payer."""

import frappe
from frappe.query_builder import Order
from frappe.query_builder.functions import Count, Sum
from frappe.utils import cint, flt, getdate, today

from property_crm.property_households.rules.occupancy_periods import Reach

PAGE_SIZE = 20


def visible_lines(reach: Reach, customer: str | None, invoice, item):
	"""The query-builder condition for invoice lines the resident may see (bound parameters only)."""
	condition = (invoice.customer == customer) if customer else None
	for window in reach.windows:
		stay = (item.property_unit == window.unit) & (item.property_period_from >= window.since.date())
		if window.before is not None:
			stay &= item.property_period_from < window.before.date()
		condition = stay if condition is None else condition | stay
	return condition


def _base(reach: Reach, customer: str | None):
	invoice = frappe.qb.DocType("Sales Invoice")
	item = frappe.qb.DocType("Sales Invoice Item")
	condition = visible_lines(reach, customer, invoice, item)
	if condition is None:
		return None, invoice, item
	query = (
		frappe.qb.from_(item)
		.join(invoice)
		.on(invoice.name == item.parent)
		.where((invoice.docstatus == 1) & (item.parenttype == "Sales Invoice") & condition)
	)
	return query, invoice, item


def bills_of(reach: Reach, customer: str | None, start: int = 0, page_length: int = PAGE_SIZE) -> list[dict]:
	"""The resident's bills, newest first, with the visible part of each (one query)."""
	query, invoice, item = _base(reach, customer)
	if query is None:
		return []
	rows = (
		query.select(invoice.name, invoice.posting_date, invoice.due_date, invoice.property_billing_period,
			invoice.property_late_fee_of, invoice.customer, invoice.grand_total, invoice.outstanding_amount,
			invoice.base_net_total, Sum(item.base_net_amount).as_("visible"), Count(item.name).as_("lines"))
		.groupby(invoice.name)
		.orderby(invoice.posting_date, order=Order.desc)
		.orderby(invoice.name, order=Order.desc)
		.limit(cint(page_length))
		.offset(max(0, cint(start)))
		.run(as_dict=True)
	)  # fmt: skip
	return [_shaped(row, customer) for row in rows]


def _shaped(row, customer):
	mine = bool(customer) and row.customer == customer
	share = 1 if mine or not row.base_net_total else flt(row.visible) / flt(row.base_net_total)
	row.mine = mine
	row.amount = flt(row.grand_total) if mine else flt(row.visible, 2)
	row.owed = flt(flt(row.outstanding_amount) * share, 2)
	row.state = state_of(row.owed, row.amount, row.due_date)
	return row


def state_of(owed: float, amount: float, due_date) -> str:
	"""Residents' words: Paid, Unpaid, Partly Paid, Overdue."""
	if owed <= 0:
		return "Paid"
	if due_date and getdate(due_date) < getdate(today()):
		return "Overdue"
	return "Partly Paid" if owed < amount else "Unpaid"


def owed_by_unit(reach: Reach, customer: str | None) -> dict[str, float]:
	"""What is outstanding on the resident's current units, from the lines they may see (one query)."""
	query, invoice, item = _base(reach, customer)
	if query is None or not reach.units:
		return {}
	owed = Sum(invoice.outstanding_amount * item.base_net_amount / invoice.base_net_total)
	rows = (
		query.select(item.property_unit, owed.as_("owed"))
		.where(item.property_unit.isin(list(reach.units)) & (invoice.outstanding_amount > 0)
			& (invoice.base_net_total > 0))
		.groupby(item.property_unit)
		.run()
	)  # fmt: skip
	return {unit: flt(value, 2) for unit, value in rows}


def bill_of(name: str, reach: Reach, customer: str | None):
	"""(invoice row, its visible lines, its payments if the resident paid it) or PermissionError."""
	query, invoice, item = _base(reach, customer)
	lines = []
	if query is not None and isinstance(name, str):
		lines = (
			query.select(invoice.name, invoice.posting_date, invoice.due_date, invoice.property_billing_period,
				invoice.property_late_fee_of, invoice.customer, invoice.grand_total, invoice.outstanding_amount,
				invoice.base_net_total, invoice.currency, item.item_name, item.property_unit,
				item.property_period_from, item.property_period_to, item.qty, item.uom, item.rate, item.amount,
				item.base_net_amount)
			.where(invoice.name == name)
			.orderby(item.idx)
			.run(as_dict=True)
		)  # fmt: skip
	if not lines:
		raise frappe.PermissionError
	head = frappe._dict(lines[0])
	head.visible = sum(flt(line.base_net_amount) for line in lines)
	head = _shaped(head, customer)
	payments = []
	if head.mine:
		ple = frappe.qb.DocType("Payment Ledger Entry")
		payments = (
			frappe.qb.from_(ple)
			.select(ple.posting_date, ple.voucher_type, ple.voucher_no, Sum(ple.amount).as_("amount"))
			.where((ple.against_voucher_type == "Sales Invoice") & (ple.against_voucher_no == name)
				& (ple.voucher_no != name) & (ple.delinked == 0))
			.groupby(ple.posting_date, ple.voucher_type, ple.voucher_no)
			.orderby(ple.posting_date)
			.orderby(ple.voucher_no)
			.run(as_dict=True)
		)  # fmt: skip
		for row in payments:
			row.amount = -flt(row.amount)  # a credit to the receivable is a payment
	return head, lines, payments


def can_pay_online(company: str | None = None) -> bool:
	"""The 缴费 (pay) buttons only where an online payment platform (WeChat Pay, Alipay) is enabled."""
	from property_crm.property_fees.payments.portal import can_pay_online as platform_enabled

	return platform_enabled()


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
