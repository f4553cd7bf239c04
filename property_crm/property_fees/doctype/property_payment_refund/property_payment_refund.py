"""A refund of an online payment (退款申请); its name is our out_refund_no. Only a Draft is edited in the
desk; every later step is a button of property_fees.payments.refunds (request, approve, reject)."""

import frappe
from frappe import _
from frappe.model.document import Document

# set by the refund methods only, never by a form or REST
SERVER_FIELDS = ("requested_by", "requested_at", "approved_by", "approved_at", "refund_id", "refunded_at",
	"reversing_entry", "error")  # fmt: skip


class PropertyPaymentRefund(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		from property_crm.property_fees.payments import refunds

		if not self.is_new() and frappe.db.get_value(self.doctype, self.name, "status") != "Draft":
			frappe.throw(
				_("A refund that has been asked for changes only through its buttons."),
				title=_("Not possible"),
			)
		self.status = "Draft"
		for field in SERVER_FIELDS:
			self.set(field, None)
		refunds.check(self)

	def on_trash(self):
		if self.status != "Draft":
			frappe.throw(
				_("Only a Draft refund can be deleted; this one is {0}.").format(_(self.status)),
				title=_("Not possible"),
			)
