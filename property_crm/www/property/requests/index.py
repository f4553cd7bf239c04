from frappe import _
from frappe.utils import cint

from property_crm.services import portal

no_cache = 1


def get_context(context):
	import frappe

	resident = portal.current_resident()
	reach = portal.reach_of(resident)  # own orders, and the units' since moving in
	page = max(1, cint(frappe.form_dict.get("page") or 1))
	status = "open" if frappe.form_dict.get("status") == "open" else None
	rows = portal.orders_of(
		reach, start=(page - 1) * portal.PAGE_SIZE, page_length=portal.PAGE_SIZE + 1, status=status
	)
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("My Requests")
	context.orders = rows[: portal.PAGE_SIZE]
	context.has_more = len(rows) > portal.PAGE_SIZE
	context.page = page
	context.status = status
	context.parents = [{"route": "/property", "title": _("My Home")}]
	return context
