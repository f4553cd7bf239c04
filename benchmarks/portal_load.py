"""The resident portal under load, beside ERPNext's own /issues portal, over HTTP against gunicorn.

Run from the bench's sites/ folder with the bench's Python, on the benchmark site (the README's install
and demo, then `service_orders.py --seed`):

	../env/bin/python /path/to/benchmarks/portal_load.py --site SITE [--duration 120] [--users 20]

It makes --users resident logins (load-resident-NN@example.com; each with a Customer and as many ERPNext
Issues as the resident has service orders), starts gunicorn with 2 workers on 127.0.0.1 only, and runs:
  1. paced: each resident loads a page, then pauses 1 s, pages mixed as residents use them (home 35 %,
     list 30 %, one of their requests 25 %, the new-request form 10 %), for --duration seconds;
  2. flat out, no pause, the same mix, for half that time: the throughput ceiling;
  3. flat out against ERPNext's /issues/list, the same users and time.
Prints requests, errors, p50/p95 and requests per second of each run. Loopback only; every loop is
bounded by its duration and stops by itself. Also prints the query count of each page (in-process).
"""

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest.mock import patch

import requests

import frappe
from frappe.utils.password import update_password

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service_orders import PREFIX_ISSUE, Timer, free_primary_contact

PASSWORD = "Load-2026!"
MIX = (("home", 35), ("list", 30), ("detail", 25), ("new", 10))


def ensure_residents(count: int) -> list[dict]:
	"""Residents with a portal login, a Customer, their units' orders and as many ERPNext Issues."""
	from property_crm.property_households import accounts
	from property_crm.property_households.resident_portal import orders_of, reach_of

	out = []
	for n in range(1, count + 1):
		email = f"load-resident-{n:02d}@example.com"
		name = frappe.db.get_value("Property Owner", {"user": email}, "name")
		if not name:
			name = free_primary_contact()
			frappe.db.set_value("Property Owner", name, "email", email)
			doc = frappe.get_doc("Property Owner", name)
			accounts.ensure_customer(doc)
			accounts.ensure_portal_user(frappe.get_doc("Property Owner", name))
			update_password(email, PASSWORD)
		frappe.set_user(email)
		orders = [o.name for o in orders_of(reach_of(name), page_length=50)]
		frappe.set_user("Administrator")
		customer = frappe.db.get_value("Property Owner", name, "customer")
		missing = max(len(orders), 5) - frappe.db.count("Issue", {"customer": customer})
		if missing > 0:
			now = frappe.utils.now_datetime()
			company = frappe.db.get_value("Company", {}, "name")
			first = frappe.db.count("Issue", {"name": ("like", PREFIX_ISSUE + "%")})
			rows = [
				(f"{PREFIX_ISSUE}{first + i:07d}", now, now, "Administrator", "Administrator", 0, "ISS-.YYYY.-",
					"电梯异响", "Open", "Medium", customer, email, now.date(), now.time(), company)
				for i in range(missing)
			]  # fmt: skip
			frappe.db.bulk_insert("Issue", ["name", "creation", "modified", "owner", "modified_by", "docstatus",
				"naming_series", "subject", "status", "priority", "customer", "raised_by", "opening_date",
				"opening_time", "company"], rows)  # fmt: skip
		out.append({"user": email, "orders": orders})
	frappe.db.commit()
	return out


def start_gunicorn(bench_sites: Path, port: int) -> subprocess.Popen:
	gunicorn = bench_sites.parent / "env" / "bin" / "gunicorn"
	process = subprocess.Popen(
		[
			str(gunicorn),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			"2",
			"-t",
			"120",
			"--preload",
			"frappe.app:application",
		],
		cwd=bench_sites,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		start_new_session=True,
	)
	for _ in range(120):
		try:
			requests.get(f"http://127.0.0.1:{port}/api/method/ping", timeout=2)
			return process
		except requests.RequestException:
			time.sleep(0.5)
	raise RuntimeError("gunicorn did not start")


def login(base: str, site: str, user: str) -> requests.Session:
	session = requests.Session()
	session.headers["Host"] = site
	response = session.post(f"{base}/api/method/login", data={"usr": user, "pwd": PASSWORD}, timeout=30)
	response.raise_for_status()
	return session


