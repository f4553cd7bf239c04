import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.property_households.rules.occupancy import validate_code
from property_crm.validation import apply_rule


class PropertyEstate(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def autoname(self):
		self.normalize_code()
		self.name = self.estate_code

	def validate(self):
		self.normalize_code()
		self.validate_service_hours()

	def normalize_code(self):
		self.estate_code = apply_rule(validate_code, self.estate_code or "", "estate_code", _("Estate Code"))

	def validate_service_hours(self):
		if self.service_start_time and self.service_end_time:
			if str(self.service_start_time) >= str(self.service_end_time):
				frappe.throw(
					_("Service Ends At: must be later than Service Starts At ({0}).").format(
						self.service_start_time
					),
					title=_("Please correct this value"),
				)
