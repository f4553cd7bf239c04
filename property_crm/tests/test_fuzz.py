"""The HTTP fuzzer (issue 18, finding 8): hypothesis-generated calls, over real HTTP to the served test site,
of every whitelisted method of the app (enumerated from the code: every module of the package is imported
and the functions Frappe registered as whitelisted are collected, controller methods included, so a new
method is fuzzed without editing this file), every portal form (the methods the portal's templates post to,
as multipart forms with a fuzzed photo), every script report of the app (run as the desk runs it, filters
fuzzed) and every portal page (the `portal_pages` hooks, with fuzzed path parts and query strings) — as a
resident, a clerk (Property Customer Service), a technician and a guest. The site must not be used by other
tests while it runs (the row counts would see their writes).

Arguments are drawn from each function's signature: right types, wrong types, missing arguments, huge
strings (100 KB), unicode and emoji, HTML/JS, SQL-ish text, CR/LF, bad dates and numbers, JSON and broken
JSON, lists and dicts where strings are expected, the names of real records of another resident and estate,
and names of records that do not exist. No answer may be a 5xx, and a refused call (4xx, 429 included) must
leave the row counts of our doctypes and of File, Communication, Email Queue, ToDo, Comment and Version as
they were. The rate limits are reset before each call (their counters in Redis), so that the fuzzer measures
the methods, not the limiter. Run with `-s` to see the summary table (it is also in the assertion message).
"""

import importlib
import inspect
import json
import os
import pkgutil
import re
import typing
import unittest
from collections import Counter

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import frappe

import property_crm
from property_crm.rate_limits import reset_counters
from property_crm.tests.factories import (
	make_category,
	make_complaint,
	make_order,
	make_place,
	make_user,
	portal_login,
)
from property_crm.tests.served import HttpClient

# each round calls every target once (~280 targets: 2,000+ cases in 8 rounds); PROPERTY_CRM_FUZZ_ROUNDS=1 for a quick look
ROUNDS = int(os.environ.get("PROPERTY_CRM_FUZZ_ROUNDS") or 8)
WATCHED_HOST_DOCTYPES = ("File", "Communication", "Email Queue", "ToDo", "Comment", "Version")
HUGE = "A" * 100_000
INPUT_CLASSES = (
	"right",
	"wrong type",
	"missing",
	"huge",
	"unicode",
	"html/js",
	"sql-ish",
	"cr/lf",
	"bad date",
	"bad number",
	"json",
	"broken json",
	"list",
	"dict",
	"other's record",
	"nonexistent",
	"empty",
	"null",
)
SAMPLES = {
	"huge": [HUGE, "中" * 40_000],
	"unicode": ["住户😀🏠", "\u202egnp.exe", "Ａ\u200b\u0301", "\U0001f9d1\u200d\U0001f527 水管"],
	"html/js": [
		"<script>alert(1)</script>",
		'"><img src=x onerror=alert(1)>',
		"{{7*7}}{% raw %}",
		"javascript:alert(1)",
	],
	"sql-ish": ["' OR '1'='1", "1; DROP TABLE `tabUser`; --", "name` = 1 -- ", '%" UNION SELECT 1 --'],
	"cr/lf": ["/property\r\nSet-Cookie: a=1", "x\r\nLocation: http://evil.example", "a\nb\rc", "%0d%0a"],
	"bad date": ["2026-02-30", "0000-00-00", "31/12/2026", "9999-99-99 25:61", "0001-01-01"],
	"bad number": ["NaN", "inf", "1e309", "-99999999999999999999", "١٢", "0x1F"],
	"json": ['[{"unit": "x", "current_reading": 5}]', '{"estate": "x"}', "[]", "{}", '"text"'],
	"broken json": ["[", '{"a":', '[{"a": 1},', '"unterminated', "[" * 5000],
	"list": [["a", 1, None], [[]], [{"plate_number": "京A12345"}]],
	"dict": [{"a": 1}, {"$gt": ""}, {"name": ["like", "%"]}],
	"nonexistent": ["DOES-NOT-EXIST", "SO-2099-99999", "CMP-2099-00001", "A01-9-9999", "nobody@example.com"],
	"empty": [""],
	"null": [None],
}
TEXTS = ["厨房水龙头漏水", "test", "2026-01-15", "Electricity", "Satisfied", "zh", "5"]
PATH_PARTS = [
	"x",
	"SO-2099-99999",
	"住户😀",
	"%3Cscript%3E",
	"..%2F..%2Fetc%2Fpasswd",
	"a%0d%0aSet-Cookie:x",
	"' OR 1=1 --",
	"A" * 3000,
]
QUERIES = [
	{},
	{"name": "<script>alert(1)</script>"},
	{"unit": "DOES-NOT-EXIST"},
	{"lang": "xx"},
	{"redirect-to": "https://evil.example"},
	{"page": "-1", "start": "abc"},
	{"q": "中" * 500},
]


