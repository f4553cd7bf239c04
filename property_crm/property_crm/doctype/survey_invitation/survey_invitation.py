import frappe
from frappe.model.document import Document


class SurveyInvitation(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass


def on_doctype_update():
	# one invitation per person (or household, or served document) per campaign
	frappe.db.add_unique(
		"Survey Invitation", ["campaign", "respondent_key"], constraint_name="unique_campaign_invitee"
	)
