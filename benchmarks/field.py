"""The field staff's pages (/field) and the dispatcher's board under load, beside ERPNext's own /issues list,
over HTTP against gunicorn; and a completion with two photos, timed over HTTP.

Run from the bench's sites/ folder with the bench's Python, on the benchmark site (the README's install and
demo, then `service_orders.py --seed`):

	../env/bin/python /path/to/benchmarks/field.py --site SITE [--duration 30] [--users 10]

It makes (or reuses) --users technician logins (load-tech-NN@example.com, role Property Technician), each
assigned --open open orders and --done finished ones of the seeded data through Frappe's assignment records
(a ToDo per order and the order's `_assign`, as `assign_to.add` leaves them), and as many ERPNext Issues
raised by and assigned to them; a dispatcher (load-dispatcher@example.com, Property Customer Service restricted
to one estate); and a technician load-tech-00@example.com with --completions orders in progress. The load
users also hold ERPNext's Support Team role: without it a desk user may not read Issues and /issues answers 403
(/issues itself answers 301 to /issues/list, the page measured). Orders that a later `service_orders.py --seed`
dealt to the load technicians (it deals among every technician) go back to the demo's technicians first.
--close-seeded-after DAYS closes the seeded orders still open after DAYS days (the seed's random statuses leave
a quarter of a year's orders open; the demo's own orders are open only when recent): the board reads every
open order of its estate. Then:
  1. in-process (Frappe's WSGI application), the median of --runs alternated requests of each page against
     /issues as the same user, and the queries each page makes;
  2. gunicorn with 2 workers on 127.0.0.1 only: the technicians and the dispatcher loading their pages with
     a 1 s pause for --duration seconds, then /issues the same way;
  3. each page flat out (no pause, --users sessions) for half that time, then /issues flat out likewise;
  4. --completions completions as load-tech-00 over HTTP: the job's page, then two ~200 KB JPEG photos
     (field.api.upload_photo) and Complete (field.api.act), timed from the first upload to the answer.
Prints a table with each page's ratio to /issues (goal ≤ 0.5) and the completion times (goal < 2 s).
Loopback only; every loop is bounded by its duration or count and stops by itself.
"""

import argparse
import io
import json
import os
import random
import re
import signal
import statistics
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

import frappe
from frappe.utils import now_datetime
from frappe.utils.password import update_password

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal_load import PASSWORD, login, start_gunicorn
from service_orders import PREFIX_ISSUE, PREFIX_ORDER, Timer

ORDER = "Service Order"
OPEN = ("Dispatched", "In Progress", "On Hold", "Awaiting Parts", "Awaiting Resident")
DONE = ("Completed", "Closed")
# seeded orders that may be taken for the technicians (service_orders.py --seed makes them)
TAKEABLE = ("Draft", "Dispatched", "In Progress")
LOAD = "load-tech-%"
DISPATCHER = "load-dispatcher@example.com"
FINISHER = "load-tech-00@example.com"
GOAL_RATIO, GOAL_COMPLETION_MS = 0.5, 2000
ISSUES = "/issues/list"  # /issues answers 301 to it
CSRF = re.compile(r'(?:name="csrf-token" content="|frappe\.csrf_token = ")([0-9a-f]+)"')


def tech_email(n: int) -> str:
	return f"load-tech-{n:02d}@example.com"


# ------------------------------------------------------------------ data
def ensure_users(count: int) -> tuple[list[str], str]:
	from property_crm.demo.company import ensure_user

	techs = [tech_email(n) for n in range(1, count + 1)]
	for n, email in enumerate([FINISHER, *techs]):
		ensure_user(email, f"压测师傅{n:02d}", ["Property Technician", "Support Team"], PASSWORD)
	estate = frappe.db.get_value("Property Estate", {}, "name", order_by="name asc")
	ensure_user(DISPATCHER, "压测调度", ["Property Customer Service", "Support Team"], PASSWORD, [estate])
	for user in [FINISHER, *techs, DISPATCHER]:
		update_password(user, PASSWORD)
	frappe.db.commit()
	return techs, estate


def assigned(user: str, statuses: tuple) -> list[str]:
	like = "%" + json.dumps(user) + "%"
	return frappe.get_all(
		ORDER,
		filters={"status": ("in", statuses), "_assign": ("like", like)},
		pluck="name",
		order_by="name asc",
		limit_page_length=0,
	)


