"""The demo's fees step: fee schedules for every estate, then `months` of monthly bills for every billed unit
(or a sample: `--fee-units`), with payments in the payers' habits (`demo.generate.fees`: on time, late,
partial, partial then the rest, unpaid), late fees and the reminder ladder.

Every bill is an ERPNext Sales Invoice and every payment a Payment Entry, with their GL and Payment Ledger
entries; at two years × 20,000 units they are written in bulk as copies of the first bill and payment, which
ERPNext makes itself (`property_crm.demo.ledger`). What to bill comes from the real billing run's plan
(`property_fees.billing.plan`: schedules, occupancy, proration, payers), each share is a Property Fee Charge row as
the run writes it, and late fees are `property_fees.rules.fees.late_fee` over each bill's payments, as the daily job
computes them: billed on their own invoice once the bill is settled, accruing while it is not. The reminder
ladder then runs as the scheduler would today. Each month is committed on its own; a second run adds
nothing (a default marks the step done)."""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import frappe
from frappe.utils import add_days, cint, flt, getdate, now_datetime, nowdate

from property_crm.demo.generate import fees as demo_fees
from property_crm.demo.ledger import Ledger, Series, insert
from property_crm.property_fees import billing as fees
from property_crm.property_fees import late_fees, reminders
from property_crm.property_fees.rules import fees as rules
from property_crm.property_fees.rules import ledger as ledger_rules

FEES_DONE = "property_crm_demo_fees"
SETTLING = ("late", "partial then rest")  # payers who settle their late fees too


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
	sample = sample_units(units) if units else None
	read_from = rules.add_months(first, -1)  # water is billed postpaid: the first bill's is the month before
	readings = ensure_meter_readings(rng, read_from, today, sample)
	if readings:
		progress(f"fees: {readings:,} water meter readings, a month each from {read_from:%Y-%m}")
	company = frappe.db.get_value(
		"Property Estate",
		frappe.db.get_value("Property Unit", sample[0], "estate") if sample else {},
		"company",
	)
	if not company:
		return
	estates = frappe.get_all("Property Estate", filters={"company": company, "disabled": 0}, pluck="name")
	if sample:
		estates = sorted({frappe.db.get_value("Property Unit", u, "estate") for u in sample})
	context = fees.invoice_context(company, estates)
	terms = {e: late_fees.terms_of(e) for e in estates}
	state = {"habits": {}, "customers": {}, "ledger": None, "rng": rng, "today": today, "context": context,
		"terms": terms, "behind": set(portal_residents())}  # fmt: skip
	bar = progress.bar("months billed", months)
	for i in range(months):
		month = rules.add_months(first, i)
		bar.update(i)
		if frappe.db.exists("Property Billing Run", {"period": month, "status": "Completed"}):
			continue  # billed by an earlier demo run that stopped before the notices
		# a month cut short (the step was stopped) is finished by its own run, not a second one
		unfinished = frappe.db.get_value("Property Billing Run", {"period": month, "status": "Running"})
		run = frappe.get_doc("Property Billing Run", unfinished) if unfinished else frappe.get_doc(
			{"doctype": "Property Billing Run", "period": month, "company": company,
				"estates": [{"estate": e} for e in estates], "submit_invoices": 1}
		).insert(ignore_permissions=True)  # fmt: skip
		run.db_set({"status": "Running", "started_on": now_datetime()})
		frappe.db.commit()
		bills, _skipped = fees.plan(month, company, estates, sample)
		ensure_customers(bills, state["customers"])
		if state["ledger"] is None and bills:
			state["ledger"], bills = start_ledger(bills, run, month, state)
		made = [bill_in_bulk(bill, run, month, state) for bill in bills]
		if state["ledger"]:
			state["ledger"].flush()
		run.db_set({"status": "Completed", "finished_on": now_datetime(), "progress": 100,
			"invoices_made": cint(run.invoices_made) + len(made),
			"charges_made": cint(run.charges_made) + sum(len(b.lines) for b in bills),
			"amount_billed": flt(run.amount_billed) + sum(made)})  # fmt: skip
		frappe.db.commit()
		bar.update(i + 1)
	sent = reminders.daily(today, on_progress=notices_bar(progress))
	frappe.db.set_default(FEES_DONE, "1")
	frappe.db.commit()
	progress(
		f"fees: {frappe.db.count('Sales Invoice', {'docstatus': 1}):,} invoices over {months} months, "
		f"{frappe.db.count('Payment Entry', {'docstatus': 1}):,} payments, "
		f"{frappe.db.count('Property Late Fee'):,} late fees, {sum(sent.values()):,} notices today "
		f"in {time.monotonic() - started:.0f} s"
	)


