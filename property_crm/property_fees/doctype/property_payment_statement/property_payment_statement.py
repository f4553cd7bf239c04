"""A platform's daily statement (对账单) compared with our payments and refunds of the day; written by
property_fees.payments.reconciliation only (a re-run replaces the day's lines)."""

from frappe.model.document import Document


class PropertyPaymentStatement(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
