"""Arrears Ageing: what ERPNext says is outstanding on fee invoices, by estate, building or unit, in the
buckets of `property_fees.rules.fees.ageing_bucket` (Not Due, 0–30, 31–60, 61–90, 90+ days past the due date).

An invoice that bills several units owes each unit in proportion to its lines (a partial payment is
spread over them alike). A late-fee invoice has a line per unit of its bill, so it counts here too.
The estates are those the user may read (User Permissions on Property Estate apply), and the
database does the sums: one query, whatever the number of invoices."""

import frappe
from frappe import _
from frappe.utils import getdate, today

from property_crm.property_fees.rules.fees import BUCKETS
from property_crm.validation import report_filters

GROUPS = {"Estate": "estate", "Building": "building", "Unit": "unit"}
BUCKET_FIELDS = {"Not Due": "not_due", "0-30": "d0_30", "31-60": "d31_60", "61-90": "d61_90", "90+": "d90"}


def execute(filters=None):
	filters = report_filters(filters, dates=("as_of",))
	group = filters.get("group_by") if filters.get("group_by") in GROUPS else "Estate"
	data = rows(filters, group)
	return columns(group), data, None, chart(data), summary(data)


def allowed_estates(filters) -> list[str]:
	conditions = {}
	if filters.get("estate"):
		conditions["name"] = filters.estate
	return frappe.get_list("Property Estate", filters=conditions, pluck="name", limit_page_length=0)


# What each unit is owed on each outstanding fee invoice, with the invoice's estate, the unit's building
# and the invoice's due date. An invoice of one unit (most of them) owes it all it owes, read from the
# invoice alone (its unit and building are on it: `property_fees.billing.set_invoice_unit`); an invoice of several
# units owes each its lines' part of its net total. Both are read from our indexes (`install.HOST_INDEXES`).
SHARES = """
	select si.property_estate as estate, si.property_building as building, si.property_unit as unit,
		si.name as invoice, si.due_date, si.outstanding_amount as owed
	from `tabSales Invoice` si
	where si.docstatus = 1 and si.outstanding_amount > 0 and si.base_net_total > 0
		and si.property_estate in %(estates)s and si.property_unit is not null {one_building}
	union all
	select si.property_estate, u.building, it.property_unit, si.name, si.due_date,
		si.outstanding_amount * it.base_net_amount / si.base_net_total
	from `tabSales Invoice` si
	join `tabSales Invoice Item` it on it.parent = si.name and it.parenttype = 'Sales Invoice'
	join `tabProperty Unit` u on u.name = it.property_unit
	where si.docstatus = 1 and si.outstanding_amount > 0 and si.base_net_total > 0
		and si.property_estate in %(estates)s and si.property_unit is null {unit_building}
"""


def rows(filters, group: str) -> list[dict]:
	estates = allowed_estates(filters)
	if not estates:
		return []
	key = GROUPS[group]
	extra = ", max(estate) as estate, max(building) as building" if group != "Estate" else ""
	one_building = unit_building = ""
	if filters.get("building"):
		one_building, unit_building = (
			"and si.property_building = %(building)s",
			"and u.building = %(building)s",
		)
	unit_count = "1" if group == "Unit" else "count(distinct unit)"
	overdue = "datediff(%(as_of)s, due_date)"
	return frappe.db.sql(
		f"""
		select {key} as `group`{extra},
			sum(case when {overdue} <= 0 then owed else 0 end) as not_due,
			sum(case when {overdue} between 1 and 30 then owed else 0 end) as d0_30,
			sum(case when {overdue} between 31 and 60 then owed else 0 end) as d31_60,
			sum(case when {overdue} between 61 and 90 then owed else 0 end) as d61_90,
			sum(case when {overdue} > 90 then owed else 0 end) as d90,
			sum(owed) as total, count(distinct invoice) as invoices, {unit_count} as units
		from ({SHARES.format(one_building=one_building, unit_building=unit_building)}) share
		group by {key}
		order by {key}
		""",
		{
			"as_of": getdate(filters.get("as_of") or today()),
			"estates": tuple(estates),
			"building": filters.get("building"),
		},
		as_dict=True,
	)


def columns(group: str) -> list[dict]:
	cols = [
		{
			"fieldname": "group",
			"label": _(group),
			"fieldtype": "Link",
			"options": {
				"Estate": "Property Estate",
				"Building": "Property Building",
				"Unit": "Property Unit",
			}[group],
			"width": 160,
		}
	]
	if group != "Estate":
		cols.append(
			{
				"fieldname": "estate",
				"label": _("Estate"),
				"fieldtype": "Link",
				"options": "Property Estate",
				"width": 100,
			}
		)
	if group == "Unit":
		cols.append(
			{
				"fieldname": "building",
				"label": _("Building"),
				"fieldtype": "Link",
				"options": "Property Building",
				"width": 100,
			}
		)
	for bucket in BUCKETS:
		cols.append(
			{"fieldname": BUCKET_FIELDS[bucket], "label": _(bucket), "fieldtype": "Currency", "width": 120}
		)
	cols += [
		{"fieldname": "total", "label": _("Total Outstanding"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Int", "width": 90},
		{"fieldname": "units", "label": _("Units"), "fieldtype": "Int", "width": 80},
	]
	return cols


def chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [_(b) for b in BUCKETS],
			"datasets": [
				{
					"name": _("Arrears"),
					"values": [sum(r[BUCKET_FIELDS[b]] or 0 for r in data) for b in BUCKETS],
				}
			],
		},
		"type": "bar",
	}


def summary(data: list[dict]) -> list[dict]:
	overdue = sum((r.total or 0) - (r.not_due or 0) for r in data)
	return [
		{"label": _("Total Outstanding"), "value": sum(r.total or 0 for r in data), "datatype": "Currency"},
		{"label": _("Overdue"), "value": overdue, "datatype": "Currency", "indicator": "Red"},
		{"label": _("Over 90 Days"), "value": sum(r.d90 or 0 for r in data), "datatype": "Currency"},
	]
