"""`frappe.desk.query_report.run` (override_whitelisted_methods): the door of every script report, Frappe's
own included. Frappe decodes the filters with `json.loads` in several places, so broken JSON (or a list where a
record is expected) answered with a 500; here it is a translated ValidationError (HTTP 417) before Frappe is
called. The report is always run as the signed-in user (Frappe would take a `user` sent by the client for its
filter permission check), and unsaved custom columns (which the desk never sends to this method) are not
taken from the client. Each of our reports checks its filters' types itself (`validation.report_filters`)."""

import frappe
from frappe.desk import query_report

from property_crm.validation import json_argument


@frappe.whitelist()
@frappe.read_only()
def run(
	report_name: str,
	filters: str | dict | None = None,
	ignore_prepared_report: bool | int | str = False,
	is_tree: bool | int | str = False,
	parent_field: str | None = None,
	are_default_filters: bool | int | str = True,
):
	if isinstance(filters, str):
		filters = json_argument(filters, "Filters", dict) if filters.strip() else None
	return query_report.run(
		report_name,
		filters,
		ignore_prepared_report=ignore_prepared_report,
		is_tree=is_tree,
		parent_field=parent_field,
		are_default_filters=are_default_filters,
	)
