"""The household file and the care jobs at volume.

Run from the bench's sites/ folder with the bench's Python, on the demo site (README: install, then
`bench --site SITE property-crm-demo --units 20000 --residents 40000`):

	../env/bin/python /path/to/benchmarks/household.py --site SITE [--seed]

--seed gives one household (the first occupied unit of the first estate, remembered as a default) ten years
of history: service orders every few weeks, quarterly return visits with outcomes, named and anonymous
complaints, survey answers where surveys exist, birthday care events, community-event sign-ups and
communications. A second --seed adds nothing. Then it measures (medians of --runs):
- the 360° page's data, `property_households.household.household`, in-process and through Frappe's WSGI application as
  the estate's manager (goal: ≤ 300 ms), with its query count; the printed household file;
- the daily care job (`property_care.care.daily_care`) over every resident, for three days (goal: ≤ 60 s each);
- the periodic visit planner over every estate, and the Stale Files report over every file.
The jobs run inside a transaction that is rolled back, so the site keeps no trace of them.
"""

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta

import frappe
from frappe.utils import add_days, getdate, today

# benchmarks/ is the script's own folder: the service-order benchmark's timer
from service_orders import Timer  # isort: skip

MARK = "property_crm_bench_household"
YEARS = 10


def household_unit() -> str:
	unit = frappe.db.get_default(MARK)
	if unit:
		return unit
	estate = frappe.get_all("Property Estate", pluck="name", order_by="name asc", limit=1)[0]
	return frappe.get_all(
		"Property Unit",
		filters={"estate": estate, "status": "Occupied"},
		pluck="name",
		order_by="name asc",
		limit=1,
	)[0]


def seed(unit: str) -> None:
	if frappe.db.get_default(MARK):
		print(f"household {unit}: kept as it is")
		return
	rng = random.Random(9)
	doc = frappe.get_doc("Property Unit", unit)
	people = [row.resident for row in doc.occupants]
	resident = doc.primary_contact or people[0]
	start = getdate(today()) - timedelta(days=365 * YEARS)
	category = frappe.get_all("Service Category", filters={"is_group": 0}, pluck="name", limit=5)
	base = dict(owner="Administrator", modified_by="Administrator", docstatus=0)

	def when(day: int) -> datetime:
		return datetime.combine(start + timedelta(days=day), datetime.min.time()) + timedelta(hours=9)

	orders = []
	for n, day in enumerate(range(0, 365 * YEARS, 24)):
		status = "In Progress" if day > 365 * YEARS - 60 else rng.choice(("Closed", "Closed", "Completed"))
		orders.append(
			{"name": f"SO-HH-{n:05d}", "creation": when(day), "modified": when(day), "naming_series": "SO-.YYYY.-",
				"subject": rng.choice(("厨房水龙头漏水", "卫生间堵塞", "空调不制冷", "门锁损坏", "灯不亮")),
				"service_category": rng.choice(category), "channel": "Phone", "status": status, "unit": unit,
				"estate": doc.estate, "building": doc.building, "requester": resident,
				"rating": rng.randint(3, 5) if status == "Closed" else 0,
				"agreement_status": rng.choice(("Fulfilled", "Fulfilled", "Failed")) if status != "In Progress" else "First Response Due"}
			| base
		)  # fmt: skip
	insert("Service Order", orders)
	visits = [
		{"name": f"RV-HH-{n:05d}", "creation": when(day), "modified": when(day), "naming_series": "RV-.YYYY.-",
			"reference_doctype": "Property Unit", "reference_name": unit, "estate": doc.estate, "unit": unit,
			"status": "Done", "due_date": (start + timedelta(days=day)), "method": "Phone",
			"outcome": rng.choice(("Satisfied", "Satisfied", "Satisfied", "Unsatisfied", "Unreachable")),
			"satisfaction": rng.randint(2, 5), "on_unsatisfied": "Record only"} | base
		for n, day in enumerate(range(30, 365 * YEARS, 91))
	]  # fmt: skip
	insert("Return Visit", visits)
	complaints, identities = [], []
	for n, day in enumerate(range(50, 365 * YEARS, 240)):
		anonymous = n % 5 == 4
		name = f"CMP-HH-{n:05d}"
		complaints.append(
			{"name": name, "creation": when(day), "modified": when(day), "naming_series": "CMP-.YYYY.-",
				"subject": rng.choice(("楼上噪音扰民", "保安态度差", "垃圾清运不及时")), "complaint_category": "Service Attitude",
				"channel": "Phone", "status": "Closed", "severity": "Medium", "estate": doc.estate,
				"building": doc.building, "unit": None if anonymous else unit,
				"complainant": None if anonymous else resident, "is_anonymous": int(anonymous),
				"complainant_name": "匿名" if anonymous else None, "identity": name if anonymous else None} | base
		)  # fmt: skip
		if anonymous:
			identities.append(
				{"name": name, "creation": when(day), "modified": when(day), "complaint": name, "estate": doc.estate,
					"complainant": resident, "unit": unit} | base
			)  # fmt: skip
	insert("Complaint", complaints)
	insert("Complaint Identity", identities)
	comms = [
		{"name": f"COMM-HH-{n:05d}", "creation": when(day), "modified": when(day), "communication_type": "Communication",
			"communication_medium": rng.choice(("Phone", "Email", "SMS")), "sent_or_received": "Sent",
			"subject": f"回访记录 {n}", "content": "…", "communication_date": when(day),
			"reference_doctype": "Property Owner", "reference_name": resident, "status": "Linked"} | base
		for n, day in enumerate(range(10, 365 * YEARS, 60))
	]  # fmt: skip
	insert("Communication", comms)
	events = [
		{"name": f"CARE-HH-{n:05d}", "creation": when(day), "modified": when(day), "event_type": "Birthday",
			"on_date": start + timedelta(days=day), "resident": resident, "estate": doc.estate, "unit": unit,
			"action": "Task", "channel": "Phone", "reason": "Preferred channel"} | base
		for n, day in enumerate(range(100, 365 * YEARS, 365))
	]  # fmt: skip
	insert("Property Care Event", events)
	if frappe.db.table_exists("Survey Response") and frappe.get_meta("Survey Response").has_field(
		"has_score"
	):
		insert("Survey Response", [
			{"name": f"SR-HH-{n:05d}", "creation": when(day), "modified": when(day), "naming_series": "SR-.YYYY.-",
				"estate": doc.estate, "building": doc.building, "unit": unit, "person": resident, "channel": "Phone",
				"overall_score": rng.randint(60, 100), "has_score": 1} | base
			for n, day in enumerate(range(200, 365 * YEARS, 180))
		])  # fmt: skip
	frappe.db.set_default(MARK, unit)
	frappe.db.commit()
	print(f"household {unit}: {len(orders)} orders, {len(visits)} visits, {len(complaints)} complaints, "
		f"{len(comms)} communications, {len(events)} care events over {YEARS} years")  # fmt: skip


