from frappe import _


def get_data():
	return {
		"fieldname": "reference_name",
		"internal_links": {"Sales Invoice": "sales_invoice"},
		"transactions": [
			{"label": _("Follow-up"), "items": ["Return Visit"]},
			{"label": _("Billing"), "items": ["Sales Invoice"]},
		],
	}
