"""Plain `make_*` factories shared by the integration tests. Every call makes fresh, uniquely named
records, so tests never depend on each other's data or on run order."""

import random
import re
from datetime import date
from threading import Thread
from unittest.mock import patch

from werkzeug.test import Client

import frappe
from frappe.cache_manager import clear_doctype_map
from frappe.utils.password import update_password

from property_crm.demo.generate import people as demo
from property_crm.tests.setup import TEST_COMPANY

PASSWORD = "Pcrm-test-2026!"
CSRF_META = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')
_rng = random.Random()


def unique(prefix: str = "T") -> str:
	return f"{prefix}{frappe.generate_hash(length=6).upper()}"


def valid_mobile() -> str:
	return demo.mobile(_rng)


def valid_mainland_id(birth: date = date(1980, 5, 17)) -> str:
	return demo.mainland_id(_rng, birth)


def company() -> str:
	return frappe.db.get_value("Company", TEST_COMPANY) or frappe.db.get_value("Company", {}, "name")


def make_estate(code: str | None = None, **kwargs):
	code = code or unique("E")
	return frappe.get_doc(
		{
			"doctype": "Property Estate",
			"estate_code": code,
			"estate_name": f"测试小区{code}",
			"company": company(),
		}
		| kwargs
	).insert()


def make_building(estate: str, building_no: str = "2", floors: int = 30, **kwargs):
	return frappe.get_doc(
		{"doctype": "Property Building", "estate": estate, "building_no": building_no, "floors": floors}
		| kwargs
	).insert()


def make_unit(building, unit_number: str = "1203", floor: int = 12, occupants=(), **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Property Unit",
			"estate": building.estate,
			"building": building.name,
			"floor": floor,
			"unit_number": unit_number,
			"built_up_area": 98.5,
			"inner_area": 80.2,
			"occupants": list(occupants),
		}
		| kwargs
	).insert()


def make_owner(**kwargs):
	return frappe.get_doc(
		{
			"doctype": "Property Owner",
			"full_name": "张" + unique(""),
			"gender": "Male",
			"resident_type": "Owner",
			"mobile": valid_mobile(),
		}
		| kwargs
	).insert()


def occupant(owner, relation: str = "Owner", **kwargs) -> dict:
	return {"resident": owner.name, "relation": relation, "move_in": "2020-01-01"} | kwargs


def make_user(roles: list[str], estates: list[str] = (), user_type: str = "System User") -> str:
	email = f"{unique('u').lower()}@property-crm.invalid"
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": email,
			"first_name": email.split("@")[0],
			"user_type": user_type,
			"send_welcome_email": 0,
			"roles": [{"role": role} for role in roles],
		}
	)
	user.flags.no_welcome_mail = True
	user.insert(ignore_permissions=True)
	update_password(email, PASSWORD)
	for estate in estates:
		frappe.get_doc(
			{"doctype": "User Permission", "user": email, "allow": "Property Estate", "for_value": estate}
		).insert(ignore_permissions=True)
	return email


class SiteClient:
	"""Talks to the site through Frappe's real WSGI application (routing, session, permissions),
	in its own thread so the request gets its own frappe.local and database connection, as a
	browser's request would. Data the request must see has to be committed; after each request this
	connection starts a new transaction (uncommitted changes of the test are rolled back)."""

	def __init__(self, user: str | None = None, password: str = PASSWORD):
		self.site = frappe.local.site
		self.csrf_token = None
		self.client = Client(frappe.get_attr("frappe.app.application"))
		if user:
			response = self.post("/api/method/login", {"usr": user, "pwd": password})
			assert response.status_code == 200, response.text

	def _run(self, method: str, path: str, **kwargs):
		result = {}
		if method != "get" and self.csrf_token:  # as the portal's own script sends it
			kwargs.setdefault("headers", {}).setdefault("X-Frappe-CSRF-Token", self.csrf_token)

		def target():
			with patch("frappe.app.get_site_name", return_value=self.site):
				result["response"] = getattr(self.client, method)(path, **kwargs)

		thread = Thread(target=target)
		thread.start()
		thread.join()
		# what the request committed is visible to this connection only in a new transaction
		frappe.db.rollback()
		return result["response"]

	def get(self, path: str, params: dict | None = None):
		response = self._run("get", path, query_string=params or {})
		# a page that gives the browser a CSRF token: later POSTs carry it, as a browser's would
		found = (
			CSRF_META.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
		)
		if found:
			self.csrf_token = found.group(1)
		return response

	def post(self, path: str, data: dict | None = None):
		return self._run("post", path, json=data or {})

	def put(self, path: str, data: dict):
		return self._run("put", path, json=data)

	def delete(self, path: str):
		return self._run("delete", path)