def insert(doctype: str, rows: list[dict]) -> None:
	if rows:
		fields = list(rows[0])
		frappe.db.bulk_insert(doctype, fields, [tuple(r[f] for f in fields) for r in rows])


def median_ms(function, runs: int) -> float:
	times = []
	for _ in range(runs):
		started = time.perf_counter()
		function()
		times.append((time.perf_counter() - started) * 1000)
	return statistics.median(times)


def count_queries(function) -> int:
	queries = []
	original = frappe.db.sql

	def counting(*a, **kw):
		queries.append(1)
		return original(*a, **kw)

	frappe.db.sql = counting
	try:
		function()
	finally:
		frappe.db.sql = original
	return len(queries)


def rolled_back(function):
	started = time.perf_counter()
	try:
		return function(), time.perf_counter() - started
	finally:
		frappe.db.rollback()


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--runs", type=int, default=21)
	parser.add_argument("--seed", action="store_true")
	parser.add_argument("--manager", default="manager@example.com")
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--skip-jobs", action="store_true")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from property_crm.property_care import care
	from property_crm.property_households import household

	unit = household_unit()
	if args.seed:
		seed(unit)
	print("volume:", ", ".join(f"{d} {frappe.db.count(d):,}" for d in ("Property Unit", "Property Owner",
		"Service Order", "Complaint", "Return Visit", "Communication")))  # fmt: skip
	frappe.set_user(args.manager)
	h = household.household(unit)
	print(f"household {unit}: {h['orders']['total']} orders, {len(h['trend'])} years in the trend, "
		f"{len(h['complaints']['recent']) + len(h['complaints']['open'])} complaints shown, {len(h['timeline'])} "
		f"communications shown; {count_queries(lambda: household.household(unit))} queries")  # fmt: skip
	inproc = median_ms(lambda: household.household(unit), args.runs)
	printed = median_ms(
		lambda: frappe.get_print("Property Unit", unit, "Household File"), max(5, args.runs // 3)
	)
	frappe.set_user("Administrator")
	timer = Timer(args.site, args.manager, args.password)
	path = f"/api/method/property_crm.property_households.household.household?unit={unit}"
	timer.timed_ms("get", path)
	http = statistics.median(timer.timed_ms("get", path) for _ in range(args.runs))
	print(f"\n{f'measure (medians of {args.runs} runs)':52} {'ms':>9}")
	print(f"{'360° page data, in-process':52} {inproc:9.1f}")
	print(f"{'360° page data, HTTP (WSGI, manager session)':52} {http:9.1f}")
	print(f"{'printed household file (Jinja), in-process':52} {printed:9.1f}")
	if args.skip_jobs:
		return
	day = getdate(today())
	print(f"\n{'job (rolled back afterwards)':52} {'s':>9}  result")
	for offset in (1, 2, 3):
		counts, seconds = rolled_back(lambda offset=offset: care.daily_care(add_days(day, offset)))
		print(f"{'daily care job, ' + str(add_days(day, offset)):52} {seconds:9.1f}  {counts}")
	plan, seconds = rolled_back(lambda: care.plan_return_visits(add_days(day, 1)))
	print(f"{'periodic visit planner, every estate':52} {seconds:9.1f}  {sum(plan.values())} visits")
	from property_crm.property_care.report.stale_files.stale_files import execute

	frappe.set_user(args.manager)
	result, seconds = rolled_back(lambda: execute({"months": 12}))
	print(f"{'Stale Files report, every file':52} {seconds:9.1f}  {len(result[1]):,} rows")
	frappe.set_user("Administrator")


if __name__ == "__main__":
	main()