def page_for(rng: random.Random, resident: dict, theirs: bool) -> str:
	if theirs:
		return "/issues/list"
	kind = rng.choices([k for k, _w in MIX], [w for _k, w in MIX])[0]
	if kind == "detail" and resident["orders"]:
		return "/property/requests/" + rng.choice(resident["orders"])
	return {"home": "/property", "list": "/property/requests", "new": "/property/requests/new"}.get(
		kind, "/property"
	)


def run(base: str, site: str, residents: list[dict], seconds: float, pause: float, theirs: bool) -> dict:
	sessions = [login(base, site, r["user"]) for r in residents]
	times, errors, lock = [], [], threading.Lock()
	deadline = time.monotonic() + seconds

	def user(n: int):
		rng = random.Random(n)
		session = sessions[n]
		while time.monotonic() < deadline:
			path = page_for(rng, residents[n], theirs)
			start = time.perf_counter()
			try:
				response = session.get(base + path, timeout=30, allow_redirects=False)
				ok = response.status_code == 200
			except requests.RequestException:
				ok = False
			elapsed = (time.perf_counter() - start) * 1000
			with lock:
				(times if ok else errors).append(elapsed)
			if pause:
				time.sleep(pause)

	threads = [threading.Thread(target=user, args=(n,)) for n in range(len(residents))]
	started = time.monotonic()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	wall = time.monotonic() - started
	times.sort()
	return {
		"requests": len(times) + len(errors),
		"errors": len(errors),
		"p50": statistics.median(times) if times else 0,
		"p95": times[int(len(times) * 0.95) - 1] if times else 0,
		"rps": (len(times) + len(errors)) / wall,
	}


def query_counts(site: str, resident: dict) -> dict:
	"""Queries one request of each page makes (in-process, through Frappe's WSGI application)."""
	from frappe.database.database import Database

	timer = Timer(site, resident["user"], PASSWORD)
	out = {}
	pages = {
		"/property": "/property",
		"/property/requests": "/property/requests",
		"/property/requests/<name>": "/property/requests/" + resident["orders"][0],
		"/property/requests/new": "/property/requests/new",
		"ERPNext /issues/list": "/issues/list",
	}
	original = Database.sql
	for label, path in pages.items():
		timer.timed_ms("get", path)
		calls = []

		def counting(self, query, *args, **kwargs):
			calls.append(1)
			return original(self, query, *args, **kwargs)

		with patch.object(Database, "sql", counting):
			timer.timed_ms("get", path)
		out[label] = len(calls)
	return out


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--users", type=int, default=20)
	parser.add_argument("--duration", type=float, default=120)
	parser.add_argument("--port", type=int, default=8011)
	args = parser.parse_args()
	sites = Path(os.getcwd()).resolve()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.local.conf.throttle_user_limit = 10_000  # Frappe allows 60 new users a minute by default
	residents = ensure_residents(args.users)
	print(
		"queries per request:",
		", ".join(f"{k} {v}" for k, v in query_counts(args.site, residents[0]).items()),
	)
	frappe.destroy()
	server = start_gunicorn(sites, args.port)
	base = f"http://127.0.0.1:{args.port}"
	try:
		print(
			f"\n{'run (gunicorn, 2 workers)':44} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6}"
		)
		for label, seconds, pause, theirs in (
			(f"portal, {args.users} residents, 1 s pause", args.duration, 1.0, False),
			(f"portal, {args.users} residents, no pause", args.duration / 2, 0, False),
			(f"ERPNext /issues/list, {args.users}, no pause", args.duration / 2, 0, True),
		):
			result = run(base, args.site, residents, seconds, pause, theirs)
			print(
				f"{label:44} {result['requests']:8d} {result['errors']:6d} {result['p50']:7.1f} "
				f"{result['p95']:7.1f} {result['rps']:6.1f}"
			)
	finally:
		os.killpg(server.pid, signal.SIGTERM)
		server.wait(timeout=30)


if __name__ == "__main__":
	main()
