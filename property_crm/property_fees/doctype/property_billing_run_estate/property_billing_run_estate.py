from frappe.model.document import Document


class PropertyBillingRunEstate(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
