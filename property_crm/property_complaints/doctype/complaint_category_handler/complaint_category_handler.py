from frappe.model.document import Document


class ComplaintCategoryHandler(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
