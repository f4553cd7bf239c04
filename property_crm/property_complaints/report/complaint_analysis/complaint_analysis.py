"""Complaint Analysis: volume, open complaints, time to acknowledge and to close, reopen rate, repeat
complainants, hotline cases and their replies on time, and complaints per 100 households per month —
grouped by category × building, root cause × building, estate, month or category.

The complaints are chosen by frappe.get_list (so a user restricted to some estates counts only theirs, as in
lists) and aggregated by the database, medians by window functions. What each figure means is
property_crm.property_complaints.rules.analysis; the integration test holds the database's figures against it.

Anonymity: a row is a group, never a complaint. An anonymous complaint's confidential identity is joined
only for those who may read identities (Property Managers), to count its complainant among the repeat
complainants; no name, unit or contact leaves the query. For everyone else no identity is joined (an
anonymous complaint has no person) and small groups show no per-person figure (`analysis.hide_small_groups`)."""

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import add_days, getdate, now_datetime, nowdate

from property_crm.permissions import allowed_estates
from property_crm.property_complaints.rules import analysis
from property_crm.property_complaints.rules import complaint as rules
from property_crm.property_complaints.rules.complaint import per_100_households, rate
from property_crm.validation import report_filters

DIMENSIONS = {  # fixed expressions on the chosen complaints `t`
	"complaint_category": "t.complaint_category",
	"root_cause": "t.root_cause",
	"estate": "t.estate",
	"month": "date_format(t.received_on, '%Y-%m')",
}
DIMENSION_COLUMNS = {  # label, fieldtype, options
	"complaint_category": ("Complaint Category", "Link", "Complaint Category"),
	"root_cause": ("Root Cause", "Link", "Complaint Root Cause"),
	"estate": ("Estate", "Link", "Property Estate"),
	"month": ("Month", "Data", None),
}
FIELDS = [
	"name", "estate", "building", "complaint_category", "root_cause", "status", "channel", "received_on",
	"acknowledged_on", "closed_on", "reopen_count", "complainant", "contact_mobile", "identity",
	"hotline_reply_deadline", "hotline_replied_on",
]  # fmt: skip
# a complainant: their resident file, else their mobile; an anonymous complaint's from its identity
PERSON = """coalesce(nullif(t.complainant, ''), nullif(i.complainant, ''), nullif(t.contact_mobile, ''),
	nullif(i.contact_mobile, ''))"""
# the same without the identity (who may not read identities): an anonymous complaint has no person
NAMED_PERSON = """case when t.identity is null or t.identity = '' then
	coalesce(nullif(t.complainant, ''), nullif(t.contact_mobile, '')) end"""
IDENTITY_JOIN = "left join `tabComplaint Identity` i on i.name = t.identity"


def person_sql() -> tuple[str, str]:
	"""The person expression and the join it needs, for the current user."""
	if frappe.has_permission("Complaint Identity", "read"):
		return PERSON, IDENTITY_JOIN
	return NAMED_PERSON, ""


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	label = analysis.grouping(filters.get("group_by"))
	start, end = analysis.period(
		getdate(filters.from_date) if filters.get("from_date") else None,
		getdate(filters.to_date) if filters.get("to_date") else None,
		getdate(nowdate()),
	)
	now = now_datetime()
	base = base_query(filters, start, end)
	data = aggregate(base, label, now)
	if not frappe.has_permission("Complaint Identity", "read"):
		analysis.hide_small_groups(data)
	homes = households(filters, analysis.households_on(end, getdate(nowdate())))
	add_households(data, label, homes, analysis.months_of(label, start, end))
	return (
		columns(label),
		data,
		None,
		chart(data, label),
		summary(data, base, sum(homes.values()), analysis.period_months(start, end)),
	)


def base_query(filters, start, end) -> str:
	"""The permitted complaints received in the period, as SQL, built by Frappe's own list query (user
	permissions included); every filter is a value of Frappe's filters, never part of the SQL text."""
	conditions = [["received_on", ">=", start], ["received_on", "<", add_days(end, 1)]]
	for field in ("estate", "building", "complaint_category"):
		if filters.get(field):
			conditions.append([field, "=", filters.get(field)])
	return frappe.get_list(
		"Complaint", filters=conditions, fields=FIELDS, limit_page_length=0, order_by=None, run=0
	)


