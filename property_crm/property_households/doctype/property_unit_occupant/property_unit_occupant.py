from frappe.model.document import Document


class PropertyUnitOccupant(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
