"""A payment order (物业缴费订单): one attempt of a resident to pay bills online; its name is our trade number
(out_trade_no). Written only by the server (property_fees.payments.orders)."""

import secrets

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from property_crm.property_fees.rules.payments import trade_number


class PropertyPaymentOrder(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def autoname(self):
		# "PCRM" + yyyymmddHHMMSS + 6 random digits: letters and digits, 24 long (both platforms: 6–32)
		self.name = trade_number(now_datetime(), f"{secrets.randbelow(10**6):06d}")

	def on_trash(self):
		# a payment that reached the platform is evidence of money received: never deleted (an unpaid attempt may be)
		if self.transaction_id or self.payment_entry or self.status not in ("Pending", "Closed", "Failed"):
			frappe.throw(_("A payment order that was paid cannot be deleted."), frappe.ValidationError)
