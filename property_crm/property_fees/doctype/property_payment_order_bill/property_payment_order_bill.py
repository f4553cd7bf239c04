"""A bill of a payment order: the invoice and what was asked for it."""

from frappe.model.document import Document


class PropertyPaymentOrderBill(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
