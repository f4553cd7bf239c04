"""Fees on ERPNext: fee Items, the monthly billing run, and what a unit and a payer owe.

No ledger of our own. Every amount is an ERPNext document: an Item per fee, one Sales Invoice per payer,
estate and period (a line per fee and unit, with the unit and the period on the line), Payment Entries,
outstanding amounts. The one table of our own, Property Fee Charge, records *which share of which
unit-fee-period is on which invoice*; its UNIQUE index on (unit, fee item, period, customer) is what makes
the run idempotent: the rows are inserted in the same transaction as their invoice, so a repeated run,
two runs at once or a run killed half-way can never bill the same share twice (the second insert fails
on the index and its invoice is rolled back with it). Cancelling an invoice frees its shares.

The arithmetic (amounts per basis, periods, proration, payers) is `property_fees.rules.fees`.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, now_datetime

from property_crm.property_fees.rules import fees

ITEM_GROUP = "Property Fees"
# code: (item name, stock UOM) — names in Chinese, the company's own language; descriptions in English
ITEMS = {
	"PCRM-PROPERTY-FEE": ("物业服务费", "Square Meter", "Property management fee"),
	"PCRM-WATER": ("水费", "Cubic Meter", "Water"),
	"PCRM-ELECTRICITY": ("电费", "Kilowatt-Hour", "Electricity"),
	"PCRM-GAS": ("燃气费", "Cubic Meter", "Gas"),
	"PCRM-PARKING": ("停车管理费", "Nos", "Parking space management fee"),
	"PCRM-PUBLIC-ELECTRICITY": ("公摊电费", "Square Meter", "Public-area electricity share"),
	"PCRM-LATE-FEE": ("滞纳金", "Nos", "Late payment fee"),
}
PROPERTY_FEE, WATER, ELECTRICITY, GAS, PARKING, PUBLIC_ELECTRICITY, LATE_FEE = ITEMS
USAGE_FLAG = {
	"Residential": "for_residential",
	"Commercial": "for_commercial",
	"Parking": "for_parking",
	"Storage": "for_storage",
}
CHARGE = "Property Fee Charge"
CHARGE_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "unit", "estate",
	"building", "fee_item", "period", "period_from", "period_to", "customer", "resident", "qty", "rate",
	"amount", "billing_run"]  # fmt: skip


# ------------------------------------------------------------------ fee Items (made on install)
def ensure_fee_items() -> int:
	"""Our Item Group and fee Items, made once (after ERPNext's setup, which makes the UOMs and the root
	Item Group). Returns how many were made."""
	root = frappe.db.get_value("Item Group", {"is_group": 1, "parent_item_group": ("in", ("", None))})
	if not root:
		return 0  # ERPNext's setup has not run yet: the setup_wizard_complete hook calls us again
	if not frappe.db.exists("Item Group", ITEM_GROUP):
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": ITEM_GROUP, "parent_item_group": root, "is_group": 0}
		).insert(ignore_permissions=True)  # Safe: install step, our own fixed group
	made = 0
	for code, (name, uom, description) in ITEMS.items():
		if frappe.db.exists("Item", code):
			continue
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"description": description,
				"item_group": ITEM_GROUP,
				"stock_uom": uom if frappe.db.exists("UOM", uom) else "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
				"is_purchase_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)  # Safe: install step, our own fixed Items
		made += 1
	return made


def after_setup_wizard(args=None) -> None:
	ensure_fee_items()


# ------------------------------------------------------------------ the plan of a run
@dataclass
class Line:
	unit: str
	estate: str
	building: str
	fee_item: str
	period: fees.Period
	share: fees.Share | None  # None: metered (not prorated)
	qty: Decimal
	rate: Decimal
	amount: Decimal
	resident: str
	meter_reading: str | None = None


@dataclass
class Bill:
	"""One invoice: one payer (Customer), one estate, one run."""

	resident: str
	customer: str | None
	estate: str
	lines: list[Line] = field(default_factory=list)

	@property
	def total(self) -> Decimal:
		return sum((line.amount for line in self.lines), Decimal(0))


def _estates(company: str, estates: list[str] | None) -> list[str]:
	filters = {"company": company, "disabled": 0}
	if estates:
		filters["name"] = ("in", estates)
	return frappe.get_all("Property Estate", filters=filters, pluck="name", order_by="name")


def schedules_of(estates: list[str], month: date) -> dict[str, list[dict]]:
	"""Enabled schedule lines per estate that may bill around `month` (one query)."""
	schedule = frappe.qb.DocType("Property Fee Schedule")
	line = frappe.qb.DocType("Property Fee Schedule Line")
	rows = (
		frappe.qb.from_(line)
		.join(schedule)
		.on(schedule.name == line.parent)
		.select(schedule.estate, schedule.effective_from.as_("schedule_from"),
			schedule.effective_to.as_("schedule_to"), schedule.due_days, line.fee_item, line.basis,
			line.rate, line.frequency, line.timing, line.meter_type, line.for_residential,
			line.for_commercial, line.for_parking, line.for_storage, line.effective_from, line.effective_to,
			line.idx)
		.where((schedule.estate.isin(estates)) & (schedule.disabled == 0)
			& (line.parenttype == "Property Fee Schedule"))
		.orderby(schedule.estate, line.idx)
		.run(as_dict=True)
	)  # fmt: skip
	out = defaultdict(list)
	for row in rows:
		out[row.estate].append(row)
	return out


def plan(
	month, company: str, estates: list[str] | None = None, units: list[str] | None = None
) -> tuple[list[Bill], dict]:
	"""What a run for `month` would bill: the bills and what is skipped, without writing anything.

	Reads in a fixed number of queries whatever the portfolio's size."""
	month = fees.month_start(getdate(month))
	estates = _estates(company, estates)
	skipped = {"already_billed": 0, "no_payer": 0, "no_reading": 0}
	if not estates:
		return [], skipped
	lines_by_estate = schedules_of(estates, month)
	only = units
	units = frappe.get_all(
		"Property Unit",
		filters={"estate": ("in", estates)} | ({"name": ("in", only)} if only else {}),
		fields=["name", "estate", "building", "usage", "built_up_area", "inner_area", "parking_spaces",
			"fee_payer"],
		order_by="name",
	)  # fmt: skip
	occupants = defaultdict(list)
	row = frappe.qb.DocType("Property Unit Occupant")
	unit_table = frappe.qb.DocType("Property Unit")
	for occ in (
		frappe.qb.from_(row)
		.join(unit_table)
		.on(unit_table.name == row.parent)
		.select(row.parent, row.resident, row.relation, row.move_in, row.move_out, row.primary_contact)
		.where((row.parenttype == "Property Unit") & unit_table.estate.isin(estates))
		.orderby(row.parent, row.idx)
		.run(as_dict=True)
	):
		occupants[occ.parent].append(occ)
	overrides = _overrides(estates)
	readings = _readings(estates, month)
	billed = _billed(estates, month)

	bills: dict[tuple[str, str], Bill] = {}
	for unit in units:
		for sched in lines_by_estate.get(unit.estate, ()):
			if not sched.get(USAGE_FLAG.get(unit.usage or "Residential", "for_residential")):
				continue
			period = fees.billed_period(month, sched.frequency, sched.timing)
			if period is None or not (
				fees.in_effect(period, sched.schedule_from, sched.schedule_to)
				and fees.in_effect(period, sched.effective_from, sched.effective_to)
			):
				continue
			if (unit.name, sched.fee_item, period.key) in billed:
				skipped["already_billed"] += 1
				continue
			reading = None
			if sched.basis == "Metered":
				reading = readings.get((unit.name, sched.meter_type, period.start))
				if reading is None:
					skipped["no_reading"] += 1
					continue
			qty = fees.quantity(
				sched.basis,
				built_up_area=unit.built_up_area,
				inner_area=unit.inner_area,
				spaces=unit.parking_spaces,
				consumption=reading.consumption if reading else None,
			)
			override = _override_for(overrides, unit.name, sched.fee_item, period)
			qty, rate, full = fees.charge(qty, sched.rate, override)
			if full <= 0:
				continue
			payers = fees.payer_shares(period, occupants.get(unit.name, []), unit.fee_payer or "Owner")
			if not payers:
				skipped["no_payer"] += 1
				continue
			if reading is not None:  # metered: the payer at the end of the period pays the reading
				payers = [fees.Share(payers[-1].resident, period.start, period.end)]
			for share in payers:
				amount = full if reading is not None else fees.prorate(full, period, share.start, share.end)
				if amount <= 0:
					continue
				whole = reading is not None or share.days == period.days
				bill = bills.setdefault(
					(share.resident, unit.estate), Bill(share.resident, None, unit.estate)
				)
				bill.lines.append(
					Line(
						unit.name, unit.estate, unit.building, sched.fee_item, period,
						None if whole else share, qty if whole else Decimal(1),
						rate if whole else amount, amount, share.resident,
						reading.name if reading else None,
					)
				)  # fmt: skip
	customers = dict(
		frappe.get_all(
			"Property Owner",
			filters={"name": ("in", list({b.resident for b in bills.values()}) or [""])},
			fields=["name", "customer"],
			as_list=True,
		)
	)
	for bill in bills.values():
		bill.customer = customers.get(bill.resident)
	return sorted(bills.values(), key=lambda b: (b.estate, b.resident)), skipped


