from frappe.model.document import Document


class SurveyCampaignBuilding(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
