from frappe.model.document import Document


class PropertyVerificationItem(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