def take(count: int, estate: str | None = None) -> list[str]:
	"""Seeded orders no load user has yet."""
	filters = {
		"name": ("like", PREFIX_ORDER + "%"),
		"status": ("in", TAKEABLE),
		"_assign": ("not like", "%load-tech-%"),
	}
	if estate:
		filters["estate"] = estate
	return frappe.get_all(ORDER, filters=filters, pluck="name", order_by="name asc", limit_page_length=count)


def assign(orders: list[str], user: str, statuses: tuple, rng: random.Random) -> None:
	"""Give `orders` to `user` as Frappe's assignment does (an open ToDo each and `_assign`), in `statuses`,
	with the SLA targets and preferred times of orders opened in the last few days."""
	now = now_datetime()
	todos = []
	for name in orders:
		opened = now - timedelta(minutes=rng.randint(30, 4 * 24 * 60))
		status = rng.choice(statuses)
		done = status in DONE
		due = now + timedelta(minutes=rng.randint(-24 * 60, 5 * 24 * 60))
		finished = now - timedelta(minutes=rng.randint(10, 6 * 24 * 60)) if done else None
		values = {
			"status": status,
			"_assign": json.dumps([user]),
			"creation": opened,
			"modified": opened + timedelta(minutes=5),
			"preferred_time": now + timedelta(minutes=rng.randint(-12 * 60, 4 * 24 * 60)),
			"response_by": opened + timedelta(hours=2),
			"sla_resolution_by": due,
			"sla_resolution_date": finished,
			"first_responded_on": opened + timedelta(minutes=rng.randint(5, 100)),
			"agreement_status": ("Fulfilled" if done else ("Failed" if due < now else "Resolution Due")),
			"completed_on": finished,
			"completion_notes": "已处理完毕" if done else None,
			"completion_photo": None,
		}
		frappe.db.set_value(ORDER, name, values, update_modified=False)
		todos.append(
			(frappe.generate_hash(length=10), now, now, "Administrator", "Administrator", 0,
				"Closed" if done else "Open", "Medium", user, f"服务工单 {name}", ORDER, name, "Administrator",
				now.date())
		)  # fmt: skip
	frappe.db.sql("update `tabToDo` set status = 'Cancelled' where reference_type = %s and reference_name in %s "
		"and allocated_to != %s", (ORDER, tuple(orders) or ("",), user))  # fmt: skip
	frappe.db.bulk_insert("ToDo", ["name", "creation", "modified", "owner", "modified_by", "docstatus", "status",
		"priority", "allocated_to", "description", "reference_type", "reference_name", "assigned_by", "date"],
		todos)  # fmt: skip


def release_strays() -> None:
	"""Orders that name a load technician in `_assign` without his ToDo (`service_orders.py --seed` run after
	this script deals its orders among every technician) go back to the demo's technicians."""
	others = frappe.get_all("Has Role", filters={"role": "Property Technician", "parenttype": "User",
		"parent": ("not like", LOAD)}, pluck="parent", order_by="parent asc")  # fmt: skip
	others = others or ["Administrator"]
	frappe.db.sql(
		f"""update `tabService Order` so
		set so._assign = json_array(elt(1 + crc32(so.name) %% {len(others)}, {", ".join(["%s"] * len(others))}))
		where so._assign like %s and not exists (
			select 1 from `tabToDo` t where t.reference_type = 'Service Order' and t.reference_name = so.name
			and t.allocated_to like %s and t.status != 'Cancelled')""",
		(*others, "%" + LOAD, LOAD),
	)
	strays = frappe.db.sql("select row_count()")[0][0]
	if strays:
		print(f"gave {strays:,} orders without a load technician's ToDo back to the demo's technicians")


def close_old_seeded(days: int) -> int:
	"""Close the seeded orders (service_orders.py --seed) still open after `days`, as the demo's own orders
	are: its random statuses leave a quarter of a year's orders open, which no estate has."""
	frappe.db.sql(
		"""update `tabService Order` set status = 'Closed', agreement_status = 'Fulfilled',
			completed_on = ifnull(completed_on, creation + interval 1 day)
		where name like %s and status in %s and creation < %s and ifnull(_assign, '') not like %s""",
		(PREFIX_ORDER + "%", ("Draft", "Accepted", "Reopened", *OPEN), now_datetime() - timedelta(days=days),
			"%" + LOAD),
	)  # fmt: skip
	closed = frappe.db.sql("select row_count()")[0][0]
	frappe.db.commit()
	return closed


