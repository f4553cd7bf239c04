from frappe.model.document import Document


class PropertyCRMSettings(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
