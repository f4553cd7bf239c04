// Arrears badge on a unit, a resident file, a service order and a complaint: ERPNext's outstanding amounts,
// for staff who work with fees. On orders and complaints it says that arrears never delay an urgent or
// safety repair.
(() => {
	const show = (frm) => {
		if (frm.is_new()) return;
		frappe.call({
			method: "property_crm.property_fees.api.arrears",
			args: { doctype: frm.doctype, name: frm.doc.name },
			callback: (r) => {
				const a = r.message;
				if (!a || !a.outstanding) return;
				const label = a.overdue
					? __("Arrears {0} (overdue {1})", [format_currency(a.outstanding), format_currency(a.overdue)])
					: __("Unpaid {0}", [format_currency(a.outstanding)]);
				frm.dashboard.add_indicator(label, a.overdue ? "red" : "orange");
				if (["Service Order", "Complaint"].includes(frm.doctype)) {
					frm.dashboard.set_headline_alert(
						`<span class="indicator ${a.overdue ? "red" : "orange"}">${frappe.utils.escape_html(label)}</span>` +
							` · ${frappe.utils.escape_html(a.policy)}`
					);
				}
			},
		});
	};
	for (const doctype of ["Property Unit", "Property Owner", "Service Order", "Complaint"]) {
		frappe.ui.form.on(doctype, { refresh: show });
	}
})();
