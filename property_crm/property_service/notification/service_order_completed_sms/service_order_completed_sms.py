from frappe.utils import get_url


def get_context(context):
	return {"rating_url": get_url(f"/property/requests/{context['doc'].name}")}
