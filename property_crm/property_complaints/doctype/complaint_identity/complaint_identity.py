import frappe
from frappe import _
from frappe.model.document import Document


class ComplaintIdentity(Document):
	"""Who filed an anonymous complaint (see property_complaints.complaints); only Property Managers read it."""

	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.is_new() and not frappe.flags.in_import and not self.flags.ignore_permissions:
			frappe.throw(
				_("The confidential identity is made when an anonymous complaint is registered."),
				title=_("Not allowed"),
			)
