// Property Meter Reading list: "Meter Readings" opens the bulk entry of a building (抄表录入); the dialog
// asks for the building, the meter and the month first.
frappe.listview_settings["Property Meter Reading"] = {
	onload(listview) {
		if (!frappe.model.can_create("Property Meter Reading")) return;
		listview.page.add_inner_button(__("Meter Readings"), () =>
			frappe.require("/assets/property_crm/js/meter_entry.js", () =>
				property_crm.meter_entry.open({ building: listview.filters.find((f) => f[1] === "building" && f[2] === "=")?.[3] })
			)
		);
	},
};
