import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.property_households.rules.occupancy import validate_code
from property_crm.validation import apply_rule


class PropertyBuilding(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def autoname(self):
		self.normalize_number()
		self.name = f"{self.estate}-{self.building_no}"

	def validate(self):
		self.normalize_number()
		self.validate_unique_in_estate()
		if not self.building_name:
			self.building_name = _("Building {0}").format(self.building_no)

	def on_update(self):
		update_building_count(self.estate)

	def after_delete(self):
		update_building_count(self.estate)

	def normalize_number(self):
		self.building_no = apply_rule(validate_code, self.building_no or "", "building_no", _("Building No."))

	def validate_unique_in_estate(self):
		other = frappe.db.get_value(
			"Property Building",
			{"estate": self.estate, "building_no": self.building_no, "name": ("!=", self.name or "")},
		)
		if other or (self.is_new() and frappe.db.exists("Property Building", self.name)):
			frappe.throw(
				_("Building No.: building {0} already exists in estate {1}.").format(
					self.building_no, self.estate
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate building"),
			)


def update_building_count(estate: str) -> None:
	count = frappe.db.count("Property Building", {"estate": estate})
	frappe.db.set_value("Property Estate", estate, "building_count", count, update_modified=False)
