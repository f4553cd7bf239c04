"""Factories for the fee tests: a schedule, a place with residents and Customers, payments."""

import frappe
from frappe.utils import getdate

from property_crm.property_fees import billing as fees
from property_crm.property_households import accounts
from property_crm.tests.factories import make_building, make_estate, make_owner, make_unit, occupant, unique


def make_schedule(estate: str, lines: list[dict] | None = None, **kwargs):
	fees.ensure_fee_items()
	lines = lines or [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2.5}]
	return frappe.get_doc(
		{
			"doctype": "Property Fee Schedule",
			"estate": estate,
			"schedule_name": unique("S"),
			"effective_from": "2020-01-01",
			"lines": lines,
			"due_days": 15,
			"late_fee_daily_rate": 0.05,
			"grace_days": 5,
			"late_fee_cap": 100,
		}
		| kwargs
	).insert()


def make_resident(**kwargs):
	owner = make_owner(email=f"{unique('f').lower()}@example.com", **kwargs)
	accounts.ensure_customer(owner)
	owner.reload()
	return owner


def make_estate_with_units(count: int = 3, **unit_kwargs):
	"""An estate (with a schedule of the property fee) and `count` units, each with its own owner."""
	estate = make_estate()
	building = make_building(estate.name, "1")
	units, owners = [], []
	for i in range(count):
		owner = make_resident()
		units.append(
			make_unit(
				building, f"{101 + i}", floor=1, occupants=[occupant(owner, primary_contact=1)], **unit_kwargs
			)
		)
		owners.append(owner)
	return estate, building, units, owners


def make_run(month: str, estates: list[str], submit: int = 1):
	from property_crm.tests.factories import company

	return frappe.get_doc(
		{
			"doctype": "Property Billing Run",
			"period": month,
			"company": company(),
			"estates": [{"estate": e} for e in estates],
			"submit_invoices": submit,
		}
	).insert()


def pay(invoice: str, amount: float, on: str):
	"""ERPNext's own Payment Entry for part of an invoice, posted on `on`."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	entry = get_payment_entry("Sales Invoice", invoice)
	entry.posting_date = getdate(on)
	entry.reference_no, entry.reference_date = unique("P"), getdate(on)
	entry.paid_amount = entry.received_amount = amount
	entry.references[0].allocated_amount = amount
	entry.insert()
	entry.submit()
	return entry


def invoices_of(estate: str) -> list[dict]:
	return frappe.get_all(
		"Sales Invoice",
		filters={"property_estate": estate, "docstatus": ("<", 2), "property_late_fee_of": ("is", "not set")},
		fields=["name", "customer", "grand_total", "outstanding_amount", "docstatus", "due_date"],
		order_by="name",
	)


def charges_of(estate: str) -> list[tuple]:
	return frappe.get_all(
		"Property Fee Charge",
		filters={"estate": estate},
		fields=["unit", "fee_item", "period", "customer", "amount", "sales_invoice"],
		as_list=True,
	)
