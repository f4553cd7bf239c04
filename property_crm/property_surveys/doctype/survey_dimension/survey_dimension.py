from frappe.model.document import Document


class SurveyDimension(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
