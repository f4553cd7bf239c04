frappe.provide("frappe.dashboards.chart_sources");

// Records of ours counted by one field, its values in the reader's language (Frappe's own "Group By"
// chart shows stored values: Occupied, Owner… in a Chinese desk).
frappe.dashboards.chart_sources["Counts by Field"] = {
	method: "property_crm.property_crm.dashboard_chart_source.counts_by_field.counts_by_field.get",
	filters: [
		{ fieldname: "doctype", label: __("Document Type"), fieldtype: "Link", options: "DocType", reqd: 1 },
		{ fieldname: "field", label: __("Field"), fieldtype: "Data", reqd: 1 },
	],
};
