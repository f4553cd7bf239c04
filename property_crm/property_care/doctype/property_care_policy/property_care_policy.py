import frappe
from frappe import _
from frappe.model.document import Document


class PropertyCarePolicy(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		seen = set()
		for row in self.rules:
			if row.tag in seen:
				frappe.throw(
					_("Tags, row {0}: {1} is listed twice.").format(row.idx, row.tag),
					title=_("Please correct this value"),
				)
			seen.add(row.tag)
		if (self.unreachable_retries or 0) > 10:
			frappe.throw(
				_("Retries Before Flagging Unreachable: at most 10."), title=_("Please correct this value")
			)
