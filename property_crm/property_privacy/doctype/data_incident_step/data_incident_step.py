from frappe.model.document import Document


class DataIncidentStep(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
