"""Complaints at volume, measured against ERPNext's own equivalents in the same run.

Run from the bench's sites/ folder with the bench's Python, on a site prepared only by the README's commands
(install, then `bench --site SITE property-crm-demo --units 20000 --residents 40000`):

	../env/bin/python /path/to/benchmarks/complaints.py --site SITE [--seed]

--seed tops the complaints up to --complaints (default 20,000) with the demo's own generator
(`property_crm.demo.complaints`), and gives the benchmark resident (the one of benchmarks/service_orders.py,
whose Customer has ERPNext Issues of its own) --per-resident complaints about their home. A second --seed
adds nothing. Every request goes through Frappe's WSGI application in-process (routing, session,
permissions, rendering), timed as the median of --runs:
- Complaint Analysis, once per grouping, against ERPNext's Issue Summary (by customer) and Issue Analytics
  (monthly, by priority) over the same year — the three reports' requests interleaved run by run, so drift
  affects them alike (goal: each grouping ≤ 1 s);
- the portal's complaint list (and a complaint's page) against ERPNext's `/issues/list` for a customer
  with issues (goal: ratio ≤ 0.5), once the portal's complaint pages exist.
"""

import argparse
import random
import statistics
import time
from datetime import date

import frappe
from frappe.utils import add_months, nowdate

from property_crm.property_complaints.rules.analysis import GROUPINGS

# benchmarks/ is the script's own folder: the service-order benchmark's resident, timer and medians
from service_orders import Timer, bench_resident, medians_ms  # isort: skip


def seed(complaints: int, per_resident: int, resident: str) -> None:
	from property_crm.demo.complaints import add_complaints
	from property_crm.demo.generate.orders import UnitInfo

	rng = random.Random(12345)
	mine = len(resident_complaints(resident))
	if mine < per_resident:
		home = frappe.get_all(
			"Property Unit Occupant",
			filters={"resident": resident, "parenttype": "Property Unit"},
			pluck="parent",
		)[0]
		unit = frappe.db.get_value("Property Unit", home, ["name", "estate", "building"], as_dict=True)
		units = [UnitInfo(unit.name, unit.estate, unit.building, resident, date(2000, 1, 1))]
		add_complaints(rng, per_resident - mine, print, units=units, anonymous_share=0.05)
	missing = complaints - frappe.db.count("Complaint")
	if missing > 0:
		add_complaints(rng, missing, print)


def resident_complaints(resident: str) -> list[str]:
	"""The resident's own complaints, named or anonymous (through the identity)."""
	return frappe.get_all("Complaint", filters={"complainant": resident}, pluck="name") + frappe.get_all(
		"Complaint Identity", filters={"complainant": resident}, pluck="complaint"
	)


def report(name: str, filters: dict) -> tuple:
	return (
		"post",
		"/api/method/frappe.desk.query_report.run",
		{"data": {"report_name": name, "filters": frappe.as_json(filters)}},
	)


def interleaved_medians(timer: Timer, runs: int, requests: dict[str, tuple]) -> dict[str, float]:
	"""One warm-up each, then `runs` rounds of every request in turn; the median of each."""
	times: dict[str, list[float]] = {label: [] for label in requests}
	for method, path, kwargs in requests.values():
		timer.timed_ms(method, path, **kwargs)
	for _ in range(runs):
		for label, (method, path, kwargs) in requests.items():
			times[label].append(timer.timed_ms(method, path, **kwargs))
	return {label: statistics.median(values) for label, values in times.items()}


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--complaints", type=int, default=20_000)
	parser.add_argument("--per-resident", type=int, default=50)
	parser.add_argument("--runs", type=int, default=21)
	parser.add_argument("--seed", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	resident = bench_resident()
	if args.seed:
		started = time.monotonic()
		seed(args.complaints, args.per_resident, resident)
		print(f"seeded in {time.monotonic() - started:.0f} s")
	customer = frappe.db.get_value("Property Owner", resident, "customer")
	counts = {
		"complaints": frappe.db.count("Complaint"),
		"anonymous": frappe.db.count("Complaint", {"is_anonymous": 1}),
		"issues": frappe.db.count("Issue"),
		"units": frappe.db.count("Property Unit"),
		"resident complaints": len(resident_complaints(resident)),
		"customer issues": frappe.db.count("Issue", {"customer": customer}) if customer else 0,
	}
	print("volume:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))

	admin = Timer(args.site, "Administrator", frappe.conf.admin_password or "admin")
	company = frappe.db.get_value("Company", {}, "name")
	year = {"from_date": add_months(nowdate(), -12), "to_date": nowdate()}
	requests = {
		f"Complaint Analysis: {label}": report("Complaint Analysis", {**year, "group_by": label})
		for label in GROUPINGS
	}
	requests["Issue Summary (by customer)"] = report(
		"Issue Summary", {**year, "company": company, "based_on": "Customer"}
	)
	requests["Issue Analytics (monthly)"] = report(
		"Issue Analytics", {**year, "company": company, "based_on": "Issue Priority", "range": "Monthly"}
	)
	medians = interleaved_medians(admin, args.runs, requests)
	summary = medians.pop("Issue Summary (by customer)")
	analytics = medians.pop("Issue Analytics (monthly)")
	print(f"\nreports, medians of {args.runs} runs (ERPNext: Issue Summary {summary:.0f} ms, "
		f"Issue Analytics {analytics:.0f} ms)")  # fmt: skip
	print(f"{'measure':44} {'ours ms':>9} {'vs Summary':>11} {'vs Analytics':>13}")
	for label, ours in medians.items():
		print(f"{label:44} {ours:9.1f} {ours / summary:11.2f} {ours / analytics:13.2f}")

	from property_crm.portal import shell

	if not shell.match("property/complaints"):
		print("\nportal: no complaint pages in portal.shell.PAGES yet; not measured")
		frappe.destroy()
		return
	portal = Timer(args.site, "bench-resident@example.com", "Bench-2026!")
	own = frappe.db.get_value(
		"Complaint", {"name": ("in", resident_complaints(resident) or [""])}, "name", order_by="creation desc"
	)
	rows = [("portal: my complaints list", ("get", "/property/complaints"), ("get", "/issues/list"))]
	if own:
		rows.append(
			("portal: a complaint's page", ("get", f"/property/complaints/{own}"), ("get", "/issues/list"))
		)
	print(f"\n{'measure':44} {'ours ms':>9} {'ERPNext ms':>11} {'ratio':>7}")
	for label, ours, theirs in rows:
		ours_ms, theirs_ms = medians_ms(portal, args.runs, ours, theirs)
		print(f"{label:44} {ours_ms:9.1f} {theirs_ms:11.1f} {ours_ms / theirs_ms:7.2f}")
	frappe.destroy()


if __name__ == "__main__":
	main()
