// Online Payment Reconciliation (线上支付对账): the daily statements' lines, discrepancies in colour.
const RESULT_COLOURS = { "Amount Mismatch": "red", "Missing Here": "orange", "Missing on Platform": "orange", Matched: "green" };

frappe.query_reports["Online Payment Reconciliation"] = {
	filters: [
		{ fieldname: "platform", label: __("Platform"), fieldtype: "Select", options: ["", "WeChat Pay", "Alipay"] },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -30) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "only_discrepancies", label: __("Only Discrepancies"), fieldtype: "Check", default: 1 },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (data && (column.fieldname === "result" || column.fieldname === "difference")) {
			const colour = RESULT_COLOURS[data.result_key];
			if (colour && (column.fieldname === "result" || data.result_key !== "Matched")) {
				value = `<span style="color: var(--${colour}-600, ${colour}); font-weight: 600">${value}</span>`;
			}
		}
		return value;
	},
};
