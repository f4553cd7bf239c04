from frappe.model.document import Document
from frappe.utils import getdate, today

from property_crm.property_care.rules.care import holiday_date
from property_crm.validation import apply_rule


class PropertyGreetingCampaign(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if not self.send_on and self.holiday != "Other":
			self.send_on = apply_rule(holiday_date, self.holiday, getdate(today()).year)
