import frappe
from frappe.model.document import Document


class PropertyEventRegistration(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		from property_crm.property_care.care import validate_registration

		validate_registration(self)

	def on_update(self):
		from property_crm.property_care.care import count_registrations

		count_registrations(self.event)

	def on_trash(self):
		from property_crm.property_care.care import count_registrations

		count_registrations(self.event, excluding=self.name)


def on_doctype_update():
	# one sign-up per event and resident (a second sign-up changes the first)
	frappe.db.add_unique(
		"Property Event Registration", ["event", "resident"], constraint_name="unique_event_resident"
	)
