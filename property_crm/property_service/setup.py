"""Defaults a new site starts with. Made once (on install, or by a patch on sites installed before
them) and never again: staff may rename, edit or delete them, and a migrate keeps their edits."""

import frappe

from property_crm.property_service import service_levels
from property_crm.property_service.rules.defaults import category_rows


def install_categories() -> int:
	"""The default Service Category tree, where a category of that name does not exist yet."""
	made = 0
	for row in category_rows():
		if frappe.db.exists("Service Category", row["category_name"]):
			continue
		# Safe: called by install/patch as Administrator-equivalent setup code, not by a user request.
		frappe.get_doc({"doctype": "Service Category"} | row).insert(ignore_permissions=True)
		made += 1
	return made


def set_default_email_category(category: str = "Other Requests") -> None:
	"""E-mailed requests start in "Other Requests" until customer service files them properly."""
	if not frappe.db.get_single_value("Property CRM Settings", "email_default_category") and frappe.db.exists(
		"Service Category", {"name": category, "is_group": 0}
	):
		frappe.db.set_single_value("Property CRM Settings", "email_default_category", category)


def after_install() -> None:
	"""`after_install` hook: the agreements, then the categories (made once; staff edit them)."""
	after_migrate()
	install_categories()
	set_default_email_category()


def after_migrate() -> None:
	"""`after_migrate` hook: priorities, the holiday list and the standard agreement."""
	service_levels.install_defaults()
