frappe.query_reports["Service Order Analytics"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -12) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "group_by", label: __("Group By"), fieldtype: "Select", options: ["Estate", "Building", "Category", "Month", "Technician"], default: "Estate" },
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{ fieldname: "building", label: __("Building"), fieldtype: "Link", options: "Property Building",
			get_query: () => ({ filters: { estate: frappe.query_report.get_filter_value("estate") || undefined } }) },
		{ fieldname: "service_category", label: __("Category"), fieldtype: "Link", options: "Service Category" },
		{ fieldname: "technician", label: __("Technician"), fieldtype: "Link", options: "User" },
	],
};