def ensure_jobs(techs: list[str], estate: str, open_per: int, done_per: int, completions: int) -> dict:
	"""Each technician's open and done orders (a third of the open ones in the dispatcher's estate, so the
	board shows them), the finisher's orders in progress, and as many Issues raised by each load user."""
	rng = random.Random(20)
	release_strays()
	jobs = {}
	for user in techs:
		missing = open_per - len(assigned(user, OPEN))
		if missing > 0:
			here = take(missing // 3, estate)
			assign(here, user, OPEN, rng)
			assign(take(missing - len(here)), user, OPEN, rng)
		missing = done_per - len(assigned(user, DONE))
		if missing > 0:
			assign(take(missing), user, DONE, rng)
		jobs[user] = assigned(user, OPEN)
	missing = completions - len(assigned(FINISHER, ("In Progress",)))
	if missing > 0:
		assign(take(missing), FINISHER, ("In Progress",), rng)
	jobs[FINISHER] = assigned(FINISHER, ("In Progress",))[:completions]
	for user in [*techs, DISPATCHER]:
		ensure_issues(user, open_per + done_per)
	frappe.db.commit()
	return jobs


def ensure_issues(user: str, count: int) -> None:
	missing = count - frappe.db.count("Issue", {"raised_by": user})
	if missing <= 0:
		return
	now = now_datetime()
	company = frappe.db.get_value("Company", {}, "name")
	first = frappe.db.count("Issue", {"name": ("like", PREFIX_ISSUE + "%")})
	rows = [
		(f"{PREFIX_ISSUE}{first + i:07d}", now, now, "Administrator", "Administrator", 0, "ISS-.YYYY.-",
			"楼道灯不亮", "Open", "Medium", user, now.date(), now.time(), company, json.dumps([user]))
		for i in range(missing)
	]  # fmt: skip
	frappe.db.bulk_insert("Issue", ["name", "creation", "modified", "owner", "modified_by", "docstatus",
		"naming_series", "subject", "status", "priority", "raised_by", "opening_date", "opening_time", "company",
		"_assign"], rows)  # fmt: skip


# ------------------------------------------------------------------ pages
def pages_of(jobs: dict) -> dict:
	"""label -> (user, path) of each page measured; /issues as the same user."""
	techs = [u for u in jobs if u != FINISHER]
	tech = techs[0]
	return {
		"/field": (tech, "/field"),
		"/field?tab=done": (tech, "/field?tab=done"),
		"/field/jobs/<name>": (tech, f"/field/jobs/{jobs[tech][0]}"),
		"/field/board": (DISPATCHER, "/field/board"),
	}


def query_counts(pages: dict) -> dict:
	"""Queries one rendering of each page makes, in-process as its user (Frappe's caches warm)."""
	from property_crm.tests.factories import page_queries

	out = {}
	for label, (user, path) in pages.items():
		frappe.set_user(user)
		out[label] = page_queries(path)
		out.setdefault(f"{ISSUES} as {user}", page_queries(ISSUES))
	frappe.set_user("Administrator")
	return out


def in_process(site: str, pages: dict, runs: int) -> dict:
	"""Median ms of each page and of /issues as the same user, alternated after a warm-up of each."""
	timers, out = {}, {}
	for label, (user, path) in pages.items():
		timer = timers.setdefault(user, Timer(site, user, PASSWORD))
		timer.timed_ms("get", path)
		timer.timed_ms("get", ISSUES)
		ours, theirs = [], []
		for _ in range(runs):
			ours.append(timer.timed_ms("get", path))
			theirs.append(timer.timed_ms("get", ISSUES))
		out[label] = (statistics.median(ours), statistics.median(theirs))
	return out


# ------------------------------------------------------------------ HTTP load
def run(base: str, sessions: list, pick, seconds: float, pause: float) -> dict:
	"""Each session loads `pick(rng, n)` -> (label, path) until the deadline; times per label."""
	times, errors, lock = {}, {}, threading.Lock()
	deadline = time.monotonic() + seconds

	def worker(n: int):
		rng = random.Random(n)
		while time.monotonic() < deadline:
			label, path = pick(rng, n)
			start = time.perf_counter()
			try:
				response = sessions[n].get(base + path, timeout=60, allow_redirects=False)
				ok = response.status_code == 200
			except requests.RequestException:
				ok = False
			elapsed = (time.perf_counter() - start) * 1000
			with lock:
				(times if ok else errors).setdefault(label, []).append(elapsed)
			if pause:
				time.sleep(pause)

	threads = [threading.Thread(target=worker, args=(n,)) for n in range(len(sessions))]
	started = time.monotonic()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	wall = time.monotonic() - started
	return {label: summary(times.get(label, []), errors.get(label, []), wall) for label in {*times, *errors}}


def summary(times: list[float], errors: list[float], wall: float) -> dict:
	times = sorted(times)
	return {
		"requests": len(times) + len(errors),
		"errors": len(errors),
		"p50": statistics.median(times) if times else 0.0,
		"p95": times[max(0, int(len(times) * 0.95) - 1)] if times else 0.0,
		"rps": (len(times) + len(errors)) / wall,
	}


def tech_pick(jobs: dict, users: list[str], theirs: bool):
	"""A technician's mix: the list 45 %, a job 40 %, the done tab 15 %; the dispatcher the board."""

	def pick(rng: random.Random, n: int):
		user = users[n]
		if theirs:
			return (f"{ISSUES} ({'dispatcher' if user == DISPATCHER else 'technicians'})", ISSUES)
		if user == DISPATCHER:
			return ("/field/board", "/field/board")
		kind = rng.choices(("/field", "/field/jobs/<name>", "/field?tab=done"), (45, 40, 15))[0]
		if kind == "/field/jobs/<name>":
			return (kind, "/field/jobs/" + rng.choice(jobs[user]))
		return (kind, kind)

	return pick


# ------------------------------------------------------------------ completion
def photo(seed: int) -> bytes:
	"""A ~200 KB JPEG of 1280 × 960, as a phone sends a compressed camera picture."""
	from PIL import Image, ImageDraw

	rng = random.Random(seed)
	image = Image.effect_noise((1280, 960), 40).convert("RGB")
	draw = ImageDraw.Draw(image)
	for _ in range(40):
		x, y = rng.randint(0, 1200), rng.randint(0, 900)
		draw.rectangle((x, y, x + rng.randint(20, 300), y + rng.randint(20, 200)),
			fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))  # fmt: skip
	for quality in (60, 50, 40, 30, 20):
		out = io.BytesIO()
		image.save(out, "JPEG", quality=quality)
		if out.tell() <= 230_000:
			break
	return out.getvalue()


