"""Electronic receipts (电子收据) and the resident's payments, for the portal and the desk's print format.

A receipt is one submitted ERPNext Payment Entry received from a Customer: online payments (made exactly once
by `payments.orders`) and payments staff record at the desk (cash, bank card, bank transfer) alike. The
portal shows a receipt only to the resident whose Customer is the entry's party (`receipt_for_resident`);
staff print the same receipt through the Print Format "Property Receipt" (`property_receipt`, a Jinja method),
both rendering `templates/portal/receipt_body.html`.
"""

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.utils import flt, getdate

from property_crm.property_fees.rules.receipts import capitals, mode_word

PAYMENTS_SHOWN = 50


def _money(value) -> str:
	from property_crm.portal.shell import format_currency

	return format_currency(flt(value))


def receipt_data(entry) -> dict:
	"""What a receipt shows, from a Payment Entry doc (three queries, whatever the number of bills)."""
	invoices = [ref.reference_name for ref in entry.references if ref.reference_doctype == "Sales Invoice"]
	heads, units = {}, {}
	if invoices:
		invoice = frappe.qb.DocType("Sales Invoice")
		for row in (
			frappe.qb.from_(invoice)
			.select(
				invoice.name,
				invoice.property_billing_period,
				invoice.property_late_fee_of,
				invoice.posting_date,
			)
			.where(invoice.name.isin(invoices))
			.run(as_dict=True)
		):
			heads[row.name] = row
		item = frappe.qb.DocType("Sales Invoice Item")
		for parent, unit in (
			frappe.qb.from_(item)
			.select(item.parent, item.property_unit)
			.distinct()
			.where(
				(item.parenttype == "Sales Invoice")
				& item.parent.isin(invoices)
				& item.property_unit.isnotnull()
			)
			.orderby(item.property_unit)
			.run()
		):
			if unit:
				units.setdefault(parent, []).append(unit)
	order = frappe.db.get_value(
		"Property Payment Order",
		{"payment_entry": entry.name},
		["name", "platform", "transaction_id"],
		as_dict=True,
	)
	bills = []
	for ref in entry.references:
		if ref.reference_doctype != "Sales Invoice":
			continue
		head = heads.get(ref.reference_name) or frappe._dict()
		if head.property_late_fee_of:
			what = _("Late fee of {0}").format(head.property_late_fee_of)
		else:
			what = _("Bill for {0}").format(head.property_billing_period or head.posting_date or "")
		bills.append(
			{
				"name": ref.reference_name,
				"what": what,
				"units": "、".join(units.get(ref.reference_name, [])),
				"amount": _money(ref.allocated_amount),
			}
		)
	amount = flt(entry.received_amount or entry.paid_amount)
	all_units = sorted({unit for names in units.values() for unit in names})
	mode = (order.platform if order else None) or entry.mode_of_payment
	return {
		"number": entry.name,
		"company": entry.company,
		"date": str(getdate(entry.posting_date)) if entry.posting_date else "",
		"payer": entry.party_name or entry.party,
		"units": "、".join(all_units),
		"bills": bills,
		"advance": _money(entry.unallocated_amount) if flt(entry.unallocated_amount) > 0 else "",
		"amount": _money(amount),
		"capitals": capitals(amount),
		"mode": _(mode_word(mode)) if mode else "",
		"transaction_id": (order.transaction_id if order else None) or entry.reference_no or "",
		"order": order.name if order else "",
		"draft": entry.docstatus == 0,
		"cancelled": entry.docstatus == 2,
	}


def property_receipt(doc) -> dict:
	"""Jinja method of the Print Format "Property Receipt": the receipt of the Payment Entry being printed
	(the desk's own permission check has let the user open it)."""
	return receipt_data(doc)


def resident_customer(resident: str) -> str | None:
	return frappe.db.get_value("Property Owner", resident, "customer")


def receipt_for_resident(name: str, resident: str) -> dict:
	"""The receipt of Payment Entry `name` if its party is the resident's own Customer; else Frappe's 404
	(the same answer whether it exists or not)."""
	customer = resident_customer(resident)
	if not (customer and isinstance(name, str)):
		raise frappe.PageDoesNotExistError
	found = frappe.db.get_value(
		"Payment Entry",
		{
			"name": name,
			"party_type": "Customer",
			"party": customer,
			"docstatus": 1,
			"payment_type": "Receive",
		},
		"name",
	)
	if not found:
		raise frappe.PageDoesNotExistError
	return receipt_data(frappe.get_doc("Payment Entry", found))


def payments_of(resident: str) -> list[dict]:
	"""The resident's payments, newest first: their online orders (each with its state, and its receipt once
	paid) and the payments of their Customer recorded at the desk (two queries)."""
	from property_crm.property_fees.rules.payments import resident_state

	customer = resident_customer(resident)
	order = frappe.qb.DocType("Property Payment Order")
	orders = (
		frappe.qb.from_(order)
		.select(order.name, order.platform, order.status, order.amount, order.creation, order.paid_at,
			order.payment_entry)
		.where(order.resident == resident)
		.orderby(order.creation, order=Order.desc)
		.limit(PAYMENTS_SHOWN)
		.run(as_dict=True)
	)  # fmt: skip
	rows = [
		{
			"kind": "order",
			"name": row.name,
			"when": row.paid_at or row.creation,
			"amount": flt(row.amount),
			"mode": _(mode_word(row.platform)),
			"state": resident_state(row.status),
			"label": _(
				{"Paid": "Payment Successful"}.get(resident_state(row.status), resident_state(row.status))
			),
			"status": row.status,
			"receipt": row.payment_entry or None,
		}
		for row in orders
	]
	online = {row.payment_entry for row in orders if row.payment_entry}
	if customer:
		entry = frappe.qb.DocType("Payment Entry")
		for row in (
			frappe.qb.from_(entry)
			.select(entry.name, entry.posting_date, entry.creation, entry.received_amount, entry.mode_of_payment)
			.where((entry.party_type == "Customer") & (entry.party == customer) & (entry.docstatus == 1)
				& (entry.payment_type == "Receive"))
			.orderby(entry.posting_date, order=Order.desc)
			.orderby(entry.creation, order=Order.desc)
			.limit(PAYMENTS_SHOWN)
			.run(as_dict=True)
		):  # fmt: skip
			if row.name in online:
				continue
			rows.append(
				{
					"kind": "entry",
					"name": row.name,
					"when": getdate(row.posting_date),
					"amount": flt(row.received_amount),
					"mode": _(mode_word(row.mode_of_payment)) if row.mode_of_payment else "",
					"state": "Paid",
					"label": _("Payment Successful"),
					"status": "Paid",
					"receipt": row.name,
				}
			)
	rows.sort(key=lambda row: str(row["when"]), reverse=True)
	return rows
