"""Whitelisted methods of the bulk meter-reading screen (抄表录入) on the Property Building form and the
Property Meter Reading list: the building's sheet for a meter and month, and saving it all or nothing
(`property_fees.meter_entry`; permissions are checked there, on the building and on every reading saved)."""

import frappe
from frappe import _

from property_crm.property_fees import meter_entry
from property_crm.validation import json_argument


@frappe.whitelist()
def building_sheet(building: str, meter_type: str, period: str) -> dict:
	return meter_entry.building_sheet(building, meter_type, period)


@frappe.whitelist(methods=["POST"])
def save_building_readings(
	building: str, meter_type: str, period: str, rows: str | list, reading_date: str | None = None
) -> dict:
	"""`rows`: a JSON list of {unit, current_reading, meter_no, meter_change, old_meter_final_reading,
	rollover, meter_digits}; rows with an empty current reading are skipped."""
	rows = json_argument(rows, "Rows")
	return meter_entry.save_building_readings(building, meter_type, period, rows, reading_date)
