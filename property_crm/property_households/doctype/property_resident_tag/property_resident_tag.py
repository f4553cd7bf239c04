from frappe.model.document import Document


class PropertyResidentTag(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
