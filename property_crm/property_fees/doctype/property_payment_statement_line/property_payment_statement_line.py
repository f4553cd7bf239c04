"""One payment or refund of a daily statement, with what the platform and we say of it."""

from frappe.model.document import Document


class PropertyPaymentStatementLine(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
