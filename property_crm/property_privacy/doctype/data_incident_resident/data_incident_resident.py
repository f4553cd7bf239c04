from frappe.model.document import Document


class DataIncidentResident(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
