"""The README's permission matrix, asserted cell by cell against the live site over real HTTP (issue 18).

The table (README, "Roles and permissions", `tests/readme_matrix.py` parses it) says what each role may do
with each doctype of ours and each ERPNext/Frappe doctype we fill. For every role a user holding only that role
(a portal Website User for Property Resident) tries every right through the door an attacker uses:

- read: `GET /api/resource/<dt>/<name>` 200 vs 403, and the list (`GET /api/resource/<dt>`) shows it or not;
- write: `PUT /api/resource/<dt>/<name>` (no change) is no permission error vs 403;
- create: `POST /api/resource/<dt>` (an empty document: allowed → a validation error or a new record, never
  a permission error) vs 403;
- delete: `DELETE /api/resource/<dt>/<name>` of a throwaway record vs 403 on the kept one;
- export: `frappe.desk.reportview.export_query` (CSV) 200 vs 403;
- print: `frappe.www.printview.get_html_and_style` (what `/printview` and the PDF render) 200 vs 403 (Frappe
  lets a reader print: read or print allows it);
- report: Report Builder's data (`frappe.desk.reportview.get`) returns the row to a reader, and
  `frappe.client.has_permission(…, "report")` is the report right (Frappe enforces "report" in the desk
  and on script reports, not on Report Builder's data call).

`own:` rights are tried on a record the user created (and read on someone else's must fail); ToDo and
Notification Log (³) and File (⁴) are tried on the user's own task, notification and upload. The records
are rows of one estate (the users are not restricted by estate; the technician's open order gives him its
requester and unit) written straight to the database, so the test needs no valid business data per doctype.
"""

import json
import os
import threading
import time
from collections import Counter
from urllib.parse import quote

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase

from property_crm.property_households.accounts import ensure_customer
from property_crm.tests import readme_matrix
from property_crm.tests.factories import (
	company,
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
)
from property_crm.tests.served import HttpClient

# rows tried on the user's own task / notification / upload (README footnotes ³ and ⁴)
PERSONAL = {
	"ToDo": lambda user: {"allocated_to": user, "description": "matrix"},
	"Notification Log": lambda user: {"for_user": user, "subject": "matrix", "type": "Alert"},
	"File": lambda user: {"owner": user, "is_private": 1},
}


# an 8×8 PNG
PNG = bytes.fromhex(
	"89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc0000001149444154789c6338a1a181"
	"15310c2d0900825d46016a8d166b0000000049454e44ae426082"
)
# a minimal document where an empty one is refused for another reason than the right to create
CREATE = {
	"ToDo": lambda user: {"allocated_to": user, "description": "matrix"},
	"Property Payment Refund": lambda user: {
		"payment_order": TestPermissionMatrix.records["Property Payment Order"],
		"amount": 1,
		"reason": "matrix",
	},
}
# values a row written straight to the table needs for a save of it to pass the doctype's own validation
RAW = {"Property Payment Refund": {"amount": 1, "reason": "matrix"}}


class RawClient:
	"""An HttpClient's logged-in session used from a worker thread: plain HTTP, no database; it adds up the
	time spent per door."""

	def __init__(self, client: HttpClient, times: Counter):
		self.session, self.url, self.times = client.session, client.url, times

	def request(self, method, path, **kwargs):
		started = time.monotonic()
		response = self.session.request(method, self.url + path, timeout=60, allow_redirects=False, **kwargs)
		door = path if path.startswith(("/api/method", "/printview")) else f"{method} /api/resource"
		self.times[door] += time.monotonic() - started
		return response

	def get(self, path, params=None):
		return self.request("GET", path, params=params)

	def post(self, path, data=None, json=None):
		return self.request("POST", path, data=data, json=json)


def readme_path() -> str:
	return os.path.join(frappe.get_app_path("property_crm"), "..", "README.md")


