"""WeChat Delivery (微信送达率): the template messages of our notifications by day — sent (WeChat accepted
them), delivered (WeChat's TEMPLATESENDJOBFINISH said success), failed (refused: unfollowed, quota spent,
not bound any more, or WeChat's report said failed), waiting (refused for quota, to be tried again) — and
the delivery rate. Read from their delivery records (Integration Requests of service "WeChat Template
Message", `property_crm.wechat.notify`); counts only, no resident."""

import json

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from property_crm.validation import report_filters
from property_crm.wechat.notify import SERVICE


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	end = getdate(filters.get("to_date") or nowdate())
	start = getdate(filters.get("from_date") or add_days(end, -29))
	conditions = {
		"integration_request_service": SERVICE,
		"creation": ("between", [f"{start} 00:00:00", f"{end} 23:59:59.999999"]),
	}
	if filters.get("notification"):
		conditions["request_description"] = filters.notification
	records = frappe.get_all(
		"Integration Request",
		filters=conditions,
		fields=["creation", "status", "output"],
		order_by="creation",
	)
	days = {}
	for record in records:
		day = str(getdate(record.creation))
		row = days.setdefault(
			day, {"day": day, "sent": 0, "delivered": 0, "failed": 0, "waiting": 0, "ok": 0, "tried": 0}
		)
		delivery = (json.loads(record.output or "{}") or {}).get("delivery") if record.output else None
		if record.status == "Queued":
			row["waiting"] += 1
			continue
		row["tried"] += 1
		if record.status == "Completed":
			row["sent"] += 1
			if delivery == "success":
				row["delivered"] += 1
			if not delivery or delivery == "success":
				row["ok"] += 1
			else:
				row["failed"] += 1
		else:
			row["failed"] += 1
	data = list(days.values())
	for row in data:
		row["rate"] = rate(row)
	return columns(), data, None, chart(data), summary(data)


def rate(row: dict) -> float:
	"""Reached (accepted by WeChat and not reported failed) of all tried (waiting ones not counted)."""
	return round(100.0 * row["ok"] / row["tried"], 1) if row["tried"] else 0


def columns() -> list[dict]:
	return [
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 110},
		{"fieldname": "sent", "label": _("Sent"), "fieldtype": "Int", "width": 90},
		{"fieldname": "delivered", "label": _("Delivered"), "fieldtype": "Int", "width": 100},
		{"fieldname": "failed", "label": _("Failed to Send"), "fieldtype": "Int", "width": 90},
		{"fieldname": "waiting", "label": _("Waiting to Retry"), "fieldtype": "Int", "width": 90},
		{"fieldname": "rate", "label": _("Success Rate %"), "fieldtype": "Percent", "width": 120},
	]


def chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [row["day"] for row in data],
			"datasets": [
				{"name": _("Sent"), "values": [row["sent"] for row in data]},
				{"name": _("Failed to Send"), "values": [row["failed"] for row in data]},
			],
		},
		"type": "line",
	}


def summary(data: list[dict]) -> list[dict]:
	sent = sum(row["sent"] for row in data)
	failed = sum(row["failed"] for row in data)
	total = {"ok": sum(row["ok"] for row in data), "tried": sum(row["tried"] for row in data)}
	return [
		{"label": _("Sent"), "value": sent, "datatype": "Int"},
		{"label": _("Delivered"), "value": sum(row["delivered"] for row in data), "datatype": "Int"},
		{
			"label": _("Failed to Send"),
			"value": failed,
			"datatype": "Int",
			"indicator": "Red" if failed else "Green",
		},
		{"label": _("Success Rate %"), "value": rate(total), "datatype": "Percent"},
	]
