// Each finding's fix is a button in the "Fix" column: disable the user, or remove one role
// (POST to property_crm.property_privacy.security_review, which checks the caller again).
frappe.query_reports["Security Review"] = {
	filters: [
		{
			fieldname: "finding",
			label: __("Finding"),
			fieldtype: "Select",
			options: ["", "Dormant", "Moved out", "No current agreement"].join("\n"),
		},
		{ fieldname: "show_all", label: __("All Users"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname !== "actions" || !data) {
			return default_formatter(value, row, column, data);
		}
		let actions = [];
		try {
			actions = JSON.parse(data.actions || "[]");
		} catch (e) {
			actions = [];
		}
		const user = frappe.utils.escape_html(data.user);
		return actions
			.map((a) => {
				const label =
					a.action === "disable_user"
						? __("Disable user")
						: __("Remove role {0}", [__(a.role)]);
				const role = frappe.utils.escape_html(a.role || "");
				return `<button class="btn btn-xs btn-default pcrm-review-fix" data-action="${a.action}"
					data-user="${user}" data-role="${role}">${frappe.utils.escape_html(label)}</button>`;
			})
			.join(" ");
	},
	onload(report) {
		$(report.page.wrapper).on("click", ".pcrm-review-fix", function () {
			const { action, user, role } = $(this).data();
			const message =
				action === "disable_user"
					? __("Disable the account {0}?", [user])
					: __("Remove the role {0} from {1}?", [__(role), user]);
			frappe.confirm(message, () => {
				frappe.call({
					method: `property_crm.property_privacy.security_review.${action}`,
					type: "POST",
					args: action === "disable_user" ? { user } : { user, role },
					freeze: true,
					callback: () => {
						frappe.show_alert({ message: __("Done"), indicator: "green" });
						report.refresh();
					},
				});
			});
		});
	},
};