def notices_bar(progress):
	"""Today's arrears notices are made one by one by the daily job: a bar over the payers it looks at."""
	bar = None

	def update(done: int, total: int) -> None:
		nonlocal bar
		bar = bar or progress.bar("arrears notices (payers looked at)", total)
		if done % 25 == 0 or done == total:
			bar.update(done)

	return update


def start_ledger(bills: list, run, month: date, state: dict) -> tuple[Ledger, list]:
	"""The first bill and its payment, made by ERPNext itself: the templates of every other."""
	for i, bill in enumerate(bills):  # noqa: B007 (i is used after the loop)
		if bill.customer:
			break
	else:
		frappe.throw("No bill of the first month has a customer")
	invoice = fees.bill_once(bill, run, month, state["context"])
	row = frappe.db.get_value(
		"Sales Invoice", invoice, ["grand_total", "posting_date", "due_date"], as_dict=True
	)
	state["habits"][bill.customer] = "on time"
	pay(invoice, row.grand_total, getdate(row.posting_date))
	payment = frappe.db.get_value("Payment Entry Reference", {"reference_name": invoice}, "parent")
	frappe.db.commit()
	return Ledger(invoice, payment), bills[:i] + bills[i + 1 :]


def bill_in_bulk(bill, run, month: date, state: dict) -> float:
	"""One bill as the billing run makes it, its payments in the payer's habit and its late fee."""
	ledger, context, today, rng = state["ledger"], state["context"], state["today"], state["rng"]
	customer = state["customers"][bill.customer]
	due_days = context["due_days"].get(bill.estate, 15)
	posting, lines = month, []
	due = add_days(posting, due_days)
	for line in bill.lines:
		item = context["items"][line.fee_item]
		span = line.share or line.period
		lines.append({"item_code": line.fee_item, "item_name": item.item_name, "uom": item.stock_uom,
			"description": f"{item.item_name} {line.unit} {span.start.isoformat()}~{span.end.isoformat()}",
			"qty": float(line.qty), "rate": float(line.rate), "property_unit": line.unit,
			"property_period": line.period.key, "property_period_from": span.start,
			"property_period_to": span.end, "property_meter_reading": line.meter_reading})  # fmt: skip
	total = Ledger.total_of(lines)
	if bill.resident in state["behind"]:  # a portal login: recent bills left to pay online
		state["habits"][bill.customer] = demo_fees.BEHIND
	habit = state["habits"].setdefault(bill.customer, demo_fees.habit_of(rng))
	plan = demo_fees.payments(rng, posting, due, today, habit)
	paid = list(
		zip((p.on for p in plan), ledger_rules.payment_amounts(total, [p.share for p in plan]), strict=True)
	)
	paid = [(on, float(amount)) for on, amount in paid if amount > 0]
	invoice = ledger.invoice(customer, posting, due, lines, today, paid, property_estate=bill.estate,
		property_billing_period=month.strftime("%Y-%m"), property_billing_run=run.name)  # fmt: skip
	_pay_all(ledger, invoice, paid)
	for line in bill.lines:
		span = line.share or line.period
		ledger.row(fees.CHARGE, unit=line.unit, estate=line.estate, building=line.building, fee_item=line.fee_item,
			period=line.period.key, period_from=span.start, period_to=span.end, customer=bill.customer,
			resident=bill.resident, qty=float(line.qty), rate=float(line.rate), amount=float(line.amount),
			billing_run=run.name, sales_invoice=invoice["name"])  # fmt: skip
	late_fee(invoice, bill, paid, habit, state)
	return total


