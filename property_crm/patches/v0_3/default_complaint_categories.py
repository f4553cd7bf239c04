"""Sites installed before complaints existed get the default complaint categories and root causes once."""

from property_crm.property_complaints.setup import install_complaint_defaults


def execute():
	install_complaint_defaults()
