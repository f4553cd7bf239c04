import frappe
from frappe.model.document import Document


class PropertyCareEvent(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.resident and not self.resident_name:
			self.resident_name = frappe.db.get_value("Property Owner", self.resident, "full_name")


def on_doctype_update():
	# the daily care job runs again safely: one event of a kind per resident and day
	frappe.db.add_unique(
		"Property Care Event", ["resident", "event_type", "on_date"], constraint_name="unique_care_event"
	)
