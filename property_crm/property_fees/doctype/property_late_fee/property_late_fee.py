"""A bill's late fee (滞纳金): kept up to date by a daily job, billed as its own invoice, waived only with
a reason and a manager's approval (property_fees.late_fees)."""

from frappe.model.document import Document


class PropertyLateFee(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass
