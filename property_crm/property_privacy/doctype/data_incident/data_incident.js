// Data Incident (breach register): add affected residents by a query, send their notices, the regulator deadline.
frappe.ui.form.on("Data Incident", {
	refresh(frm) {
		show_deadline(frm);
		if (frm.is_new() || frm.doc.status === "Closed" || !frm.perm[0].write) return;
		frm.add_custom_button(__("Add Residents"), () => add_residents(frm), __("Residents"));
		frm.add_custom_button(__("Send Notices"), () => send_notices(frm), __("Residents"));
	},
});

function show_deadline(frm) {
	const deadline = frm.doc.regulator_deadline;
	if (!deadline || frm.doc.regulator_reported_on) return;
	const passed = frappe.datetime.str_to_obj(deadline) < new Date();
	frm.dashboard.set_headline_alert(
		(passed ? __("The regulator deadline has passed: {0}") : __("Report to the regulator by {0}")).replace(
			"{0}",
			frappe.datetime.str_to_user(deadline)
		),
		passed ? "red" : "orange"
	);
}

function add_residents(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Add Residents"),
		fields: [
			{ fieldname: "estate", fieldtype: "Link", options: "Property Estate", label: __("Estate"),
				default: frm.doc.estate },
			{ fieldname: "building", fieldtype: "Link", options: "Property Building", label: __("Building"),
				get_query: () => ({ filters: dialog.get_value("estate") ? { estate: dialog.get_value("estate") } : {} }) },
			{ fieldname: "unit", fieldtype: "Link", options: "Property Unit", label: __("Unit") },
			{ fieldname: "tag", fieldtype: "Link", options: "Property Resident Tag", label: __("Tag") },
			{ fieldname: "created_from", fieldtype: "Date", label: __("Files Created From") },
			{ fieldname: "created_to", fieldtype: "Date", label: __("Files Created To") },
			{ fieldname: "include_former", fieldtype: "Check", label: __("Include Residents Who Moved Out") },
		],
		primary_action_label: __("Add"),
		primary_action(values) {
			frappe.call({
				method: "property_crm.property_privacy.incidents.add_residents",
				args: Object.assign({ incident: frm.doc.name }, values),
				freeze: true,
				callback(r) {
					dialog.hide();
					frappe.show_alert({
						message: __("{0} residents added ({1} matched).", [r.message.added, r.message.matched]),
						indicator: "green",
					});
					frm.reload_doc();
				},
			});
		},
	});
	dialog.show();
}

function send_notices(frm) {
	frappe.confirm(__("Send the notice to every affected resident not yet notified?"), () => {
		frappe.call({
			method: "property_crm.property_privacy.incidents.send_notices",
			args: { incident: frm.doc.name },
			freeze: true,
			callback(r) {
				const m = r.message;
				frappe.show_alert({
					message: m.queued
						? __("{0} notices are being sent in the background.", [m.pending])
						: __("{0} notices sent, {1} call tasks.", [m.sent || 0, m.tasks || 0]),
					indicator: "green",
				});
				frm.reload_doc();
			},
		});
	});
}
