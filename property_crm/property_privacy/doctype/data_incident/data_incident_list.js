// Data Incident list: colours by step, the regulator deadline red once passed and not yet reported.
frappe.listview_settings["Data Incident"] = {
	add_fields: ["status", "regulator_deadline", "regulator_reported_on"],
	get_indicator(doc) {
		const colours = {
			Reported: "red",
			Contained: "orange",
			"Residents Notified": "blue",
			"Reported to Regulator": "purple",
			Closed: "gray",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
	formatters: {
		regulator_deadline(value, df, doc) {
			const text = frappe.datetime.str_to_user(value);
			if (value && !doc.regulator_reported_on && frappe.datetime.str_to_obj(value) < new Date()) {
				return `<span class="text-danger" title="${__("The regulator deadline has passed")}">${text}</span>`;
			}
			return text || "";
		},
	},
};
