frappe.query_reports["Arrears Ageing"] = {
	filters: [
		{ fieldname: "as_of", label: __("As Of"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "group_by", label: __("Group By"), fieldtype: "Select", options: ["Estate", "Building", "Unit"], default: "Estate" },
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{ fieldname: "building", label: __("Building"), fieldtype: "Link", options: "Property Building",
			get_query: () => ({ filters: { estate: frappe.query_report.get_filter_value("estate") || undefined } }) },
	],
};
