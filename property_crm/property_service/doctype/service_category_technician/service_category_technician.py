from frappe.model.document import Document


class ServiceCategoryTechnician(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