def _overrides(estates: list[str]) -> dict:
	out = defaultdict(list)
	for row in frappe.get_all(
		"Property Fee Override",
		filters={"estate": ("in", estates), "docstatus": 1},
		fields=["unit", "fee_item", "kind", "value", "effective_from", "effective_to"],
		order_by="effective_from asc, creation asc",
	):
		out[(row.unit, row.fee_item)].append(row)
	return out


def _override_for(overrides: dict, unit: str, item: str, period: fees.Period) -> fees.Override | None:
	"""The latest approved override in effect for the period (by its start)."""
	found = None
	for row in overrides.get((unit, item), ()):
		if fees.in_effect(period, row.effective_from, row.effective_to):
			found = fees.Override(row.kind, Decimal(str(row.value or 0)))
	return found


def _readings(estates: list[str], month: date) -> dict:
	"""Readings by (unit, meter, month) for the months a run around `month` may bill (one query)."""
	out = {}
	for row in frappe.get_all(
		"Property Meter Reading",
		filters={"estate": ("in", estates), "period": (">=", fees.add_months(month, -12))},
		fields=["name", "unit", "meter_type", "period", "consumption"],
	):
		out[(row.unit, row.meter_type, fees.month_start(getdate(row.period)))] = row
	return out


def _billed(estates: list[str], month: date) -> set:
	"""(unit, item, period) already on an invoice, whoever paid it: a unit-fee-period billed once (e.g. to
	the owner) is not billed again to someone else because the occupancy was edited afterwards."""
	charge = frappe.qb.DocType(CHARGE)
	keys = {p.key for f in fees.FREQUENCIES for t in fees.TIMINGS if (p := fees.billed_period(month, f, t))}
	rows = (
		frappe.qb.from_(charge)
		.select(charge.unit, charge.fee_item, charge.period)
		.where(charge.estate.isin(estates) & charge.period.isin(list(keys)))
		.run()
	)
	return {tuple(r) for r in rows}


