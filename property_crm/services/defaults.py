"""Defaults a new site starts with. Made once (on install, or by a patch on sites installed before
them) and never again: staff may rename, edit or delete them, and a migrate keeps their edits."""

import frappe

from property_crm.domain.defaults import category_rows


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


def install_complaint_defaults() -> int:
	"""The default Complaint Categories and Root Causes, where one of that name does not exist yet."""
	from property_crm.domain.complaint import ROOT_CAUSES
	from property_crm.domain.defaults import complaint_category_rows

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
