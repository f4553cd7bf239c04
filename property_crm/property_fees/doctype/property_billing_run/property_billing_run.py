import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from property_crm.property_fees.rules import fees


class PropertyBillingRun(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.period = fees.month_start(getdate(self.period))
		for row in self.estates:
			company = frappe.db.get_value("Property Estate", row.estate, "company")
			if company != self.company:
				frappe.throw(
					_("Estates: {0} belongs to company {1}, not {2}.").format(
						row.estate, company, self.company
					),
					title=_("Please correct this value"),
				)
