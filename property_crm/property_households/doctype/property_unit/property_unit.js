frappe.ui.form.on("Property Unit", {
	setup(frm) {
		frm.set_query("building", (doc) => ({ filters: { estate: doc.estate || "" } }));
	},
	estate(frm) {
		if (frm.doc.building && !frm.doc.building.startsWith(`${frm.doc.estate}-`)) {
			frm.set_value("building", "");
		}
	},
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Household File"), () => frappe.set_route("property-household", frm.doc.name));
		}
		if (!frm.is_new() && frm.doc.primary_contact) {
			frm.add_custom_button(__("Primary Contact"), () =>
				frappe.set_route("Form", "Property Owner", frm.doc.primary_contact)
			);
		}
	},
});

frappe.ui.form.on("Property Unit Occupant", {
	primary_contact(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		if (!row.primary_contact) return;
		// one primary contact at a time: untick the others that are still living here
		(frm.doc.occupants || []).forEach((other) => {
			if (other.name !== row.name && other.primary_contact && !other.move_out) {
				frappe.model.set_value(other.doctype, other.name, "primary_contact", 0);
			}
		});
	},
});
