"""Whitelisted methods of the portal shell itself."""

import frappe

from property_crm.portal.shell import LANGUAGES, match


@frappe.whitelist(methods=["POST"])
def set_language(language: str, redirect_to: str = "/property") -> None:
	"""The language switch: the resident's own User language (zh or en), then back to the page."""
	if frappe.session.user == "Guest":
		raise frappe.PermissionError
	if language not in {code for code, _label in LANGUAGES}:
		frappe.throw(frappe._("Choose Chinese or English."), title=frappe._("Please correct this value"))
	# Safe: the signed-in user's own language preference, one of two allowed values.
	frappe.db.set_value("User", frappe.session.user, "language", language)
	frappe.clear_document_cache("User", frappe.session.user)
	frappe.local.response["type"] = "redirect"
	# only back to a portal page (no open redirect)
	frappe.local.response["location"] = redirect_to if match(redirect_to or "") else "/property"