def summarize(bills: list[Bill], skipped: dict) -> dict:
	"""Count and total per estate and building, as the dry run shows them."""
	by_estate: dict[str, dict] = {}
	for bill in bills:
		estate = by_estate.setdefault(
			bill.estate, {"invoices": 0, "lines": 0, "total": Decimal(0), "buildings": {}}
		)
		estate["invoices"] += 1
		for line in bill.lines:
			estate["lines"] += 1
			estate["total"] += line.amount
			building = estate["buildings"].setdefault(line.building, {"units": set(), "lines": 0, "total": 0})
			building["units"].add(line.unit)
			building["lines"] += 1
			building["total"] = Decimal(building["total"]) + line.amount
	return {
		"estates": {
			name: {
				"invoices": e["invoices"],
				"lines": e["lines"],
				"total": float(e["total"]),
				"buildings": {
					b: {"units": len(v["units"]), "lines": v["lines"], "total": float(v["total"])}
					for b, v in sorted(e["buildings"].items())
				},
			}
			for name, e in sorted(by_estate.items())
		},
		"invoices": len(bills),
		"lines": sum(len(b.lines) for b in bills),
		"total": float(sum((b.total for b in bills), Decimal(0))),
		"without_customer": sum(1 for b in bills if not b.customer),
		"skipped": skipped,
	}


