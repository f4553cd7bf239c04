from frappe.model.document import Document


class ConfidentialityTraining(Document):
	pass
