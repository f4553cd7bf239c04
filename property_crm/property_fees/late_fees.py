"""Late fees (滞纳金) and arrears badges.

A daily job (`daily`) keeps one Property Late Fee per overdue fee invoice up to date: the amount is
`property_fees.rules.fees.late_fee` over the invoice's own payment history in ERPNext's Payment Ledger (payments, credit
notes and journal entries allocated to it, by posting date), with the estate's daily rate, grace days and
cap as they were when the bill fell due. When the bill is settled, or the cap is reached, the late fee is
billed as its own Sales Invoice (item 滞纳金, `property_late_fee_of` = the bill). Waiving needs a reason
(an accountant or manager asks) and the approval of a property manager other than the one who asked;
a waived late fee that was already billed is credited with ERPNext's own credit note (a sales return).
Every step is a comment in the late fee's timeline.
"""

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import Max, Min, Sum
from frappe.utils import add_days, flt, getdate, now_datetime, today

from property_crm.permissions import allowed_estates
from property_crm.property_fees.billing import LATE_FEE, ensure_fee_items, invoice_context
from property_crm.property_fees.rules import fees

LATE = "Property Late Fee"
RECENT_DAYS = 3  # a payment made since the daily job last ran (with room for a missed day)
MANAGER = "Property Manager"


# ------------------------------------------------------------------ computing
def payments_of(invoice: str) -> list[tuple[date, Decimal]]:
	"""What was credited to the invoice, by posting date, from ERPNext's Payment Ledger (one query)."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	rows = (
		frappe.qb.from_(ple)
		.select(ple.posting_date, Sum(ple.amount))
		.where(
			(ple.against_voucher_type == "Sales Invoice")
			& (ple.against_voucher_no == invoice)
			& (ple.voucher_no != invoice)
			& (ple.delinked == 0)
		)
		.groupby(ple.posting_date)
		.run()
	)
	return [(getdate(day), -Decimal(str(amount))) for day, amount in rows if amount]


def terms_of(estate: str) -> dict:
	row = frappe.db.get_value(
		"Property Fee Schedule",
		{"estate": estate, "disabled": 0},
		["late_fee_daily_rate", "grace_days", "late_fee_cap"],
		as_dict=True,
		order_by="effective_from desc",
	)
	return row or frappe._dict(late_fee_daily_rate=0, grace_days=0, late_fee_cap=0)


def compute(late_fee, as_of: date) -> fees.LateFee:
	"""The late fee of the record's bill on `as_of`, from the bill's payments."""
	return fees.late_fee(
		late_fee.principal,
		getdate(late_fee.due_date),
		as_of,
		payments_of(late_fee.sales_invoice),
		Decimal(str(late_fee.daily_rate or 0)) / 100,
		late_fee.grace_days or 0,
		(Decimal(str(late_fee.cap_percent)) / 100) if late_fee.cap_percent else None,
	)


def candidates(as_of: date) -> list[str]:
	"""Fee bills to look at (three queries): overdue and unpaid; with a late fee still accruing; and those
	settled in the last days (a payment updates the invoice) after falling due, whose late fee was never
	computed because they were paid between two runs."""
	invoice = frappe.qb.DocType("Sales Invoice")
	late = frappe.qb.DocType(LATE)
	fee_bills = (
		frappe.qb.from_(invoice)
		.select(invoice.name)
		.where(
			(invoice.docstatus == 1)
			& invoice.property_billing_period.isnotnull()
			& invoice.property_late_fee_of.isnull()
			& (invoice.due_date < as_of)
		)
	)
	overdue = fee_bills.where(invoice.outstanding_amount > 0).run(pluck=True)
	recently_settled = (
		fee_bills.left_join(late)
		.on(late.sales_invoice == invoice.name)
		.where((invoice.outstanding_amount <= 0) & late.name.isnull())
		.where(invoice.modified >= add_days(now_datetime(), -RECENT_DAYS))
		.run(pluck=True)
	)
	accruing = frappe.get_all(LATE, filters={"status": "Accruing"}, pluck="sales_invoice")
	return sorted(set(overdue) | set(recently_settled) | set(accruing))


def daily(as_of: date | str | None = None) -> dict:
	"""The scheduled job: refresh every candidate's late fee; bill the settled and the capped ones."""
	as_of = getdate(as_of or today())
	counts = {"refreshed": 0, "billed": 0}
	for invoice in candidates(as_of):
		try:
			result = refresh(invoice, as_of)
			counts["refreshed"] += result is not None
			counts["billed"] += result == "Billed"
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"Late fee of {invoice}")
	return counts


