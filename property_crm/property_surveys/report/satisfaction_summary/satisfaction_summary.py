"""Satisfaction Summary: CSAT, NPS, overall and dimension scores by estate, building, month, technician,
category or campaign; response rate; the change against the previous period of the same length;
follow-ups opened and closed; anonymous campaigns' low answers counted per estate (never a person).

Scores are pre-computed on each response when it is saved, so everything here is a few grouped SQL
aggregates (one for the period, one for the previous period, one for dimensions, one for invitations),
restricted to the user's estates."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import flt, getdate, nowdate

from property_crm.permissions import allowed_estates
from property_crm.property_surveys.rules import survey as rules
from property_crm.validation import report_filters

# group keys: fixed SQL expressions (never user input)
GROUPS = {
	"Estate": ("r.estate", "Link", "Property Estate", "estate"),
	"Building": ("r.building", "Link", "Property Building", "building"),
	"Month": ("date_format(r.submitted_on, '%%Y-%%m')", "Data", None, None),
	"Technician": ("r.technician", "Link", "User", None),
	"Category": ("r.category", "Data", None, None),
	"Campaign": ("r.campaign", "Link", "Survey Campaign", "campaign"),
}


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	group_by = filters.group_by if filters.group_by in GROUPS else "Estate"
	to_date = getdate(filters.to_date or nowdate())
	from_date = getdate(filters.from_date or (to_date - timedelta(days=89)))
	length = (to_date - from_date).days + 1
	previous = (from_date - timedelta(days=length), from_date - timedelta(days=1))
	threshold = flt(frappe.get_cached_doc("Property CRM Settings").survey_follow_up_below) or 60
	current = aggregate(group_by, from_date, to_date, filters, threshold)
	before = {row.grp: row for row in aggregate(group_by, *previous, filters, threshold)}
	dimensions = dimension_scores(group_by, from_date, to_date, filters)
	invitations = invitation_counts(group_by, from_date, to_date, filters)
	names = sorted({d for per in dimensions.values() for d in per})
	data = []
	for row in current:
		prior = before.get(row.grp) or frappe._dict()
		out = figures(row)
		out.update(
			group=row.grp or (_("Anonymous") if group_by in ("Building", "Technician") else _("Not set")),
			previous_csat=figures(prior).get("csat") if prior else None,
			previous_nps=figures(prior).get("nps") if prior else None,
		)
		out["csat_change"] = rules.change(out["csat"], out["previous_csat"])
		out["nps_change"] = rules.change(out["nps"], out["previous_nps"])
		invited = invitations.get(row.grp) if invitations is not None else None
		out["invitations"] = invited
		out["response_rate"] = rules.rate(row.responses, invited) if invited else None
		for name in names:
			out[scrub(name)] = dimensions.get(row.grp, {}).get(name)
		data.append(out)
	totals = figures(sum_rows(current))
	totals_before = figures(sum_rows(list(before.values())))
	return (
		columns(group_by, names),
		data,
		None,
		chart(data, group_by),
		summary(totals, totals_before),
	)


def scrub(name: str) -> str:
	return "dim_" + frappe.scrub(name)


def where(filters, alias: str = "r") -> tuple[str, dict]:
	conditions, values = [], {}
	if filters.estate:
		conditions.append(f"{alias}.estate = %(estate)s")
		values["estate"] = filters.estate
	if filters.campaign:
		conditions.append(f"{alias}.campaign = %(campaign)s")
		values["campaign"] = filters.campaign
	if filters.kind:
		conditions.append(
			f"{alias}.campaign in (select c.name from `tabSurvey Campaign` c where c.kind = %(kind)s)"
		)
		values["kind"] = filters.kind
	estates = allowed_estates(frappe.session.user, "Survey Response")
	if estates is not None:
		conditions.append(f"{alias}.estate in %(allowed)s")
		values["allowed"] = tuple(estates)
	return "".join(f" and {c}" for c in conditions), values


def aggregate(group_by, from_date, to_date, filters, threshold) -> list:
	key = GROUPS[group_by][0]
	extra, values = where(filters)
	return frappe.db.sql(
		f"""select {key} as grp, count(*) as responses,
			sum(r.ratings_count) as ratings, sum(r.satisfied_ratings) as satisfied,
			sum(r.nps_class = 'Promoter') as promoters, sum(r.nps_class = 'Detractor') as detractors,
			sum(r.nps_class in ('Promoter', 'Passive', 'Detractor')) as nps_answered,
			sum(case when r.has_score = 1 then r.overall_score else 0 end) as score_sum,
			sum(r.has_score) as scored,
			sum(r.follow_up is not null) as follow_ups,
			sum(rv.status in ('Done', 'Not Needed')) as follow_ups_closed,
			sum(r.is_anonymous = 1
				and ((r.has_score = 1 and r.overall_score < %(threshold)s) or r.nps_class = 'Detractor'))
				as anonymous_low
		from `tabSurvey Response` r
		left join `tabReturn Visit` rv on rv.name = r.follow_up
		where r.submitted_on >= %(from)s and r.submitted_on < %(to)s {extra}
		group by grp
		order by grp""",
		{"from": from_date, "to": getdate(to_date) + timedelta(days=1), "threshold": threshold} | values,
		as_dict=True,
	)


def dimension_scores(group_by, from_date, to_date, filters) -> dict:
	key = GROUPS[group_by][0]
	extra, values = where(filters)
	out: dict = {}
	# the dimension rows carry the response's estate, building, campaign, category, technician and time
	# (`property_surveys.surveys.apply_scores`): one table, no join ("r" stands for the row here)
	for row in frappe.db.sql(
		f"""select {key} as grp, r.dimension, avg(r.score) as score
		from `tabSurvey Response Dimension` r
		where r.parenttype = 'Survey Response' and r.submitted_on >= %(from)s and r.submitted_on < %(to)s {extra}
		group by grp, r.dimension""",
		{"from": from_date, "to": getdate(to_date) + timedelta(days=1)} | values,
		as_dict=True,
	):
		out.setdefault(row.grp, {})[row.dimension] = round(flt(row.score), 1)
	return out


def invitation_counts(group_by, from_date, to_date, filters) -> dict | None:
	"""Invitations made in the period, where the grouping exists on invitations too."""
	column = GROUPS[group_by][3]
	if not column:
		return None
	extra, values = where(filters, alias="i")
	return {
		row[0]: row[1]
		for row in frappe.db.sql(
			f"""select i.{column}, count(*) from `tabSurvey Invitation` i
			where i.creation >= %(from)s and i.creation < %(to)s {extra}
			group by i.{column}""",
			{"from": from_date, "to": getdate(to_date) + timedelta(days=1)} | values,
		)
	}


def sum_rows(rows) -> frappe._dict:
	total = frappe._dict()
	for row in rows:
		for key, value in row.items():
			if key != "grp":
				total[key] = (total.get(key) or 0) + flt(value)
	return total


def figures(row) -> dict:
	if not row:
		return {}
	scored = flt(row.scored)
	return {
		"responses": int(row.responses or 0),
		"csat": rules.csat(int(row.satisfied or 0), int(row.ratings or 0)),
		"nps": rules.nps(int(row.promoters or 0), int(row.detractors or 0), int(row.nps_answered or 0)),
		"overall": round(flt(row.score_sum) / scored, 1) if scored else None,
		"follow_ups": int(row.follow_ups or 0),
		"follow_ups_closed": int(row.follow_ups_closed or 0),
		"anonymous_low": int(row.anonymous_low or 0),
	}


def columns(group_by, dimensions) -> list[dict]:
	_key, fieldtype, options, _column = GROUPS[group_by]
	out = [
		{
			"fieldname": "group",
			"label": _(group_by),
			"fieldtype": fieldtype,
			"options": options,
			"width": 170,
		},
		{"fieldname": "responses", "label": _("Responses"), "fieldtype": "Int", "width": 100},
		{"fieldname": "invitations", "label": _("Invitations"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "response_rate",
			"label": _("Response Rate %"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 120,
		},
		{"fieldname": "csat", "label": _("CSAT %"), "fieldtype": "Float", "precision": 1, "width": 90},
		{
			"fieldname": "csat_change",
			"label": _("CSAT Change"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
		{"fieldname": "nps", "label": _("NPS"), "fieldtype": "Float", "precision": 1, "width": 80},
		{
			"fieldname": "nps_change",
			"label": _("NPS Change"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 100,
		},
		{
			"fieldname": "overall",
			"label": _("Overall Score"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 110,
		},
	]
	out += [
		{"fieldname": scrub(d), "label": _(d), "fieldtype": "Float", "precision": 1, "width": 110}
		for d in dimensions
	]
	out += [
		{"fieldname": "follow_ups", "label": _("Follow-ups Opened"), "fieldtype": "Int", "width": 130},
		{"fieldname": "follow_ups_closed", "label": _("Follow-ups Closed"), "fieldtype": "Int", "width": 130},
		{"fieldname": "anonymous_low", "label": _("Low Anonymous Answers"), "fieldtype": "Int", "width": 150},
		{
			"fieldname": "previous_csat",
			"label": _("CSAT % (Previous Period)"),
			"fieldtype": "Float",
			"width": 150,
		},
		{
			"fieldname": "previous_nps",
			"label": _("NPS (Previous Period)"),
			"fieldtype": "Float",
			"width": 150,
		},
	]
	return out


def chart(data, group_by) -> dict | None:
	rows = data if group_by == "Month" else sorted(data, key=lambda r: -r["responses"])[:20]
	if not rows:
		return None
	return {
		"data": {
			"labels": [_(str(r["group"])) for r in rows],  # categories in the reader's language
			"datasets": [
				{"name": _("CSAT %"), "values": [r["csat"] or 0 for r in rows]},
				{"name": _("NPS"), "values": [r["nps"] or 0 for r in rows]},
			],
		},
		"type": "line" if group_by == "Month" else "bar",
		"height": 260,
	}


def summary(totals, before) -> list[dict]:
	if not totals:
		return []

	def indicator(now, then):
		change = rules.change(now, then)
		return "Green" if change and change > 0 else "Red" if change and change < 0 else "Blue"

	return [
		{"label": _("Responses"), "value": totals["responses"], "datatype": "Int", "indicator": "Blue"},
		{"label": _("CSAT %"), "value": one_decimal(totals["csat"]), "datatype": "Data",
			"indicator": indicator(totals["csat"], before.get("csat"))},
		{"label": _("NPS"), "value": one_decimal(totals["nps"]), "datatype": "Data",
			"indicator": indicator(totals["nps"], before.get("nps"))},
		{"label": _("Follow-ups Opened"), "value": totals["follow_ups"], "datatype": "Int", "indicator": "Orange"},
		{"label": _("Follow-ups Closed"), "value": totals["follow_ups_closed"], "datatype": "Int",
			"indicator": "Green"},
	]  # fmt: skip


def one_decimal(value) -> str:
	return "-" if value is None else f"{value:.1f}"


@frappe.whitelist()
def csat_card(filters: str | dict | None = None) -> str:
	"""Number card "CSAT (90 days)"."""
	return _card("csat")


@frappe.whitelist()
def nps_card(filters: str | dict | None = None) -> str:
	"""Number card "NPS (90 days)"."""
	return _card("nps")


def _card(figure: str) -> str:
	if not frappe.has_permission("Survey Response", "read"):
		raise frappe.PermissionError
	to_date = getdate(nowdate())
	row = sum_rows(aggregate("Estate", to_date - timedelta(days=89), to_date, frappe._dict(), 60))
	value = figures(row).get(figure)
	# shown as it is by the number card (a plain value is not reformatted with three decimals)
	return "-" if value is None else f"{value:.1f}%" if figure == "csat" else f"{value:+.1f}"
