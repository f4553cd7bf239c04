frappe.ui.form.on("Property Estate", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Buildings"), () =>
				frappe.set_route("List", "Property Building", { estate: frm.doc.name })
			);
			frm.add_custom_button(__("Units"), () =>
				frappe.set_route("List", "Property Unit", { estate: frm.doc.name })
			);
		}
	},
});
