frappe.query_reports["Channel Mix"] = {
	filters: [
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.month_start(), -11) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{
			fieldname: "kind", label: __("Record"), fieldtype: "Select",
			options: [
				{ value: "", label: __("Requests and complaints") },
				{ value: "Service Orders", label: __("Service Orders") },
				{ value: "Complaints", label: __("Complaints") },
			],
		},
	],
};
