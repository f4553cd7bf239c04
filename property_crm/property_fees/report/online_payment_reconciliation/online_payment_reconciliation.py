"""Online Payment Reconciliation (线上支付对账): the lines of the daily statements (Property Payment
Statement), by platform and date, by default only the discrepancies; each with what the platform and we
say, the difference and the payment order it is about."""

import frappe
from frappe import _

from property_crm.property_fees.payments.platforms import PLATFORM_NAMES
from property_crm.property_fees.rules.payments_refund import yuan
from property_crm.validation import report_filters

STATEMENT = "Property Payment Statement"


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	return columns(), rows(filters)


def columns() -> list[dict]:
	return [
		{"fieldname": "statement_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "platform", "label": _("Platform"), "fieldtype": "Data", "width": 100},
		{"fieldname": "kind", "label": _("Kind"), "fieldtype": "Data", "width": 80},
		{"fieldname": "out_trade_no", "label": _("Trade No"), "fieldtype": "Data", "width": 200},
		{"fieldname": "transaction_id", "label": _("Transaction ID"), "fieldtype": "Data", "width": 200},
		{"fieldname": "out_refund_no", "label": _("Refund No"), "fieldtype": "Data", "width": 140},
		{
			"fieldname": "platform_amount",
			"label": _("Platform Amount"),
			"fieldtype": "Currency",
			"width": 120,
		},
		{"fieldname": "our_amount", "label": _("Our Amount"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "difference", "label": _("Difference"), "fieldtype": "Currency", "width": 110},
		{"fieldname": "result", "label": _("Result"), "fieldtype": "Data", "width": 150},
		{
			"fieldname": "payment_order",
			"label": _("Payment Order"),
			"fieldtype": "Link",
			"options": "Property Payment Order",
			"width": 200,
		},
		{
			"fieldname": "statement",
			"label": _("Statement"),
			"fieldtype": "Link",
			"options": STATEMENT,
			"width": 180,
		},
		{"fieldname": "note", "label": _("Note"), "fieldtype": "Data", "width": 200},
	]


def rows(filters) -> list[dict]:
	statement = frappe.qb.DocType(STATEMENT)
	line = frappe.qb.DocType("Property Payment Statement Line")
	query = (
		frappe.qb.from_(line)
		.join(statement)
		.on((statement.name == line.parent) & (line.parenttype == STATEMENT))
		.select(
			statement.statement_date,
			statement.platform,
			statement.name.as_("statement"),
			line.kind,
			line.out_trade_no,
			line.transaction_id,
			line.out_refund_no,
			line.platform_amount,
			line.our_amount,
			line.result,
			line.note,
		)
		.orderby(statement.statement_date, order=frappe.qb.desc)
		.orderby(statement.platform)
		.orderby(line.idx)
	)
	if filters.get("platform"):
		if filters.platform not in PLATFORM_NAMES:
			frappe.throw(
				_("Unknown payment platform: {0}").format(filters.platform),
				title=_("Please correct this value"),
			)
		query = query.where(statement.platform == filters.platform)
	if filters.get("from_date"):
		query = query.where(statement.statement_date >= filters.from_date)
	if filters.get("to_date"):
		query = query.where(statement.statement_date <= filters.to_date)
	if filters.get("only_discrepancies") not in (None, "", 0, "0", False):
		query = query.where(line.result != "Matched")
	data = query.run(as_dict=True)
	orders = set(
		frappe.get_all(
			"Property Payment Order",
			filters={"name": ("in", list({d.out_trade_no for d in data}) or [""])},
			pluck="name",
		)
	)
	for d in data:
		d.difference = yuan(d.platform_amount) - yuan(d.our_amount) if d.result != "Matched" else 0
		if d.result == "Missing Here":
			d.our_amount = None
		if d.result == "Missing on Platform":
			d.platform_amount = None
		d.payment_order = d.out_trade_no if d.out_trade_no in orders else None
		d.platform = _(d.platform)
		d.kind = _(d.kind)
		d.result_key = d.result
		d.result = _(d.result)
	return data