def import_all_modules() -> list[str]:
	"""Import every module of the app (tests, demo data generators and patches aside), so that every
	`@frappe.whitelist` has run; returns the modules that could not be imported."""
	failed = []
	for info in pkgutil.walk_packages(property_crm.__path__, "property_crm."):
		if re.search(r"\.(tests|patches)(\.|$)|conftest", info.name):
			continue
		try:
			importlib.import_module(info.name)
		except Exception as e:  # reported by the test: a module with a whitelisted method must import
			failed.append(f"{info.name}: {e!r}")
	return failed


def our_doctypes() -> dict[str, str]:
	"""Class name → DocType name of the app's doctypes (controllers' whitelisted methods)."""
	modules = frappe.get_all("Module Def", filters={"app_name": "property_crm"}, pluck="name")
	names = frappe.get_all("DocType", filters={"module": ("in", modules)}, pluck="name")
	return {re.sub(r"[^A-Za-z0-9]", "", name): name for name in names}


def whitelisted_targets() -> list[dict]:
	"""Every whitelisted function of the app: its dotted path (or doctype and method), HTTP methods and
	parameters with their annotations."""
	classes = our_doctypes()
	targets = []
	for fn in list(frappe.whitelisted):
		module = getattr(fn, "__module__", "") or ""
		if not module.startswith("property_crm") or ".tests" in module:
			continue
		original = inspect.unwrap(fn)
		try:
			hints = typing.get_type_hints(original)
		except Exception:
			hints = {}
		params = [
			(p.name, hints.get(p.name, p.annotation), p.default is inspect.Parameter.empty)
			for p in inspect.signature(original).parameters.values()
			if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
		]
		owner, _dot, name = original.__qualname__.rpartition(".")
		target = {
			"kind": "method",
			"label": f"{module}.{original.__qualname__}",
			"params": params,
			"http": tuple(frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ("POST",)),
		}
		if owner:  # a controller's method: run on a document, via run_doc_method
			target.update(kind="doc_method", doctype=classes.get(owner), method=name)
			if not target["doctype"]:
				continue
		else:
			target["path"] = f"{module}.{name}"
		targets.append(target)
	return sorted(targets, key=lambda t: t["label"])


def watched_tables() -> list[str]:
	modules = frappe.get_all("Module Def", filters={"app_name": "property_crm"}, pluck="name")
	ours = frappe.get_all(
		"DocType", filters={"module": ("in", modules), "issingle": 0, "is_virtual": 0}, pluck="name"
	)
	return sorted(ours) + list(WATCHED_HOST_DOCTYPES)


def row_counts(tables: list[str]) -> tuple:
	"""All counts in one statement (table names come from DocType metadata, not from input)."""
	frappe.db.rollback()
	columns = ", ".join(f"(select count(*) from `tab{table}`)" for table in tables)
	return tuple(frappe.db.sql(f"select {columns}")[0])  # nosemgrep


def value_for(annotation, input_class: str, draw, pool: dict):
	"""One argument value of the given class for a parameter with this annotation."""
	if input_class == "right":
		kinds = set(typing.get_args(annotation)) or {annotation}
		if kinds & {int, float, bool}:
			return draw(st.integers(-2, 6))
		if kinds & {list}:
			return draw(st.sampled_from([json.dumps([{"unit": pool["own"][0]}]), "[]"]))
		if kinds & {dict}:
			return draw(st.sampled_from([json.dumps({"estate": pool["own_estate"]}), "{}"]))
		return draw(st.sampled_from(pool["own"] + TEXTS))
	if input_class == "wrong type":
		kinds = set(typing.get_args(annotation)) or {annotation}
		if kinds & {int, float, bool}:
			return draw(st.sampled_from(["abc", "1.5.6", [1], {"a": 1}]))
		return draw(st.sampled_from([12345, True, 3.14, [1, 2], {"x": "y"}]))
	if input_class == "other's record":
		return draw(st.sampled_from(pool["other"]))
	return draw(st.sampled_from(SAMPLES[input_class]))