def _pay_all(ledger: Ledger, invoice: dict, paid: list[tuple[date, float]]) -> None:
	owed = invoice["grand_total"]
	for on, amount in paid:
		ledger.payment(invoice, amount, on, owed)
		owed = flt(owed - amount, 2)


def late_fee(invoice: dict, bill, paid: list[tuple[date, float]], habit: str, state: dict) -> None:
	"""The bill's Property Late Fee as the daily job leaves it today: billed on its own invoice (the day
	after the bill was settled) or still accruing."""
	ledger, today, context = state["ledger"], state["today"], state["context"]
	terms = state["terms"][bill.estate]
	settled = invoice["outstanding_amount"] <= 0
	as_of = min(max(on for on, _a in paid), today) if settled else today
	result = rules.late_fee(invoice["grand_total"], invoice["due_date"], as_of,
		[(on, Decimal(str(amount))) for on, amount in paid], Decimal(str(terms.late_fee_daily_rate or 0)) / 100,
		terms.grace_days or 0, (Decimal(str(terms.late_fee_cap)) / 100) if terms.late_fee_cap else None)  # fmt: skip
	if result.amount <= 0:
		return
	billed = None
	if settled or result.capped:
		on = min(add_days(as_of, 1), today)
		lines = late_fee_lines(bill, invoice["name"], result, context)
		due = add_days(on, context["due_days"].get(bill.estate, 15))
		pay_on = add_days(on, state["rng"].randint(0, 15))
		total = Ledger.total_of(lines)
		paid_late = [(pay_on, total)] if habit in SETTLING and pay_on <= today else []
		billed = ledger.invoice(state["customers"][bill.customer], on, due, lines, today, paid_late,
			property_estate=bill.estate, property_late_fee_of=invoice["name"])  # fmt: skip
		_pay_all(ledger, billed, paid_late)
	ledger.row(late_fees.LATE, name=ledger.late_fee_name(), naming_series="LF-.YYYY.-",
		sales_invoice=invoice["name"], customer=bill.customer, estate=bill.estate,
		status="Billed" if billed else "Accruing", principal=invoice["grand_total"], due_date=invoice["due_date"],
		daily_rate=terms.late_fee_daily_rate or 0, grace_days=terms.grace_days or 0,
		cap_percent=terms.late_fee_cap or 0, accrued_amount=float(result.amount), accrued_days=result.days,
		as_of=as_of, capped=int(result.capped), late_fee_invoice=billed["name"] if billed else None)  # fmt: skip


def late_fee_lines(bill, invoice: str, result, context: dict) -> list[dict]:
	"""As `property_fees.late_fees.late_fee_lines`: a line per unit, its part by its part of the bill."""
	units: dict[str, list] = {}
	for line in bill.lines:
		span = line.share or line.period
		row = units.setdefault(line.unit, [Decimal(0), line.period.key, span.start, span.end])
		row[0] += line.amount
		row[1], row[2], row[3] = min(row[1], line.period.key), min(row[2], span.start), max(row[3], span.end)
	item = context["items"][fees.LATE_FEE]
	parts = rules.split(result.amount, [row[0] for row in units.values()])
	return [
		{"item_code": fees.LATE_FEE, "item_name": item.item_name, "uom": item.stock_uom,
			"description": f"{item.item_name} {unit} {invoice} ({result.days})", "qty": 1, "rate": float(part),
			"property_unit": unit, "property_period": period, "property_period_from": start,
			"property_period_to": end, "property_meter_reading": None}
		for (unit, (_amount, period, start, end)), part in zip(sorted(units.items()), parts, strict=True)
		if part > 0
	]  # fmt: skip


