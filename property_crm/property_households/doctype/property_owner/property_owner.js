frappe.ui.form.on("Property Owner", {
	refresh(frm) {
		render_units(frm);
		if (frm.is_new()) return;
		if (!frm.doc.customer && frm.perm[0]?.write) {
			frm.add_custom_button(
				__("Customer"),
				() => call_and_reload(frm, "property_crm.property_households.api.make_customer"),
				__("Create")
			);
		}
		if (!frm.doc.user && frm.perm[0]?.write) {
			frm.add_custom_button(
				__("Portal User"),
				() => call_and_reload(frm, "property_crm.property_households.api.make_portal_user"),
				__("Create")
			);
		}
		if (frm.doc.customer) {
			frm.add_custom_button(
				__("Customer"),
				() => frappe.set_route("Form", "Customer", frm.doc.customer),
				__("View")
			);
		}
		// duplicates (Stale Files report): this file goes into the one chosen (services/merge.py)
		if (frm.perm[0]?.delete) {
			frm.add_custom_button(__("Merge into Another File"), () =>
				frappe.prompt(
					{ fieldname: "keep", fieldtype: "Link", options: "Property Owner", label: __("Keep File"), reqd: 1 },
					(values) =>
						frappe
							.call({
								method: "property_crm.property_households.merge.merge_files",
								args: { duplicate: frm.doc.name, keep: values.keep },
								freeze: true,
							})
							.then((r) => frappe.set_route("Form", "Property Owner", r.message)),
					__("Merge into Another File")
				)
			);
		}
	},
});

function call_and_reload(frm, method) {
	frappe.call({
		method,
		args: { owner: frm.doc.name },
		freeze: true,
		callback: () => frm.reload_doc(),
	});
}

function render_units(frm) {
	const wrapper = frm.get_field("units_html").$wrapper;
	const units = (frm.doc.__onload && frm.doc.__onload.units) || [];
	if (!units.length) {
		wrapper.html(`<p class="text-muted">${__("Not an occupant of any unit yet.")}</p>`);
		return;
	}
	const rows = units
		.map(
			(u) => `<tr>
				<td><a href="/app/property-unit/${encodeURIComponent(u.name)}">${frappe.utils.escape_html(u.name)}</a></td>
				<td>${__(u.relation || "")}</td>
				<td>${__(u.status || "")}</td>
				<td>${u.move_in ? frappe.datetime.str_to_user(u.move_in) : ""}</td>
				<td>${u.move_out ? frappe.datetime.str_to_user(u.move_out) : ""}</td>
				<td>${u.primary_contact ? "✓" : ""}</td>
			</tr>`
		)
		.join("");
	wrapper.html(`<table class="table table-bordered table-sm">
		<thead><tr><th>${__("Unit")}</th><th>${__("Relation")}</th><th>${__("Status")}</th>
		<th>${__("Move-in Date")}</th><th>${__("Move-out Date")}</th><th>${__("Primary Contact")}</th></tr></thead>
		<tbody>${rows}</tbody></table>`);
}
