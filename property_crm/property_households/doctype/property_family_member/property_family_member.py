from frappe.model.document import Document


class PropertyFamilyMember(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