# ------------------------------------------------------------------ the run
class AlreadyBilled(Exception):
	"""Another run (or an earlier one) has billed a share of this bill."""


def run(billing_run: str, units: list[str] | None = None) -> None:
	"""The real run (a background job): one invoice per payer and estate, each committed with its shares.

	Progress is kept on the Property Billing Run (and published to its form). Running the same document
	again bills only what is still unbilled and adds to its counters."""
	doc = frappe.get_doc("Property Billing Run", billing_run)
	month = fees.month_start(getdate(doc.period))
	base = {"invoices_made": cint(doc.invoices_made), "charges_made": cint(doc.charges_made),
		"amount_billed": flt(doc.amount_billed)}  # fmt: skip
	doc.db_set({"status": "Running", "started_on": now_datetime(), "error_log": None, "progress": 0})
	frappe.db.commit()
	try:
		ensure_fee_items()
		bills, skipped = plan(month, doc.company, [row.estate for row in doc.estates], units)
		context = invoice_context(doc.company, {bill.estate for bill in bills})
		done = {"invoices": 0, "charges": 0, "amount": 0.0, "already": skipped["already_billed"]}
		errors = []
		for i, bill in enumerate(bills, start=1):
			try:
				if not bill.customer:
					bill.customer = _customer_of(bill.resident)
					frappe.db.commit()
				bill_once(bill, doc, month, context)
				done["invoices"] += 1
				done["charges"] += len(bill.lines)
				done["amount"] += float(bill.total)
			except AlreadyBilled:
				done["already"] += len(bill.lines)
			except frappe.ValidationError as e:
				frappe.db.rollback()
				errors.append(f"{bill.resident} ({bill.estate}): {e}")
			if i % 50 == 0:
				_progress(doc, 100 * i / len(bills), base, done, errors)
		_progress(doc, 100, base, done, errors)
		doc.db_set({"status": "Completed", "finished_on": now_datetime()})
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		doc.db_set({"status": "Failed", "finished_on": now_datetime(), "error_log": frappe.get_traceback()})
		frappe.db.commit()
		raise


def _progress(doc, percent: float, base: dict, done: dict, errors: list[str]) -> None:
	doc.db_set(
		{
			"progress": percent,
			"invoices_made": base["invoices_made"] + done["invoices"],
			"charges_made": base["charges_made"] + done["charges"],
			"amount_billed": base["amount_billed"] + done["amount"],
			"already_billed": done["already"],
			"error_log": "\n".join(errors[-50:]) or None,
		}
	)
	frappe.db.commit()
	frappe.publish_progress(percent, title=_("Billing run"), doctype=doc.doctype, docname=doc.name)


def _customer_of(resident: str) -> str:
	from property_crm.property_households.accounts import ensure_customer

	return ensure_customer(frappe.get_doc("Property Owner", resident))


def invoice_context(company: str, estates=()) -> dict:
	"""What every invoice of a run shares, read once: accounts, cost center, currency, UOMs and names."""
	defaults = frappe.get_cached_value(
		"Company", company, ["default_receivable_account", "default_income_account", "cost_center",
			"default_currency"], as_dict=True,
	)  # fmt: skip
	items = {
		row.name: row
		for row in frappe.get_all(
			"Item", filters={"name": ("in", list(ITEMS))}, fields=["name", "item_name", "stock_uom"]
		)
	}
	return {"company": company, **defaults, "items": items, "due_days": {e: _due_days(e) for e in estates}}


