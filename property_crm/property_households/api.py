"""Whitelisted actions on a resident file (Property Owner)."""

import frappe

from property_crm.property_households import accounts


def _writable_owner(owner: str):
	doc = frappe.get_doc("Property Owner", owner)
	doc.check_permission("write")
	return doc


@frappe.whitelist(methods=["POST"])
def make_customer(owner: str) -> str:
	"""Link the resident to an ERPNext Customer (created on first use) and a Contact."""
	return accounts.ensure_customer(_writable_owner(owner))


@frappe.whitelist(methods=["POST"])
def make_portal_user(owner: str) -> str:
	"""Create (or link) the resident's portal User with the Property Resident role."""
	return accounts.ensure_portal_user(_writable_owner(owner))
