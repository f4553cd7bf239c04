"""What the demo's steps share: naming-series counters for rows written in bulk, the units and the staff
who visit each estate."""

import frappe
from frappe.utils import getdate

from property_crm.demo.generate import orders as demo_orders


def unit_infos() -> list[demo_orders.UnitInfo]:
	primaries = {
		row.parent: row
		for row in frappe.get_all(
			"Property Unit Occupant",
			filters={"parenttype": "Property Unit", "primary_contact": 1},
			fields=["parent", "resident", "move_in"],
			limit_page_length=0,
		)
	}
	out = []
	for unit in frappe.get_all("Property Unit", fields=["name", "estate", "building"], limit_page_length=0):
		primary = primaries.get(unit.name)
		out.append(
			demo_orders.UnitInfo(
				unit.name, unit.estate, unit.building,
				primary.resident if primary else None, getdate(primary.move_in) if primary and primary.move_in else None,
			)
		)  # fmt: skip
	return out


def visitors_by_estate() -> dict[str, list[str]]:
	out: dict[str, list[str]] = {}
	clerks = set(
		frappe.get_all(
			"Has Role", filters={"role": "Property Customer Service", "parenttype": "User"}, pluck="parent"
		)
	)
	for row in frappe.get_all(
		"User Permission",
		filters={"allow": "Property Estate", "user": ("in", list(clerks) or [""])},
		fields=["user", "for_value"],
	):
		out.setdefault(row.for_value, []).append(row.user)
	return out


def current_series(prefix: str) -> int:
	row = frappe.db.sql("select `current` from `tabSeries` where `name` = %s", prefix)
	return int(row[0][0]) if row else 0


def set_series(prefix: str, number: int) -> None:
	frappe.db.sql(
		"insert into `tabSeries` (`name`, `current`) values (%s, %s) on duplicate key update `current` = %s",
		(prefix, number, number),
	)