def message(response) -> dict:
	"""The `message` of a whitelisted method's JSON answer, when it is an object."""
	try:
		body = response.json()
	except ValueError:
		return {}
	return body.get("message") if isinstance(body.get("message"), dict) else {}


def complete_jobs(base: str, site: str, jobs: list[str], modified: dict) -> dict:
	"""As the phone does: the job's page (its CSRF token and `modified`), two photos, then Complete."""
	session = login(base, site, FINISHER)
	pictures = [photo(1), photo(2)]
	totals, parts, failures, conflicts = [], [], [], 0
	method = base + "/api/method/property_crm.property_service.field.api."
	for name in jobs:
		page = session.get(f"{base}/field/jobs/{name}", timeout=60)
		found = CSRF.search(page.text)
		headers = {"X-Frappe-CSRF-Token": found.group(1)} if found else {}
		start = time.perf_counter()
		steps, current = [], modified[name]
		for n, content in enumerate(pictures):
			response = session.post(method + "upload_photo", headers=headers, timeout=60,
				data={"name": name, "client_id": str(uuid.uuid4())},
				files={"file": (f"photo-{n}.jpg", content, "image/jpeg")})  # fmt: skip
			steps.append((time.perf_counter() - start) * 1000)
			if response.status_code != 200:
				failures.append(f"{name} upload_photo {response.status_code} {response.text[:200]}")
				break
			# the phone's outbox carries the order's new stamp to the actions queued after the photo
			stamp = message(response).get("modified")
			current = stamp or current
		else:
			data = {"name": name, "modified": current, "action": "Complete", "labour_hours": 1,
				"completion_notes": "更换水龙头阀芯，试水无渗漏", "client_id": str(uuid.uuid4())}  # fmt: skip
			response = session.post(method + "act", headers=headers, data=data, timeout=60)
			if (
				response.status_code == 409
			):  # stale `modified`: the technician sees the conflict and sends again
				conflicts += 1
				conflict = response.json().get("conflict") or message(response).get("conflict") or {}
				data["modified"] = conflict.get("modified")
				data["client_id"] = str(uuid.uuid4())
				response = session.post(method + "act", headers=headers, data=data, timeout=60)
			elapsed = (time.perf_counter() - start) * 1000
			if response.status_code != 200 or message(response).get("status") != "Completed":
				failures.append(f"{name} act {response.status_code} {response.text[:200]}")
				continue
			totals.append(elapsed)
			parts.append((steps[0], steps[1] - steps[0], elapsed - steps[1]))
	totals.sort()
	return {
		"jobs": len(jobs),
		"done": len(totals),
		"conflicts": conflicts,
		"failures": failures,
		"p50": statistics.median(totals) if totals else 0.0,
		"p95": totals[max(0, int(len(totals) * 0.95) - 1)] if totals else 0.0,
		"parts": [statistics.median(p[i] for p in parts) for i in range(3)] if parts else [0.0] * 3,
	}


