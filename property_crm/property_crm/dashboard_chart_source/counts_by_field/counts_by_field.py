"""Dashboard chart source "Counts by Field": the records of one of our doctypes that the reader may see,
counted by a Select or Link field with each value translated (Frappe's own Group By chart shows the stored
English values in a Chinese desk), or by month of a date (`"month_of": "creation"`, the last twelve months).
The chart's filters name the doctype, the field and optional conditions."""

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, today

from property_crm.validation import json_argument

GROUPABLE = ("Select", "Link")
DATES = ("Date", "Datetime")


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
	# never Frappe's `cache_source`: it keeps one result per chart for every reader, and what a reader may
	# count depends on who they are (estate restrictions, a technician's own orders)
	if not filters and chart_name:
		filters = frappe.db.get_value("Dashboard Chart", chart_name, "filters_json")
	filters = frappe._dict(json_argument(filters, "Filters", dict) if filters else {})
	doctype, field = filters.get("doctype"), filters.get("field") or filters.get("month_of")
	if not (isinstance(doctype, str) and isinstance(field, str) and frappe.db.exists("DocType", doctype)):
		frappe.throw(_("Choose a document type and one of its fields."), title=_("Please correct this value"))
	meta = frappe.get_meta(doctype)
	df = meta.get_field(field)
	kinds = DATES if filters.get("month_of") else GROUPABLE
	ours = meta.module in frappe.get_module_list("property_crm")
	if not ours or not ((df and df.fieldtype in kinds) or (field == "creation" and kinds == DATES)):
		frappe.throw(_("Choose a document type and one of its fields."), title=_("Please correct this value"))
	if filters.get("month_of"):
		return by_month(doctype, field, filters.get("conditions") or [])
	rows = frappe.get_list(  # the reader's own permissions and estate restrictions apply
		doctype,
		fields=[field, "count(*) as count"],
		filters=filters.get("conditions") or [],
		group_by=field,
		order_by="count desc",
	)
	return {
		"labels": [_(row[field]) if row[field] else _("Not Set") for row in rows],
		"datasets": [{"name": _(doctype), "values": [row["count"] for row in rows]}],
	}


def by_month(doctype: str, field: str, conditions: list) -> dict:
	"""Records per month of `field` over the last twelve months, months without any shown as 0."""
	first = get_first_day(add_months(today(), -11))
	rows = frappe.get_list(
		doctype,
		fields=[f"date_format(`{field}`, '%Y-%m') as month", "count(*) as count"],
		filters=[*conditions, [field, ">=", first]],
		group_by="month",
		order_by="month",
	)
	counts = {row["month"]: row["count"] for row in rows}
	months = [add_months(first, i).strftime("%Y-%m") for i in range(12)]
	return {
		"labels": months,
		"datasets": [{"name": _(doctype), "values": [counts.get(month, 0) for month in months]}],
	}
