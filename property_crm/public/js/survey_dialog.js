// The answer dialog of phone surveys and paper forms (desk): fields come from the server with their
// conditions as depends_on; the server checks the answers again.
frappe.provide("property_crm.surveys");

property_crm.surveys.answer_dialog = function ({ campaign, invitation, channel, title, on_done }) {
	frappe.call("property_crm.property_surveys.campaigns.questions_for", { campaign }).then(({ message }) => {
		const fields = message.fields.slice();
		if (!invitation && !message.anonymous) {
			fields.unshift(
				{ fieldname: "__unit", fieldtype: "Link", options: "Property Unit", label: __("Unit") },
				{ fieldname: "__person", fieldtype: "Link", options: "Property Owner", label: __("Resident") },
				{ fieldtype: "Section Break" },
			);
		}
		const dialog = new frappe.ui.Dialog({
			title,
			fields,
			size: "large",
			primary_action_label: __("Save Answers"),
			primary_action(values) {
				const answers = {};
				for (const field of message.fields) {
					const value = values[field.fieldname];
					if (value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && !value.length)) {
						answers[field.fieldname] = value;
					}
				}
				frappe.call({
					method: "property_crm.property_surveys.campaigns.record_answers",
					args: { answers: JSON.stringify(answers), channel, invitation, campaign: invitation ? null : campaign,
						person: values.__person, unit: values.__unit },
					freeze: true,
				}).then(() => {
					dialog.hide();
					frappe.show_alert({ message: __("Answers saved"), indicator: "green" });
					on_done && on_done();
				});
			},
		});
		dialog.show();
	});
};
