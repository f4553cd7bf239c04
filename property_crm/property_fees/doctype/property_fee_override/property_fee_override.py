import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime

from property_crm.property_fees.rules import fees
from property_crm.validation import apply_rule


class PropertyFeeOverride(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		apply_rule(fees.validate_override, self.kind, self.value or 0)
		apply_rule(
			fees.check_dates,
			"Effective To",
			getdate(self.effective_from),
			getdate(self.effective_to) if self.effective_to else None,
		)
		if not (self.reason or "").strip():
			frappe.throw(
				_("Reason: say why this unit pays differently."), title=_("Please correct this value")
			)

	def before_submit(self):
		# submitting is the approval: only a manager (the role's submit right) and never one's own request
		if "Property Manager" not in frappe.get_roles() and frappe.session.user != "Administrator":
			raise frappe.PermissionError(_("Only a property manager approves fee changes."))
		if self.owner == frappe.session.user and frappe.session.user != "Administrator":
			frappe.throw(
				_("Approval: a fee change is approved by another manager than the one who asked for it."),
				frappe.PermissionError,
			)
		self.approved_by = frappe.session.user
		self.approved_on = now_datetime()
