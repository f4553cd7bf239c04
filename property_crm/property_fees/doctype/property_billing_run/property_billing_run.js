frappe.ui.form.on("Property Billing Run", {
	refresh(frm) {
		if (frm.doc.preview) {
			frm.trigger("show_preview");
		}
		if (frm.is_new() || ["Queued", "Running"].includes(frm.doc.status)) {
			if (["Queued", "Running"].includes(frm.doc.status)) {
				frm.dashboard.show_progress(__("Billing run"), frm.doc.progress || 0);
				setTimeout(() => frm.reload_doc(), 3000);
			}
			return;
		}
		frm.add_custom_button(__("Dry Run"), () => {
			frappe.call({
				method: "property_crm.property_fees.api.dry_run",
				args: { billing_run: frm.doc.name },
				freeze: true,
				callback: (r) => frm.get_field("preview_html").$wrapper.html(r.message.html),
			});
		});
		frm.add_custom_button(frm.doc.status === "Draft" ? __("Run") : __("Run Again"), () => {
			frappe.confirm(__("Create the invoices of this run now?"), () =>
				frappe.call({
					method: "property_crm.property_fees.api.start_run",
					args: { billing_run: frm.doc.name },
					callback: () => frm.reload_doc(),
				})
			);
		}).addClass("btn-primary");
	},
	show_preview(frm) {
		const summary = JSON.parse(frm.doc.preview);
		const rows = Object.entries(summary.estates).map(
			([estate, e]) =>
				`<tr><td>${frappe.utils.escape_html(estate)}</td><td>${e.invoices}</td><td>${e.lines}</td>` +
				`<td class="text-right">${format_currency(e.total)}</td></tr>`
		);
		frm.get_field("preview_html").$wrapper.html(
			`<table class="table table-bordered table-sm"><thead><tr><th>${__("Estate")}</th>` +
				`<th>${__("Invoices")}</th><th>${__("Fee Lines")}</th><th>${__("Total")}</th></tr></thead>` +
				`<tbody>${rows.join("")}</tbody></table>`
		);
	},
});
