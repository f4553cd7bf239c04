from frappe.model.document import Document


class SurveyResponseDimension(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
