const METER_ENTRY = "/assets/property_crm/js/meter_entry.js";

frappe.ui.form.on("Property Building", {
	refresh(frm) {
		if (!frm.is_new()) {
			frm.add_custom_button(__("Units"), () =>
				frappe.set_route("List", "Property Unit", { building: frm.doc.name })
			);
			// one month's readings of every unit of the building on one screen (抄表录入)
			if (frappe.model.can_create("Property Meter Reading")) {
				frm.add_custom_button(__("Meter Readings"), () =>
					frappe.require(METER_ENTRY, () => property_crm.meter_entry.open({ building: frm.doc.name }))
				);
			}
		}
	},
});