# ------------------------------------------------------------------ report
def verdict(*ratios: float) -> str:
	return "PASS" if all(0 < r <= GOAL_RATIO for r in ratios) else "FAIL"


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--users", type=int, default=10, help="technician logins (load-tech-NN)")
	parser.add_argument("--open", type=int, default=30, help="open orders assigned to each technician")
	parser.add_argument("--done", type=int, default=30, help="finished orders assigned to each technician")
	parser.add_argument("--completions", type=int, default=20, help="jobs completed with two photos")
	parser.add_argument("--duration", type=float, default=30, help="seconds of each paced run")
	parser.add_argument("--runs", type=int, default=15, help="in-process alternated runs per page")
	parser.add_argument("--port", type=int, default=8035)
	parser.add_argument("--close-seeded-after", type=int, default=0, metavar="DAYS",
		help="close the seeded orders still open after DAYS days, as in the demo's own data (0: leave them)")  # fmt: skip
	args = parser.parse_args()
	sites = Path(os.getcwd()).resolve()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.local.conf.throttle_user_limit = 10_000  # Frappe allows 60 new users a minute by default
	if args.close_seeded_after:
		print(f"closed {close_old_seeded(args.close_seeded_after):,} seeded orders open for longer than "
			f"{args.close_seeded_after} days")  # fmt: skip
	techs, estate = ensure_users(args.users)
	jobs = ensure_jobs(techs, estate, args.open, args.done, args.completions)
	counts = {
		"orders": frappe.db.count(ORDER),
		"open orders": frappe.db.count(ORDER, {"status": ("in", OPEN)}),
		"issues": frappe.db.count("Issue"),
		"units": frappe.db.count("Property Unit"),
		"technician's open jobs": len(jobs[techs[0]]),
		"board estate open": frappe.db.count(ORDER, {"status": ("in", OPEN), "estate": estate}),
	}
	print("volume:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
	pages = pages_of(jobs)
	queries = query_counts(pages)
	print("queries per page (in-process):", ", ".join(f"{k} {v}" for k, v in queries.items()))
	medians = in_process(args.site, pages, args.runs)
	finishing = {name: str(frappe.db.get_value(ORDER, name, "modified")) for name in jobs[FINISHER]}
	# one run uploads 2 × --completions photos as load-tech-00 (limit: 150 an hour); runs within the hour add up
	frappe.cache.delete_keys("rl:property_crm.property_service.field.api.")
	frappe.destroy()

	server = start_gunicorn(sites, args.port)
	base = f"http://127.0.0.1:{args.port}"
	try:
		users = [*techs, DISPATCHER]
		sessions = [login(base, args.site, user) for user in users]
		paced = run(base, sessions, tech_pick(jobs, users, False), args.duration, 1.0)
		paced |= run(base, sessions, tech_pick(jobs, users, True), args.duration, 1.0)
		flat = {}
		for label, user_of in (
			("/field", None),
			("/field?tab=done", None),
			("/field/jobs/<name>", None),
			(f"{ISSUES} (technicians)", None),
			("/field/board", DISPATCHER),
			(f"{ISSUES} (dispatcher)", DISPATCHER),
		):
			who = [user_of] * len(techs) if user_of else techs
			own = [login(base, args.site, user) for user in who] if user_of else sessions[: len(techs)]

			def pick(rng, n, label=label, who=who):
				if label == "/field/jobs/<name>":
					return label, "/field/jobs/" + rng.choice(jobs[who[n]])
				return label, ISSUES if label.startswith(ISSUES) else label

			flat |= run(base, own, pick, args.duration / 2, 0)
		completion = complete_jobs(base, args.site, jobs[FINISHER], finishing)
	finally:
		os.killpg(server.pid, signal.SIGTERM)
		server.wait(timeout=30)

	print(f"\nin-process medians of {args.runs} alternated runs, and over HTTP (gunicorn, 2 workers, 127.0.0.1): "
		f"{len(techs)} technicians + 1 dispatcher, 1 s pause, {args.duration:.0f} s; each page flat out "
		f"({len(techs)} sessions) {args.duration / 2:.0f} s")  # fmt: skip
	head = (f"{'page':27} {'q':>3} {'in-proc':>8} {'/issues':>8} {'ratio':>5} | {'paced p50':>9} {'p95':>7} "
		f"{'ratio':>5} | {'flat p50':>8} {'p95':>7} {'req/s':>6} {'ratio':>5} {'err':>4} | goal ≤ {GOAL_RATIO}")  # fmt: skip
	print(head)
	for label, (user, _path) in pages.items():
		who = "dispatcher" if user == DISPATCHER else "technicians"
		issues_paced, issues_flat = paced.get(f"{ISSUES} ({who})"), flat.get(f"{ISSUES} ({who})")
		ours_ms, theirs_ms = medians[label]
		mine_paced, mine_flat = paced.get(label), flat.get(label)
		ratios = (
			ours_ms / theirs_ms,
			mine_paced["p50"] / issues_paced["p50"] if mine_paced and issues_paced else 0,
			mine_flat["p50"] / issues_flat["p50"] if mine_flat and issues_flat else 0,
		)
		errors = (mine_paced or {}).get("errors", 0) + (mine_flat or {}).get("errors", 0)
		print(f"{label:27} {queries[label]:3d} {ours_ms:8.1f} {theirs_ms:8.1f} {ratios[0]:5.2f} | "
			f"{(mine_paced or {}).get('p50', 0):9.1f} {(mine_paced or {}).get('p95', 0):7.1f} {ratios[1]:5.2f} | "
			f"{(mine_flat or {}).get('p50', 0):8.1f} {(mine_flat or {}).get('p95', 0):7.1f} "
			f"{(mine_flat or {}).get('rps', 0):6.1f} {ratios[2]:5.2f} {errors:4d} | {verdict(*ratios)}")  # fmt: skip
	for who in ("technicians", "dispatcher"):
		label = f"{ISSUES} ({who})"
		p, f = paced.get(label, {}), flat.get(label, {})
		user = DISPATCHER if who == "dispatcher" else techs[0]
		print(f"{label:27} {queries.get(f'{ISSUES} as {user}', 0):3d} {'':8} {'':8} {'':5} | "
			f"{p.get('p50', 0):9.1f} {p.get('p95', 0):7.1f} {'':5} | {f.get('p50', 0):8.1f} {f.get('p95', 0):7.1f} "
			f"{f.get('rps', 0):6.1f} {'':5} {p.get('errors', 0) + f.get('errors', 0):4d} |")  # fmt: skip
	c = completion
	print(f"\ncompletion (2 photos ~{len(photo(1)) // 1000} KB + Complete, over HTTP): {c['done']}/{c['jobs']} jobs, "
		f"p50 {c['p50']:.0f} ms, p95 {c['p95']:.0f} ms (photo 1 {c['parts'][0]:.0f}, photo 2 {c['parts'][1]:.0f}, "
		f"Complete {c['parts'][2]:.0f} ms medians); 409 conflicts {c['conflicts']}; goal < {GOAL_COMPLETION_MS} ms: "
		f"{'PASS' if c['done'] == c['jobs'] and c['p95'] < GOAL_COMPLETION_MS else 'FAIL'}")  # fmt: skip
	for failure in c["failures"][:5]:
		print("  failed:", failure)


if __name__ == "__main__":
	main()
