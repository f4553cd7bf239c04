import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt, getdate, today

from property_crm.property_households.rules.occupancy import (
	current_occupants,
	unit_name,
	unit_status_from_occupants,
	validate_areas,
	validate_floor,
	validate_occupants,
)
from property_crm.validation import apply_rule


class PropertyUnit(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def autoname(self):
		self.name = self.expected_name()

	def validate(self):
		self.validate_building_in_estate()
		self.validate_unique_in_estate()
		# a floor sent as "" (a cleared field) is no floor; the rule names it
		floor = None if self.floor in (None, "") else cint(self.floor)
		apply_rule(validate_floor, floor, self.building_floors())
		apply_rule(
			validate_areas,
			*(None if a in (None, "") else flt(a) for a in (self.built_up_area, self.inner_area)),
		)
		apply_rule(validate_occupants, self.occupant_rows())
		self.set_primary_contact()
		self.status = unit_status_from_occupants(self.occupant_rows(), getdate(today()), self.status)

	def on_update(self):
		update_unit_counts(self.estate, self.building)

	def after_delete(self):
		update_unit_counts(self.estate, self.building)

	def expected_name(self) -> str:
		building_no = frappe.db.get_value("Property Building", self.building, "building_no") or ""
		name = apply_rule(unit_name, self.estate or "", building_no, self.unit_number or "")
		self.unit_number = name.rsplit("-", 1)[-1]
		return name

	def building_floors(self) -> int | None:
		return frappe.db.get_value("Property Building", self.building, "floors") or None

	def validate_building_in_estate(self):
		building_estate = frappe.db.get_value("Property Building", self.building, "estate")
		if building_estate != self.estate:
			frappe.throw(
				_("Building: {0} does not belong to estate {1}.").format(self.building, self.estate),
				title=_("Please correct this value"),
			)

	def validate_unique_in_estate(self):
		if self.is_new() and frappe.db.exists("Property Unit", self.expected_name()):
			frappe.throw(
				_("Unit No.: unit {0} already exists in building {1}.").format(
					self.unit_number, self.building
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate unit"),
			)

	def occupant_rows(self) -> list[dict]:
		return [
			{
				"idx": row.idx,
				"owner": row.resident,  # the person; the rules call it "owner" whatever the relation
				"resident": row.resident,
				"relation": row.relation,
				"move_in": getdate(row.move_in) if row.move_in else None,
				"move_out": getdate(row.move_out) if row.move_out else None,
				"primary_contact": row.primary_contact,
			}
			for row in self.occupants
		]

	def set_primary_contact(self):
		active = current_occupants(self.occupant_rows(), getdate(today()))
		primary = next((row["resident"] for row in active if row["primary_contact"]), None)
		self.primary_contact = primary
		self.primary_contact_name = (
			frappe.db.get_value("Property Owner", primary, "full_name") if primary else None
		)


def update_unit_counts(estate: str, building: str) -> None:
	for doctype, name, field in (
		("Property Building", building, "building"),
		("Property Estate", estate, "estate"),
	):
		count = frappe.db.count("Property Unit", {field: name})
		frappe.db.set_value(doctype, name, "unit_count", count, update_modified=False)
