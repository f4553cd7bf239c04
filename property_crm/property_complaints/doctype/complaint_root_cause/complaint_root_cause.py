from frappe.model.document import Document


class ComplaintRootCause(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
