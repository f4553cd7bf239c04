from frappe.model.document import Document

from property_crm.property_surveys import campaigns as survey_campaigns


class SurveyCampaign(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		survey_campaigns.validate_campaign(self)
