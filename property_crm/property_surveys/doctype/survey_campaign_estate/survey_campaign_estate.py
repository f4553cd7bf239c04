from frappe.model.document import Document


class SurveyCampaignEstate(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
