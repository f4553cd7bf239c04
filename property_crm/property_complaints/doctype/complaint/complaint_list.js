// Complaint list: colours by state, hotline cases marked.
frappe.listview_settings["Complaint"] = {
	add_fields: ["status", "channel", "is_anonymous", "agreement_status"],
	get_indicator(doc) {
		const colours = {
			Registered: "blue",
			Investigating: "orange",
			Escalated: "red",
			Resolved: "green",
			Reopened: "purple",
			Closed: "gray",
			Withdrawn: "darkgrey",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
