from frappe.model.document import Document


class SurveyCampaignTag(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
