from frappe.model.document import Document


class PropertyCareStaff(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
