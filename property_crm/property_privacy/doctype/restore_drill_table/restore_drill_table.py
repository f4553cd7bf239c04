from frappe.model.document import Document


class RestoreDrillTable(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
