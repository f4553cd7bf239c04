import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate


class PropertyNotice(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.valid_to and getdate(self.valid_to) < getdate(self.valid_from):
			frappe.throw(_("Valid To: must not be before Valid From."), title=_("Please correct this value"))
		if self.building and frappe.db.get_value("Property Building", self.building, "estate") != self.estate:
			frappe.throw(
				_("Building: {0} does not belong to estate {1}.").format(self.building, self.estate),
				title=_("Please correct this value"),
			)
