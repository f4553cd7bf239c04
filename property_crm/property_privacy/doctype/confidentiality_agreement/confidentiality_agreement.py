"""A staff member's signed confidentiality agreement (保密协议) and training sessions; the rules live in
property_privacy.agreements and its rules/."""

from frappe.model.document import Document

from property_crm.property_privacy import agreements


class ConfidentialityAgreement(Document):
	def validate(self):
		agreements.validate_agreement(self)
