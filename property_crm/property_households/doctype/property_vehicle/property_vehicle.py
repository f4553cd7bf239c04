from frappe.model.document import Document


class PropertyVehicle(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
