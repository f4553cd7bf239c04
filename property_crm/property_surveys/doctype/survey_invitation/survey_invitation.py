import frappe
from frappe.model.document import Document

from property_crm.property_surveys import surveys


class SurveyInvitation(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		surveys.validate_invitation(self)


def on_doctype_update():
	# one invitation per person (or household, or served document) per campaign
	frappe.db.add_unique(
		"Survey Invitation", ["campaign", "respondent_key"], constraint_name="unique_campaign_invitee"
	)
