"""The resident portal's home page (/property): the resident's units, and what each module adds to it
through the `portal_home` hook (open requests, complaints, surveys waiting, what is owed)."""

import frappe
from frappe import _

from property_crm.property_households import resident_portal as portal


def home():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	reach = portal.reach_of(resident, units)  # own records, and the units' since moving in
	owner = frappe.db.get_value("Property Owner", resident, ["full_name", "customer"], as_dict=True)
	context = {"title": _("My Home"), "resident_name": owner.full_name, "units": units}
	for method in frappe.get_hooks("portal_home"):
		context.update(frappe.get_attr(method)(resident, units, reach, owner))
	return "home.html", context