class TestPermissionMatrix(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.rows = []  # every row written straight to a table, removed the same way afterwards
		cls.matrix = readme_matrix.matrix(readme_path())
		cls.users = {
			role: make_user(
				[role], user_type="Website User" if role == "Property Resident" else "System User"
			)
			for role in readme_matrix.ROLES
		}
		estate = make_estate()
		building = make_building(estate.name, "1")
		owner = make_owner(email=f"{unique('r').lower()}@example.com")
		unit = make_unit(building, "101", floor=1, occupants=[occupant(owner, primary_contact=1)])
		order = make_order(unit, make_category("Never"), owner)
		technician = cls.users["Property Technician"]
		assign_to(
			{"assign_to": [technician], "doctype": "Service Order", "name": order.name, "description": "x"}
		)
		customer = ensure_customer(frappe.get_doc("Property Owner", owner.name))
		cls.links = {
			"Property Estate": estate.name,
			"Property Building": building.name,
			"Property Unit": unit.name,
			"Property Owner": owner.name,
			"Service Order": order.name,
			"Customer": customer,
			"Company": company(),
		}
		cls.records = {
			"Property Estate": estate.name,
			"Property Building": building.name,
			"Property Unit": unit.name,
			"Property Owner": owner.name,
			"Service Order": order.name,
			"Customer": customer,
			"Contact": frappe.db.get_value("Property Owner", owner.name, "contact"),
			"User": make_user([]),
		}
		cls.links["Complaint"] = cls.records["Complaint"] = cls.raw("Complaint")
		# a paid online payment order (refunds are of one)
		cls.links["Property Payment Order"] = cls.records["Property Payment Order"] = cls.raw(
			"Property Payment Order", status="Paid", amount=100, transaction_id=unique("TX")
		)
		for doctype in cls.matrix:
			if doctype not in cls.records and doctype not in PERSONAL:
				cls.records[doctype] = cls.raw(doctype)
		frappe.db.commit()  # the HTTP requests run on their own connection
		cls.outcome = Counter()

	@classmethod
	def raw(cls, doctype: str, **values) -> str:
		"""A row of `doctype` written straight to the table: defaults, the links to this estate's records."""
		if doctype == "File":  # a real file on disk, so that saving its record finds it
			doc = frappe.get_doc(
				{"doctype": "File", "file_name": f"{unique('matrix')}.png", "content": PNG, "is_private": 1}
			).insert(ignore_permissions=True)
			frappe.db.set_value("File", doc.name, "owner", values.get("owner", "Administrator"))
			cls.rows.append(("File", doc.name))
			return doc.name
		doc = frappe.new_doc(doctype)
		for field in doc.meta.get_link_fields():
			if field.options in cls.links:
				doc.set(field.fieldname, cls.links[field.options])
		doc.update(RAW.get(doctype, {}))
		doc.update(values)
		doc.name = unique("PM")
		cls.rows.append((doctype, doc.name))
		try:
			doc.db_insert()
		except frappe.UniqueValidationError:  # one per estate (a care policy…): a second one without links
			for field in doc.meta.get_link_fields():
				if field.options in cls.links and field.fieldname not in values:
					doc.set(field.fieldname, None)
			doc.db_insert()
		# db_insert writes the session user as owner
		frappe.db.set_value(
			doctype, doc.name, "owner", values.get("owner", "Administrator"), update_modified=False
		)
		return doc.name

	@classmethod
	def tearDownClass(cls):
		print(
			f"\npermission matrix: {len(cls.matrix)} doctypes × {len(readme_matrix.ROLES)} roles × "
			f"{len(readme_matrix.RIGHTS)} rights = {len(cls.matrix) * len(readme_matrix.ROLES) * 7} cells; "
			f"requests: {dict(cls.outcome)}"
		)
		frappe.db.rollback()
		# rows without their business data must not stay for the scheduler's jobs and other tests
		for doctype, name in cls.rows:
			if doctype == "File":
				frappe.delete_doc("File", name, force=True, ignore_permissions=True, ignore_missing=True)
			else:
				frappe.db.delete(doctype, {"name": name})
		frappe.db.commit()
		super().tearDownClass()

	def record_for(self, doctype, role, fresh=False, **values):
		"""The record a role's rights are tried on: the kept one, or a new row (throwaway, own, personal)."""
		if doctype in PERSONAL:
			return self.raw(doctype, **(PERSONAL[doctype](self.users[role]) | values))
		if fresh or values:
			return self.raw(doctype, **values)
		return self.records[doctype]

	def prepare(self, doctype, role) -> dict:
		"""Everything a cell's check needs from the database, made before the requests (main thread)."""
		rights, own = readme_matrix.parse_cell(self.matrix[doctype][role])
		user = self.users[role]
		permissions = frappe.permissions.get_role_permissions(frappe.get_meta(doctype), user=user)
		return {
			"doctype": doctype,
			"role": role,
			"user": user,
			"rights": rights,
			"own": own,
			"name": self.record_for(doctype, role),
			"mine": self.record_for(doctype, role, owner=user) if own else None,
			# deleted, or refused: a row of its own (a delete locks the row; the roles run side by side)
			"throwaway": self.record_for(
				doctype, role, fresh=True, **({"owner": user} if "delete" in own else {})
			),
			# Frappe lists names (no fields) to a role with "select" only, for link fields
			"select_only": bool(permissions.get("select")) and not permissions.get("read"),
			"create": CREATE.get(doctype, lambda user: {})(user),
		}

	def expect(self, response, allowed: bool, what):
		"""Allowed: no permission error (and no 404); refused: 403."""
		with self.lock:
			self.outcome["allowed" if allowed else "refused"] += 1
			if response.status_code >= 500:
				self.outcome["5xx"] += 1
				self.errors.append(f"{what}: {response.status_code} {response.text[:160]}")
		if allowed and response.status_code in (401, 403, 404):
			self.problems.append(f"{what}: {response.status_code}, expected allowed: {response.text[:200]}")
		elif not allowed and response.status_code != 403:
			self.problems.append(f"{what}: {response.status_code}, expected 403: {response.text[:200]}")

	def listed(self, response, key, readable, shown, case, what):
		"""A list (REST or Report Builder's data): to a reader it shows the record when they may read it (an
		owner-only reader only their own); to anyone else it is refused, or it does not show the record, or it
		shows its name only where Frappe grants "select" (names for link fields)."""
		rows = []
		if response.status_code == 200:
			data = response.json().get(key) or []
			rows = data.get("values", []) if isinstance(data, dict) else data
		if readable:
			self.expect(response, True, what)
			self.agree(len(rows), int(shown), what)
		elif response.status_code != 403 and rows and not case["select_only"]:
			self.problems.append(f"{what}: {response.status_code} with {rows!r}, expected 403")
		else:
			with self.lock:
				self.outcome["refused"] += 1

	def agree(self, actual, expected, what):
		if actual != expected:
			self.problems.append(f"{what}: {actual!r}, expected {expected!r}")

	def check(self, client, case: dict) -> None:
		"""One cell's rights through REST (runs in the role's thread: HTTP only, no database)."""
		doctype, rights, own, name, mine = (case[k] for k in ("doctype", "rights", "own", "name", "mine"))
		path = f"/api/resource/{quote(doctype)}"
		what = f"{doctype} × {case['role']} ({self.matrix[doctype][case['role']]})"
		readable = "read" in rights or "read" in own

		# read, and the list
		self.expect(client.get(f"{path}/{quote(name)}"), "read" in rights, f"read {what}")
		listed = client.get(path, {"filters": json.dumps([["name", "=", name]]), "limit_page_length": 0})
		self.listed(listed, "data", readable, "read" in rights, case, f"list {what}")
		if mine and "read" in own:
			self.expect(client.get(f"{path}/{quote(mine)}"), True, f"read own {what}")

		# write (no change) on the kept record, or on their own one
		self.expect(
			client.request("PUT", f"{path}/{quote(name)}", json={}), "write" in rights, f"write {what}"
		)
		if mine and "write" in own:
			self.expect(client.request("PUT", f"{path}/{quote(mine)}", json={}), True, f"write own {what}")

		# create: allowed → a validation error or a new record (removed afterwards), refused → 403
		created = client.post(path, json=case["create"])
		self.expect(created, "create" in rights, f"create {what}")
		if created.status_code == 200:
			self.created.append((doctype, created.json()["data"]["name"]))

		# delete a row of its own: allowed → gone (or a business rule's refusal), refused → 403
		deleted = client.request("DELETE", f"{path}/{quote(case['throwaway'])}")
		self.expect(deleted, "delete" in rights or "delete" in own, f"delete {what}")

		# export (Report Builder's CSV)
		exported = client.post(
			"/api/method/frappe.desk.reportview.export_query",
			data={
				"doctype": doctype,
				"file_format_type": "CSV",
				"fields": json.dumps([f"`tab{doctype}`.`name`"]),
				"filters": json.dumps([[doctype, "name", "=", name]]),
			},
		)
		self.expect(exported, "export" in rights and "read" in rights, f"export {what}")
		if exported.status_code == 200:
			self.agree(name in exported.text, True, f"export {what}")

		# print: Frappe prints for whoever may read or print
		printed = client.post(
			"/api/method/frappe.www.printview.get_html_and_style",
			data={"doc": doctype, "name": name, "print_format": "Standard"},
		)
		self.expect(printed, bool(rights & {"read", "print"}), f"print {what}")

		# report: Report Builder's data, and the report right itself
		data = client.post(
			"/api/method/frappe.desk.reportview.get",
			data={
				"doctype": doctype,
				"fields": json.dumps([f"`tab{doctype}`.`name`"]),
				"filters": json.dumps([[doctype, "name", "=", name]]),
			},
		)
		self.listed(data, "message", readable, "read" in rights, case, f"report data {what}")
		if readable:
			answer = client.post(
				"/api/method/frappe.client.has_permission",
				data={"doctype": doctype, "docname": mine or name, "perm_type": "report"},
			)
			self.agree(
				answer.json().get("message", {}).get("has_permission")
				if answer.status_code == 200
				else answer.text,
				"report" in (own if mine else rights),
				f"report right {what}",
			)

	def test_matrix_holds_on_the_live_site(self):
		started = time.monotonic()
		self.problems, self.created, self.errors, self.lock = [], [], [], threading.Lock()
		cases = {
			role: [self.prepare(doctype, role) for doctype in self.matrix] for role in readme_matrix.ROLES
		}
		frappe.db.commit()
		# one session per role, logged in over HTTP; then each role's requests in its own thread (HTTP only)
		times = Counter()
		clients = {role: RawClient(HttpClient(self.users[role]), times) for role in readme_matrix.ROLES}

		def run(role):
			for case in cases[role]:
				try:
					self.check(clients[role], case)
				except Exception as error:  # a broken answer is a finding, not a crash of the other threads
					self.problems.append(f"{case['doctype']} × {role}: {error!r}")

		threads = [threading.Thread(target=run, args=(role,)) for role in readme_matrix.ROLES]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		frappe.db.rollback()
		for doctype, name in self.created:
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, ignore_missing=True)
		frappe.db.commit()
		print(
			f"\nmatrix checked in {time.monotonic() - started:.0f} s; seconds per door (all threads): ",
			end="",
		)
		print({door: round(seconds) for door, seconds in times.most_common()})
		# a server error on an allowed request is no permission finding (the fuzzer's business): listed only
		if self.errors:
			print("\n".join(["server errors on allowed requests:", *sorted(self.errors)]))
		self.assertEqual(self.problems, [], "\n".join(sorted(self.problems)))

	def test_every_doctype_we_fill_is_in_the_matrix(self):
		"""Our own doctypes (the unit tier checks them too) and the ERPNext/Frappe doctypes we scope or fill."""
		from property_crm.permissions import ABOUT_RECORDS, RESIDENT_RECORDS

		ours = set(
			frappe.get_all(
				"DocType",
				filters={
					"module": ("in", frappe.get_module_list("property_crm")),
					"istable": 0,
					"issingle": 0,
				},
				pluck="name",
			)
		)
		filled = (set(RESIDENT_RECORDS) | set(ABOUT_RECORDS)) - {"Address"}
		self.assertEqual(sorted((ours | filled) - set(self.matrix)), [])
