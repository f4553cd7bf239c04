"""Surveys at volume: the Satisfaction Summary over 50,000 responses, and sending 20,000 invitations as a
background job.

Run from the bench's sites/ folder with the bench's Python, on a site prepared by the README's commands
(install, then `property-crm-demo --units 20000 --residents 40000`, whose surveys step makes the yearly
campaigns and the after-repair stream):

	../env/bin/python /path/to/benchmarks/surveys.py --site SITE [--seed] [--responses 50000]

--seed tops the responses up to --responses in a "Benchmark survey" campaign (the demo's generator and
scores; a second --seed adds nothing). The report is timed through Frappe's WSGI application in-process
(`frappe.desk.query_report.run` as Administrator), the median of --runs per grouping; goal ≤ 1 s.

Sending: a fresh running campaign over every estate, one invitation per household (20,000 at the demo's
size), is queued with `survey_campaigns.send_invitations` — the desk button's method — and the job
is queued on the `long` queue and run by RQ (`Job.perform`, as a worker would, in a fresh process; a burst
worker would also run other sites' waiting jobs): batched inserts, progress, e-mails through the Email Queue
when an outgoing account exists. Prints invitations per second. The previous run's benchmark invitations are
deleted first.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import frappe
from frappe.utils import add_months, now_datetime, nowdate

from property_crm.demo.generate import surveys as demo
from property_crm.demo.surveys import Writer, ensure_templates, household_rows

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_orders import Timer  # isort: skip

BENCH_CAMPAIGN = "Benchmark survey (responses)"
SEND_TITLE = "Benchmark survey (sending)"
GROUPS = ("Estate", "Building", "Month", "Technician", "Category", "Campaign")


def seed(responses: int) -> None:
	missing = responses - frappe.db.count("Survey Response")
	if missing <= 0:
		print(f"responses: {frappe.db.count('Survey Response'):,} already")
		return
	templates = ensure_templates()
	campaign = frappe.db.get_value("Survey Campaign", {"title": BENCH_CAMPAIGN}, "name")
	if not campaign:
		doc = frappe.get_doc(
			{"doctype": "Survey Campaign", "title": BENCH_CAMPAIGN, "template": templates[demo.ANNUAL],
				"one_per": "Person", "exclude_days": 0, "channel_portal": 1, "channel_email": 1}
		).insert(ignore_permissions=True)  # fmt: skip
		doc.db_set("status", "Closed")
		campaign = doc.name
	rng = random.Random(50_000)
	people = household_rows()
	writer = Writer(rng)
	now = now_datetime().replace(microsecond=0)
	offset = frappe.db.count("Survey Response", {"campaign": campaign})
	for i in range(missing):
		row = frappe._dict(people[(offset + i) % len(people)])
		# a distinct respondent per row (the campaign's UNIQUE key), spread over the last two years
		row.reference = ("Survey Campaign", f"{campaign}:{offset + i}")
		when = now - timedelta(minutes=rng.randint(1, 730 * 24 * 60))
		writer.invitation(campaign, row, when, answered=True)
		writer.response(campaign, demo.ANNUAL, templates[demo.ANNUAL], demo.annual_answers(rng, demo.mood_of(rng)),
			when, row)  # fmt: skip
	writer.flush(final=True)
	print(f"responses: {missing:,} added ({writer.visits:,} follow-up visits)")


def time_report(site: str, runs: int) -> dict[str, float]:
	timer = Timer(site, "Administrator", frappe.conf.admin_password or "admin")
	filters = {"from_date": add_months(nowdate(), -24), "to_date": nowdate()}
	requests = {
		group: {
			"report_name": "Satisfaction Summary",
			"filters": frappe.as_json(filters | {"group_by": group}),
		}
		for group in GROUPS
	}
	times: dict[str, list[float]] = {group: [] for group in GROUPS}
	for data in requests.values():
		timer.timed_ms("post", "/api/method/frappe.desk.query_report.run", data=data)  # warm-up
	for _ in range(runs):
		for group, data in requests.items():
			times[group].append(timer.timed_ms("post", "/api/method/frappe.desk.query_report.run", data=data))
	return {group: statistics.median(values) for group, values in times.items()}


def time_portal(site: str, runs: int, user: str, password: str) -> None:
	"""The resident's survey pages against ERPNext's own portal list (/issues/list) for the same user."""
	resident = frappe.db.get_value("Property Owner", {"user": user}, "name")
	invitation = frappe.db.get_value(
		"Survey Invitation", {"person": resident}, "name", order_by="creation desc"
	)
	if not invitation:
		print(f"\nportal: {user} has no survey invitation; not measured")
		return
	timer = Timer(site, user, password)
	pages = {"my surveys": "/property/surveys", "a survey's page": f"/property/surveys/{invitation}",
		"ERPNext /issues/list": "/issues/list"}  # fmt: skip
	times: dict[str, list[float]] = {label: [] for label in pages}
	for path in pages.values():
		timer.timed_ms("get", path)
	for _ in range(runs):
		for label, path in pages.items():
			times[label].append(timer.timed_ms("get", path))
	medians = {label: statistics.median(values) for label, values in times.items()}
	erpnext = medians.pop("ERPNext /issues/list")
	print(f"\nportal ({user}), medians of {runs} runs; ERPNext's /issues/list {erpnext:.1f} ms")
	for label, ms in medians.items():
		print(f"  {label:18} {ms:8.1f} ms  ratio {ms / erpnext:.2f}")


def time_sending(site: str) -> None:
	from property_crm.property_surveys import campaigns as survey_campaigns

	old = frappe.get_all("Survey Campaign", filters={"title": SEND_TITLE}, pluck="name")
	if old:
		frappe.db.delete("Survey Invitation", {"campaign": ("in", old)})
		frappe.db.delete("Survey Campaign", {"name": ("in", old)})
		frappe.db.commit()
	templates = ensure_templates()
	doc = frappe.get_doc(
		{"doctype": "Survey Campaign", "title": SEND_TITLE, "template": templates[demo.ANNUAL],
			"one_per": "Household", "exclude_days": 0, "channel_portal": 1, "channel_email": 1}
	).insert(ignore_permissions=True)  # fmt: skip
	doc.db_set("status", "Running")
	mails_before = frappe.db.count("Email Queue")
	frappe.db.commit()
	frappe.set_user("Administrator")
	started = time.monotonic()
	survey_campaigns.send_invitations(doc.name)
	frappe.db.commit()
	# the queued job itself, run by RQ (`Job.perform`, what a worker does with it) in a fresh process; a burst
	# worker would also run every other site's jobs waiting on the shared long queue
	job_id = f"{frappe.local.site}::survey-invitations-{doc.name}"
	code = (
		"import sys, frappe\n"
		"from rq.job import Job\n"
		"from frappe.utils.background_jobs import get_queue, get_redis_conn\n"
		"frappe.init(site=sys.argv[1], sites_path='.')\n"
		"job = Job.fetch(sys.argv[2], connection=get_redis_conn())\n"
		"get_queue('long').remove(job)\n"
		"job.perform()\n"
	)
	subprocess.run([sys.executable, "-c", code, site, job_id], cwd=".", check=True)
	elapsed = time.monotonic() - started
	frappe.db.rollback()
	made = frappe.db.count("Survey Invitation", {"campaign": doc.name})
	mails = frappe.db.count("Email Queue") - mails_before
	status = frappe.db.get_value("Survey Campaign", doc.name, "sending_status")
	print(
		f"\nsending: {made:,} invitations ({mails:,} e-mails queued) in {elapsed:.1f} s from the button to the "
		f"end of the job, its process's start included — {made / elapsed:,.0f} invitations/s; the job says: {status}"
	)


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--responses", type=int, default=50_000)
	parser.add_argument("--runs", type=int, default=21)
	parser.add_argument("--seed", action="store_true")
	parser.add_argument("--no-sending", action="store_true")
	parser.add_argument(
		"--resident", default="a01.tenant@example.com", help="a portal login with an invitation"
	)
	parser.add_argument("--password", default="Demo-2026!")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	if args.seed:
		started = time.monotonic()
		seed(args.responses)
		frappe.db.commit()
		print(f"seeded in {time.monotonic() - started:.0f} s")
	print(
		f"volume: {frappe.db.count('Survey Response'):,} responses, "
		f"{frappe.db.count('Survey Answer'):,} answers, {frappe.db.count('Survey Invitation'):,} invitations, "
		f"{frappe.db.count('Property Unit'):,} units"
	)
	medians = time_report(args.site, args.runs)
	print(f"\nSatisfaction Summary over 24 months, medians of {args.runs} runs (goal ≤ 1000 ms)")
	for group, ms in medians.items():
		print(f"  by {group:12} {ms:8.1f} ms")
	time_portal(args.site, args.runs, args.resident, args.password)
	if not args.no_sending:
		time_sending(args.site)
	frappe.destroy()


if __name__ == "__main__":
	main()