def bill_once(bill: Bill, run_doc, month: date, context: dict) -> str:
	"""One invoice and its shares in one transaction. Raises AlreadyBilled (after rolling back) when any
	share is already on an invoice: the UNIQUE index decides, not a prior check."""
	now = now_datetime()
	user = frappe.session.user
	rows = [
		(frappe.generate_hash(length=12), now, now, user, user, 0, line.unit, line.estate, line.building,
			line.fee_item, line.period.key, (line.share or line.period).start, (line.share or line.period).end,
			bill.customer, bill.resident, float(line.qty), float(line.rate), float(line.amount), run_doc.name)
		for line in bill.lines
	]  # fmt: skip
	for attempt in (1, 2):
		try:
			# first, so that a second run waits here on the index, then fails, before making an invoice
			frappe.db.bulk_insert(CHARGE, CHARGE_FIELDS, rows)
			break
		except Exception as e:
			frappe.db.rollback()
			if frappe.db.is_unique_key_violation(e) or frappe.db.is_duplicate_entry(e):
				raise AlreadyBilled from e
			if not (frappe.db.is_deadlocked(e) and attempt == 1):
				raise  # a deadlock is tried once more; anything else is an error of this bill
	try:
		invoice = make_invoice(bill, run_doc, month, context)
		charge = frappe.qb.DocType(CHARGE)
		frappe.qb.update(charge).set(charge.sales_invoice, invoice).where(
			charge.name.isin([r[0] for r in rows])
		).run()
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		raise
	return invoice


def make_invoice(bill: Bill, run_doc, month: date, context: dict) -> str:
	"""ERPNext's own Sales Invoice (insert, and submit when the run says so), filled in from the context
	so that ERPNext does not look the same defaults up again for each invoice."""
	posting = getdate(run_doc.posting_date) if run_doc.posting_date else month
	due_days = context["due_days"].get(bill.estate, 15)
	items = []
	for line in bill.lines:
		item = context["items"].get(line.fee_item) or frappe._dict(item_name=line.fee_item, stock_uom="Nos")
		span = line.share or line.period
		label = f"{line.unit} {span.start.isoformat()}~{span.end.isoformat()}"
		items.append(
			{
				"item_code": line.fee_item,
				"item_name": item.item_name,
				"description": f"{item.item_name} {label}",
				"uom": item.stock_uom,
				"stock_uom": item.stock_uom,
				"conversion_factor": 1,
				"qty": float(line.qty),
				"rate": float(line.rate),
				"income_account": context["default_income_account"],
				"cost_center": context["cost_center"],
				"property_unit": line.unit,
				"property_period": line.period.key,
				"property_period_from": span.start,
				"property_period_to": span.end,
				"property_meter_reading": line.meter_reading,
			}
		)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": context["company"],
			"customer": bill.customer,
			"currency": context["default_currency"],
			"debit_to": context["default_receivable_account"],
			"set_posting_time": 1,
			"posting_date": posting,
			"due_date": add_days(posting, due_days),
			"property_estate": bill.estate,
			"property_billing_period": fees.month_start(month).strftime("%Y-%m"),
			"property_billing_run": run_doc.name,
			"items": items,
		}
	)
	doc.flags.ignore_permissions = True  # Safe: the run was started by a user allowed to write it
	if cint(run_doc.submit_invoices):
		doc.docstatus = 1  # inserted submitted, in one step: ERPNext validates it once, not twice
	doc.insert()
	return doc.name


def _due_days(estate: str) -> int:
	value = frappe.db.get_value(
		"Property Fee Schedule", {"estate": estate, "disabled": 0}, "due_days", order_by="effective_from desc"
	)
	return cint(value) if value is not None else 15


