// One line for whoever sets the site up: what notifications still need. Until then they are kept as
// in-app notifications and in each document's timeline; nobody else sees setup advice.
frappe.ui.form.on("Property CRM Settings", {
	refresh(frm) {
		const channels = (frm.doc.__onload || {}).notification_channels;
		if (!channels || (channels.email && channels.sms)) {
			frm.set_intro("");
			return;
		}
		const missing = [];
		if (!channels.email) {
			missing.push(
				__(
					"E-mail: add an Email Account with Enable Outgoing and Default Outgoing (Settings > Email Account)."
				)
			);
		}
		if (!channels.sms) {
			missing.push(__("SMS: enter the gateway in SMS Settings."));
		}
		frm.set_intro(
			__("Notifications are kept in the app and in each document's timeline until you set up:") +
				" " +
				missing.join(" "),
			"orange"
		);
	},
});
