frappe.ui.form.on("Property Profile Change", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status !== "Pending") return;
		const method = "property_crm.property_care.doctype.property_profile_change.property_profile_change.";
		frm.add_custom_button(__("Confirm"), () =>
			frappe.call({ method: method + "confirm", args: { name: frm.doc.name }, freeze: true }).then(() => frm.reload_doc())
		).addClass("btn-primary");
		frm.add_custom_button(__("Reject"), () =>
			frappe.prompt(
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
				(values) => frappe.call({ method: method + "reject", args: { name: frm.doc.name, reason: values.reason } }).then(() => frm.reload_doc()),
				__("Reject")
			)
		);
	},
});
