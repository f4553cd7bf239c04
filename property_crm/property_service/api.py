"""Whitelisted methods of the resident portal. Each one decides the resident from the session and
touches only the fields a resident may set: never status, priority, SLA, assignee or charges. Which
orders a resident reaches (cancel, rate, photo) is `resident_requests.order_of_resident`: the occupancy-period rule
of `property_households.rules.occupancy_periods`, as on the pages."""

import frappe
from frappe import _
from frappe.utils import cint

from property_crm import uploads
from property_crm.property_households import resident_portal as portal
from property_crm.property_service import orders, resident_requests
from property_crm.rate_limits import limited


@frappe.whitelist(methods=["POST"])
@limited("service_request")
def submit_request(unit: str, service_category: str, subject: str, description: str | None = None,
	preferred_time: str | None = None) -> str:  # fmt: skip
	resident = portal.current_resident()
	# only where one lives today; a former home's orders stay readable (their own) but take no new ones
	if unit not in {u.name for u in portal.my_units(resident)}:
		raise frappe.PermissionError(_("You can only file requests for your own home."))
	if not frappe.db.exists("Service Category", {"name": service_category, "is_group": 0}):
		frappe.throw(_("Category: choose a service category."), title=_("Please correct this value"))
	if not (subject or "").strip():
		frappe.throw(_("Subject: say briefly what is wrong."), title=_("Please correct this value"))
	# the photo is judged (and re-encoded) before anything is written: a refused one leaves no order behind
	upload = frappe.request.files.get("photo") if frappe.request and frappe.request.files else None
	picture = uploads.clean_upload(upload) if upload else None
	order = frappe.get_doc(
		{
			"doctype": "Service Order",
			"unit": unit,
			"requester": resident,
			"service_category": service_category,
			"subject": subject.strip()[:140],
			"description": frappe.utils.escape_html(description or ""),
			"preferred_time": preferred_time or None,
			"channel": "Portal",
		}
	)
	# Safe: the resident was checked to live in `unit` above and sets only the request's own fields.
	order.insert(ignore_permissions=True)
	if picture:
		# Safe: a clean picture, private, attached to the order the resident has just filed.
		uploads.attach_picture(order, "photo", picture)
	return order.name


@frappe.whitelist(methods=["POST"])
@limited("portal_action")
def cancel_request(name: str) -> str:
	order = resident_requests.order_of_resident(name, portal.current_resident())
	if order.status not in resident_requests.OPEN_FOR_CANCEL:
		frappe.throw(
			_(
				"This request has already been dispatched and can no longer be cancelled here. Please call the service desk."
			),
			title=_("Too late to cancel"),
		)
	order.status = "Cancelled"
	# Safe: the resident's own order (checked above), still before dispatch; only the status changes.
	order.flags.ignore_permissions = True
	order.flags.resident_cancellation = True
	order.save()
	order.add_comment("Info", _("Cancelled by the resident on the portal."))
	return order.status


@frappe.whitelist(methods=["POST"])
@limited("portal_action")
def rate_request(name: str, rating: int, reasons: str | None = None, comment: str | None = None) -> int:
	order = resident_requests.order_of_resident(name, portal.current_resident())
	rating = cint(rating)
	if not 1 <= rating <= 5:
		frappe.throw(_("Rating (1–5): give 1 to 5 stars."), title=_("Please correct this value"))
	orders.apply_rating(
		order, rating, frappe.utils.escape_html(reasons or ""), frappe.utils.escape_html(comment or "")
	)
	return rating


@frappe.whitelist()
def photo(name: str, field: str = "photo") -> None:
	"""The order's private photo, for the resident whose home it is (or staff who may read the order)."""
	if field not in ("photo", "completion_photo"):
		raise frappe.PermissionError
	resident = portal.current_resident(required=False)
	order = (
		resident_requests.order_of_resident(name, resident)
		if resident
		else frappe.get_doc("Service Order", name)
	)
	if not resident:
		order.check_permission("read")
	url = order.get(field)
	if not url:
		raise frappe.DoesNotExistError
	uploads.serve_picture(url, "Service Order", order.name)
