"""Invoices made before Sales Invoice had a unit and a building: each gets the unit every one of its lines
bills and the building all those units are in (none for several), as `property_fees.billing.set_invoice_unit` sets
them on each invoice since."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from property_crm.install import CUSTOM_FIELDS


def execute():
	# the columns, before `after_migrate` makes the custom fields
	create_custom_fields({"Sales Invoice": CUSTOM_FIELDS["Sales Invoice"]}, update=True)
	frappe.db.sql(
		"""update `tabSales Invoice` si
		join (
			select it.parent, min(it.property_unit) as unit, count(distinct it.property_unit) as units,
				min(u.building) as building, count(distinct u.building) as buildings
			from `tabSales Invoice Item` it
			left join `tabProperty Unit` u on u.name = it.property_unit
			where it.parenttype = 'Sales Invoice'
			group by it.parent
			having count(*) = count(u.name)
		) one on one.parent = si.name
		set si.property_unit = if(one.units = 1, one.unit, null),
			si.property_building = if(one.buildings = 1, one.building, null)
		where si.property_unit is null and si.property_building is null"""
	)
