"""Channel Mix (渠道构成): how requests and complaints reach us — each channel's count of service orders
(by creation) and complaints (by received on) per month and estate, with the WeChat share.

The records are chosen by frappe.get_list (a user restricted to some estates counts only theirs, as in
lists) and counted by the database; a row is a group, never a record."""

import frappe
from frappe import _
from frappe.utils import add_months, get_first_day, getdate, nowdate

from property_crm.validation import report_filters

KINDS = {  # record: doctype, its date field
	"Service Orders": ("Service Order", "creation"),
	"Complaints": ("Complaint", "received_on"),
}
CHANNELS = ("WeChat", "Portal", "Phone", "Desk", "Email", "QR", "Letter", "12345 Hotline", "Other External")


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	end = getdate(filters.get("to_date") or nowdate())
	start = getdate(filters.get("from_date") or get_first_day(add_months(end, -11)))
	kinds = [filters.kind] if filters.get("kind") in KINDS else list(KINDS)
	data = []
	for kind in kinds:
		data += rows_of(kind, start, end, filters.get("estate"))
	data.sort(key=lambda row: (row["month"], row["estate"] or "", row["kind"]))
	channels = [c for c in CHANNELS if any(row.get(key(c)) for row in data)] or ["WeChat"]
	return columns(channels), data, None, chart(data, channels), summary(data)


def key(channel: str) -> str:
	return "ch_" + frappe.scrub(channel)


def rows_of(kind: str, start, end, estate: str | None) -> list[dict]:
	doctype, date_field = KINDS[kind]
	filters = [[date_field, ">=", f"{start} 00:00:00"], [date_field, "<=", f"{end} 23:59:59.999999"]]
	if estate:
		filters.append(["estate", "=", estate])
	counted = frappe.get_list(
		doctype,
		filters=filters,
		fields=[
			"estate",
			"channel",
			f"year(`{date_field}`) as year",
			f"month(`{date_field}`) as month",
			"count(*) as records",
		],
		group_by=f"estate, channel, year(`{date_field}`), month(`{date_field}`)",
		order_by="year asc",
		limit_page_length=0,
	)
	rows = {}
	for group in counted:
		month = f"{int(group.year):04d}-{int(group.month):02d}"
		row = rows.setdefault(
			(month, group.estate),
			{"month": month, "estate": group.estate, "kind": _(kind), "total": 0},
		)
		channel = group.channel or "Desk"
		row[key(channel)] = row.get(key(channel), 0) + group.records
		row["total"] += group.records
	for row in rows.values():
		row["wechat_share"] = (
			round(100.0 * row.get(key("WeChat"), 0) / row["total"], 1) if row["total"] else 0
		)
	return list(rows.values())


def columns(channels: list[str]) -> list[dict]:
	cols = [
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "estate",
			"label": _("Estate"),
			"fieldtype": "Link",
			"options": "Property Estate",
			"width": 160,
		},
		{"fieldname": "kind", "label": _("Record"), "fieldtype": "Data", "width": 110},
	]
	cols += [{"fieldname": key(c), "label": _(c), "fieldtype": "Int", "width": 90} for c in channels]
	cols += [
		{"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 80},
		{"fieldname": "wechat_share", "label": _("WeChat Share %"), "fieldtype": "Percent", "width": 110},
	]
	return cols


def chart(data: list[dict], channels: list[str]) -> dict | None:
	months = sorted({row["month"] for row in data})
	if not months:
		return None
	return {
		"data": {
			"labels": months,
			"datasets": [
				{
					"name": _(c),
					"values": [sum(r.get(key(c), 0) for r in data if r["month"] == m) for m in months],
				}
				for c in channels
			],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}


def summary(data: list[dict]) -> list[dict]:
	total = sum(row["total"] for row in data)
	wechat = sum(row.get(key("WeChat"), 0) for row in data)
	return [
		{"label": _("Requests and complaints"), "value": total, "datatype": "Int"},
		{"label": _("By WeChat"), "value": wechat, "datatype": "Int", "indicator": "Green"},
		{
			"label": _("WeChat Share %"),
			"value": round(100.0 * wechat / total, 1) if total else 0,
			"datatype": "Percent",
		},
	]