def refresh(invoice: str, as_of: date) -> str | None:
	"""Bring the invoice's late fee up to date; returns its status (None when there is no late fee)."""
	bill = frappe.db.get_value(
		"Sales Invoice",
		invoice,
		["name", "customer", "property_estate", "grand_total", "rounded_total", "outstanding_amount",
			"due_date", "docstatus"],
		as_dict=True,
	)  # fmt: skip
	if not bill or bill.docstatus != 1:
		return None
	name = frappe.db.get_value(LATE, {"sales_invoice": invoice}, "name", for_update=True)
	new = not name
	if name:
		doc = frappe.get_doc(LATE, name)
	else:
		terms = terms_of(bill.property_estate)
		doc = frappe.get_doc(
			{
				"doctype": LATE,
				"sales_invoice": invoice,
				"customer": bill.customer,
				"estate": bill.property_estate,
				"principal": bill.rounded_total or bill.grand_total,
				"due_date": bill.due_date,
				"daily_rate": terms.late_fee_daily_rate or 0,
				"grace_days": terms.grace_days or 0,
				"cap_percent": terms.late_fee_cap or 0,
				"status": "Accruing",
			}
		)
	if doc.status in ("Billed", "Waived"):
		return doc.status
	result = compute(doc, as_of)
	if result.amount <= 0 and new:
		return None  # paid within the grace period, or no late fee in this estate
	doc.accrued_amount, doc.accrued_days, doc.capped, doc.as_of = (
		float(result.amount),
		result.days,
		int(result.capped),
		as_of,
	)
	settled = flt(bill.outstanding_amount) <= 0
	doc.flags.ignore_permissions = True  # Safe: the scheduler's own record of an invoice's late fee
	doc.insert() if new else doc.save()
	if doc.status == "Accruing" and (settled or result.capped) and result.amount > 0:
		bill_late_fee(doc)
	return doc.status


def bill_late_fee(doc) -> str:
	"""The late fee as its own submitted Sales Invoice to the same customer."""
	ensure_fee_items()
	company = frappe.db.get_value("Sales Invoice", doc.sales_invoice, "company")
	context = invoice_context(company, [doc.estate])
	posting = getdate(today())
	item = context["items"][LATE_FEE]
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": company,
			"customer": doc.customer,
			"currency": context["default_currency"],
			"debit_to": context["default_receivable_account"],
			"set_posting_time": 1,
			"posting_date": posting,
			"due_date": add_days(posting, context["due_days"].get(doc.estate, 15)),
			"property_estate": doc.estate,
			"property_late_fee_of": doc.sales_invoice,
			"items": late_fee_lines(doc, item, context),
		}
	)
	invoice.flags.ignore_permissions = True  # Safe: the scheduler bills a late fee it computed
	invoice.docstatus = 1  # inserted submitted, in one step
	invoice.insert()
	doc.db_set({"status": "Billed", "late_fee_invoice": invoice.name})
	doc.add_comment(
		"Info", _("Late fee of {0} billed on invoice {1}.").format(doc.accrued_amount, invoice.name)
	)
	return invoice.name


