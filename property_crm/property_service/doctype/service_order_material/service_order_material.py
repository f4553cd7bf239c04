from frappe.model.document import Document


class ServiceOrderMaterial(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
