// The household file (一户一档): /app/property-household/<unit>. Data: property_crm.property_households.household.household
frappe.pages["property-household"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("Household File"), single_column: true });
	wrapper.household = new PropertyHousehold(page, wrapper);
};

frappe.pages["property-household"].on_page_show = function (wrapper) {
	const unit = frappe.get_route()[1] || "";
	wrapper.household.show(unit);
};

class PropertyHousehold {
	constructor(page, wrapper) {
		this.page = page;
		this.unit_field = page.add_field({
			fieldname: "unit",
			label: __("Unit"),
			fieldtype: "Link",
			options: "Property Unit",
			change: () => {
				const unit = this.unit_field.get_value();
				if (unit && unit !== this.unit) frappe.set_route("property-household", unit);
			},
		});
		page.set_secondary_action(__("Print Household File"), () => {
			if (!this.unit) return;
			const url = `/printview?doctype=${encodeURIComponent("Property Unit")}&name=${encodeURIComponent(this.unit)}`
				+ `&format=${encodeURIComponent("Household File")}&no_letterhead=1`;
			window.open(url, "_blank");
		});
		page.add_inner_button(__("Open Unit"), () => this.unit && frappe.set_route("Form", "Property Unit", this.unit));
		this.$body = $('<div class="pcrm-household"></div>').appendTo(page.main);
		$(`<style>
			.pcrm-household { padding: 8px 0 40px; }
			.pcrm-household .hh-card { border: 1px solid var(--border-color); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; background: var(--card-bg); }
			.pcrm-household h4 { margin: 0 0 10px; font-size: 1.05rem; }
			.pcrm-household table { width: 100%; font-size: 0.9rem; }
			.pcrm-household td, .pcrm-household th { padding: 4px 6px; border-bottom: 1px solid var(--border-color); vertical-align: top; }
			.pcrm-household .past { color: var(--text-muted); }
			.pcrm-household .hh-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
			.pcrm-household .hh-num { font-size: 1.5rem; font-weight: 600; }
			.pcrm-household .bar { display: inline-block; height: 10px; background: var(--primary); border-radius: 3px; vertical-align: middle; }
		</style>`).appendTo(this.$body.parent());
	}

	show(unit) {
		this.unit = unit;
		if (!unit) {
			this.$body.html(`<p class="text-muted">${__("Choose a unit to see its household file.")}</p>`);
			return;
		}
		this.unit_field.set_value(unit);
		this.page.set_title(__("Household File") + " · " + unit);
		this.$body.html(`<p class="text-muted">${__("Loading...")}</p>`);
		frappe
			.call({ method: "property_crm.property_households.household.household", args: { unit } })
			.then((r) => this.render(r.message))
			.catch(() => this.$body.html(`<p class="text-muted">${__("You may not open this household file.")}</p>`));
	}

