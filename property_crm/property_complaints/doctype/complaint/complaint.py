from frappe.model.document import Document

from property_crm.property_complaints import complaints


class Complaint(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		complaints.validate(self)

	def validate_workflow(self):
		# The complainant's own feedback on the portal (satisfied → closed, not satisfied → reopened) has no
		# desk role to match a Workflow transition; property_complaints.complaints.apply_feedback checked it.
		if self.flags.complainant_feedback and self.status in ("Closed", "Reopened"):
			return
		super().validate_workflow()

	def after_insert(self):
		complaints.after_insert(self)

	def on_update(self):
		complaints.on_update(self)