def make_category(policy: str = "Only if unrated", technicians: list[str] = (), **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Service Category",
			"category_name": unique("维修"),
			"return_visit_policy": policy,
			"technicians": [{"user": user} for user in technicians],
		}
		| kwargs
	).insert()


def make_place():
	"""An estate with one building and one unit where one resident lives."""
	estate = make_estate()
	building = make_building(estate.name, "1")
	resident = make_owner(email=f"{unique('r').lower()}@example.com")
	unit = make_unit(building, "101", floor=1, occupants=[occupant(resident, primary_contact=1)])
	return estate, unit, resident


def make_order(unit, category, requester=None, **kwargs):
	# Frappe caches a doctype's Assignment Rules; rules of rolled-back tests may still be listed there.
	clear_doctype_map("Assignment Rule", "Service Order")
	return frappe.get_doc(
		{
			"doctype": "Service Order",
			"subject": "厨房水龙头漏水",
			"unit": unit.name,
			"requester": requester.name if requester else None,
			"service_category": category.name,
			"channel": "Phone",
		}
		| kwargs
	).insert()


def make_outgoing_email_account() -> str:
	"""An outgoing account so Frappe queues mail (in tests it never connects to a server)."""
	name = "Property CRM Test Outgoing"
	if not frappe.db.exists("Email Account", name):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": name,
				"email_id": "service@property-crm.invalid",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
	return name


def portal_login(owner) -> str:
	"""The resident's portal user (Property Resident), with the tests' password."""
	from property_crm.property_households import accounts

	user = accounts.ensure_portal_user(owner)
	update_password(user, PASSWORD)
	return user


def make_complaint(unit=None, complainant=None, category: str = "Service Attitude", **kwargs):
	"""A complaint registered by phone (by the current user) about `unit`, from `complainant`."""
	estate = kwargs.pop("estate", None) or (unit.estate if unit else None)
	return frappe.get_doc(
		{
			"doctype": "Complaint",
			"subject": "保安态度恶劣",
			"complaint_category": category,
			"channel": "Phone",
			"estate": estate,
			"unit": unit.name if unit else None,
			"complainant": complainant.name if complainant else None,
			"description": "晚上十点回家时门岗保安态度恶劣。",
		}
		| kwargs
	).insert()


def act(doc, action: str, user: str = "Administrator"):
	"""Apply a workflow action to `doc` (a fresh copy) as `user`, as the desk's action menu does."""
	from frappe.model.workflow import apply_workflow

	current = frappe.session.user
	frappe.set_user(user)
	try:
		return apply_workflow(frappe.get_doc(doc.doctype, doc.name), action)
	finally:
		frappe.set_user(current)


def forget_cached_email_accounts() -> None:
	"""Frappe caches the outgoing account it found on frappe.local for the rest of the "request"."""
	for name in ("outgoing_email_account", "incoming_email_account"):
		if hasattr(frappe.local, name):
			delattr(frappe.local, name)


def page_queries(path: str) -> int:
	"""How many queries a portal page makes, rendered in-process as the current user (after one rendering
	that warms Frappe's caches: meta, translations, website settings). `path` may carry a query string."""
	from urllib.parse import parse_qsl

	from frappe.utils import set_request
	from frappe.website.serve import get_response_content

	path, _sep, query = path.partition("?")

	def render():
		set_request(method="GET", path=path, query_string=query)
		frappe.local.form_dict = frappe._dict(parse_qsl(query))
		return get_response_content(path)

	render()
	return len(queries_of(render)[0])


def queries_of(fn, *args, **kwargs) -> tuple[list[str], object]:
	"""The SQL statements `fn(*args, **kwargs)` runs (in this process), and what it returns."""
	queries = []
	original = frappe.db.sql

	def counting(*a, **k):
		queries.append(a[0] if a else k.get("query"))
		return original(*a, **k)

	frappe.db.sql = counting
	try:
		result = fn(*args, **kwargs)
	finally:
		frappe.db.sql = original
	return queries, result


def without_committed_outgoing_account() -> None:
	"""Tests that need a site with no outgoing e-mail account of ours start from one: the account that
	`make_outgoing_email_account` makes is meant to live inside a test's transaction, but a commit elsewhere
	(a class set-up flushing what came before) can leave it on the site."""
	name = "Property CRM Test Outgoing"
	if frappe.db.exists("Email Account", name):
		frappe.db.delete("Email Account", {"name": name})
		frappe.db.commit()
	forget_cached_email_accounts()
