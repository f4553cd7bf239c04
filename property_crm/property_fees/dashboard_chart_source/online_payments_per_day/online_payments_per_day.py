"""Dashboard chart source "Online Payments per Day": what residents paid online on each of the last days
(30 by default), one dataset per platform, from the paid Property Payment Orders the reader may see (their
own permissions and estate restrictions apply; never Frappe's per-chart cache, which would show every reader
the first reader's figures)."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate, today

from property_crm.property_fees.payments.platforms import PLATFORM_NAMES
from property_crm.validation import json_argument

ORDER = "Property Payment Order"
MAX_DAYS = 366


@frappe.whitelist()
def get(
	chart_name: str | None = None,
	chart: str | dict | None = None,
	no_cache: str | int | None = None,
	filters: str | dict | None = None,
	from_date: str | None = None,
	to_date: str | None = None,
	timespan: str | None = None,
	time_interval: str | None = None,
	heatmap_year: str | int | None = None,
) -> dict:
	if not filters and chart_name:
		filters = frappe.db.get_value("Dashboard Chart", chart_name, "filters_json")
	filters = frappe._dict(json_argument(filters, "Filters", dict) if filters else {})
	days = min(max(cint(filters.get("days") or 30), 1), MAX_DAYS)
	last = getdate(today())
	first = add_days(last, -(days - 1))
	rows = frappe.get_list(  # raises PermissionError for a reader who may not read payment orders
		ORDER,
		fields=["date(paid_at) as day", "platform", "sum(amount) as amount"],
		filters=[["status", "=", "Paid"], ["paid_at", ">=", first]],
		group_by="day, platform",
		order_by="day",
		limit_page_length=0,
	)
	sums = {(str(row.day), row.platform): flt(row.amount, 2) for row in rows}
	labels = [str(add_days(first, i)) for i in range(days)]
	return {
		"labels": labels,
		"datasets": [
			{"name": _(platform), "values": [sums.get((day, platform), 0.0) for day in labels]}
			for platform in PLATFORM_NAMES
		],
		"fieldtype": "Currency",
	}
