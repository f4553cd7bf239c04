// A payment order is written by the server only; staff read it. A red note when an accountant should look.
frappe.ui.form.on("Property Payment Order", {
	refresh(frm) {
		if (frm.doc.needs_attention) {
			frm.dashboard.set_headline_alert(
				flt(frm.doc.advance_amount) > 0
					? __("{0} of this payment could not be allocated (the bills were settled meanwhile) and is kept as an advance on the customer.", [format_currency(frm.doc.advance_amount)])
					: __("This order needs an accountant's attention: {0}", [frm.doc.error || ""]),
				"red"
			);
		}
	},
});
