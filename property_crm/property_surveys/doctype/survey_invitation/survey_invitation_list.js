// The call list: who is still to be called, who asked to be called back, who answered.
frappe.listview_settings["Survey Invitation"] = {
	add_fields: ["status", "call_back_on"],
	get_indicator(doc) {
		const colours = { Pending: "orange", "Call Back": "blue", Answered: "green", Unreachable: "gray", Refused: "red", Closed: "gray" };
		return [__(doc.status), colours[doc.status] || "gray", "status,=," + doc.status];
	},
};
