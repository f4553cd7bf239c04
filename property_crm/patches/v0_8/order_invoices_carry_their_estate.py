"""Invoices made from service orders before they carried the order's estate and unit (issue 18): each gets the
estate of its order, its lines the order's unit, and the invoice that unit and its building, as
`property_service.orders.make_sales_invoice` sets them since. Estate isolation reads the estate."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabSales Invoice` si
		join `tabService Order` so on so.name = si.service_order
		set si.property_estate = so.estate
		where ifnull(si.property_estate, '') = '' and so.estate is not null"""
	)
	frappe.db.sql(
		"""update `tabSales Invoice Item` it
		join `tabSales Invoice` si on si.name = it.parent and it.parenttype = 'Sales Invoice'
		join `tabService Order` so on so.name = si.service_order
		set it.property_unit = so.unit
		where ifnull(it.property_unit, '') = '' and so.unit is not null"""
	)
	frappe.db.sql(
		"""update `tabSales Invoice` si
		join `tabService Order` so on so.name = si.service_order
		set si.property_unit = so.unit, si.property_building = so.building
		where ifnull(si.property_unit, '') = '' and so.unit is not null"""
	)
