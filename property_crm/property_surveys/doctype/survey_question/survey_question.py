from frappe.model.document import Document


class SurveyQuestion(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
