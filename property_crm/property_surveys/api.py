"""Whitelisted survey methods for residents (portal and e-mailed link)."""

import frappe

from property_crm.property_surveys import resident_surveys as portal_surveys
from property_crm.rate_limits import limited


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limited("survey_answer")
def submit_answers(answers: str, invitation: str | None = None, token: str | None = None) -> dict:
	"""Guests only with a valid token (signed, unused, in time, its own invitation); residents with their
	own invitation. Checks are in `property_surveys.resident_surveys.submit`."""
	if frappe.session.user == "Guest" and not token:
		raise frappe.PermissionError
	return portal_surveys.submit(answers, invitation=invitation, token=token)
