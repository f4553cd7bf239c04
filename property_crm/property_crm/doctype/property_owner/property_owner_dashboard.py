from frappe import _


def get_data():
	return {
		"fieldname": "property_owner",
		"non_standard_fieldnames": {"Service Order": "requester", "Complaint": "complainant"},
		"internal_links": {"Customer": "customer", "Contact": "contact"},
		"transactions": [
			{"label": _("Service"), "items": ["Service Order", "Complaint"]},
			{"label": _("ERPNext"), "items": ["Customer", "Contact"]},
		],
	}
