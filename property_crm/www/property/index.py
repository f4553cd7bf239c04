import frappe
from frappe import _

from property_crm.services import portal

no_cache = 1


def get_context(context):
	resident = portal.current_resident()
	units = portal.my_units(resident)
	reach = portal.reach_of(resident, units)  # own orders, and the units' since moving in
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("My Home")
	context.resident_name = frappe.db.get_value("Property Owner", resident, "full_name")
	context.units = units
	context.counts = portal.counts_of(reach)
	context.open_orders = portal.orders_of(reach, page_length=5, status="open")
	context.to_rate = portal.orders_to_rate(reach)
	context.outstanding = portal.outstanding_amount(resident)
	return context
