import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime


class PropertyEvent(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.ends_on and get_datetime(self.ends_on) < get_datetime(self.starts_on):
			frappe.throw(_("Ends On: must not be before Starts On."), title=_("Please correct this value"))
		if self.status != "Planned":
			self.sign_up_open = 0
