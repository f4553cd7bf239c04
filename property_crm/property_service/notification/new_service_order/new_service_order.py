from frappe.utils import get_url_to_form


def get_context(context):
	return {"form_url": get_url_to_form(context["doc"].doctype, context["doc"].name)}
