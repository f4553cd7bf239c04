"""Which share of which unit-fee-period is on which Sales Invoice: see property_fees.billing. Made only by the
billing run, in the same transaction as its invoice."""

import frappe
from frappe.model.document import Document


class PropertyFeeCharge(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass


def on_doctype_update():
	# the structural guarantee against billing a share twice (repeated, concurrent or interrupted runs)
	frappe.db.add_unique(
		"Property Fee Charge", ["unit", "fee_item", "period", "customer"], constraint_name="unique_fee_share"
	)
	frappe.db.add_index("Property Fee Charge", ["estate", "period"])
