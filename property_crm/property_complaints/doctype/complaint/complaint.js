// Complaint: the confidential identity for managers, feedback buttons on a resolved complaint.
frappe.ui.form.on("Complaint", {
	refresh(frm) {
		if (frm.doc.is_anonymous && frm.doc.identity && frappe.user.has_role("Property Manager")) {
			frappe
				.xcall("property_crm.property_complaints.complaints.confidential_identity", { complaint: frm.doc.name })
				.then((who) => {
					if (!who) return;
					const parts = [who.complainant_name, who.unit, who.contact_mobile, who.complainant_email]
						.filter(Boolean)
						.map((part) => frappe.utils.escape_html(part));
					frm.set_intro(__("Anonymous to other staff. Filed by: {0}", [parts.join(" · ")]), "yellow");
				});
		} else if (frm.doc.is_anonymous) {
			frm.set_intro(__("Anonymous: only Property Managers see who filed this complaint."), "yellow");
		}
		if (frm.doc.status === "Resolved" && !frm.is_new()) {
			for (const [label, feedback] of [
				[__("Complainant Satisfied"), "Satisfied"],
				[__("Complainant Not Satisfied"), "Not Satisfied"],
			]) {
				frm.add_custom_button(
					label,
					() => {
						frappe.prompt(
							{ fieldname: "comment", fieldtype: "Small Text", label: __("Feedback Comment") },
							(values) =>
								frappe
									.xcall("property_crm.property_complaints.complaints.record_feedback", {
										complaint: frm.doc.name,
										feedback,
										comment: values.comment,
									})
									.then(() => frm.reload_doc()),
							label
						);
					},
					__("Feedback")
				);
			}
		}
	},
});
