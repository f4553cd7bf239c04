"""The resident's bills on the portal shell: /property/bills and /property/bills/<invoice>."""

import frappe
from frappe import _
from frappe.utils import cint

from property_crm.property_fees import bills
from property_crm.property_households import resident_portal as portal


def bill_list():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	reach = portal.reach_of(resident, units)
	customer = frappe.db.get_value("Property Owner", resident, "customer")
	page = max(1, cint(frappe.form_dict.get("page") or 1))
	rows = bills.bills_of(reach, customer, (page - 1) * bills.PAGE_SIZE, bills.PAGE_SIZE + 1)
	owed = bills.owed_by_unit(reach, customer)
	return "bills.html", {
		"title": _("My Bills"),
		"bills": rows[: bills.PAGE_SIZE],
		"has_more": len(rows) > bills.PAGE_SIZE,
		"page": page,
		"units": [{"name": name, "owed": owed.get(name, 0.0)} for name in reach.units],
		"outstanding": bills.outstanding_amount(resident, customer),
		"can_pay": bills.can_pay_online(),
		"parents": [{"route": "/property", "title": _("My Home")}],
	}


def bill(name: str):
	resident = portal.current_resident()
	reach = portal.reach_of(resident)
	customer = frappe.db.get_value("Property Owner", resident, "customer")
	try:
		head, lines, payments = bills.bill_of(name, reach, customer)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	return "bill.html", {
		"title": _("Bill {0}").format(head.name),
		"bill": head,
		"lines": lines,
		"payments": payments,
		"pay_online": head.owed > 0 and bills.can_pay_online(),
		"parents": [
			{"route": "/property", "title": _("My Home")},
			{"route": "/property/bills", "title": _("My Bills")},
		],
	}


def home_section(resident: str, units: list, reach, owner) -> dict:
	"""What the resident owes, on their home page (`portal_home` hook)."""
	return {"outstanding": bills.outstanding_amount(resident, owner.customer)}
