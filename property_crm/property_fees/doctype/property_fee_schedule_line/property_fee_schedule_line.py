from frappe.model.document import Document


class PropertyFeeScheduleLine(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