def aggregate(base: str, label: str, now) -> list[dict]:
	dimension, by_building = analysis.GROUPINGS[label]
	building = "t.building" if by_building else "null"
	open_states = ", ".join(frappe.db.escape(s) for s in rules.OPEN_STATES)
	hotline = ", ".join(frappe.db.escape(c) for c in rules.HOTLINE_CHANNELS)
	now_sql = frappe.db.escape(str(now))
	person, join = person_sql()
	# the windowed rows hold numbers and three short keys only (a person as 16 bytes of md5): wide rows
	# would push the window functions' temporary table to disk
	query = f"""
		select dim as `group`, bldg as building, count(*) as complaints, sum(is_open) as open,
			round(max(median_acknowledge) / 60, 1) as median_acknowledge_minutes,
			round(max(median_close) / 3600, 1) as median_close_hours,
			sum(reopened) as reopened,
			sum(person is not null and person_rank = 1 and person_complaints > 1) as repeat_complainants,
			sum(hotline) as hotline_cases, sum(judged) as hotline_judged, sum(in_time) as hotline_in_time
		from (
			select y.*,
				median(acknowledge) over (partition by dim, bldg) as median_acknowledge,
				median(to_close) over (partition by dim, bldg) as median_close,
				count(*) over (partition by dim, bldg, person) as person_complaints,
				row_number() over (partition by dim, bldg, person) as person_rank
			from (
				select {DIMENSIONS[dimension]} as dim, {building} as bldg, unhex(md5({person})) as person,
					t.status in ({open_states}) as is_open,
					timestampdiff(second, t.received_on, t.acknowledged_on) as acknowledge,
					timestampdiff(second, t.received_on, t.closed_on) as to_close,
					coalesce(t.reopen_count, 0) > 0 as reopened,
					t.channel in ({hotline}) as hotline,
					t.channel in ({hotline}) and t.hotline_reply_deadline is not null
						and (t.hotline_replied_on is not null or t.hotline_reply_deadline < {now_sql}) as judged,
					t.channel in ({hotline}) and t.hotline_replied_on <= t.hotline_reply_deadline as in_time
				from ({base}) t
				{join}
			) y
		) x
		group by dim, bldg
		order by dim, bldg"""
	rows = frappe.db.sql(query, as_dict=True)
	for row in rows:
		for field in ("complaints", "open", "reopened", "repeat_complainants", "hotline_cases",
			"hotline_judged", "hotline_in_time"):  # fmt: skip
			row[field] = int(row[field] or 0)
		for field in ("median_acknowledge_minutes", "median_close_hours"):
			row[field] = float(row[field]) if row[field] is not None else None
		row.reopen_rate = rate(row.reopened, row.complaints)
		row.hotline_on_time = rate(row.hotline_in_time, row.hotline_judged) if row.hotline_judged else None
	return rows


def households(filters, on) -> dict[tuple[str, str], int]:
	"""Households per (estate, building): units someone lives in on `on`, within the user's estates."""
	unit = frappe.qb.DocType("Property Unit")
	occupant = frappe.qb.DocType("Property Unit Occupant")
	lives_there = (
		frappe.qb.from_(occupant)
		.select(occupant.name)
		.where((occupant.parent == unit.name) & (occupant.parenttype == "Property Unit"))
		.where(occupant.move_in.isnull() | (occupant.move_in <= on))
		.where(occupant.move_out.isnull() | (occupant.move_out >= on))
	)
	query = (
		frappe.qb.from_(unit)
		.select(unit.estate, unit.building, Count("*"))
		.where(unit.usage.notin(analysis.NOT_HOUSEHOLDS))
		.where(ExistsCriterion(lives_there))
		.groupby(unit.estate, unit.building)
	)
	estates = allowed_estates(frappe.session.user, "Complaint")
	if estates is not None:
		query = query.where(unit.estate.isin(estates))
	if filters.get("estate"):
		query = query.where(unit.estate == filters.get("estate"))
	if filters.get("building"):
		query = query.where(unit.building == filters.get("building"))
	return {(estate, building): int(n) for estate, building, n in query.run()}


