from frappe.model.document import Document


class RestoreDrill(Document):
	"""The log of one restore drill, written by property_crm.property_privacy.restore_drill (never by hand)."""

	# begin: auto-generated types
	# end: auto-generated types
