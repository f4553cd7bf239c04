from frappe.model.document import Document


class SurveyAnswer(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
