"""Frappe's test runner (`bench run-tests`) makes "test records" for every doctype a tested doctype links
to, recursively, from the linked doctypes' own test modules. Through Company that walk reaches ERPNext
doctypes whose links name apps that are not installed (Payment Gateway) and stops before any test runs.

Our tests make their own records with `factories`, so each doctype test module tells the runner to skip
the walk: `test_ignore = linked_doctypes("Service Order")`."""

import frappe


def linked_doctypes(doctype: str) -> list[str]:
	"""Every doctype a Link field of `doctype` or of its child tables points at (custom fields too)."""
	meta = frappe.get_meta(doctype)
	fields = list(meta.get_link_fields())
	for table in meta.get_table_fields():
		fields += frappe.get_meta(table.options).get_link_fields()
	return sorted({field.options for field in fields if field.options} - {doctype})
