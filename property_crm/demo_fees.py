"""The demo's fees step: fee schedules for every estate, then `months` of monthly bills for a sample of
units (the portal demo residents' homes first), through the real billing run (ERPNext Sales Invoices,
submitted), with payments by ERPNext Payment Entries in the payers' habits (`domain.demo_fees`): on time,
late, partial, partial then the rest, unpaid. Then the late-fee job and the reminder ladder run as of a
few dates, as the scheduler would have. A second run adds nothing (the billing run is idempotent by its
unique index; payments and notices are made only once, marked by a default).

Why a sample: ERPNext makes a submitted invoice and a payment at roughly 10 a second here; two years for
20,000 units (480,000 invoices) would take most of a day. `--fee-units` and `--fee-months` set the size."""

import random
import time
from datetime import date

import frappe
from frappe.utils import add_days, getdate, nowdate

from property_crm.domain import demo_fees
from property_crm.domain import fees as rules
from property_crm.services import fees, late_fees, reminders

FEES_DONE = "property_crm_demo_fees"


def seed_fees(rng: random.Random, units: int, months: int, progress) -> None:
	if frappe.db.get_default(FEES_DONE):
		progress(f"fees: kept as they are ({frappe.db.count('Property Fee Charge'):,} billed shares)")
		return
	started = time.monotonic()
	fees.ensure_fee_items()
	ensure_schedules()
	today = getdate(nowdate())
	first = rules.add_months(today.replace(day=1), -(months - 1))
	ensure_fiscal_years(first.year, today.year)
	sample = sample_units(units)
	if not sample:
		return
	company = frappe.db.get_value(
		"Property Estate", frappe.db.get_value("Property Unit", sample[0], "estate"), "company"
	)
	estates = sorted({frappe.db.get_value("Property Unit", u, "estate") for u in sample})
	habits: dict[str, str] = {}
	invoices = 0
	for i in range(months):
		month = rules.add_months(first, i)
		run = frappe.get_doc(
			{"doctype": "Property Billing Run", "period": month, "company": company,
				"estates": [{"estate": e} for e in estates], "submit_invoices": 1}
		).insert(ignore_permissions=True)  # fmt: skip
		frappe.db.commit()
		fees.run(run.name, units=sample)
		for bill in frappe.get_all(
			"Sales Invoice",
			filters={"property_billing_run": run.name, "docstatus": 1},
			fields=["name", "customer", "posting_date", "due_date", "grand_total"],
		):
			habit = habits.setdefault(bill.customer, demo_fees.habit_of(rng))
			for payment in demo_fees.payments(
				rng, getdate(bill.posting_date), getdate(bill.due_date), today, habit
			):
				pay(bill.name, round(bill.grand_total * payment.share, 2), payment.on)
			invoices += 1
		frappe.db.commit()
		progress(f"fees: {month:%Y-%m} billed ({invoices:,} invoices so far)")
	for offset in (-60, -30, 0):
		as_of = add_days(today, offset)
		late_fees.daily(as_of)
		reminders.daily(as_of)
	frappe.db.set_default(FEES_DONE, str(invoices))
	frappe.db.commit()
	progress(
		f"fees: {invoices:,} invoices for {len(sample)} units over {months} months, "
		f"{frappe.db.count('Payment Entry', {'docstatus': 1}):,} payments, "
		f"{frappe.db.count('Property Late Fee'):,} late fees, {frappe.db.count('Dunning'):,} notices "
		f"in {time.monotonic() - started:.0f} s"
	)


def ensure_schedules() -> None:
	"""A schedule per estate from its default rates: property fee per m² built-up, public-area electricity
	per m², parking per space (monthly, prepaid), water by meter (postpaid, when readings exist)."""
	for estate in frappe.get_all("Property Estate", fields=["name", "property_fee_rate", "parking_fee"]):
		if frappe.db.exists("Property Fee Schedule", {"estate": estate.name}):
			continue
		frappe.get_doc(
			{
				"doctype": "Property Fee Schedule",
				"estate": estate.name,
				"schedule_name": "标准",
				"effective_from": "2020-01-01",
				"due_days": 15,
				"late_fee_daily_rate": 0.05,
				"grace_days": 5,
				"late_fee_cap": 100,
				"lines": [
					{
						"fee_item": fees.PROPERTY_FEE,
						"basis": "Built-up Area",
						"rate": estate.property_fee_rate or 2.5,
					},
					{"fee_item": fees.PUBLIC_ELECTRICITY, "basis": "Built-up Area", "rate": 0.15},
					{
						"fee_item": fees.PARKING,
						"basis": "Per Parking Space",
						"rate": estate.parking_fee or 150,
					},
					{
						"fee_item": fees.WATER,
						"basis": "Metered",
						"rate": 4.2,
						"timing": "Postpaid",
						"meter_type": "Water",
					},
				],
			}
		).insert(ignore_permissions=True)  # Safe: demo data


def ensure_fiscal_years(first: int, last: int) -> None:
	for year in range(first, last + 1):
		if not frappe.db.exists("Fiscal Year", {"year_start_date": date(year, 1, 1)}):
			doc = frappe.get_doc(
				{"doctype": "Fiscal Year", "year": str(year), "year_start_date": date(year, 1, 1),
					"year_end_date": date(year, 12, 31)}
			)  # fmt: skip
			for company in frappe.get_all("Company", pluck="name"):
				doc.append("companies", {"company": company})
			doc.insert(ignore_permissions=True)  # Safe: demo data


def sample_units(count: int) -> list[str]:
	"""The portal demo residents' homes first, then the first units of the first estate."""
	homes = frappe.get_all(
		"Property Unit Occupant",
		filters={"parenttype": "Property Unit", "resident": ("in", portal_residents() or [""])},
		pluck="parent",
	)
	rest = frappe.get_all(
		"Property Unit", filters={"status": ("!=", "Vacant")}, pluck="name", order_by="name", limit=count
	)
	return list(dict.fromkeys(homes + rest))[: max(count, len(set(homes)))]


def portal_residents() -> list[str]:
	return frappe.get_all("Property Owner", filters={"user": ("is", "set")}, pluck="name")


def pay(invoice: str, amount: float, on: date) -> None:
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	if amount <= 0:
		return
	entry = get_payment_entry("Sales Invoice", invoice)
	entry.posting_date = on
	entry.reference_no, entry.reference_date = f"DEMO-{invoice}-{on:%m%d}", on
	entry.paid_amount = entry.received_amount = min(amount, entry.paid_amount)
	entry.references[0].allocated_amount = entry.paid_amount
	entry.flags.ignore_permissions = True  # Safe: demo data
	entry.insert()
	entry.submit()
