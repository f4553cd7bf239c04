from frappe import _


def get_data():
	return {
		"fieldname": "property_owner",
		"internal_links": {"Customer": "customer", "Contact": "contact"},
		"transactions": [
			{"label": _("ERPNext"), "items": ["Customer", "Contact"]},
		],
	}
