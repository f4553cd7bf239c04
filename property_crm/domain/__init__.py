"""Pure rules of Property CRM: plain Python, no Frappe, tested in milliseconds."""