def late_fee_lines(doc, item, context) -> list[dict]:
	"""A line per unit of the bill, with the unit's part of the late fee (by its part of the bill) and the
	bill's period on it, so that the late fee counts in each unit's arrears, ageing and household bills."""
	line = frappe.qb.DocType("Sales Invoice Item")
	units = (
		frappe.qb.from_(line)
		.select(line.property_unit, Sum(line.base_net_amount), Min(line.property_period),
			Min(line.property_period_from), Max(line.property_period_to))
		.where((line.parent == doc.sales_invoice) & (line.parenttype == "Sales Invoice"))
		.groupby(line.property_unit)
		.orderby(line.property_unit)
		.run()
	)  # fmt: skip
	units = [row for row in units if row[0]] or [(None, 1, None, None, None)]
	parts = fees.split(doc.accrued_amount, [row[1] for row in units])
	return [
		{
			"item_code": LATE_FEE,
			"item_name": item.item_name,
			"description": " ".join(
				filter(None, (item.item_name, unit, f"{doc.sales_invoice} ({doc.accrued_days})"))
			),
			"uom": item.stock_uom,
			"qty": 1,
			"rate": float(part),
			"income_account": context["default_income_account"],
			"cost_center": context["cost_center"],
			"property_unit": unit,
			"property_period": period,
			"property_period_from": start,
			"property_period_to": end,
		}
		for (unit, _amount, period, start, end), part in zip(units, parts, strict=True)
		if part > 0
	]


# ------------------------------------------------------------------ waivers
def _late_fee_to_write(name: str):
	doc = frappe.get_doc(LATE, name)
	doc.check_permission("write")
	return doc


def request_waiver(name: str, reason: str) -> str:
	doc = _late_fee_to_write(name)
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(
			_("Waiver Reason: say why the late fee should be waived."), title=_("Please correct this value")
		)
	if doc.status not in ("Accruing", "Billed"):
		frappe.throw(
			_("This late fee is {0}; a waiver can be asked only for an accruing or billed one.").format(
				_(doc.status)
			),
			title=_("Not possible"),
		)
	doc.db_set(
		{"status": "Waiver Requested", "waiver_reason": reason, "waiver_requested_by": frappe.session.user}
	)
	doc.add_comment("Info", _("Waiver requested: {0}").format(reason))
	return doc.status


def _approvable(name: str):
	doc = _late_fee_to_write(name)
	if MANAGER not in frappe.get_roles():
		raise frappe.PermissionError(_("Only a property manager decides on a late-fee waiver."))
	if doc.status != "Waiver Requested":
		frappe.throw(_("No waiver has been asked for this late fee."), title=_("Not possible"))
	if doc.waiver_requested_by == frappe.session.user:
		raise frappe.PermissionError(
			_("A waiver is approved by another manager than the one who asked for it.")
		)
	return doc


def approve_waiver(name: str) -> str:
	doc = _approvable(name)
	credit_note = None
	if doc.late_fee_invoice:
		credit_note = _credit(doc.late_fee_invoice)
	doc.db_set(
		{
			"status": "Waived",
			"waiver_approved_by": frappe.session.user,
			"waiver_approved_on": now_datetime(),
			"credit_note": credit_note,
		}
	)
	doc.add_comment(
		"Info",
		_("Waiver approved by {0} (reason: {1}).").format(frappe.session.user, doc.waiver_reason)
		+ (" " + _("Credit note {0}.").format(credit_note) if credit_note else ""),
	)
	return doc.status


def reject_waiver(name: str) -> str:
	doc = _approvable(name)
	status = "Billed" if doc.late_fee_invoice else "Accruing"
	doc.db_set({"status": status})
	doc.add_comment("Info", _("Waiver refused by {0}.").format(frappe.session.user))
	return status


