from frappe.model.document import Document


class PropertyCarePolicyRule(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
