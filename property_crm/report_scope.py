"""ERPNext's Accounts Receivable (and its Summary) read the Payment Ledger with Frappe's user permissions only,
not with the query conditions that scope customers to the estates of an estate-restricted user
(`permissions.py`). For such a user, the report's doors — run, export, prepared report — get a `party` filter
of the customers the user may list (intersected with any the user asked for), so the rows, totals, ageing
buckets and chart all come from those customers alone. Unrestricted users are not touched.
"""

import json

import frappe

from property_crm.permissions import allowed_estates

PARTY_REPORTS = frozenset(("Accounts Receivable", "Accounts Receivable Summary"))
DOORS = frozenset(
	(
		"frappe.desk.query_report.run",
		"frappe.desk.query_report.export_query",
		"frappe.desk.query_report.background_enqueue_run",
		"frappe.core.doctype.prepared_report.prepared_report.make_prepared_report",
	)
)
NOBODY = "\u2205"  # a party no customer is named


def scope_party_reports() -> None:
	"""`before_request` hook."""
	request = frappe.request
	if not request or not request.path.startswith("/api/method/"):
		return
	if request.path[len("/api/method/") :] not in DOORS:
		return
	if frappe.form_dict.get("report_name") not in PARTY_REPORTS:
		return
	if allowed_estates(frappe.session.user, "Customer") is None:
		return
	filters = frappe.form_dict.get("filters") or {}
	if isinstance(filters, str):
		try:
			filters = json.loads(filters) if filters.strip() else {}
		except ValueError:
			return  # the report door answers broken filters with its own 417
	if not isinstance(filters, dict):
		return
	frappe.form_dict.filters = json.dumps(scoped(filters))


def scoped(filters: dict) -> dict:
	visible = set(frappe.get_list("Customer", pluck="name", limit_page_length=0))
	asked = filters.get("party") or []
	if isinstance(asked, str):
		asked = [asked]
	party = [name for name in asked if name in visible] if asked else sorted(visible)
	return filters | {"party_type": "Customer", "party": party or [NOBODY]}
