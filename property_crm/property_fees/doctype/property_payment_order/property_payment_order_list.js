// Payment orders: red when an accountant should look (a payment kept as an advance, a second transaction)
frappe.listview_settings["Property Payment Order"] = {
	add_fields: ["status", "needs_attention", "advance_amount"],
	get_indicator(doc) {
		if (doc.needs_attention) return [__("Needs Attention"), "red", "needs_attention,=,1"];
		const colours = {
			Pending: "orange",
			Paid: "green",
			Failed: "red",
			Closed: "gray",
			Refunded: "blue",
			"Partly Refunded": "blue",
		};
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
