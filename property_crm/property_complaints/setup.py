"""Defaults a new site starts with for complaints (categories and root causes), made once (on install,
or by a patch on sites installed before them) and never again: staff may rename, edit or delete them."""

import frappe

from property_crm.property_complaints import service_levels
from property_crm.property_complaints.rules.complaint import ROOT_CAUSES
from property_crm.property_complaints.rules.defaults import complaint_category_rows


def install_complaint_defaults() -> int:
	"""The default Complaint Categories and Root Causes, where one of that name does not exist yet."""
	made = 0
	for row in complaint_category_rows():
		if not frappe.db.exists("Complaint Category", row["category_name"]):
			# Safe: install/patch setup code, not a user request.
			frappe.get_doc({"doctype": "Complaint Category"} | row).insert(ignore_permissions=True)
			made += 1
	for cause, _zh in ROOT_CAUSES:
		if not frappe.db.exists("Complaint Root Cause", cause):
			frappe.get_doc({"doctype": "Complaint Root Cause", "root_cause": cause}).insert(
				ignore_permissions=True
			)
			made += 1
	return made


def after_install() -> None:
	"""`after_install` hook (after the service module's, whose holiday list the agreements use)."""
	after_migrate()
	install_complaint_defaults()


def after_migrate() -> None:
	service_levels.install_defaults()
