"""Stale Files: resident files that need attention (`property_care.rules.care.stale_reasons`): not verified for N months,
no privacy consent, no or invalid contact, likely duplicates (same mobile, or same name and birth date), and
family members living there without a file of their own. Files are read with the user's permissions, so
estate restrictions apply (and duplicates are looked for among the files the user may see)."""

from collections import Counter, defaultdict

import frappe
from frappe import _
from frappe.utils import cint, getdate, today

from property_crm.property_care.rules import care as rules
from property_crm.property_households.rules.occupancy import current_occupants
from property_crm.validation import report_filters

FILE_FIELDS = [
	"name",
	"full_name",
	"mobile",
	"mobile_hash",  # likely duplicates by the same number: the column holds only its mask
	"email",
	"date_of_birth",
	"last_verified_on",
	"privacy_consent_date",
]


def execute(filters=None):
	filters = report_filters(filters, numbers=("months",))
	rows = stale_rows(filters)
	counts = Counter(reason for row in rows for reason in row["reason_list"])
	for row in rows:
		row["reasons"] = ", ".join(_(r) for r in row.pop("reason_list"))
	summary = [
		{
			"label": _(reason),
			"value": counts.get(reason, 0),
			"indicator": "orange" if counts.get(reason) else "green",
		}
		for reason in rules.STALE_REASONS
	]
	chart = {
		"data": {
			"labels": [_(r) for r in rules.STALE_REASONS],
			"datasets": [{"name": _("Files"), "values": [counts.get(r, 0) for r in rules.STALE_REASONS]}],
		},
		"type": "bar",
	}
	return columns(), rows, None, chart, summary


def columns():
	return [
		{
			"fieldname": "resident",
			"label": _("Resident"),
			"fieldtype": "Link",
			"options": "Property Owner",
			"width": 140,
		},
		{"fieldname": "full_name", "label": _("Name"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "unit",
			"label": _("Unit"),
			"fieldtype": "Link",
			"options": "Property Unit",
			"width": 120,
		},
		{"fieldname": "mobile", "label": _("Mobile"), "fieldtype": "Data", "width": 120},
		{"fieldname": "last_verified_on", "label": _("Last Verified On"), "fieldtype": "Date", "width": 110},
		{"fieldname": "reasons", "label": _("Why"), "fieldtype": "Data", "width": 280},
		{"fieldname": "duplicates", "label": _("Possible Duplicates"), "fieldtype": "Data", "width": 200},
	]


def stale_rows(filters, as_system: bool = False) -> list[dict]:
	filters = frappe._dict(filters or {})
	day = getdate(today())
	months = cint(filters.get("months")) or 12
	read = frappe.get_all if as_system else frappe.get_list
	files = read("Property Owner", fields=FILE_FIELDS, limit_page_length=0, order_by="name asc")
	homes = units_of_residents(filters.get("estate"), day)
	if filters.get("estate"):
		files = [f for f in files if f.name in homes]
	duplicates = rules.likely_duplicates(files)
	out = []
	for f in files:
		reasons = rules.stale_reasons(f, day, months)
		if f.name in duplicates:
			reasons.append(rules.STALE_DUPLICATE)
		if reasons:
			out.append(
				{"resident": f.name, "full_name": f.full_name, "unit": homes.get(f.name), "mobile": f.mobile,
					"last_verified_on": f.last_verified_on, "reason_list": reasons,
					"duplicates": ", ".join(duplicates.get(f.name, []))}
			)  # fmt: skip
	# family members living with a file's holder who have no file of their own
	names = [f.name for f in files if f.name in homes]
	if names:
		members = frappe.get_all(
			"Property Family Member",
			filters={"parenttype": "Property Owner", "parent": ("in", names)},
			fields=["parent", "member_name", "date_of_birth", "mobile"],
		)
		for m in rules.members_without_file(members, files):
			out.append(
				{"resident": m.parent, "full_name": m.member_name, "unit": homes.get(m.parent), "mobile": m.mobile,
					"last_verified_on": None, "reason_list": [rules.STALE_NO_FILE], "duplicates": ""}
			)  # fmt: skip
	if filters.get("reason"):
		out = [row for row in out if filters.reason in row["reason_list"]]
	return out


def units_of_residents(estate: str | None, day) -> dict[str, str]:
	"""Each resident living in a unit today (of `estate` when given) → the unit (one query)."""
	row = frappe.qb.DocType("Property Unit Occupant")
	unit = frappe.qb.DocType("Property Unit")
	query = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.select(row.resident, row.parent.as_("unit"), row.move_in, row.move_out)
		.where(row.parenttype == "Property Unit")
	)
	if estate:
		query = query.where(unit.estate == estate)
	out = defaultdict(str)
	for r in current_occupants(query.run(as_dict=True), day):
		out[r.resident] = out[r.resident] or r.unit
	return dict(out)