def set_invoice_unit(doc, method=None) -> None:
	"""Sales Invoice validate: the unit every line bills and its building, on the invoice (empty for a bill of
	several units): Arrears Ageing then reads what a one-unit invoice owes without reading its lines."""
	units = [row.get("property_unit") for row in doc.items]
	doc.property_unit = fees.sole(units)
	buildings = {}
	if any(units):
		unit = frappe.qb.DocType("Property Unit")
		buildings = dict(
			frappe.qb.from_(unit)
			.select(unit.name, unit.building)
			.where(unit.name.isin(set(filter(None, units))))
			.run()
		)
	doc.property_building = fees.sole([buildings.get(u) for u in units])


def free_shares(doc, method=None) -> None:
	"""Sales Invoice on_cancel / on_trash: its shares may be billed again (after a correction)."""
	frappe.db.delete(CHARGE, {"sales_invoice": doc.name})


# ------------------------------------------------------------------ what is owed
def outstanding_of_units(units: list[str], overdue_only: bool = False) -> dict[str, float]:
	"""Outstanding of each unit's fee invoices (one query). An invoice with several units' lines owes each
	unit in proportion to its lines (a partial payment is spread over them alike)."""
	if not units:
		return {}
	item = frappe.qb.DocType("Sales Invoice Item")
	invoice = frappe.qb.DocType("Sales Invoice")
	from frappe.query_builder.functions import Sum

	share = Sum(item.base_net_amount) / invoice.base_net_total * invoice.outstanding_amount
	rows = (
		frappe.qb.from_(item)
		.join(invoice)
		.on(invoice.name == item.parent)
		.select(item.property_unit, invoice.name, share.as_("owed"))
		.where(item.property_unit.isin(units) & (invoice.docstatus == 1) & (invoice.outstanding_amount > 0)
			& (invoice.base_net_total > 0) & (invoice.due_date < (getdate() if overdue_only else "9999-12-31")))
		.groupby(item.property_unit, invoice.name)
		.run(as_dict=True)
	)  # fmt: skip
	out = defaultdict(float)
	for row in rows:
		out[row.property_unit] += flt(row.owed, 2)
	return dict(out)


def dry_run_html(summary: dict) -> str:
	"""The dry run's table (estate, building, units, lines, total), escaped."""
	from frappe.utils import escape_html, fmt_money

	rows = []
	for estate, e in summary["estates"].items():
		rows.append(
			f"<tr><th>{escape_html(estate)}</th><th></th><th>{e['invoices']}</th><th>{e['lines']}</th>"
			f"<th class='text-right'>{fmt_money(e['total'])}</th></tr>"
		)
		for building, b in e["buildings"].items():
			rows.append(
				f"<tr><td></td><td>{escape_html(building or '')}</td><td>{b['units']}</td><td>{b['lines']}</td>"
				f"<td class='text-right'>{fmt_money(b['total'])}</td></tr>"
			)
	skipped = summary["skipped"]
	return (
		"<table class='table table-bordered table-sm'><thead><tr>"
		f"<th>{_('Estate')}</th><th>{_('Building')}</th><th>{_('Invoices')} / {_('Units')}</th>"
		f"<th>{_('Fee Lines')}</th><th class='text-right'>{_('Total')}</th></tr></thead><tbody>"
		+ "".join(rows)
		+ f"</tbody><tfoot><tr><th>{_('Total')}</th><th></th><th>{summary['invoices']}</th>"
		f"<th>{summary['lines']}</th><th class='text-right'>{fmt_money(summary['total'])}</th></tr></tfoot>"
		"</table><p class='text-muted'>"
		+ _(
			"Already billed: {0}; no payer on file: {1}; no meter reading: {2}; payers without a Customer yet: {3}."
		).format(
			skipped["already_billed"], skipped["no_payer"], skipped["no_reading"], summary["without_customer"]
		)
		+ "</p>"
	)


def preview(billing_run) -> dict:
	bills, skipped = plan(billing_run.period, billing_run.company, [r.estate for r in billing_run.estates])
	summary = summarize(bills, skipped)
	billing_run.db_set("preview", json.dumps(summary))
	return summary
