import frappe
from frappe.model.document import Document

from property_crm.property_surveys import surveys


class SurveyResponse(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		surveys.validate_response(self)

	def after_insert(self):
		surveys.after_response_insert(self)


def on_doctype_update():
	# one answer per person (or household, or served document) per campaign, whatever the path
	frappe.db.add_unique(
		"Survey Response", ["campaign", "response_key"], constraint_name="unique_campaign_respondent"
	)
	frappe.db.add_index("Survey Response", ["estate", "submitted_on"])
