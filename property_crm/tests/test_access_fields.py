"""Issue 18, finding 2: fields that grant access are set only by their own method, by a role allowed to.

Reproduced before the fix: a clerk created a resident file whose `customer` was another payer's ERPNext
Customer over REST (200), made it a portal login and read that payer's bills. Here every Link / Dynamic Link
of ours to people and places is either in `property_crm.access_fields.REGISTRY` or in its NOT_GRANTING list
with a reason (a new one fails until someone decides); and for every registered field and every role that
may not set it, the doors an attacker uses — `POST /api/resource`, `PUT /api/resource`,
`frappe.client.set_value`, `frappe.client.insert`, `frappe.client.save` and the desk form's save — are
refused with 403 and the value in the database is unchanged. The made-for-it methods, by the roles allowed,
still work."""

import glob
import json
import os

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from property_crm import access_fields
from property_crm.property_households import accounts
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_complaint,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
	valid_mobile,
)
from property_crm.tests.served import HttpClient
from property_crm.tests.survey_factories import make_campaign

# a Link to one of these (or any Dynamic Link) may decide who sees what
TARGETS = {
	"User",
	"Customer",
	"Contact",
	"Property Owner",
	"Property Unit",
	"Property Estate",
	"Property Building",
}
ROLES = {
	"clerk": "Property Customer Service",
	"technician": "Property Technician",
	"accountant": "Property Accountant",
}
APP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "_user_tags", "_assign"}


def access_links() -> set[tuple[str, str]]:
	"""Every (doctype, fieldname) of the app's DocType JSON that links to a person or a place."""
	found = set()
	for path in glob.glob(os.path.join(APP, "*", "doctype", "*", "*.json")):
		with open(path) as handle:
			meta = json.load(handle)
		if not isinstance(meta, dict) or meta.get("doctype") != "DocType":
			continue
		for field in meta.get("fields", []):
			kind = field.get("fieldtype")
			if kind == "Dynamic Link" or (kind == "Link" and field.get("options") in TARGETS):
				found.add((meta["name"], field["fieldname"]))
	return found


def _plain(doc) -> dict:
	"""A document as the desk sends it back (JSON-safe)."""
	return json.loads(frappe.as_json(doc.as_dict(no_default_fields=False)))


class TestRegistry(FrappeTestCase):
	def test_every_access_link_is_decided(self):
		registered = {
			(doctype, field) for doctype, fields in access_fields.REGISTRY.items() for field in fields
		}
		links = access_links()
		self.assertGreater(len(links), 50)
		undecided = sorted(links - registered - set(access_fields.NOT_GRANTING))
		self.assertFalse(
			undecided, f"decide in property_crm/access_fields.py whether these grant access: {undecided}"
		)
		stale = sorted(set(access_fields.NOT_GRANTING) - links)
		self.assertFalse(stale, f"no longer links to a person or place: {stale}")
		for key, reason in access_fields.NOT_GRANTING.items():
			self.assertTrue(reason.strip(), key)
			self.assertNotIn(key, registered, key)

	def test_registered_fields_exist(self):
		for doctype, fields in access_fields.REGISTRY.items():
			meta = frappe.get_meta(doctype)
			for fieldname, rule in fields.items():
				self.assertTrue(meta.has_field(fieldname), (doctype, fieldname))
				self.assertTrue(rule.roles or rule.via, (doctype, fieldname))
				if rule.held_by:  # the validation said to hold it exists
					self.assertTrue(callable(frappe.get_attr(rule.held_by)), rule.held_by)


