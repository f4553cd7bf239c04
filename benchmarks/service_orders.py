"""Service orders at volume, measured against ERPNext's own equivalents in the same run.

Run from the bench's sites/ folder with the bench's Python, on a site prepared only by the README's
commands (install, then `bench --site SITE property-crm-demo --units 20000 --residents 40000`, which
makes 100,000 orders):

	../env/bin/python /path/to/benchmarks/service_orders.py --site SITE --orders 100000 [--seed]

--seed tops the orders up to --orders (none when the demo made them), gives one resident --per-resident
orders of their own, and adds ERPNext Issues until there are as many issues as orders, that resident's
Customer getting as many issues as the resident has orders. A second --seed adds nothing. Every request goes through Frappe's
WSGI application in-process (routing, session, permissions, rendering), timed as the median of --runs.
Prints a table: ours, ERPNext's, the ratio (goal ≤ 1.0) and each report's time (goal ≤ 1 s).
"""

import argparse
import random
import statistics
import time
from datetime import timedelta
from threading import Thread
from unittest.mock import patch

from werkzeug.test import Client

import frappe
from frappe.utils import add_months, now_datetime, nowdate

from property_crm.demo.orders import mark_repeats

PREFIX_ORDER, PREFIX_ISSUE = "SO-BENCH-", "ISS-BENCH-"


def seed(orders: int, per_resident: int) -> None:
	rng = random.Random(7)
	units = frappe.get_all(
		"Property Unit",
		filters={"primary_contact": ("is", "set")},
		fields=["name", "estate", "building", "primary_contact"],
		limit_page_length=0,
	)
	categories = frappe.get_all("Service Category", filters={"is_group": 0}, pluck="name")
	technicians = frappe.get_all(
		"Has Role", filters={"role": "Property Technician", "parenttype": "User"}, pluck="parent"
	) or ["Administrator"]
	resident = bench_resident()
	home = frappe.get_all("Property Unit Occupant", filters={"resident": resident}, pluck="parent")[0]
	home_unit = frappe.db.get_value("Property Unit", home, ["name", "estate", "building"], as_dict=True)
	customer = frappe.db.get_value("Property Owner", resident, "customer")
	now = now_datetime()
	statuses = ["Closed"] * 6 + ["Completed"] * 2 + ["In Progress", "Draft", "Dispatched", "Cancelled"]
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series", "subject", "service_category",
		"channel", "status", "unit", "estate", "building", "requester", "priority", "first_responded_on", "completed_on",
		"sla_resolution_date", "agreement_status", "rating", "_assign", "escalation_level", "labour_hours", "chargeable_amount"]  # fmt: skip
	issue_fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series", "subject", "status",
		"priority", "customer", "raised_by", "opening_date", "opening_time", "company", "first_responded_on", "agreement_status",
		"sla_resolution_date"]  # fmt: skip
	company = frappe.db.get_value("Company", {}, "name")
	user = frappe.db.get_value("Property Owner", resident, "user")
	mine_already = frappe.db.count(
		"Service Order", {"name": ("like", PREFIX_ORDER + "%"), "requester": resident}
	)
	add_orders = max(0, orders - frappe.db.count("Service Order"), per_resident - mine_already)
	add_issues = max(0, frappe.db.count("Service Order") + add_orders - frappe.db.count("Issue"))
	first = frappe.db.count("Service Order", {"name": ("like", PREFIX_ORDER + "%")})
	first_issue = frappe.db.count("Issue", {"name": ("like", PREFIX_ISSUE + "%")})
	mine_issues = frappe.db.count("Issue", {"customer": customer}) if customer else 0
	rows, issues = [], []
	for i in range(max(add_orders, add_issues)):
		mine = i < per_resident - mine_already
		unit = home_unit if mine else rng.choice(units)
		opened = now - timedelta(minutes=rng.randint(10, 360 * 24 * 60))
		status = rng.choice(statuses)
		done = status in ("Completed", "Closed")
		responded = opened + timedelta(minutes=rng.randint(5, 600))
		finished = responded + timedelta(minutes=rng.randint(30, 4000)) if done else None
		subject = rng.choice(["厨房水龙头漏水", "电梯异响", "门锁损坏", "楼道灯不亮", "下水道堵塞"])
		issue_mine = i < per_resident - mine_issues
		row = (f"{PREFIX_ORDER}{first + i:07d}", opened, opened, "Administrator", "Administrator", 0, "SO-.YYYY.-",
			subject, rng.choice(categories),
			rng.choice(["Phone", "Portal", "Desk", "QR"]), status, unit.name, unit.estate, unit.building,
			resident if mine else unit.get("primary_contact"), rng.choice(["Low", "Medium", "Medium", "High", "Urgent"]),
			responded, finished, finished, ("Fulfilled" if rng.random() < 0.85 else "Failed") if done else "Resolution Due",
			rng.choice([0, 3, 4, 5, 5]) if done else 0, frappe.as_json([rng.choice(technicians)]), 0, 1.0, 0)  # fmt: skip
		if i < add_orders:
			rows.append(row)
		issue = (f"{PREFIX_ISSUE}{first_issue + i:07d}", opened, opened, "Administrator", "Administrator", 0, "ISS-.YYYY.-",
			subject, rng.choice(["Open", "Replied", "Resolved", "Closed"]), rng.choice(["Low", "Medium", "High"]),
			customer if issue_mine else None, user if issue_mine else "someone@example.com", opened.date(), opened.time(),
			company, responded, "Fulfilled", finished)  # fmt: skip
		if i < add_issues:
			issues.append(issue)
		if len(rows) + len(issues) >= 20_000:
			frappe.db.bulk_insert("Service Order", fields, rows)
			frappe.db.bulk_insert("Issue", issue_fields, issues)
			frappe.db.commit()
			rows, issues = [], []
			print(f"  seeded {i + 1:,}")
	if rows or issues:
		frappe.db.bulk_insert("Service Order", fields, rows)
		frappe.db.bulk_insert("Issue", issue_fields, issues)
	mark_repeats(PREFIX_ORDER + "%")
	frappe.db.commit()


