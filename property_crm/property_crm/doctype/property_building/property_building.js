frappe.ui.form.on("Property Building", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Units"), () =>
				frappe.set_route("List", "Property Unit", { building: frm.doc.name })
			);
		}
	},
});
