// Bulk meter-reading entry (抄表录入): one building, one kind of meter, one month, every unit on one screen.
// Opened from the Property Building form and the Property Meter Reading list. Enter / Tab / ↓ move to the
// next unit's reading, Shift+Enter / Shift+Tab / ↑ back; Ctrl+S saves. The server saves all or nothing
// (property_crm.property_fees.meter_entry_api) and names every unit at fault. A meter never read before has no previous
// reading: its row takes a starting reading (what it showed when fitted or taken over; empty is 0).
frappe.provide("property_crm.meter_entry");

(() => {
	const API = "property_crm.property_fees.meter_entry_api.";
	const esc = (v) => frappe.utils.escape_html(v === null || v === undefined ? "" : String(v));
	const num = (v) => {
		const text = String(v ?? "").replace(/[,\s]/g, "");
		return text === "" || isNaN(Number(text)) ? null : Number(text);
	};
	const shown = (v) => (v === null || v === undefined || v === "" ? "" : String(+Number(v).toFixed(3)));
	const month_start = (day) => day.slice(0, 8) + "01"; // yyyy-mm-dd

	// What the doctype's rule (domain.fees.consumption) will say, shown while typing; the server decides.
	function consumption(prev, cur, change, old_final, rollover, digits) {
		prev = prev || 0;
		if (change) return Math.max((old_final ?? prev) - prev, 0) + cur;
		if (cur >= prev) return cur - prev;
		if (rollover && digits >= 1 && digits <= 12) return 10 ** digits - prev + cur;
		return null; // lower than before: refused on save
	}

	function row_html(row, i) {
		const label = row.floor === null || row.floor === undefined
			? esc(row.unit_number || row.unit)
			: `${esc(row.unit_number || row.unit)} <span class="text-muted small">${esc(__("Floor {0}", [row.floor]))}</span>`;
		const entered = row.reading
			? `<span class="indicator-pill green" title="${esc(row.reading)}">${esc(__("Entered"))}</span>`
			: "";
		return `<tr data-idx="${i}" data-unit="${esc(row.unit)}">
			<td><div>${label}</div><div class="text-muted small">${esc(row.unit)}</div></td>
			<td><input class="form-control input-xs pcrm-meter-no" value="${esc(row.meter_no)}"></td>
			<td class="text-right">${row.first
				? `<input class="form-control input-xs text-right pcrm-start" inputmode="decimal" autocomplete="off"
					placeholder="${esc(__("Starting Reading"))}" value="${esc(shown(row.previous_reading))}"
					title="${esc(__("Never read before: what the meter showed when it was fitted or taken over (empty is 0)."))}">
					<div class="text-muted small">${esc(__("Starting Reading"))}</div>`
				: `${esc(shown(row.previous_reading))}
					<div class="text-muted small">${esc((row.previous_period || "").slice(0, 7))}</div>`}</td>
			<td><input class="form-control input-xs text-right pcrm-current" inputmode="decimal" autocomplete="off"
				value="${esc(shown(row.current_reading))}"></td>
			<td class="text-right pcrm-consumption"></td>
			<td class="text-nowrap"><input type="checkbox" class="pcrm-change" ${row.meter_change ? "checked" : ""}
				title="${esc(__("Meter Changed"))}">
				<input class="form-control input-xs text-right pcrm-old-final" inputmode="decimal"
				placeholder="${esc(__("Old Meter's Last Reading"))}" value="${esc(shown(row.old_meter_final_reading))}"></td>
			<td class="text-nowrap"><input type="checkbox" class="pcrm-rollover" ${row.rollover ? "checked" : ""}
				title="${esc(__("Rollover"))}">
				<input class="form-control input-xs text-right pcrm-digits" inputmode="numeric"
				placeholder="${esc(__("Meter Digits"))}" value="${esc(row.meter_digits ?? "")}"></td>
			<td>${entered}</td>
		</tr>`;
	}

	function table_html(sheet) {
		if (!sheet.rows.length) {
			return `<p class="text-muted">${esc(__("This building has no units you may see."))}</p>`;
		}
		const head = [__("Unit"), __("Meter No."), __("Previous Reading"), __("Current Reading"), __("Consumption"),
			__("Meter Changed"), __("Rollover"), ""].map((h) => `<th>${esc(h)}</th>`).join("");
		return `<style>
				.pcrm-meter-sheet { max-height: 62vh; overflow: auto; }
				.pcrm-meter-sheet table { margin: 0; }
				.pcrm-meter-sheet th { position: sticky; top: 0; background: var(--fg-color); z-index: 1; white-space: nowrap; }
				.pcrm-meter-sheet td { vertical-align: middle; padding: 4px 6px; }
				.pcrm-meter-sheet .pcrm-current { min-width: 110px; font-weight: 600; }
				.pcrm-meter-sheet .pcrm-meter-no { min-width: 90px; }
				.pcrm-meter-sheet .pcrm-start { min-width: 100px; }
				.pcrm-meter-sheet .pcrm-old-final, .pcrm-meter-sheet .pcrm-digits { display: inline-block; width: 110px; }
				.pcrm-meter-sheet tr.pcrm-fault td { background: var(--red-50, #fff5f5); }
				.pcrm-meter-sheet .pcrm-low { color: var(--red-600, #c00); font-weight: 600; }
			</style>
			<div class="text-muted small mb-2">${esc(__("Enter or Tab: next unit. Shift+Enter: previous unit. Ctrl+S: save all. Empty readings are skipped."))}</div>
			<div class="pcrm-meter-sheet"><table class="table table-bordered table-sm">
				<thead><tr>${head}</tr></thead>
				<tbody>${sheet.rows.map(row_html).join("")}</tbody>
			</table></div>`;
	}

	property_crm.meter_entry.open = function ({ building, meter_type, period } = {}) {
		let sheet = null;
		let dirty = false;
		let loading = 0;
		const dialog = new frappe.ui.Dialog({
			title: __("Meter Readings"),
			size: "extra-large",
			fields: [
				{ fieldname: "building", fieldtype: "Link", options: "Property Building", label: __("Building"), reqd: 1,
					default: building, onchange: () => reload() },
				{ fieldtype: "Column Break" },
				{ fieldname: "meter_type", fieldtype: "Select", label: __("Meter"), reqd: 1, default: meter_type || "Water",
					options: ["Water", "Electricity", "Gas"].map((v) => ({ value: v, label: __(v) })), onchange: () => reload() },
				{ fieldtype: "Column Break" },
				{ fieldname: "period", fieldtype: "Date", label: __("Month"), reqd: 1,
					default: period || month_start(frappe.datetime.get_today()),
					description: __("Consumption of this month (any day of it)."), onchange: () => reload() },
				{ fieldtype: "Column Break" },
				{ fieldname: "reading_date", fieldtype: "Date", label: __("Read On"), default: frappe.datetime.get_today() },
				{ fieldtype: "Section Break" },
				{ fieldname: "sheet", fieldtype: "HTML" },
			],
			primary_action_label: __("Save All"),
			primary_action: () => save(),
		});
		const $sheet = dialog.fields_dict.sheet.$wrapper;
		// the clipboard's first unit, not the building field, once the dialog is shown and the sheet is in
		const focus_first = () => dialog.display && $sheet.find(".pcrm-current").first().trigger("focus");
		dialog.on_page_show = focus_first;

		function key() {
			const v = dialog.get_values(true);
			return v.building && v.meter_type && v.period ? v : null;
		}

		function reload() {
			const v = key();
			if (!v) return;
			const load = () => {
				const ticket = ++loading;
				$sheet.html(`<p class="text-muted">${esc(__("Loading..."))}</p>`);
				frappe.call({ method: API + "building_sheet", args: { building: v.building, meter_type: v.meter_type, period: v.period } })
					.then(({ message }) => {
						if (ticket !== loading) return; // a newer choice is on its way
						sheet = message;
						dirty = false;
						$sheet.html(table_html(sheet));
						dialog.set_title(__("Meter Readings") + " · " + v.building + " · " + __(v.meter_type) + " · " + sheet.period.slice(0, 7));
						$sheet.find("tbody tr").each((_, tr) => refresh_row($(tr)));
						focus_first();
					});
			};
			if (dirty) {
				frappe.confirm(__("Discard the readings typed but not saved?"), load);
			} else {
				load();
			}
		}

		function refresh_row($tr) {
			const row = sheet.rows[+$tr.data("idx")];
			const change = $tr.find(".pcrm-change").prop("checked");
			const rollover = $tr.find(".pcrm-rollover").prop("checked");
			$tr.find(".pcrm-old-final").toggle(change);
			$tr.find(".pcrm-digits").toggle(rollover);
			const cur = num($tr.find(".pcrm-current").val());
			const $out = $tr.find(".pcrm-consumption").removeClass("pcrm-low");
			if (cur === null) {
				$out.text("");
				return;
			}
			const previous = row.first ? num($tr.find(".pcrm-start").val()) : row.previous_reading;
			const used = consumption(previous, cur, change, num($tr.find(".pcrm-old-final").val()),
				rollover, num($tr.find(".pcrm-digits").val()));
			if (used === null) {
				$out.text(__("Lower")).addClass("pcrm-low")
					.attr("title", __("Lower than the previous reading: tick Meter Changed or Rollover if so."));
			} else {
				$out.text(shown(used)).attr("title", "");
			}
		}

		function typed_rows() {
			return $sheet.find("tbody tr").toArray().map((tr) => {
				const $tr = $(tr);
				const row = sheet.rows[+$tr.data("idx")];
				return {
					unit: row.unit,
					...(row.first ? { previous_reading: $tr.find(".pcrm-start").val() } : {}),
					current_reading: $tr.find(".pcrm-current").val(),
					meter_no: $tr.find(".pcrm-meter-no").val(),
					meter_change: $tr.find(".pcrm-change").prop("checked") ? 1 : 0,
					old_meter_final_reading: $tr.find(".pcrm-old-final").val(),
					rollover: $tr.find(".pcrm-rollover").prop("checked") ? 1 : 0,
					meter_digits: $tr.find(".pcrm-digits").val(),
				};
			});
		}

		function mark_faults(r) {
			let text = "";
			try {
				text = JSON.parse(r._server_messages).map((m) => JSON.parse(m).message || "").join(" ");
			} catch (e) {
				return;
			}
			let first = null;
			$sheet.find("tbody tr").each((_, tr) => {
				const $tr = $(tr);
				const fault = text.includes(`<b>${esc(sheet.rows[+$tr.data("idx")].unit)}</b>`);
				$tr.toggleClass("pcrm-fault", fault);
				if (fault && !first) first = $tr;
			});
			first && first[0].scrollIntoView({ block: "center" });
		}

		function save() {
			const v = key();
			if (!v || !sheet) return;
			frappe.call({
				method: API + "save_building_readings",
				args: { building: sheet.building, meter_type: sheet.meter_type, period: sheet.period,
					rows: JSON.stringify(typed_rows()), reading_date: v.reading_date || null },
				freeze: true,
				freeze_message: __("Saving meter readings..."),
				error: (r) => r && mark_faults(r),
			}).then(({ message: c }) => {
				if (!c) return;
				frappe.msgprint({
					title: __("Meter readings saved"),
					indicator: "green",
					message: __("{0} new, {1} changed, {2} unchanged, {3} left empty.", [c.created, c.updated, c.unchanged, c.skipped]),
				});
				dirty = false;
				reload();
			});
		}

		$sheet.on("input change", "input", (e) => {
			dirty = true;
			refresh_row($(e.target).closest("tr"));
		});
		$sheet.on("focus", ".pcrm-current", (e) => e.target.select());
		$sheet.on("keydown", ".pcrm-current", (e) => {
			const back = e.shiftKey || e.key === "ArrowUp";
			if (!["Enter", "Tab", "ArrowDown", "ArrowUp"].includes(e.key)) return;
			const inputs = $sheet.find(".pcrm-current");
			const next = inputs.index(e.target) + (back ? -1 : 1);
			if (next < 0 || next >= inputs.length) {
				if (e.key === "Enter") e.preventDefault();
				return; // Tab off the end of the sheet: on to the dialog's buttons
			}
			e.preventDefault();
			e.stopPropagation();
			inputs.eq(next).trigger("focus");
			inputs[next].scrollIntoView({ block: "nearest" });
		});
		dialog.show();
		reload();
		return dialog;
	};
})();