def add_households(rows: list[dict], label: str, homes: dict, months: int) -> None:
	dimension, by_building = analysis.GROUPINGS[label]
	by_building_count: dict[str, int] = {}
	by_estate: dict[str, int] = {}
	for (estate, building), n in homes.items():
		by_building_count[building] = by_building_count.get(building, 0) + n
		by_estate[estate] = by_estate.get(estate, 0) + n
	total = sum(homes.values())
	for row in rows:
		if by_building:
			row.households = by_building_count.get(row.building) if row.building else None
		elif dimension == "estate":
			row.households = by_estate.get(row.group)
		else:
			row.households = total
		row.per_100_households = (
			per_100_households(row.complaints, row.households, months) if row.households else None
		)
		if row.group is None:
			row.group = _("Not set")


def columns(label: str) -> list[dict]:
	dimension, by_building = analysis.GROUPINGS[label]
	title, fieldtype, options = DIMENSION_COLUMNS[dimension]
	out = [
		{"fieldname": "group", "label": _(title), "fieldtype": fieldtype, "options": options, "width": 170}
	]
	if by_building:
		out.append(
			{
				"fieldname": "building",
				"label": _("Building"),
				"fieldtype": "Link",
				"options": "Property Building",
				"width": 110,
			}
		)

	def column(fieldname, title, fieldtype="Int", width=110, **extra):
		return {"fieldname": fieldname, "label": _(title), "fieldtype": fieldtype, "width": width, **extra}

	return [
		*out,
		column("complaints", "Number of Complaints", width=100),
		column("open", "Open Complaints"),
		column("median_acknowledge_minutes", "Median Minutes to Acknowledge", "Float", 150, precision=1),
		column("median_close_hours", "Median Hours to Close", "Float", 140, precision=1),
		column("reopen_rate", "Reopen Rate %", "Percent", 110),
		column("repeat_complainants", "Repeat Complainants", width=140),
		column("hotline_cases", "Hotline Cases"),
		column("hotline_on_time", "Hotline Replies on Time %", "Percent", 160),
		column("households", "Households"),
		column("per_100_households", "Complaints per 100 Households per Month", "Float", 200, precision=2),
	]


def chart(data: list[dict], label: str) -> dict:
	dimension, _by_building = analysis.GROUPINGS[label]

	def name(row) -> str:
		group = _(row["group"]) if dimension in ("complaint_category", "root_cause") else str(row["group"])
		return f"{group} · {row['building']}" if row.get("building") else group

	return {
		"data": {
			"labels": [name(d) for d in data],
			"datasets": [{"name": _("Number of Complaints"), "values": [d["complaints"] for d in data]}],
		},
		"type": "bar",
	}


def summary(groups: list[dict], base: str, homes: int, months: int) -> list[dict]:
	"""Totals over the period (repeat complainants over all groups: a person counts once)."""
	complaints = sum(g["complaints"] for g in groups)
	judged = sum(g["hotline_judged"] for g in groups)
	person, join = person_sql()
	repeats = frappe.db.sql(
		f"""select count(*) from (
			select {person} as person from ({base}) t
			{join}
			group by person having person is not null and count(*) > 1
		) x"""
	)[0][0]
	repeats = int(repeats or 0)
	if not join and complaints < analysis.MIN_GROUP_FOR_PERSONS:
		repeats = None  # too few complaints to say anything per person (see analysis.hide_small_groups)
	return [
		{"label": _("Number of Complaints"), "value": complaints, "indicator": "Blue"},
		{"label": _("Open Complaints"), "value": sum(g["open"] for g in groups), "indicator": "Orange"},
		{
			"label": _("Reopen Rate %"),
			"value": rate(sum(g["reopened"] for g in groups), complaints),
			"indicator": "Red",
			"datatype": "Percent",
		},
		{"label": _("Repeat Complainants"), "value": repeats, "indicator": "Red"},
		{
			"label": _("Hotline Replies on Time %"),
			"value": rate(sum(g["hotline_in_time"] for g in groups), judged) if judged else None,
			"indicator": "Green",
			"datatype": "Percent",
		},
		{
			"label": _("Complaints per 100 Households per Month"),
			"value": per_100_households(complaints, homes, months) if homes else None,
			"indicator": "Blue",
		},
	]
