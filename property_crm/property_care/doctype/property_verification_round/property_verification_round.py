from frappe.model.document import Document


class PropertyVerificationRound(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		from property_crm.property_care.verification import fill_round, record_results

		if not self.items:
			fill_round(self)
		record_results(self)
