frappe.query_reports["Complaint Analysis"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.month_start(), -11) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "Category x Building",
			options: [
				{ value: "Category x Building", label: __("Category × Building") },
				{ value: "Root Cause x Building", label: __("Root Cause × Building") },
				{ value: "Estate", label: __("Estate") },
				{ value: "Month", label: __("Month") },
				{ value: "Category", label: __("Complaint Category") },
			],
		},
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{ fieldname: "building", label: __("Building"), fieldtype: "Link", options: "Property Building",
			get_query: () => ({ filters: { estate: frappe.query_report.get_filter_value("estate") || undefined } }) },
		{ fieldname: "complaint_category", label: __("Complaint Category"), fieldtype: "Link", options: "Complaint Category" },
	],
};
