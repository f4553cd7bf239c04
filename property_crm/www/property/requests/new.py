import frappe
from frappe import _

from property_crm.services import portal

no_cache = 1


def get_context(context):
	resident = portal.current_resident()
	units = portal.my_units(resident)
	wanted = frappe.form_dict.get("unit")
	context.no_cache = 1
	context.show_sidebar = False
	context.title = _("New Request")
	context.units = units
	context.selected_unit = (
		wanted if wanted in {u.name for u in units} else (units[0].name if len(units) == 1 else None)
	)
	# a QR sticker of someone else's home opens nothing of it
	context.foreign_unit = bool(wanted) and wanted not in {u.name for u in units}
	context.categories = frappe.get_all(
		"Service Category", filters={"is_group": 0}, fields=["name", "parent_category"], order_by="name asc"
	)
	context.parents = [
		{"route": "/property", "title": _("My Home")},
		{"route": "/property/requests", "title": _("My Requests")},
	]
	return context
