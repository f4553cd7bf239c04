"""Whitelisted methods of the portal's care pages: event sign-up and the resident's own profile. Each
decides the resident from the session; events only of the estates where they live today."""

import frappe
from frappe.utils import cint

from property_crm.property_care import profile
from property_crm.property_care import resident_care as portal_care
from property_crm.property_households import resident_portal as portal
from property_crm.rate_limits import limited


@frappe.whitelist(methods=["POST"])
@limited("portal_action")
def sign_up(event: str, attendees: int = 1) -> str:
	resident = portal.current_resident()
	return portal_care.sign_up(event, resident, portal.my_units(resident), cint(attendees))


@frappe.whitelist(methods=["POST"])
@limited("portal_action")
def cancel_sign_up(event: str) -> None:
	resident = portal.current_resident()
	portal_care.cancel_sign_up(event, resident, portal.my_units(resident))


@frappe.whitelist(methods=["POST"])
@limited("profile_change")
def update_profile(
	mobile: str | None = None,
	email: str | None = None,
	vehicles: str | list | None = None,
	family_members: str | list | None = None,
) -> dict:
	"""The resident's own contact details, vehicles and family: what they send is validated in full first;
	vehicles and family apply at once, mobile and e-mail wait for staff."""
	resident = portal.current_resident()
	data = {
		key: value
		for key, value in (
			("mobile", mobile),
			("email", email),
			("vehicles", vehicles),
			("family_members", family_members),
		)
		if value is not None
	}
	names = profile.request_changes(resident, data, frappe.session.user)
	pending = frappe.get_all(
		"Property Profile Change", filters={"name": ("in", names or [""]), "status": "Pending"}, pluck="field"
	)
	return {"changes": names, "pending": pending}
