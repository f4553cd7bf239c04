frappe.query_reports["Stale Files"] = {
	filters: [
		{ fieldname: "estate", label: __("Estate"), fieldtype: "Link", options: "Property Estate" },
		{ fieldname: "months", label: __("Not Verified For (months)"), fieldtype: "Int", default: 12 },
		{
			fieldname: "reason",
			label: __("Why"),
			fieldtype: "Select",
			options: ["", "Not verified", "Missing consent", "Missing contact", "Invalid mobile", "Invalid email",
				"Possible duplicate", "Occupant without a file"].join("\n"),
		},
	],
};
