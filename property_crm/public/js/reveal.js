// Reveal: a masked mobile or ID number shown in full for one person, after a reason, and logged in
// Frappe's Access Log (property_crm.property_privacy.reveal). The value is shown in a message only; it is
// never put into the form, so saving the form keeps the stored (encrypted) value.
(() => {
	// field kind -> roles whose work needs the full value (the server checks the same, REVEAL_ROLES)
	const ROLES = {
		mobile: ["Property Manager", "Property Customer Service"],
		id: ["Property Manager"],
	};
	const FIELDS = {
		"Property Owner": { mobile: "mobile", id_number: "id", emergency_contact_phone: "mobile" },
		"Survey Invitation": { mobile: "mobile" },
	};
	const TABLES = {
		"Property Owner": { family_members: ["Property Family Member", "member_name"] },
		"Property Unit": { occupants: ["Property Unit Occupant", "resident_name"] },
	};
	const masked = (value) => typeof value === "string" && value.includes("*");
	const may = (kind) => ROLES[kind].some((role) => frappe.user.has_role(role));

	const ask = (doctype, name, fieldname, title) => {
		const dialog = new frappe.ui.Dialog({
			title: __("Reveal {0}", [title]),
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
			primary_action: ({ reason }) => {
				frappe.call({
					method: "property_crm.property_privacy.reveal.reveal",
					type: "POST",
					args: { doctype, name, fieldname, reason },
					callback: (r) => {
						dialog.hide();
						if (!r.message) return;
						frappe.msgprint({
							title: title,
							message: `<span style="font-size: 1.4em; user-select: all">${frappe.utils.escape_html(r.message.value || "")}</span>`,
							indicator: "blue",
						});
					},
				});
			},
		});
		dialog.show();
	};

	const refresh = (frm) => {
		if (frm.is_new()) return;
		const group = __("Reveal");
		for (const [fieldname, kind] of Object.entries(FIELDS[frm.doctype] || {})) {
			if (!masked(frm.doc[fieldname]) || !may(kind)) continue;
			const label = __(frappe.meta.get_label(frm.doctype, fieldname, frm.doc.name));
			frm.add_custom_button(label, () => ask(frm.doctype, frm.doc.name, fieldname, label), group);
		}
		for (const [table, [child, who]] of Object.entries(TABLES[frm.doctype] || {})) {
			if (!may("mobile")) continue;
			for (const row of frm.doc[table] || []) {
				if (!masked(row.mobile) || row.__islocal) continue;
				const label = `${__("Mobile")}: ${row[who] || row.idx}`;
				frm.add_custom_button(label, () => ask(child, row.name, "mobile", label), group);
			}
		}
	};
	for (const doctype of ["Property Owner", "Property Unit", "Survey Invitation"]) {
		frappe.ui.form.on(doctype, { refresh });
	}
})();