def free_primary_contact() -> str:
	"""A current primary contact with no portal login and no e-mail yet (the demo's residents keep theirs)."""
	owner = frappe.qb.DocType("Property Owner")
	row = frappe.qb.DocType("Property Unit Occupant")
	return (
		frappe.qb.from_(row)
		.join(owner)
		.on(owner.name == row.resident)
		.select(owner.name)
		.where(
			(row.primary_contact == 1) & owner.user.isnull() & owner.email.isnull() & row.move_out.isnull()
		)
		.orderby(row.parent)
		.limit(1)
		.run()[0][0]
	)


def bench_resident() -> str:
	"""A resident with a portal login and a Customer, for both portals."""
	from property_crm.property_households import accounts

	name = frappe.db.get_value("Property Owner", {"user": "bench-resident@example.com"}, "name")
	if not name:
		name = free_primary_contact()
		frappe.db.set_value("Property Owner", name, "email", "bench-resident@example.com")
	owner = frappe.get_doc("Property Owner", name)
	accounts.ensure_customer(owner)
	accounts.ensure_portal_user(frappe.get_doc("Property Owner", name))
	from frappe.utils.password import update_password

	update_password("bench-resident@example.com", "Bench-2026!")
	frappe.db.commit()
	return name


class Timer:
	def __init__(self, site: str, user: str, password: str):
		self.site = site
		self.client = Client(frappe.get_attr("frappe.app.application"))
		status = self.call("post", "/api/method/login", json={"usr": user, "pwd": password}).status_code
		assert status == 200, status

	def call(self, method: str, path: str, **kwargs):
		result = {}

		def target():
			with patch("frappe.app.get_site_name", return_value=self.site):
				result["r"] = getattr(self.client, method)(path, **kwargs)

		thread = Thread(target=target)
		thread.start()
		thread.join()
		return result["r"]

	def timed_ms(self, method: str, path: str, **kwargs) -> float:
		start = time.perf_counter()
		response = self.call(method, path, **kwargs)
		elapsed = (time.perf_counter() - start) * 1000
		assert response.status_code == 200, (
			path,
			response.status_code,
			response.get_data(as_text=True)[:300],
		)
		return elapsed


def medians_ms(timer: Timer, runs: int, ours: tuple, theirs: tuple) -> tuple[float, float]:
	"""Alternate the two requests, after one warm-up each, so drift affects both alike."""
	ours_args, theirs_args = (ours[2] if len(ours) > 2 else {}), (theirs[2] if len(theirs) > 2 else {})
	timer.timed_ms(ours[0], ours[1], **ours_args)
	timer.timed_ms(theirs[0], theirs[1], **theirs_args)
	ours_times, theirs_times = [], []
	for _ in range(runs):
		ours_times.append(timer.timed_ms(ours[0], ours[1], **ours_args))
		theirs_times.append(timer.timed_ms(theirs[0], theirs[1], **theirs_args))
	return statistics.median(ours_times), statistics.median(theirs_times)


