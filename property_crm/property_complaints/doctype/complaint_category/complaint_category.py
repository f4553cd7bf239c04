from frappe.model.document import Document

from property_crm.property_complaints import service_levels


class ComplaintCategory(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def on_update(self):
		sla = service_levels.sync_complaint_category_agreement(self)
		if sla and sla != self.service_level_agreement:
			self.db_set("service_level_agreement", sla)