def ensure_customers(bills: list, known: dict) -> None:
	"""Each payer's Customer: residents with a portal login through `accounts.ensure_customer` (their
	Contact and invoice pages too), the others written in bulk as copies of one ERPNext made, named as
	ERPNext names them. Fills `known` (name → the Customer's row) and each bill's customer."""
	from property_crm.property_households.accounts import ensure_customer

	missing = sorted({b.resident for b in bills if not b.customer})
	owners = {
		o.name: o
		for o in frappe.get_all(
			"Property Owner", filters={"name": ("in", missing or [""])},
			fields=["name", "full_name", "user", "mobile", "email"], order_by="name",
		)
	}  # fmt: skip
	made = {}
	template = None
	for name in [n for n in missing if owners[n].user] or missing[:1]:
		made[name] = ensure_customer(frappe.get_doc("Property Owner", name))
		template = made[name]
	rest = [n for n in missing if n not in made]
	if rest:
		template = frappe.db.get_value("Customer", template, "*", as_dict=True)
		names = ledger_rules.customer_names(
			[owners[n].full_name for n in rest], set(frappe.get_all("Customer", pluck="name"))
		)
		now, user = now_datetime(), frappe.session.user
		rows = []
		for owner, customer in zip(rest, names, strict=True):
			row = dict(template)
			row.update(name=customer, customer_name=owners[owner].full_name, property_owner=owner,
				mobile_no=owners[owner].mobile or None, email_id=owners[owner].email or None,
				customer_primary_contact=None, creation=now, modified=now, owner=user, modified_by=user)  # fmt: skip
			rows.append(row)
			made[owner] = customer
		insert("Customer", list(rows[0]), rows)
		# each resident's new Customer, by its back-link, in one statement (no user input in it)
		frappe.db.sql(
			"""update `tabProperty Owner` po join `tabCustomer` c on c.property_owner = po.name
			set po.customer = c.name where po.customer is null or po.customer = ''"""
		)
	for bill in bills:
		bill.customer = bill.customer or made.get(bill.resident)
	wanted = [b.customer for b in bills if b.customer not in known]
	for i in range(0, len(wanted), 5000):
		for row in frappe.get_all(
			"Customer", filters={"name": ("in", wanted[i : i + 5000])},
			fields=["name", "customer_name", "customer_group", "territory"],
		):  # fmt: skip
			known[row.name] = row
	frappe.db.commit()


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


def ensure_meter_readings(rng: random.Random, first: date, today: date, units: list[str] | None) -> int:
	"""A water reading per unit and month from `first` to last month (the schedules bill water postpaid, by
	meter), each month starting where the last ended, with a meter number per home: written in bulk as the
	reading's own rules would store them (`demo.generate.fees.meter_months`). Kept when there are readings."""
	if frappe.db.exists("Property Meter Reading", {}):
		return 0
	months, month = [], first
	while month < today.replace(day=1):
		months.append(month)
		month = rules.add_months(month, 1)
	filters = {"name": ("in", units)} if units else {}
	homes = frappe.get_all(
		"Property Unit", filters=filters, fields=["name", "estate", "building"], order_by="name"
	)
	occupied = set(
		frappe.get_all("Property Unit Occupant", filters={"parenttype": "Property Unit"}, pluck="parent")
	)
	series = Series(frappe.model.naming.parse_naming_series("MR-.YYYY.-"), 5)
	now, user = now_datetime(), frappe.session.user
	rows, written = [], 0
	for home in homes:
		if len(rows) >= 50_000:
			written += _write_readings(rows, series)
			rows = []
		people = rng.randint(1, 4) if home.name in occupied else 0
		meter = f"W{rng.randrange(10**8):08d}"
		for on, previous, current, used in demo_fees.meter_months(
			rng, months, people, Decimal(rng.randint(0, 2000))
		):
			rows.append({"name": series.next(), "naming_series": "MR-.YYYY.-", "unit": home.name,
				"estate": home.estate, "building": home.building, "meter_type": "Water", "meter_no": meter,
				"period": on, "reading_date": rules.add_months(on, 1) - timedelta(days=rng.randint(1, 3)),
				"previous_reading": float(previous), "current_reading": float(current), "consumption": float(used),
				"meter_change": 0, "rollover": 0, "docstatus": 0, "creation": now, "modified": now, "owner": user,
				"modified_by": user, "idx": 0})  # fmt: skip
	written += _write_readings(rows, series)
	frappe.db.commit()
	return written


def _write_readings(rows: list[dict], series: Series) -> int:
	if rows:
		insert("Property Meter Reading", list(rows[0]), rows)
		series.save()
	return len(rows)


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
	"""A sample of `count` units: the portal demo residents' homes first, then the first units by name."""
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
