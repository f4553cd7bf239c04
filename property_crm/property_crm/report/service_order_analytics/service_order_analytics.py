"""Service Order Analytics: volume, response and resolution times, SLA compliance, ratings and repeat
repairs, grouped by estate, building, category, month or technician. Rows come through frappe.get_list,
so estate restrictions and technician isolation apply here exactly as in lists."""

import frappe
from frappe import _
from frappe.utils import add_months, get_datetime, getdate, nowdate

from property_crm.domain.service import FULFILLED_STATES, Job, median_hours, rating_summary, repeat_repairs

GROUPS = {
	"Estate": "estate",
	"Building": "building",
	"Category": "service_category",
	"Month": "month",
	"Technician": "technician",
}
FIELDS = [
	"name", "unit", "service_category", "creation", "first_responded_on", "sla_resolution_date", "completed_on",
	"agreement_status", "rating", "estate", "building", "status", "_assign",
]  # fmt: skip


def execute(filters=None):
	filters = frappe._dict(filters or {})
	rows = fetch(filters)
	group_by = GROUPS.get(filters.get("group_by") or "Estate", "estate")
	repeats = repeat_repairs(Job(r[0], r[1], r[2], get_datetime(r[3])) for r in rows)
	groups: dict[str, list] = {}
	for row in rows:
		groups.setdefault(group_key(row, group_by), []).append(row)
	data = [
		summarise(key, members, repeats) for key, members in sorted(groups.items(), key=lambda kv: str(kv[0]))
	]
	return columns(filters.get("group_by") or "Estate"), data, None, chart(data), summary(rows, repeats)


def fetch(filters) -> list[tuple]:
	conditions = [
		["creation", ">=", getdate(filters.get("from_date") or add_months(nowdate(), -12))],
		["creation", "<", frappe.utils.add_days(getdate(filters.get("to_date") or nowdate()), 1)],
	]
	for field in ("estate", "building", "service_category"):
		if filters.get(field):
			conditions.append([field, "=", filters.get(field)])
	if filters.get("technician"):
		conditions.append(["_assign", "like", f"%{filters.get('technician')}%"])
	return frappe.get_list(
		"Service Order",
		filters=conditions,
		fields=FIELDS,
		as_list=True,
		limit_page_length=0,
		order_by="creation asc",
	)


def group_key(row, group_by: str) -> str:
	if group_by == "month":
		return get_datetime(row[3]).strftime("%Y-%m")
	if group_by == "technician":
		assigned = frappe.parse_json(row[12] or "[]")
		return assigned[0] if assigned else _("Not assigned")
	return row[{"estate": 9, "building": 10, "service_category": 2}[group_by]] or _("Not set")


def summarise(key, rows, repeats) -> dict:
	response = [get_datetime(r[4]) - get_datetime(r[3]) if r[4] else None for r in rows]
	resolution = [get_datetime(r[5] or r[6]) - get_datetime(r[3]) if (r[5] or r[6]) else None for r in rows]
	met = sum(1 for r in rows if r[7] == "Fulfilled")
	judged = met + sum(1 for r in rows if r[7] == "Failed")
	ratings = rating_summary(r[8] for r in rows)
	return {
		"group": key,
		"orders": len(rows),
		"open": sum(1 for r in rows if r[11] not in FULFILLED_STATES),
		"median_response_hours": median_hours(response),
		"median_resolution_hours": median_hours(resolution),
		"sla_met_percent": round(100 * met / judged, 1) if judged else None,
		"average_rating": ratings["average"],
		"rated": ratings["count"],
		"repeat_repairs": sum(1 for r in rows if r[0] in repeats),
	}


def columns(group_label: str) -> list[dict]:
	return [
		{"fieldname": "group", "label": _(group_label), "fieldtype": "Data", "width": 180},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 90},
		{"fieldname": "open", "label": _("Open"), "fieldtype": "Int", "width": 80},
		{
			"fieldname": "median_response_hours",
			"label": _("Median Response (h)"),
			"fieldtype": "Float",
			"width": 150,
		},
		{
			"fieldname": "median_resolution_hours",
			"label": _("Median Resolution (h)"),
			"fieldtype": "Float",
			"width": 160,
		},
		{"fieldname": "sla_met_percent", "label": _("SLA Met %"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "average_rating", "label": _("Average Rating"), "fieldtype": "Float", "width": 120},
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
			"labels": [str(d["group"]) for d in data],
			"datasets": [{"name": _("Orders"), "values": [d["orders"] for d in data]}],
		},
		"type": "bar",
	}


def summary(rows, repeats) -> list[dict]:
	overall = summarise(_("All"), rows, repeats) if rows else {}
	return [
		{"label": _("Orders"), "value": len(rows), "indicator": "Blue"},
		{
			"label": _("SLA Met %"),
			"value": overall.get("sla_met_percent"),
			"indicator": "Green",
			"datatype": "Percent",
		},
		{"label": _("Average Rating"), "value": overall.get("average_rating"), "indicator": "Orange"},
		{"label": _("Repeat Repairs (90 days)"), "value": len(repeats), "indicator": "Red"},
	]
