"""Fees at volume, measured against ERPNext's own equivalents in the same run.

Run from the bench's sites/ folder with the bench's Python, on a demo site (`property-crm-demo`):

	../env/bin/python /path/to/benchmarks/fees.py --site SITE [--units 20000] [--baseline 300] [--runs 11]

1. Billing run: bills one month (the month after the demo's last billed month, so nothing is billed yet)
   for --units units through the billing run (`property_fees.billing.run`: plan, unique shares, ERPNext Sales
   Invoices inserted and submitted), and then creates the same kind of invoices for the next month one by
   one through ERPNext's API (`frappe.get_doc({...Sales Invoice...}).insert(); .submit()`, ERPNext filling
   in every default) for the first --baseline payers. Prints invoices per second of each.
2. Arrears Ageing (by estate and by unit) against ERPNext's Accounts Receivable report (ageing by due
   date), median of --runs runs (--ar-runs for ERPNext's report, which reads every ledger row in Python),
   as Administrator. `--skip-billing` measures the reports alone (over a demo's two years of bills).
Both add data to the site (two months of bills); run it on a benchmark site only.
"""

import argparse
import statistics
import time

import frappe
from frappe.utils import add_months, getdate, nowdate

from property_crm.demo.fees import ensure_fiscal_years
from property_crm.property_fees import billing as fees
from property_crm.property_fees.report.arrears_ageing import arrears_ageing


def next_free_month() -> str:
	last = frappe.db.sql("select max(period) from `tabProperty Fee Charge` where period like '____-__'")[0][0]
	start = getdate(f"{last}-01") if last else getdate(nowdate()).replace(day=1)
	return str(add_months(start, 1))


def billing(units: int, baseline: int) -> dict:
	month = next_free_month()
	ensure_fiscal_years(getdate(month).year, getdate(add_months(month, 1)).year)
	company = frappe.db.get_value("Company", {}, "name", order_by="creation asc")
	sample = frappe.get_all("Property Unit", filters={"status": ("!=", "Vacant")}, pluck="name", order_by="name",
		limit=units)  # fmt: skip
	estates = sorted(set(frappe.get_all("Property Unit", filters={"name": ("in", sample)}, pluck="estate")))
	run = frappe.get_doc(
		{"doctype": "Property Billing Run", "period": month, "company": company,
			"estates": [{"estate": e} for e in estates], "submit_invoices": 1}
	).insert(ignore_permissions=True)  # fmt: skip
	frappe.db.commit()
	started = time.perf_counter()
	fees.run(run.name, units=sample)
	ours_s = time.perf_counter() - started
	run.reload()
	# the same invoices, the next month, one by one through ERPNext's API
	later = str(add_months(getdate(month), 1))
	bills, _skipped = fees.plan(later, company, estates, sample)
	bills = [b for b in bills if b.customer][:baseline]
	started = time.perf_counter()
	for bill in bills:
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": bill.customer,
				"company": company,
				"set_posting_time": 1,
				"posting_date": later,
				"due_date": add_months(later, 0),
				"items": [
					{"item_code": line.fee_item, "qty": float(line.qty), "rate": float(line.rate)}
					for line in bill.lines
				],
			}
		)
		doc.insert(ignore_permissions=True)
		doc.submit()
		frappe.db.commit()
	erpnext_s = time.perf_counter() - started
	return {
		"month": month,
		"units": len(sample),
		"ours_invoices": run.invoices_made,
		"ours_s": ours_s,
		"ours_rate": run.invoices_made / ours_s if ours_s else 0,
		"erpnext_invoices": len(bills),
		"erpnext_s": erpnext_s,
		"erpnext_rate": len(bills) / erpnext_s if erpnext_s else 0,
	}


def median_ms(fn, runs: int) -> float:
	times = []
	for _ in range(runs):
		started = time.perf_counter()
		fn()
		times.append((time.perf_counter() - started) * 1000)
	return statistics.median(times)


def ageing(runs: int, ar_runs: int) -> list[tuple]:
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute as receivable

	company = frappe.db.get_value("Company", {}, "name", order_by="creation asc")
	today = nowdate()
	ar_filters = frappe._dict(company=company, report_date=today, ageing_based_on="Due Date",
		range="30, 60, 90, 120", party_type="Customer")  # fmt: skip
	measures = [
		(
			f"Arrears Ageing by {group.lower()}",
			lambda group=group: arrears_ageing.execute({"as_of": today, "group_by": group}),
			runs,
		)
		for group in ("Estate", "Building", "Unit")
	]
	measures.append(("ERPNext Accounts Receivable", lambda: receivable(frappe._dict(ar_filters)), ar_runs))
	out = []
	for label, fn, times in measures:
		fn()  # warm
		out.append((label, median_ms(fn, times), times))
	return out


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--units", type=int, default=20000)
	parser.add_argument("--baseline", type=int, default=300)
	parser.add_argument("--runs", type=int, default=11)
	parser.add_argument("--ar-runs", type=int, default=None, help="runs of ERPNext's report (default --runs)")
	parser.add_argument("--skip-billing", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		invoices = frappe.db.count(
			"Sales Invoice", {"property_billing_period": ("is", "set"), "docstatus": 1}
		)
		print(f"fee invoices on the site: {invoices:,}; units: {frappe.db.count('Property Unit'):,}")
		if not args.skip_billing:
			b = billing(args.units, args.baseline)
			print(f"\nbilling run {b['month']} for {b['units']:,} units:")
			print(
				f"  ours    {b['ours_invoices']:>7,} invoices in {b['ours_s']:8.1f} s = {b['ours_rate']:6.1f}/s"
			)
			print(
				f"  ERPNext {b['erpnext_invoices']:>7,} invoices in {b['erpnext_s']:8.1f} s = {b['erpnext_rate']:6.1f}/s"
			)
			print(f"  ratio (ours / ERPNext one by one): {b['ours_rate'] / b['erpnext_rate']:.2f}")
		print("\nreports (medians):")
		for label, ms, times in ageing(args.runs, args.ar_runs or args.runs):
			print(f"  {label:<32} {ms:9.1f} ms (median of {times})")
	finally:
		frappe.destroy()


if __name__ == "__main__":
	main()
