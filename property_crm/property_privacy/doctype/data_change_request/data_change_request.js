// Data Change Request: the proposed values and the before/after are computed by the server
frappe.ui.form.on("Data Change Request", {
	refresh(frm) {
		if (frm.doc.status === "Pending" && frm.doc.requested_by === frappe.session.user) {
			frm.dashboard.set_headline(__("Another manager must approve or reject this request."));
		}
	},
});
