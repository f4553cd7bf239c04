frappe.ui.form.on("Service Order", {
	setup(frm) {
		frm.set_query("unit", () => ({ filters: frm.doc.estate ? { estate: frm.doc.estate } : {} }));
		frm.set_query("requester", () => ({
			filters: [["Property Unit Occupant", "parent", "=", frm.doc.unit || ""]],
		}));
	},
	refresh(frm) {
		if (frm.is_new()) return;
		const unplaced = frm.doc.channel === "Email" && !(frm.doc.unit && frm.doc.service_category);
		if (unplaced && frm.doc.status === "Draft") {
			frm.set_intro(
				__("E-mailed request: place it in a unit and choose its category before accepting it."),
				"orange"
			);
		} else {
			frm.set_intro();
		}
		const dispatcher = frappe.user.has_role(["Property Customer Service", "Property Manager"]);
		if (dispatcher && frm.doc.suggested_requester && !frm.doc.requester) {
			frm.add_custom_button(__("Confirm Requester"), () =>
				frappe.confirm(
					__("Has {0} confirmed that they sent this request? A sender's address proves nothing.", [
						frm.doc.suggested_requester,
					]),
					() =>
						frappe.call({
							method: "property_crm.property_service.intake.confirm_requester",
							args: { order: frm.doc.name },
							freeze: true,
							callback: () => frm.reload_doc(),
						})
				)
			);
		}
		if (dispatcher && !["Completed", "Closed", "Cancelled"].includes(frm.doc.status)) {
			frm.add_custom_button(__("Reassign"), () => reassign(frm), __("Tools"));
		}
		const chargeable = (frm.doc.materials || []).some((row) => row.chargeable && row.amount);
		if (chargeable && !frm.doc.sales_invoice && frm.perm[0]?.write) {
			frm.add_custom_button(
				__("Sales Invoice"),
				() =>
					frappe.call({
						method: "property_crm.property_service.orders.make_sales_invoice",
						args: { order: frm.doc.name },
						freeze: true,
						callback: (r) => frappe.set_route("Form", "Sales Invoice", r.message),
					}),
				__("Create")
			);
		}
		if (["Completed", "Closed"].includes(frm.doc.status) && !frm.doc.rating) {
			frm.add_custom_button(__("Record Rating"), () => record_rating(frm), __("Tools"));
		}
	},
});

frappe.ui.form.on("Service Order Material", {
	qty: (frm, cdt, cdn) => set_amount(frm, cdt, cdn),
	rate: (frm, cdt, cdn) => set_amount(frm, cdt, cdn),
});

function set_amount(frm, cdt, cdn) {
	const row = locals[cdt][cdn];
	frappe.model.set_value(cdt, cdn, "amount", flt(row.qty) * flt(row.rate));
}

function reassign(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Reassign"),
		fields: [
			{ fieldname: "user", fieldtype: "Link", options: "User", label: __("Technician"), reqd: 1 },
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
		],
		primary_action_label: __("Reassign"),
		primary_action(values) {
			frappe.call({
				method: "property_crm.property_service.dispatch.reassign",
				args: { order: frm.doc.name, ...values },
				callback: () => {
					dialog.hide();
					frm.reload_doc();
				},
			});
		},
	});
	dialog.show();
}

function record_rating(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Record Rating"),
		fields: [
			{ fieldname: "rating", fieldtype: "Select", options: "5\n4\n3\n2\n1", label: __("Rating (1–5)"), reqd: 1 },
			{ fieldname: "reasons", fieldtype: "Small Text", label: __("Rating Reasons") },
			{ fieldname: "comment", fieldtype: "Small Text", label: __("Rating Comment") },
		],
		primary_action_label: __("Save"),
		primary_action(values) {
			frappe.call({
				method: "property_crm.property_service.orders.rate",
				args: { order: frm.doc.name, ...values },
				callback: () => {
					dialog.hide();
					frm.reload_doc();
				},
			});
		},
	});
	dialog.show();
}
