import frappe
from frappe.model.document import Document


class PropertyNoticeRead(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.estate = frappe.db.get_value("Property Notice", self.notice, "estate")


def on_doctype_update():
	# one receipt per notice and reader, also when two tabs open the notice at once
	frappe.db.add_unique("Property Notice Read", ["notice", "user"], constraint_name="unique_notice_user")
