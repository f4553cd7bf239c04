from frappe.model.document import Document

from property_crm.property_surveys import surveys


class SurveyTemplate(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		surveys.validate_template(self)

	def after_insert(self):
		surveys.after_template_insert(self)