	render(h) {
		const e = (v) => frappe.utils.escape_html(v == null ? "" : String(v));
		const d = (v) => (v ? frappe.datetime.str_to_user(String(v).slice(0, 10)) : "");
		const link = (dt, name, label) => `<a href="/app/${frappe.router.slug(dt)}/${encodeURIComponent(name)}">${e(label || name)}</a>`;
		const pill = (text, color) => `<span class="indicator-pill ${color || "gray"}">${e(text)}</span>`;
		const sla = (s) => (s === "Failed" ? pill(__("Overdue"), "red") : s === "Fulfilled" ? pill(__("Met"), "green") : s ? pill(__(s), "orange") : "");
		const u = h.unit;
		const parts = [];
		parts.push(`<div class="hh-card"><div class="hh-grid">
			<div><div class="text-muted">${__("Unit")}</div><div class="hh-num">${link("Property Unit", u.name)}</div></div>
			<div><div class="text-muted">${__("Estate")} / ${__("Building")}</div><div>${e(u.estate)} · ${e(u.building)}</div></div>
			<div><div class="text-muted">${__("Status")}</div><div>${e(__(u.status))} · ${e(__(u.usage || ""))}</div></div>
			<div><div class="text-muted">${__("Built-up Area (m²)")}</div><div>${e(u.built_up_area)} ${u.layout ? "· " + e(u.layout) : ""}</div></div>
			<div><div class="text-muted">${__("Handover Date")}</div><div>${d(u.handover_date)}</div></div>
		</div></div>`);

		const tags = h.tags || {};
		const rows = h.occupants.map((o) => `<tr class="${o.current ? "" : "past"}">
			<td>${link("Property Owner", o.resident, o.full_name)}${o.primary_contact ? " ★" : ""}</td>
			<td>${e(__(o.relation))}</td><td>${d(o.move_in)} – ${o.move_out ? d(o.move_out) : __("now")}</td>
			<td>${e(o.mobile || "")}</td>
			<td>${(tags[o.resident] || []).map((t) => pill(__(t), "blue")).join(" ")}</td>
			${h.personal ? `<td>${d(o.date_of_birth)}</td><td>${o.marketing_consent ? "✓" : ""}</td><td>${d(o.last_verified_on)}</td>` : ""}
		</tr>`);
		parts.push(`<div class="hh-card"><h4>${__("Occupants")}</h4><table><tr><th>${__("Name")}</th><th>${__("Relation")}</th>
			<th>${__("Period")}</th><th>${__("Mobile")}</th><th>${__("Tags")}</th>
			${h.personal ? `<th>${__("Date of Birth")}</th><th>${__("Marketing Consent")}</th><th>${__("Last Verified On")}</th>` : ""}</tr>
			${rows.join("") || `<tr><td colspan="8" class="text-muted">${__("No occupants on file.")}</td></tr>`}</table></div>`);

		if (h.personal) {
			const vehicles = (h.vehicles || []).map((v) => `<tr><td>${e(v.plate_number)}</td><td>${e(__(v.vehicle_type || ""))}</td><td>${e(v.brand_model || "")} ${e(v.color || "")}</td><td>${e(v.parking_space || "")}</td></tr>`);
			const family = (h.family || []).map((f) => `<tr><td>${e(f.member_name)}</td><td>${e(__(f.relation || ""))}</td><td>${d(f.date_of_birth)}</td><td>${e(f.mobile || "")}</td></tr>`);
			parts.push(`<div class="row"><div class="col-md-6"><div class="hh-card"><h4>${__("Vehicles")}</h4><table>${vehicles.join("") || `<tr><td class="text-muted">${__("None")}</td></tr>`}</table></div></div>
				<div class="col-md-6"><div class="hh-card"><h4>${__("Family Members")}</h4><table>${family.join("") || `<tr><td class="text-muted">${__("None")}</td></tr>`}</table></div></div></div>`);
		}

		if (h.orders) {
			const o = h.orders;
			const line = (r) => `<tr><td>${link("Service Order", r.name)}</td><td>${e(r.subject)}</td><td>${e(__(r.status))}</td>
				<td>${sla(r.agreement_status)} ${r.sla_resolution_by ? `<span class="text-muted">${frappe.datetime.str_to_user(r.sla_resolution_by)}</span>` : ""}</td>
				<td>${d(r.creation)}</td><td>${r.rating ? "★".repeat(r.rating) : ""}</td></tr>`;
			parts.push(`<div class="hh-card"><h4>${__("Service Orders")} <small class="text-muted">${__("{0} in all, {1} open, {2} overdue", [o.total, o.open_count, o.sla_failed])}</small></h4>
				<table>${o.open.map(line).join("") || `<tr><td class="text-muted">${__("No open orders.")}</td></tr>`}</table>
				${o.recent.length ? `<div class="text-muted" style="margin-top:8px">${__("Latest finished")}</div><table>${o.recent.map(line).join("")}</table>` : ""}</div>`);
		}
		if (h.complaints) {
			const line = (r) => `<tr><td>${link("Complaint", r.name)}</td><td>${e(r.subject)}${r.is_anonymous ? " " + pill(__("Anonymous"), "gray") : ""}</td>
				<td>${e(__(r.status))}</td><td>${sla(r.agreement_status)}</td><td>${e(r.complainant_name || "")}</td><td>${d(r.creation)}</td></tr>`;
			const c = h.complaints;
			parts.push(`<div class="hh-card"><h4>${__("Complaints")}</h4><table>${c.open.map(line).join("") || `<tr><td class="text-muted">${__("No open complaints.")}</td></tr>`}</table>
				${c.recent.length ? `<div class="text-muted" style="margin-top:8px">${__("Latest closed")}</div><table>${c.recent.map(line).join("")}</table>` : ""}</div>`);
		}
		if (h.arrears) {
			parts.push(`<div class="hh-card"><h4>${__("Arrears")}</h4><div class="hh-grid">
				<div><div class="text-muted">${__("Outstanding")}</div><div class="hh-num">${format_currency(h.arrears.outstanding || 0)}</div></div>
				<div><div class="text-muted">${__("Overdue")}</div><div class="hh-num">${format_currency(h.arrears.overdue || 0)}</div></div></div></div>`);
		}
		if (h.trend) {
			const rows = h.trend.map((t) => `<tr><td>${t.year}</td><td>${t.orders || 0}</td><td>${t.rating ?? ""}</td>
				<td>${t.reached || 0}</td><td>${t.satisfied_pct == null ? "" : `<span class="bar" style="width:${t.satisfied_pct}px"></span> ${t.satisfied_pct}%`}</td>
				<td>${t.visit_score ?? ""}</td><td>${t.survey_score ?? ""}</td></tr>`);
			parts.push(`<div class="hh-card"><h4>${__("Satisfaction Trend")}</h4><table><tr><th>${__("Year")}</th><th>${__("Orders")}</th><th>${__("Average Rating")}</th>
				<th>${__("Visits Reached")}</th><th>${__("Satisfied")}</th><th>${__("Visit Satisfaction (1–5)")}</th><th>${__("Survey Score")}</th></tr>${rows.join("")}</table></div>`);
		}
		if (h.visits) {
			const rows = h.visits.map((v) => `<tr><td>${link("Return Visit", v.name)}</td><td>${e(__(v.reference_doctype || ""))}</td><td>${d(v.due_date)}</td>
				<td>${e(__(v.status))}</td><td>${e(__(v.outcome || ""))}</td><td>${v.satisfaction || ""}</td><td>${e(v.visitor || "")}</td></tr>`);
			parts.push(`<div class="hh-card"><h4>${__("Return Visits")}</h4><table>${rows.join("") || `<tr><td class="text-muted">${__("None")}</td></tr>`}</table></div>`);
		}
		if (h.care) {
			const rows = h.care.map((c) => `<tr><td>${d(c.on_date)}</td><td>${e(__(c.event_type))}</td><td>${e(c.resident_name || "")}</td>
				<td>${e(__(c.action || ""))} ${c.channel ? "· " + e(__(c.channel)) : ""}</td><td>${e(c.reason ? __(c.reason) : "")}</td></tr>`);
			parts.push(`<div class="hh-card"><h4>${__("Care Events")}</h4><table>${rows.join("") || `<tr><td class="text-muted">${__("None")}</td></tr>`}</table></div>`);
		}
		if (h.timeline) {
			const rows = h.timeline.map((c) => `<tr><td>${frappe.datetime.str_to_user(c.communication_date)}</td><td>${e(__(c.communication_medium || ""))}</td>
				<td>${link("Communication", c.name, c.subject)}</td><td>${e(__(c.reference_doctype || ""))} ${e(c.reference_name || "")}</td></tr>`);
			parts.push(`<div class="hh-card"><h4>${__("Communications")}</h4><table>${rows.join("") || `<tr><td class="text-muted">${__("None")}</td></tr>`}</table></div>`);
		}
		this.$body.html(parts.join(""));
	}
}
