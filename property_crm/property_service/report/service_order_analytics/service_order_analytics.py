"""Service Order Analytics: volume, response and resolution times, SLA compliance, ratings and repeat
repairs, grouped by estate, building, category, month or technician.

The rows are chosen by frappe.get_list (so estate restrictions and technician isolation apply exactly as
in lists), and aggregated by the database: reading 100,000 orders into Python would take longer than the
whole report may. A repeat repair is an order whose `repeat_of` was set when it was filed (same unit and
category within 90 days, property_crm.property_service.rules.service.is_repeat). The figures follow the rules in
property_crm.property_service.rules.service (median hours, rating summary, repeat repairs); the integration test checks
the database's figures against those functions."""

import frappe
from frappe import _
from frappe.utils import add_days, add_months, getdate, nowdate

from property_crm.property_service.rules.service import FULFILLED_STATES
from property_crm.validation import report_filters

GROUPS = {
	"Estate": "t.estate",
	"Building": "t.building",
	"Category": "t.service_category",
	"Month": "date_format(t.creation, '%Y-%m')",
	"Technician": "json_unquote(json_extract(t._assign, '$[0]'))",
}
FIELDS = [
	"name", "unit", "service_category", "creation", "first_responded_on", "sla_resolution_date", "completed_on",
	"agreement_status", "rating", "status", "repeat_of",
]  # fmt: skip
# columns only some groupings need; `_assign` is a text column, which would push the window functions'
# temporary table to disk, so it is read only when grouping by technician
GROUP_FIELDS = {"Estate": ["estate"], "Building": ["building"], "Technician": ["_assign"]}


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	group_label = filters.get("group_by") if filters.get("group_by") in GROUPS else "Estate"
	data = aggregate(filters, group_label)
	return columns(group_label), data, None, chart(data), summary(data)


def base_query(filters, group_label: str = "Estate") -> str:
	"""The permitted orders as SQL, built by Frappe's own list query (user permissions included)."""
	conditions = [
		["creation", ">=", getdate(filters.get("from_date") or add_months(nowdate(), -12))],
		["creation", "<", add_days(getdate(filters.get("to_date") or nowdate()), 1)],
	]
	for field in ("estate", "building", "service_category"):
		if filters.get(field):
			conditions.append([field, "=", filters.get(field)])
	if filters.get("technician"):
		conditions.append(["_assign", "like", f"%{filters.get('technician')}%"])
	fields = FIELDS + GROUP_FIELDS.get(group_label, [])
	return frappe.get_list(
		"Service Order", filters=conditions, fields=fields, limit_page_length=0, order_by=None, run=0
	)


def aggregate(filters, group_label: str) -> list[dict]:
	group_expr = GROUPS[group_label]
	fulfilled = ", ".join(frappe.db.escape(s) for s in FULFILLED_STATES)
	query = f"""
		select grp as `group`, count(*) as orders,
			sum(status not in ({fulfilled})) as open,
			round(max(median_response) / 3600, 2) as median_response_hours,
			round(max(median_resolution) / 3600, 2) as median_resolution_hours,
			sum(agreement_status = 'Fulfilled') as sla_met,
			sum(agreement_status in ('Fulfilled', 'Failed')) as sla_judged,
			round(100 * sum(agreement_status = 'Fulfilled')
				/ nullif(sum(agreement_status in ('Fulfilled', 'Failed')), 0), 1) as sla_met_percent,
			round(avg(nullif(rating, 0)), 1) as average_rating,
			sum(rating > 0) as rated,
			sum(rating) as rating_sum,
			sum(repeat_of is not null and repeat_of != '') as repeat_repairs
		from (
			select t.status, t.agreement_status, t.rating, t.repeat_of, {group_expr} as grp,
				median(timestampdiff(second, t.creation, t.first_responded_on))
					over (partition by {group_expr}) as median_response,
				median(timestampdiff(second, t.creation, coalesce(t.sla_resolution_date, t.completed_on)))
					over (partition by {group_expr}) as median_resolution
			from ({base_query(filters, group_label)}) t
		) x
		group by grp
		order by grp"""
	rows = frappe.db.sql(query, as_dict=True)
	for row in rows:
		row.group = row.group if row.group is not None else _("Not set")
		for field in ("orders", "open", "rated", "repeat_repairs", "sla_met", "sla_judged", "rating_sum"):
			row[field] = int(row[field] or 0)
		for field in (
			"median_response_hours",
			"median_resolution_hours",
			"sla_met_percent",
			"average_rating",
		):
			row[field] = float(row[field]) if row[field] is not None else None
	return rows


def columns(group_label: str) -> list[dict]:
	return [
		{"fieldname": "group", "label": _(group_label), "fieldtype": "Data", "width": 180},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 90},
		{"fieldname": "open", "label": _("Open Orders"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "median_response_hours",
			"label": _("Median Response (h)"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 150,
		},
		{
			"fieldname": "median_resolution_hours",
			"label": _("Median Resolution (h)"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 160,
		},
		{"fieldname": "sla_met_percent", "label": _("SLA Met %"), "fieldtype": "Percent", "width": 110},
		{
			"fieldname": "average_rating",
			"label": _("Average Rating"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "rated", "label": _("Rated"), "fieldtype": "Int", "width": 80},
		{
			"fieldname": "repeat_repairs",
			"label": _("Repeat Repairs (90 days)"),
			"fieldtype": "Int",
			"width": 170,
		},
	]


def chart(data) -> dict:
	return {
		"data": {
			# categories in the reader's language (estates, buildings, months and logins read as they are)
			"labels": [_(str(d["group"])) for d in data],
			"datasets": [{"name": _("Orders"), "values": [d["orders"] for d in data]}],
		},
		"type": "bar",
	}


def summary(groups: list[dict]) -> list[dict]:
	"""Totals over the groups (medians are per group only)."""
	total = {
		key: sum(g[key] for g in groups)
		for key in ("orders", "sla_met", "sla_judged", "rated", "rating_sum", "repeat_repairs")
	}
	sla = round(100 * total["sla_met"] / total["sla_judged"], 1) if total["sla_judged"] else None
	rating = round(total["rating_sum"] / total["rated"], 1) if total["rated"] else None
	return [
		{"label": _("Orders"), "value": total["orders"], "indicator": "Blue"},
		{"label": _("SLA Met %"), "value": sla, "indicator": "Green", "datatype": "Percent"},
		{"label": _("Average Rating"), "value": rating, "indicator": "Orange"},
		{"label": _("Repeat Repairs (90 days)"), "value": total["repeat_repairs"], "indicator": "Red"},
	]
