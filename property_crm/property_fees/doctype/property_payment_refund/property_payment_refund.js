// The refund's steps are buttons: ask for it (a Draft), approve or refuse it (a second person, above the
// threshold). Each calls property_fees.payments.refunds, which checks the roles again on the server.
const REFUNDS = "property_crm.property_fees.payments.refunds.";

function refund_step(frm, method, args) {
	frappe.call({ method: REFUNDS + method, args: args, freeze: true }).then(() => frm.reload_doc());
}

frappe.ui.form.on("Property Payment Refund", {
	refresh(frm) {
		if (frm.is_new()) return;
		if (frm.doc.status === "Draft") {
			frm.add_custom_button(__("Request Refund"), () => refund_step(frm, "request_refund", { refund: frm.doc.name })).addClass("btn-primary");
		}
		if (frm.doc.status === "Awaiting Approval" && frm.doc.requested_by !== frappe.session.user) {
			frm.add_custom_button(__("Approve Refund"), () => refund_step(frm, "approve_refund", { name: frm.doc.name })).addClass("btn-primary");
			frm.add_custom_button(__("Reject Refund"), () => {
				frappe.prompt({ fieldname: "note", fieldtype: "Small Text", label: __("Note") },
					(values) => refund_step(frm, "reject_refund", { name: frm.doc.name, note: values.note }),
					__("Reject Refund"));
			});
		}
		const colours = { Refunded: "green", Failed: "red", Rejected: "red", Refunding: "orange", "Awaiting Approval": "orange" };
		if (colours[frm.doc.status]) frm.page.set_indicator(__(frm.doc.status), colours[frm.doc.status]);
	},
});