def draw_arguments(target: dict, draw, pool: dict) -> tuple[str, dict]:
	"""A call's input class and arguments: the class on at least one parameter, right values elsewhere."""
	input_class = draw(st.sampled_from(INPUT_CLASSES))
	params = target["params"]
	arguments = {}
	chosen = draw(st.sets(st.integers(0, max(len(params) - 1, 0)), min_size=1)) if params else set()
	for i, (name, annotation, required) in enumerate(params):
		if i in chosen:
			if input_class == "missing":
				continue
			arguments[name] = value_for(annotation, input_class, draw, pool)
		elif required or draw(st.booleans()):
			arguments[name] = value_for(annotation, "right", draw, pool)
	return input_class, arguments


def send(client: HttpClient, target: dict, arguments: dict, draw, pool: dict):
	"""POST (or GET where only that is allowed) the call, form-encoded when every value is text, else JSON."""
	if target["kind"] == "report":
		filters = (
			json.dumps(arguments, default=str)
			if draw(st.integers(0, 5))
			else draw(st.sampled_from(SAMPLES["broken json"]))
		)
		return client.post(
			"/api/method/frappe.desk.query_report.run",
			data={"report_name": target["report"], "filters": filters},
		)
	if target["kind"] == "doc_method":
		body = {
			"dt": target["doctype"],
			"dn": draw(st.sampled_from(pool["own"] + pool["other"] + SAMPLES["nonexistent"])),
			"method": target["method"],
			"args": json.dumps(arguments, default=str),
		}
		return client.post("/api/method/run_doc_method", data=body)
	path = f"/api/method/{target['path']}"
	as_text = all(isinstance(v, str) for v in arguments.values())
	if "POST" not in target["http"]:
		if not as_text:
			arguments = {k: json.dumps(v) for k, v in arguments.items()}
		return client.get(path, params=arguments)
	if target.get("form") and as_text:  # the portal's forms post multipart, with a photo now and then
		photo = draw(
			st.sampled_from(
				[
					None,
					("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"),
					("x.html", b"<script>alert(1)</script>", "image/png"),
					("", b"", "application/octet-stream"),
				]
			)
		)
		if photo:
			return client.post(path, data=arguments, files={"photo": photo})
	if as_text and draw(st.booleans()):
		return client.post(path, data=arguments)
	return client.post(path, json=arguments)


def report_targets() -> list[dict]:
	"""Every script report of the app, run as the desk runs it, its filters (from the report's .js) fuzzed."""
	modules = frappe.get_all("Module Def", filters={"app_name": "property_crm"}, pluck="name")
	targets = []
	for report in frappe.get_all(
		"Report",
		filters={"module": ("in", modules), "report_type": "Script Report"},
		fields=["name", "module"],
	):
		folder = frappe.get_module_path(report.module, "report", frappe.scrub(report.name))
		try:
			with open(f"{folder}/{frappe.scrub(report.name)}.js") as script:
				fields = re.findall(r'fieldname:\s*"(\w+)"', script.read())
		except OSError:
			fields = []
		params = [(field, str, False) for field in fields]
		targets.append(
			{"kind": "report", "label": f"report {report.name}", "report": report.name, "params": params}
		)
	return targets


def portal_routes() -> list[str]:
	"""The portal's pages (`portal_pages` hooks), named groups to be filled by the fuzzer."""
	return [pattern for pattern, _function in frappe.get_hooks("portal_pages")]


