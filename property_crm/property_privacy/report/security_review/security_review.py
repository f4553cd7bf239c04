"""Security Review: each enabled user's roles and estates and the personal data they may export, dormant
accounts that still have access, portal logins of residents who moved out, staff without a current
confidentiality agreement — each finding with its fix (disable the user, remove a role) as a button
(property_privacy.security_review). A Property Manager reviews his estates' staff and residents; a System
Manager everyone."""

import json

import frappe
from frappe import _

from property_crm.property_privacy import security_review as review
from property_crm.validation import report_filters


def execute(filters=None):
	filters = report_filters(filters)
	rows = review.review_rows()
	if filters.get("finding"):
		rows = [row for row in rows if filters.finding in row["findings"]]
	elif not filters.get("show_all"):
		rows = [row for row in rows if row["findings"] or row["may_export"]]
	for row in rows:
		row["finding_list"] = list(row["findings"])
		row["findings"] = ", ".join(_(f) for f in row["findings"])
		row["kind"] = _(row["kind"])
		row["actions"] = json.dumps(row["actions"])
	summary = [
		{
			"label": _(finding),
			"value": sum(finding in row["finding_list"] for row in rows),
			"indicator": "red" if any(finding in row["finding_list"] for row in rows) else "green",
		}
		for finding in review.FINDINGS
	]
	for row in rows:
		row.pop("finding_list")
	return columns(), rows, None, None, summary


def columns():
	return [
		{"fieldname": "user", "label": _("User"), "fieldtype": "Data", "width": 220},
		{"fieldname": "full_name", "label": _("Full Name"), "fieldtype": "Data", "width": 120},
		{"fieldname": "kind", "label": _("Kind"), "fieldtype": "Data", "width": 80},
		{"fieldname": "roles", "label": _("Roles"), "fieldtype": "Data", "width": 220},
		{"fieldname": "estates", "label": _("Estates"), "fieldtype": "Data", "width": 120},
		{"fieldname": "may_export", "label": _("May Export"), "fieldtype": "Data", "width": 200},
		{"fieldname": "last_login", "label": _("Last Login"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "findings", "label": _("Findings"), "fieldtype": "Data", "width": 200},
		{"fieldname": "actions", "label": _("Fix"), "fieldtype": "Data", "width": 260},
	]
