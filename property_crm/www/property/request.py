import frappe
from frappe import _

from property_crm.services import portal

no_cache = 1


def get_context(context):
	resident = portal.current_resident()
	name = frappe.form_dict.get("name") or ""
	try:
		order = portal.order_of_resident(name, resident)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	context.no_cache = 1
	context.show_sidebar = False
	context.title = order.subject
	context.order = order
	context.history = portal.status_history(order.name)
	context.can_cancel = order.status in portal.OPEN_FOR_CANCEL
	context.can_rate = order.status in ("Completed", "Closed") and not order.rating
	context.reasons = [
		_("On time"),
		_("Friendly"),
		_("Clean work"),
		_("Problem solved"),
		_("Too slow"),
		_("Not fixed"),
	]
	context.parents = [
		{"route": "/property", "title": _("My Home")},
		{"route": "/property/requests", "title": _("My Requests")},
	]
	return context