class TestFuzz(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.import_failures = import_all_modules()
		estate, unit, resident = make_place()
		other_estate, other_unit, neighbour = make_place()
		category = make_category()
		own_order = make_order(unit, category, resident, channel="Portal")
		other_order = make_order(other_unit, category, neighbour)
		own_complaint = make_complaint(unit, resident)
		other_complaint = make_complaint(other_unit, neighbour)
		cls.users = {
			"resident": portal_login(resident),
			"clerk": make_user(["Property Customer Service"], [estate.name]),
			"technician": make_user(["Property Technician"], [estate.name]),
			"guest": None,
		}
		portal_login(neighbour)
		frappe.db.set_value("User", cls.users["resident"], "language", "zh")
		cls.pool = {
			"own": [unit.name, resident.name, own_order.name, own_complaint.name, estate.name, category.name],
			"own_estate": estate.name,
			"other": [
				other_unit.name,
				neighbour.name,
				other_order.name,
				other_complaint.name,
				other_estate.name,
				frappe.db.get_value("Property Unit", other_unit.name, "building"),
			],
		}
		frappe.db.commit()
		cls.clients = {}
		for role, user in cls.users.items():
			client = HttpClient(user)
			client.get(
				"/property" if role in ("resident", "guest") else "/app"
			)  # the CSRF token, as a browser
			cls.clients[role] = client

	def test_every_whitelisted_method_and_portal_page_refuses_bad_input_without_5xx_or_partial_write(self):
		self.assertFalse(self.import_failures, self.import_failures)
		methods = whitelisted_targets()
		self.assertGreater(len(methods), 30, "the whitelisted methods of the app were not found")
		forms = {"submit_request", "submit_complaint", "complaint_feedback", "rate_request", "update_profile"}
		for target in methods:
			target["form"] = target["label"].rsplit(".", 1)[-1] in forms
		routes = portal_routes()
		reports = report_targets()
		self.assertTrue(reports, "the script reports of the app were not found")
		targets = [(role, t) for t in methods + reports for role in self.clients] + [
			(role, {"kind": "page", "label": "/" + route, "route": route})
			for route in routes
			for role in self.clients
		]
		tables = watched_tables()
		stats = {"cases": 0, "classes": Counter(), "status": Counter(), "exc": Counter()}
		failures = []

		def one_case(role: str, target: dict, draw) -> None:
			client = self.clients[role]
			if target["kind"] == "page":
				input_class = draw(st.sampled_from(("path part", "query string")))
				path = "/" + re.sub(
					r"\(\?P<\w+>[^)]*\)",
					lambda _m: draw(st.sampled_from(PATH_PARTS + self.pool["other"])),
					target["route"],
				)
				query = draw(st.sampled_from(QUERIES)) if input_class == "query string" else {}
				before = row_counts(tables)
				response = client.get(path, params=query)
				arguments = {"path": path[:80], **query}
			else:
				input_class, arguments = draw_arguments(target, draw, self.pool)
				before = row_counts(tables)
				response = send(client, target, arguments, draw, self.pool)
			reset_counters()
			status = response.status_code
			stats["cases"] += 1
			stats["classes"][input_class] += 1
			stats["status"][status] += 1
			try:
				stats["exc"][response.json().get("exc_type") or "-"] += 1
			except ValueError:
				pass
			shown = {k: (repr(v)[:60]) for k, v in arguments.items()}
			if status >= 500:
				failures.append(
					f"{status} {role} {target['label']} [{input_class}] {shown}: {response.text[:300]}"
				)
			elif 400 <= status < 500:
				after = row_counts(tables)
				if after != before:
					changed = [t for t, b, a in zip(tables, before, after, strict=True) if a != b]
					failures.append(
						f"partial write {status} {role} {target['label']} [{input_class}] {shown}: {changed}"
					)

		@settings(
			max_examples=ROUNDS,
			deadline=None,
			derandomize=True,
			database=None,
			phases=[Phase.generate],
			suppress_health_check=list(HealthCheck),
		)
		@given(data=st.data())
		def fuzz_round(data):
			for role, target in targets:
				one_case(role, target, data.draw)

		reset_counters()
		fuzz_round()
		summary = summarise(stats, len(methods), len(reports), len(routes))
		print(summary, *failures, sep="\n")
		self.assertFalse(failures, summary + "\n" + "\n".join(failures[:40]))
		self.assertGreaterEqual(stats["cases"], 2000 if ROUNDS >= 8 else 0, summary)


def summarise(stats: dict, methods: int, reports: int, routes: int) -> str:
	lines = [
		f"fuzz: {stats['cases']} cases — {methods} whitelisted methods, {reports} script reports and {routes} "
		"portal pages × "
		"resident, clerk, technician, guest",
		"input classes: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["classes"].items())),
		"status codes:  " + ", ".join(f"{k} {v}" for k, v in sorted(stats["status"].items())),
		"exceptions:    " + ", ".join(f"{k} {v}" for k, v in stats["exc"].most_common()),
	]
	return "\n".join(lines)


class TestReproducedBadInput(unittest.TestCase):
	"""The four 500s of the security review, as the attacker sent them: now a translated 417 (or a safe
	redirect), and nothing written."""

	@classmethod
	def setUpClass(cls):
		_estate, cls.unit, cls.resident = make_place()
		cls.user = portal_login(cls.resident)
		frappe.db.set_value("User", cls.user, "language", "zh")
		cls.manager = make_user(["Property Manager"])
		frappe.db.commit()
		reset_counters()
		cls.client = HttpClient(cls.user)
		cls.client.get("/property")

	def error(self, response) -> str:
		messages = json.loads(response.json().get("_server_messages", "[]"))
		return " ".join(json.loads(m).get("message", "") for m in messages)

	def test_update_profile_with_broken_vehicles(self):
		changes = frappe.db.count("Property Profile Change")
		response = self.client.call("property_crm.property_care.api.update_profile", vehicles="notjson")
		self.assertEqual(response.status_code, 417, response.text[:300])
		self.assertIn("车辆：提交的数据格式不正确", self.error(response))
		self.assertEqual(frappe.db.count("Property Profile Change"), changes)

	def test_save_building_readings_with_broken_rows(self):
		response = self.client.call(
			"property_crm.property_fees.meter_entry_api.save_building_readings",
			building="x",
			meter_type="Water",
			period="2026-01",
			rows="[",
		)
		self.assertEqual(response.status_code, 417, response.text[:300])
		self.assertIn("不是有效的 JSON", self.error(response))

	def test_language_switch_with_cr_lf_goes_home_without_the_injected_header(self):
		response = self.client.call(
			"property_crm.portal.api.set_language",
			language="en",
			redirect_to="/property\r\nSet-Cookie: pwned=1",
		)
		self.assertIn(response.status_code, (301, 302, 303), response.text[:300])
		self.assertTrue(response.headers["Location"].endswith("/property"), response.headers["Location"])
		self.assertNotIn("pwned", response.headers.get("Set-Cookie", ""))
		frappe.db.set_value("User", self.user, "language", "zh")
		frappe.db.commit()

	def test_satisfaction_summary_with_a_list_as_estate(self):
		manager = HttpClient(self.manager)
		manager.get("/app")
		response = manager.call(
			"frappe.desk.query_report.run",
			report_name="Satisfaction Summary",
			filters=json.dumps({"estate": ["A01", "B02"]}),
		)
		self.assertEqual(response.status_code, 417, response.text[:300])
		response = manager.call(
			"frappe.desk.query_report.run",
			report_name="Satisfaction Summary",
			filters=json.dumps({"from_date": "0001-01-01"}),
		)
		self.assertEqual(response.status_code, 417, response.text[:300])
		response = manager.call(
			"frappe.desk.query_report.run", report_name="Satisfaction Summary", filters="[" * 5000
		)
		self.assertEqual(response.status_code, 417, response.text[:300])

	def test_a_missing_argument_is_named(self):
		response = self.client.post("/api/method/property_crm.property_care.api.sign_up", data={})
		self.assertEqual(response.status_code, 417, response.text[:300])
		self.assertIn("必填", self.error(response))

	def test_a_guest_value_nested_thousands_deep_is_bad_input(self):
		"""Found by the fuzz run on 2c125e3: Frappe tries a guest method's arguments as JSON before sanitising
		them and crashed (500, RecursionError) on 5,000 brackets; now a translated 417, nothing done."""
		for method, field in (
			("property_crm.wechat.binding.confirm_code", "code"),
			("property_crm.wechat.binding.send_code", "mobile"),
		):
			response = HttpClient().post(f"/api/method/{method}", data={field: "[" * 5000})
			self.assertEqual(response.status_code, 417, (method, response.text[:300]))
		# a value with many brackets that decodes is no reason to refuse
		fine = HttpClient().post(
			"/api/method/property_crm.wechat.binding.confirm_code", data={"code": "[" * 600 + "]" * 600}
		)
		self.assertNotEqual(fine.status_code, 500, fine.text[:300])
