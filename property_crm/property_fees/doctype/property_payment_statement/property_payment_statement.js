// Re-run a day's reconciliation (property_fees.payments.reconciliation.reconcile; accountants and managers).
frappe.ui.form.on("Property Payment Statement", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Reconcile Again"), () => {
			frappe.call({
				method: "property_crm.property_fees.payments.reconciliation.reconcile",
				args: { platform: frm.doc.platform, day: frm.doc.statement_date },
				freeze: true,
			}).then(() => frm.reload_doc());
		});
		const colours = { Matched: "green", Discrepancies: "red", Failed: "red" };
		if (colours[frm.doc.status]) frm.page.set_indicator(__(frm.doc.status), colours[frm.doc.status]);
	},
});