def _credit(invoice: str) -> str | None:
	"""An ERPNext credit note (a sales return against the late-fee invoice) for what is still unpaid of it.

	Made here rather than with ERPNext's `make_sales_return`, whose mapper demands the approving manager's
	own Sales Invoice rights; the document is the same: is_return, return_against, negative lines."""
	source = frappe.get_doc("Sales Invoice", invoice)
	outstanding = flt(source.outstanding_amount)
	if outstanding <= 0:
		return None
	credit = frappe.copy_doc(source)
	credit.update(
		{
			"is_return": 1,
			"return_against": invoice,
			"update_outstanding_for_self": 0,  # settles the late-fee invoice itself
			"posting_date": getdate(today()),
			"set_posting_time": 1,
			"due_date": getdate(today()),
			"property_late_fee_of": source.property_late_fee_of,
		}
	)
	credit.set("payment_schedule", [])
	# what is unpaid, over the lines (units) as they were billed
	parts = fees.split(outstanding, [flt(row.qty) * flt(row.rate) for row in credit.items])
	for row, part, billed in zip(credit.items, parts, source.items, strict=True):
		row.sales_invoice_item = billed.name  # the line it returns, as ERPNext's own returns name it
		row.qty = -abs(row.qty or 1)
		row.rate = float(part) / abs(row.qty)
		# the rate as it stands, not rebuilt from a price list rate and margin ERPNext put on the line
		row.price_list_rate, row.margin_type, row.margin_rate_or_amount = row.rate, "", 0
		row.discount_percentage = row.discount_amount = 0
	credit.set("items", [row for row in credit.items if row.rate])
	# ERPNext compares the return's total with what is outstanding before it adds the lines up again: not the
	# copied total of the whole late fee (else it keeps the credit on the credit note itself)
	credit.grand_total = credit.rounded_total = credit.base_grand_total = (
		credit.base_rounded_total
	) = -outstanding
	credit.flags.ignore_permissions = True  # Safe: a property manager approved this waiver just now
	credit.docstatus = 1  # inserted submitted, in one step
	credit.insert()
	return credit.name


# ------------------------------------------------------------------ arrears badges
FEE_READERS = {"Property Manager", "Property Accountant", "Property Customer Service", "Accounts User"}
POLICY = "Arrears are context for staff only: they never delay an urgent or safety repair."


def arrears_badge(doctype: str, name: str) -> dict:
	"""Outstanding (and overdue) amounts behind a unit, a resident file, a service order or a complaint."""
	if doctype not in ("Property Unit", "Property Owner", "Service Order", "Complaint"):
		raise frappe.PermissionError
	doc = frappe.get_doc(doctype, name)
	doc.check_permission("read")
	if not FEE_READERS & set(frappe.get_roles()):
		return {}  # technicians and others: no badge (not an error on their forms)
	from property_crm.property_fees.billing import outstanding_of_units

	if doctype == "Property Owner":
		outstanding, overdue = customer_arrears(doc.customer)
	else:
		unit = doc.name if doctype == "Property Unit" else doc.get("unit")
		outstanding = outstanding_of_units([unit]).get(unit, 0.0) if unit else 0.0
		overdue = outstanding_of_units([unit], overdue_only=True).get(unit, 0.0) if unit else 0.0
	return {"outstanding": outstanding, "overdue": overdue, "policy": _(POLICY)}


@frappe.whitelist()
def arrears_card(filters: str | dict | None = None) -> dict:
	"""Number card "Arrears": what is owed past its due date on the fee invoices of the estates the user may
	see. Our own method, not a Document Type card on Sales Invoice: a property manager has no role on ERPNext's
	invoices, and such a card would not load for him."""
	if not FEE_READERS & set(frappe.get_roles()):
		raise frappe.PermissionError
	invoice = frappe.qb.DocType("Sales Invoice")
	query = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice.outstanding_amount))
		.where(
			(invoice.outstanding_amount > 0)
			& (invoice.docstatus == 1)
			& invoice.property_estate.isnotnull()
			& (invoice.due_date < today())
		)
	)
	estates = allowed_estates(frappe.session.user, "Sales Invoice")
	if estates is not None:
		query = query.where(invoice.property_estate.isin(estates))
	return {"value": flt(query.run()[0][0]), "fieldtype": "Currency"}


def customer_arrears(customer: str | None) -> tuple[float, float]:
	if not customer:
		return 0.0, 0.0
	invoice = frappe.qb.DocType("Sales Invoice")
	from pypika.terms import Case

	row = (
		frappe.qb.from_(invoice)
		.select(
			Sum(invoice.outstanding_amount),
			Sum(Case().when(invoice.due_date < today(), invoice.outstanding_amount).else_(0)),
		)
		.where((invoice.customer == customer) & (invoice.docstatus == 1))
		.run()[0]
	)
	return flt(row[0], 2), flt(row[1], 2)
