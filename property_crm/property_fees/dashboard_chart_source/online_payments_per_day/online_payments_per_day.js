frappe.provide("frappe.dashboards.chart_sources");

// What residents paid online each day of the last days, one line per platform (the paid payment orders
// the reader may see).
frappe.dashboards.chart_sources["Online Payments per Day"] = {
	method: "property_crm.property_fees.dashboard_chart_source.online_payments_per_day.online_payments_per_day.get",
	filters: [{ fieldname: "days", label: __("Days"), fieldtype: "Int", default: 30 }],
};
