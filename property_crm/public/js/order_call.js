// "Call Requester" on a service order whose contact mobile is masked: the number to dial comes only from
// property_crm.property_privacy.calls.order_contact (a reason, logged in the Access Log), shown as a tel:
// link in a message; the form itself never holds it.
frappe.ui.form.on("Service Order", {
	refresh(frm) {
		const mobile = frm.doc.contact_mobile || "";
		if (frm.is_new() || !mobile.includes("*")) return;
		const staff = frappe.user.has_role(["Property Customer Service", "Property Manager"]);
		const technician = frappe.user.has_role("Property Technician");
		const open = !["Completed", "Closed", "Cancelled"].includes(frm.doc.status);
		const mine = JSON.parse(frm.doc._assign || "[]").includes(frappe.session.user);
		if (!staff && !(technician && mine && open)) return;
		frm.add_custom_button(__("Call Requester"), () => {
			const dialog = new frappe.ui.Dialog({
				title: __("Call Requester"),
				fields: [
					{
						fieldname: "reason",
						fieldtype: "Small Text",
						label: __("Reason"),
						reqd: 1,
						description: __("Why you need the full value. Every reveal is logged."),
					},
				],
				primary_action_label: __("Reveal"),
				primary_action: ({ reason }) =>
					frappe.call({
						method: "property_crm.property_privacy.calls.order_contact",
						type: "POST",
						args: { order: frm.doc.name, reason },
						callback: (r) => {
							dialog.hide();
							if (!r.message) return;
							const number = frappe.utils.escape_html(r.message.value);
							frappe.msgprint({
								title: __("Call Requester"),
								message: `<a href="tel:${number}" style="font-size: 1.4em">${number}</a>`,
								indicator: "blue",
							});
						},
					}),
			});
			dialog.show();
		});
	},
});