def desk_list(doctype: str) -> dict:
	"""The request the desk's list view makes: name, title, the in-list-view columns, modified."""
	meta = frappe.get_meta(doctype)
	fields = ["name", meta.title_field, *[f.fieldname for f in meta.fields if f.in_list_view], "modified"]
	fields = list(dict.fromkeys(f for f in fields if f))
	return {"doctype": doctype, "fields": frappe.as_json([f"`tab{doctype}`.`{f}`" for f in fields]), "filters": "[]",
		"order_by": f"`tab{doctype}`.`{meta.sort_field or 'modified'}` {meta.sort_order or 'desc'}", "start": 0,
		"page_length": 20, "with_comment_count": 1}  # fmt: skip


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--orders", type=int, default=100_000)
	parser.add_argument("--per-resident", type=int, default=500)
	parser.add_argument("--runs", type=int, default=15)
	parser.add_argument("--seed", action="store_true")
	parser.add_argument(
		"--mark-repeats", action="store_true", help="set repeat_of on rows seeded before it existed"
	)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	if args.mark_repeats:
		mark_repeats(PREFIX_ORDER + "%")
		frappe.db.commit()
	if args.seed:
		started = time.monotonic()
		seed(args.orders, args.per_resident)
		print(f"seeded in {time.monotonic() - started:.0f} s")
	resident = bench_resident()
	counts = {
		"orders": frappe.db.count("Service Order"),
		"issues": frappe.db.count("Issue"),
		"units": frappe.db.count("Property Unit"),
		"resident orders": frappe.db.count("Service Order", {"requester": resident}),
		"customer issues": frappe.db.count(
			"Issue", {"customer": frappe.db.get_value("Property Owner", resident, "customer")}
		),
	}
	print("volume:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
	portal = Timer(args.site, "bench-resident@example.com", "Bench-2026!")
	own_order = frappe.db.get_value(
		"Service Order", {"requester": resident}, "name", order_by="creation desc"
	)
	admin = Timer(args.site, "Administrator", frappe.conf.admin_password or "admin")
	company = frappe.db.get_value("Company", {}, "name")
	year = {"from_date": add_months(nowdate(), -12), "to_date": nowdate()}
	rows = [
		("portal: my requests list", portal, ("get", "/property/requests"), ("get", "/issues/list")),
		("portal: /property home", portal, ("get", "/property"), ("get", "/issues/list")),
		(
			"portal: a request's page",
			portal,
			("get", f"/property/requests/{own_order}"),
			("get", "/issues/list"),
		),
		("portal: new-request form", portal, ("get", "/property/requests/new"), ("get", "/issues/list")),
		(
			"desk list (list-view columns)",
			admin,
			(
				"post",
				"/api/method/frappe.desk.reportview.get",
				{"data": desk_list("Service Order")},
			),
			(
				"post",
				"/api/method/frappe.desk.reportview.get",
				{"data": desk_list("Issue")},
			),
		),
		(
			"report vs Issue Analytics",
			admin,
			(
				"post",
				"/api/method/frappe.desk.query_report.run",
				{
					"data": {
						"report_name": "Service Order Analytics",
						"filters": frappe.as_json({**year, "group_by": "Month"}),
					}
				},
			),
			(
				"post",
				"/api/method/frappe.desk.query_report.run",
				{
					"data": {
						"report_name": "Issue Analytics",
						"filters": frappe.as_json(
							{**year, "company": company, "based_on": "Issue Priority", "range": "Monthly"}
						),
					}
				},
			),
		),
		(
			"report vs Issue Summary",
			admin,
			(
				"post",
				"/api/method/frappe.desk.query_report.run",
				{
					"data": {
						"report_name": "Service Order Analytics",
						"filters": frappe.as_json({**year, "group_by": "Estate"}),
					}
				},
			),
			(
				"post",
				"/api/method/frappe.desk.query_report.run",
				{
					"data": {
						"report_name": "Issue Summary",
						"filters": frappe.as_json({**year, "company": company, "based_on": "Customer"}),
					}
				},
			),
		),
	]
	print(f"\n{'measure':32} {'ours ms':>10} {'ERPNext ms':>11} {'ratio':>7}")
	for label, timer, ours, theirs in rows:
		ours_ms, theirs_ms = medians_ms(timer, args.runs, ours, theirs)
		print(f"{label:32} {ours_ms:10.1f} {theirs_ms:11.1f} {ours_ms / theirs_ms:7.2f}")
	frappe.destroy()


if __name__ == "__main__":
	main()
