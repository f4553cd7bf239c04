// Survey Campaign: start, send invitations (a background job with progress), the phone call list,
// paper forms, live response rate per estate and building, close.
const SURVEY_DIALOG = "/assets/property_crm/js/survey_dialog.js";

frappe.ui.form.on("Survey Campaign", {
	refresh(frm) {
		if (frm.is_new()) return;
		const call = (method, args = {}) =>
			frappe.call({ method: "property_crm.property_surveys.campaigns." + method, args: { campaign: frm.doc.name, ...args }, freeze: true })
				.then(() => frm.reload_doc());
		if (frm.doc.status === "Draft") {
			frm.add_custom_button(__("Start"), () => call("start")).addClass("btn-primary");
		}
		if (frm.doc.status === "Running") {
			if (frm.doc.kind !== "Post-service") {
				frm.add_custom_button(__("Send Invitations"), () => call("send_invitations"));
			}
			frm.add_custom_button(__("Call List"), () =>
				frappe.set_route("List", "Survey Invitation", { campaign: frm.doc.name, status: ["in", ["Pending", "Call Back", "Unreachable"]] }),
			);
			frm.add_custom_button(__("Enter Paper Form"), () =>
				frappe.require(SURVEY_DIALOG, () =>
					property_crm.surveys.answer_dialog({ campaign: frm.doc.name, channel: "Paper", title: __("Paper Form"), on_done: () => frm.reload_doc() }),
				),
			);
			frm.add_custom_button(__("Close"), () => call("close"));
		}
		frappe.call("property_crm.property_surveys.campaigns.progress_by_place", { campaign: frm.doc.name }).then(({ message }) => {
			if (!message || !message.length) return;
			const rows = message.map((r) => `<tr><td>${frappe.utils.escape_html(r.estate || "")}</td><td>${frappe.utils.escape_html(r.building || "")}</td>`
				+ `<td>${r.invitations}</td><td>${r.answered}</td><td>${r.rate ?? ""}%</td></tr>`).join("");
			frm.dashboard.add_section(`<table class="table table-bordered small"><thead><tr><th>${__("Estate")}</th><th>${__("Building")}</th>`
				+ `<th>${__("Invitations")}</th><th>${__("Answered")}</th><th>${__("Response Rate")}</th></tr></thead><tbody>${rows}</tbody></table>`,
				__("Response Rate by Place"));
		});
	},
});
