import frappe

from property_crm.property_service.setup import install_categories, set_default_email_category


def execute():
	"""Sites installed before the default categories existed get them once, if they have none."""
	if not frappe.db.count("Service Category"):
		install_categories()
	set_default_email_category()
