// 电话回访: customer service works through the call list, records answers during the call or marks the
// call unreachable / refused / call back.
frappe.ui.form.on("Survey Invitation", {
	refresh(frm) {
		if (frm.is_new() || frm.doc.status === "Answered" || !frm.perm[0].write) return;
		const mark = (outcome, extra = {}) =>
			frappe.call({ method: "property_crm.property_surveys.campaigns.record_call", args: { invitation: frm.doc.name, outcome, ...extra }, freeze: true })
				.then(() => frm.reload_doc());
		frm.add_custom_button(__("Record Answers"), () => {
			frappe.require("/assets/property_crm/js/survey_dialog.js", () =>
				property_crm.surveys.answer_dialog({
					campaign: frm.doc.campaign, invitation: frm.doc.name, channel: "Phone",
					title: __("Phone Survey") + ": " + (frm.doc.person_name || ""), on_done: () => frm.reload_doc(),
				}),
			);
		}, __("Call")).addClass("btn-primary");
		frm.add_custom_button(__("Unreachable"), () => mark("Unreachable"), __("Call"));
		frm.add_custom_button(__("Refused"), () => mark("Refused"), __("Call"));
		frm.add_custom_button(__("Call Back"), () => {
			frappe.prompt([
				{ fieldname: "call_back_on", fieldtype: "Datetime", label: __("Call Back On"), reqd: 1 },
				{ fieldname: "notes", fieldtype: "Small Text", label: __("Call Notes") },
			], (values) => mark("Call Back", values), __("Call Back"));
		}, __("Call"));
	},
});
