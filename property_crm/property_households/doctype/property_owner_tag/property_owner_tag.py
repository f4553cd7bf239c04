from frappe.model.document import Document


class PropertyOwnerTag(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
