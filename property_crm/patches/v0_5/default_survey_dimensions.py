"""Sites installed before surveys existed get the default survey dimensions once."""

from property_crm.property_surveys.surveys import install_dimensions


def execute():
	install_dimensions()
