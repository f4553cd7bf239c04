frappe.query_reports["Satisfaction Summary"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -89) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{
			fieldname: "group_by", label: __("Group By"), fieldtype: "Select", default: "Estate",
			options: [
				{ value: "Estate", label: __("Estate") },
				{ value: "Building", label: __("Building") },
				{ value: "Month", label: __("Month") },
				{ value: "Technician", label: __("Technician") },
				{ value: "Category", label: __("Category") },
				{ value: "Campaign", label: __("Survey Campaign") },
			],
		},
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{ fieldname: "campaign", label: __("Survey Campaign"), fieldtype: "Link", options: "Survey Campaign" },
		{
			fieldname: "kind", label: __("Kind"), fieldtype: "Select",
			options: [{ value: "", label: "" }, { value: "Campaign", label: __("Campaign") }, { value: "Post-service", label: __("Post-service") }],
		},
	],
};
