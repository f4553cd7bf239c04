// Four-eyes principle (四眼原则): key records are deleted, and a file's name / ID number or a unit's owner
// changed, only through a Data Change Request that a second manager approves (property_privacy.four_eyes).
(() => {
	const CHANGES = {
		"Property Owner": [
			{ fieldname: "full_name", fieldtype: "Data", label: __("Full Name") },
			{
				fieldname: "id_type",
				fieldtype: "Select",
				label: __("ID Type"),
				options: ["", "Mainland ID Card", "Passport", "Hong Kong/Macau Permit", "Taiwan Permit", "Other"],
			},
			{ fieldname: "id_number", fieldtype: "Data", label: __("ID Number") },
		],
		"Property Unit": [
			{ fieldname: "owner", fieldtype: "Link", options: "Property Owner", label: __("New Owner"), reqd: 1 },
		],
	};
	const file = (frm, doctype, name, action) => {
		const fields = [
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
			...(action === "Change" ? CHANGES[doctype] || [] : []),
		];
		const dialog = new frappe.ui.Dialog({
			title: action === "Delete" ? __("Request deletion") : __("Request change"),
			fields,
			primary_action_label: __("File request"),
			primary_action(values) {
				const changes = {};
				for (const df of CHANGES[doctype] || []) {
					if (action === "Change" && values[df.fieldname]) changes[df.fieldname] = values[df.fieldname];
				}
				frappe.call({
					method: "property_crm.property_privacy.four_eyes.request_change",
					type: "POST",
					args: { doctype, name, action, reason: values.reason, changes: JSON.stringify(changes) },
					freeze: true,
					callback: (r) => {
						dialog.hide();
						frappe.show_alert({
							message: __("Data Change Request {0} filed: another manager will decide.", [r.message]),
							indicator: "green",
						});
						frm.reload_doc();
					},
				});
			},
		});
		dialog.show();
	};
	const setup = (frm) => {
		if (frm.is_new()) return;
		const group = __("Four-eyes");
		if (frappe.model.can_delete(frm.doctype)) {
			frm.add_custom_button(__("Request deletion"), () => file(frm, frm.doctype, frm.doc.name, "Delete"), group);
		}
		if (CHANGES[frm.doctype] && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Request change"), () => file(frm, frm.doctype, frm.doc.name, "Change"), group);
		}
		if (frm.doctype === "Property Unit" && frm.perm[0] && frm.perm[0].write && (frm.doc.occupants || []).length) {
			frm.add_custom_button(
				__("Request occupant removal"),
				() => {
					const d = new frappe.ui.Dialog({
						title: __("Request occupant removal"),
						fields: [
							{
								fieldname: "row",
								fieldtype: "Select",
								label: __("Occupants"),
								reqd: 1,
								options: frm.doc.occupants.map((r) => ({
									value: r.name,
									label: `${r.idx}. ${r.resident_name || r.resident} (${__(r.relation)})`,
								})),
							},
						],
						primary_action_label: __("Next"),
						primary_action(v) {
							d.hide();
							file(frm, "Property Unit Occupant", v.row, "Delete");
						},
					});
					d.show();
				},
				group
			);
		}
		frappe.db
			.get_list("Data Change Request", {
				filters: { reference_doctype: frm.doctype, reference_name: frm.doc.name, status: "Pending" },
				fields: ["name", "action"],
			})
			.then((rows) => {
				for (const row of rows) {
					frm.dashboard.add_comment(
						__("Pending Data Change Request {0} ({1}): waiting for a second manager.", [row.name, __(row.action)]),
						"yellow",
						true
					);
				}
			});
	};
	for (const doctype of ["Property Owner", "Property Unit", "Service Order", "Complaint", "Survey Response",
		"Property Meter Reading", "Property Fee Charge", "Property Late Fee", "Property Fee Override"]) {
		frappe.ui.form.on(doctype, { refresh: setup });
	}
})();