class TestAccessFieldsOverHttp(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.users = {key: make_user([role]) for key, role in ROLES.items()}
		cls.users["manager"] = make_user(["Property Manager"])
		estate = make_estate()
		building = make_building(estate.name, "1")
		# the victim: a payer with a Customer, a Contact and a portal login
		cls.victim = make_owner(email=f"{unique('v').lower()}@example.com")
		accounts.ensure_customer(cls.victim)
		portal_login(cls.victim)
		cls.victim.reload()
		# the attacker's own file, its unit, an order and complaints
		cls.mine = make_owner(email=f"{unique('m').lower()}@example.com")
		cls.resident_user = portal_login(cls.mine)
		cls.mine.reload()
		cls.unit = make_unit(building, "101", floor=1, occupants=[occupant(cls.mine, primary_contact=1)])
		cls.other_unit = make_unit(
			building, "102", floor=1, occupants=[occupant(cls.victim, primary_contact=1)]
		)
		category = make_category(technicians=[cls.users["technician"]])
		cls.order = make_order(cls.unit, category, cls.mine)
		frappe.db.set_value(
			"Service Order",
			cls.order.name,
			"_assign",
			json.dumps([cls.users["technician"]]),
			update_modified=False,
		)
		cls.complaint = make_complaint(cls.unit, cls.mine)
		anonymous = make_complaint(cls.unit, cls.mine, is_anonymous=1)
		cls.identity = frappe.db.get_value("Complaint Identity", {"complaint": anonymous.name}, "name")
		campaign = make_campaign()
		cls.victim_order = make_order(cls.other_unit, category, cls.victim)
		cls.victim_complaint = make_complaint(cls.other_unit, cls.victim)
		mine_ref = {"reference_doctype": "Service Order", "reference_name": cls.order.name}
		# survey records are made by the system only: written straight to the database here
		cls.invitation = frappe.get_doc(
			{
				"doctype": "Survey Invitation",
				"campaign": campaign.name,
				"person": cls.mine.name,
				"unit": cls.unit.name,
			}
			| mine_ref
		)
		cls.invitation.name = unique("inv").lower()
		cls.invitation.db_insert()
		cls.response = frappe.get_doc(
			{
				"doctype": "Survey Response",
				"campaign": campaign.name,
				"person": cls.mine.name,
				"unit": cls.unit.name,
			}
			| mine_ref
		)
		cls.response.name = unique("SR-")
		cls.response.db_insert()
		# payment orders are made by the server only (property_fees.payments.orders): straight to the database
		cls.payment_order = frappe.get_doc(
			{
				"doctype": "Property Payment Order",
				"platform": "WeChat Pay",
				"channel": "h5",
				"resident": cls.mine.name,
				"customer": cls.mine.customer,
				"amount": 1,
				"status": "Pending",
			}
		)
		cls.payment_order.name = unique("PCRM").replace("-", "")
		cls.payment_order.db_insert()
		# a WeChat binding is written by the portal's WeChat sign-in only (property_crm.wechat.binding)
		cls.wechat_binding = frappe.get_doc(
			{
				"doctype": "WeChat Binding",
				"openid": "o" + unique("wx"),
				"resident": cls.mine.name,
				"user": cls.mine.user,
			}
		)
		cls.wechat_binding.name = frappe.generate_hash(length=10)
		cls.wechat_binding.db_insert()
		# each registered field: the record attacked, and the value that would grant the attacker access
		victim_user = cls.victim.user
		cls.cases = {
			"Property Owner": (
				cls.mine.name,
				{"customer": cls.victim.customer, "contact": cls.victim.contact, "user": victim_user},
			),
			"Property Unit": (
				cls.other_unit.name,
				{
					"occupants": [occupant(cls.mine, "Tenant", move_in=today())],
					"primary_contact": cls.mine.name,
				},
			),
			"Property Unit Occupant": (
				frappe.db.get_value("Property Unit Occupant", {"parent": cls.other_unit.name}, "name"),
				{
					"resident": cls.mine.name,
					"relation": "Tenant",
					"move_in": "2019-01-01",
					"move_out": today(),
					"primary_contact": 0,
				},
			),
			"Service Order": (
				cls.order.name,
				{
					"requester": cls.victim.name,
					"unit": cls.other_unit.name,
					# a forged confirmation of the work (only the field app's sign / confirm_code write it)
					"resident_signature": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"
					"AAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
					"confirmation_method": "Signature",
					"confirmed_on": "2026-12-01 10:00:00",
					"confirmed_by_name": "冒名",
				},
			),
			"Complaint": (cls.complaint.name, {"complainant": cls.victim.name, "unit": cls.other_unit.name}),
			"Complaint Identity": (
				cls.identity,
				{"complainant": cls.victim.name, "unit": cls.other_unit.name, "user": victim_user},
			),
			"Survey Invitation": (
				cls.invitation.name,
				{
					"person": cls.victim.name,
					"unit": cls.other_unit.name,
					"reference_doctype": {
						"reference_doctype": "Complaint",
						"reference_name": cls.victim_complaint.name,
					},
					"reference_name": cls.victim_order.name,
				},
			),
			"Survey Response": (
				cls.response.name,
				{
					"person": cls.victim.name,
					"unit": cls.other_unit.name,
					"reference_doctype": {
						"reference_doctype": "Complaint",
						"reference_name": cls.victim_complaint.name,
					},
					"reference_name": cls.victim_order.name,
				},
			),
			"Customer": (cls.victim.customer, {"property_owner": cls.mine.name}),
			"Property Payment Order": (
				cls.payment_order.name,
				{"resident": cls.victim.name, "customer": cls.victim.customer},
			),
			"WeChat Binding": (cls.wechat_binding.name, {"resident": cls.victim.name, "user": victim_user}),
		}
		frappe.db.commit()
		cls.clients = {key: HttpClient(user) for key, user in cls.users.items()}
		cls.clients["resident"] = HttpClient(cls.resident_user)
		cls.users["resident"] = cls.resident_user

	def _saved(self, doctype: str, name: str, fieldname: str):
		frappe.db.rollback()
		doc = frappe.get_doc(doctype, name)
		value = doc.get(fieldname)
		if isinstance(value, list):
			return sorted((row.resident, row.relation, str(row.move_in)) for row in value)
		return value

	@staticmethod
	def _payload(fieldname: str, value) -> dict:
		"""The fields sent: the attacked one, with what a Dynamic Link needs beside it."""
		return value if isinstance(value, dict) else {fieldname: value}

	def _new_payload(self, doctype: str, name: str, fieldname: str, value) -> dict:
		"""A copy of the attacked record, new, with the field set (the record's own data keeps it valid)."""
		data = {k: v for k, v in _plain(frappe.get_doc(doctype, name)).items() if k not in SKIP}
		for key, rows in list(data.items()):
			if isinstance(rows, list):
				data[key] = [{k: v for k, v in row.items() if k not in SKIP | {"parent"}} for row in rows]
		if doctype == "Property Owner":
			data.update(full_name="冒" + unique(""), mobile=valid_mobile(), email=None, id_number=None)
		if doctype == "Property Unit":
			data.update(unit_number=unique("9")[-4:], occupants=[])
		if doctype == "Customer":
			data.update(customer_name=unique("冒名"))
		data.pop("complaint", None) if doctype == "Complaint Identity" else None
		data.update(self._payload(fieldname, value))
		data["doctype"] = doctype
		return data

	def _attempts(self, client, doctype: str, name: str, fieldname: str, value):
		"""The five doors; yields (door, response, created_name_or_None)."""
		payload = self._payload(fieldname, value)
		frappe.db.rollback()
		new = self._new_payload(doctype, name, fieldname, value)
		yield (
			"POST /api/resource",
			client.post(f"/api/resource/{doctype}", json={"data": json.dumps(new)}),
			True,
		)
		yield "frappe.client.insert", client.call("frappe.client.insert", doc=json.dumps(new)), True
		yield (
			"PUT /api/resource",
			client.request("PUT", f"/api/resource/{doctype}/{name}", json=payload),
			False,
		)
		yield (
			"frappe.client.set_value",
			client.call("frappe.client.set_value", doctype=doctype, name=name, fieldname=json.dumps(payload)),
			False,
		)
		frappe.db.rollback()
		doc = _plain(frappe.get_doc(doctype, name))
		doc.update(payload)
		yield "frappe.client.save", client.call("frappe.client.save", doc=json.dumps(doc)), False
		# the desk form's own save (of the record as it is now: a save above may have gone through)
		frappe.db.rollback()
		doc = _plain(frappe.get_doc(doctype, name))
		doc.update(payload)
		yield (
			"frappe.desk.form.save.savedocs",
			client.call("frappe.desk.form.save.savedocs", doc=json.dumps(doc), action="Save"),
			False,
		)

	def _dropped_by_frappe(self, user: str, doctype: str, fieldname: str) -> bool:
		"""A role that writes the record but not the field's permission level: Frappe's own field levels
		drop the value (200, unchanged) before our guard sees it."""
		meta = frappe.get_meta(doctype)
		levels = meta.get_permlevel_access("write", user=user)
		return 0 in levels and meta.get_field(fieldname).permlevel not in levels

	def test_roles_without_the_right_cannot_set_access_fields(self):
		# every registered field is attacked here
		self.assertEqual(set(self.cases), set(access_fields.REGISTRY))
		for doctype, (_name, values) in self.cases.items():
			self.assertEqual(set(values), set(access_fields.REGISTRY[doctype]), doctype)
		refused = 0
		for doctype, (name, values) in self.cases.items():
			for fieldname, value in values.items():
				for key, client in self.clients.items():
					user = self.users[key]
					if key == "manager" or access_fields.may_set(doctype, fieldname, user):
						continue
					before = self._saved(doctype, name, fieldname)
					count = frappe.db.count(doctype)
					for door, response, creates in self._attempts(client, doctype, name, fieldname, value):
						with self.subTest(doctype=doctype, field=fieldname, role=key, door=door):
							dropped = not creates and self._dropped_by_frappe(user, doctype, fieldname)
							held = access_fields.REGISTRY[doctype][fieldname].held_by
							if dropped:
								self.assertIn(response.status_code, (200, 403), response.text[:300])
							elif held:  # the doctype's own validation refuses it (or Frappe's permissions)
								self.assertIn(response.status_code, (403, 417), response.text[:300])
							else:
								self.assertEqual(response.status_code, 403, response.text[:400])
								self.assertEqual(response.json().get("exc_type"), "PermissionError")
								refused += 1
							self.assertEqual(self._saved(doctype, name, fieldname), before)
							self.assertEqual(frappe.db.count(doctype), count)
		self.assertGreater(refused, 100)

	def test_clerk_refused_with_a_clear_message(self):
		"""The reproduced attack: a clerk files a resident under another payer's Customer."""
		clerk = self.clients["clerk"]
		response = clerk.post(
			"/api/resource/Property Owner",
			json={"full_name": "冒" + unique(""), "mobile": valid_mobile(), "customer": self.victim.customer},
		)
		self.assertEqual(response.status_code, 403, response.text[:300])
		self.assertIn("is set only through its own action", response.text)
		self.assertFalse(
			frappe.db.exists(
				"Property Owner", {"customer": self.victim.customer, "name": ("!=", self.victim.name)}
			)
		)
		response = clerk.request(
			"PUT", f"/api/resource/Property Owner/{self.mine.name}", json={"user": self.victim.user}
		)
		self.assertEqual(response.status_code, 403, response.text[:300])
		self.assertEqual(frappe.db.get_value("Property Owner", self.mine.name, "user"), self.mine.user)

	def test_the_methods_made_for_them_work(self):
		clerk = self.clients["clerk"]
		fresh = make_owner(email=f"{unique('f').lower()}@example.com")
		frappe.db.commit()
		response = clerk.call("property_crm.property_households.api.make_customer", owner=fresh.name)
		self.assertEqual(response.status_code, 200, response.text[:300])
		customer = frappe.db.get_value("Property Owner", fresh.name, "customer")
		self.assertTrue(customer)
		self.assertEqual(frappe.db.get_value("Customer", customer, "property_owner"), fresh.name)
		response = clerk.call("property_crm.property_households.api.make_portal_user", owner=fresh.name)
		self.assertEqual(response.status_code, 200, response.text[:300])
		self.assertEqual(frappe.db.get_value("Property Owner", fresh.name, "user"), fresh.email)
		# customer service register occupants and orders in the desk
		unit = frappe.get_doc("Property Unit", self.unit.name)
		rows = [
			{
				"resident": r.resident,
				"relation": r.relation,
				"move_in": str(r.move_in),
				"primary_contact": r.primary_contact,
			}
			for r in unit.occupants
		]
		rows.append({"resident": fresh.name, "relation": "Tenant", "move_in": today()})
		response = clerk.request("PUT", f"/api/resource/Property Unit/{unit.name}", json={"occupants": rows})
		self.assertEqual(response.status_code, 200, response.text[:300])
		self.assertIn(fresh.name, [r.resident for r in frappe.get_doc("Property Unit", unit.name).occupants])
		response = clerk.call(
			"frappe.client.set_value",
			doctype="Service Order",
			name=self.order.name,
			fieldname="requester",
			value=fresh.name,
		)
		self.assertEqual(response.status_code, 200, response.text[:300])
		# the manager links a file to an existing payer directly (e.g. taking over a migrated Customer)
		response = self.clients["manager"].request(
			"PUT", f"/api/resource/Property Owner/{fresh.name}", json={"notes": "checked"}
		)
		self.assertEqual(response.status_code, 200, response.text[:300])

	def test_one_login_one_file(self):
		"""make_portal_user never hands a file another resident's login (the e-mail of someone else's)."""
		twin = make_owner(email=self.victim.email)
		frappe.db.commit()
		response = self.clients["clerk"].call(
			"property_crm.property_households.api.make_portal_user", owner=twin.name
		)
		self.assertEqual(response.status_code, 403, response.text[:300])
		self.assertIn("already the portal login", response.text)
		self.assertFalse(frappe.db.get_value("Property Owner", twin.name, "user"))

	def test_merge_carries_login_and_customer(self):
		"""Merging duplicates (a manager's method made for it) moves the duplicate's login and Customer."""
		duplicate = make_owner(email=f"{unique('d').lower()}@example.com")
		accounts.ensure_customer(duplicate)
		portal_login(duplicate)
		duplicate.reload()
		keep = make_owner()
		frappe.db.commit()
		response = self.clients["manager"].call(
			"property_crm.property_households.merge.merge_files", duplicate=duplicate.name, keep=keep.name
		)
		self.assertEqual(response.status_code, 200, response.text[:400])
		kept = frappe.db.get_value("Property Owner", keep.name, ["user", "customer"], as_dict=True)
		self.assertEqual((kept.user, kept.customer), (duplicate.user, duplicate.customer))
