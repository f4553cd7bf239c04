"""The requests pages of the resident portal: each returns (template, context). Every read goes through
`resident_requests`, which decides a resident's reach on the server."""

import frappe
from frappe import _
from frappe.utils import cint
from frappe.utils.html_utils import sanitize_html

from property_crm.property_households import resident_portal as portal
from property_crm.property_service import resident_requests

RATING_REASONS = ("On time", "Friendly", "Clean work", "Problem solved", "Too slow", "Not fixed")


def home_section(resident: str, units: list, reach, owner) -> dict:
	"""The requests part of the resident's home page (`portal_home` hook): counts, open ones, to rate."""
	return {
		"counts": resident_requests.counts_of(reach),
		"open_orders": resident_requests.orders_of(reach, page_length=5, status="open"),
		"to_rate": resident_requests.orders_to_rate(reach),
	}


def requests():
	resident = portal.current_resident()
	reach = portal.reach_of(resident)  # own orders, and the units' since moving in
	page = max(1, cint(frappe.form_dict.get("page") or 1))
	status = "open" if frappe.form_dict.get("status") == "open" else None
	rows = resident_requests.orders_of(
		reach, start=(page - 1) * portal.PAGE_SIZE, page_length=portal.PAGE_SIZE + 1, status=status
	)
	return "requests.html", {
		"title": _("My Requests"),
		"orders": rows[: portal.PAGE_SIZE],
		"has_more": len(rows) > portal.PAGE_SIZE,
		"page": page,
		"status": status,
		"parents": [{"route": "/property", "title": _("My Home")}],
	}


def new_request():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	names = {u.name for u in units}
	wanted = frappe.form_dict.get("unit")
	return "new_request.html", {
		"title": _("New Request"),
		"units": units,
		"selected_unit": wanted if wanted in names else (units[0].name if len(units) == 1 else None),
		# a QR sticker of someone else's home opens nothing of it
		"foreign_unit": bool(wanted) and wanted not in names,
		"categories": frappe.get_all(
			"Service Category",
			filters={"is_group": 0},
			fields=["name", "parent_category"],
			order_by="name asc",
		),
		"parents": [
			{"route": "/property", "title": _("My Home")},
			{"route": "/property/requests", "title": _("My Requests")},
		],
	}


def request(name: str):
	resident = portal.current_resident()
	try:
		order = resident_requests.order_of_resident(name, resident)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	# a category with a post-service survey asks its questions instead of the plain rating (the surveys
	# module answers through the `order_survey` hook)
	survey = None
	for method in frappe.get_hooks("order_survey"):
		survey = frappe.get_attr(method)(order.name, resident)
	return "request.html", {
		"title": order.subject,
		"order": order,
		# Text Editor content (desk, e-mail): sanitised again before it is shown as HTML
		"description_html": sanitize_html(order.description or ""),
		"history": portal.status_history(order.name),
		"can_cancel": order.status in resident_requests.OPEN_FOR_CANCEL,
		"can_rate": order.status in ("Completed", "Closed") and not order.rating and not survey,
		"survey": survey,
		"reasons": [_(reason) for reason in RATING_REASONS],
		"parents": [
			{"route": "/property", "title": _("My Home")},
			{"route": "/property/requests", "title": _("My Requests")},
		],
	}
