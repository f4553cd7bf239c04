"""Dashboard chart source "Counts by Field": the records of one of our doctypes that the reader may see,
counted by a Select or Link field, with each value translated (Frappe's own Group By chart shows the stored
English values in a Chinese desk). The chart's filters name the doctype, the field and optional conditions."""

import frappe
from frappe import _
from frappe.utils.dashboard import cache_source

GROUPABLE = ("Select", "Link")


@frappe.whitelist()
@cache_source
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	filters = frappe._dict(frappe.parse_json(filters) or {})
	doctype, field = filters.get("doctype"), filters.get("field")
	if not (isinstance(doctype, str) and isinstance(field, str) and frappe.db.exists("DocType", doctype)):
		frappe.throw(_("Choose a document type and one of its fields."), title=_("Please correct this value"))
	meta = frappe.get_meta(doctype)
	df = meta.get_field(field)
	if meta.module not in frappe.get_module_list("property_crm") or not df or df.fieldtype not in GROUPABLE:
		frappe.throw(_("Choose a document type and one of its fields."), title=_("Please correct this value"))
	rows = frappe.get_list(  # the reader's own permissions and estate restrictions apply
		doctype,
		fields=[field, "count(*) as count"],
		filters=filters.get("conditions") or [],
		group_by=field,
		order_by="count desc",
	)
	return {
		"labels": [_(row[field]) if row[field] else _("Not Set") for row in rows],
		"datasets": [{"name": _(doctype), "values": [row["count"] for row in rows]}],
	}
