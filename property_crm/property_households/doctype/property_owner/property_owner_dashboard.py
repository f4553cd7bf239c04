from frappe import _


def get_data():
	return {
		"fieldname": "property_owner",
		"non_standard_fieldnames": {
			"Service Order": "requester",
			"Complaint": "complainant",
			"Survey Response": "person",
			"Survey Invitation": "person",
		},
		"internal_links": {"Customer": "customer", "Contact": "contact"},
		"transactions": [
			{"label": _("Service"), "items": ["Service Order", "Complaint"]},
			# named answers only: an anonymous campaign's response holds no person
			{"label": _("Surveys"), "items": ["Survey Response", "Survey Invitation"]},
			{"label": _("ERPNext"), "items": ["Customer", "Contact"]},
		],
	}
