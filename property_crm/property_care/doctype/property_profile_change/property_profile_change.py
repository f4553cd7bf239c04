import frappe
from frappe.model.document import Document


class PropertyProfileChange(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.resident and not self.resident_name:
			self.resident_name = frappe.db.get_value("Property Owner", self.resident, "full_name")


@frappe.whitelist()
def confirm(name: str) -> None:
	from property_crm.property_care.profile import confirm as confirm_change

	confirm_change(name)


@frappe.whitelist()
def reject(name: str, reason: str) -> None:
	from property_crm.property_care.profile import reject as reject_change

	reject_change(name, reason)
