"""Whitelisted methods of the portal shell itself."""

import frappe

from property_crm.portal.shell import LANGUAGES, match
from property_crm.rate_limits import limited


@frappe.whitelist(methods=["POST"])
@limited("language")
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
	frappe.local.response["location"] = portal_path(redirect_to)


def portal_path(path) -> str:
	"""Where the switch may send the browser back to: a page of the portal on this site, given as a path
	(no scheme, host, `//`, backslash or control character: no open redirect, no header injection)."""
	if (
		isinstance(path, str)
		and path.startswith(("/property", "/field"))  # the residents' pages, the field staff's
		and path.isascii()
		and path.isprintable()
		and "\\" not in path
		and "//" not in path
		and match(path)
	):
		return path
	return "/property"
