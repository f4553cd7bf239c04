"""Role matrix and estate isolation, through the entry points an attacker would use: REST
`/api/resource`, link search, Report Builder's report view and export, over Frappe's real HTTP stack."""

import json

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	valid_mainland_id,
)

M, CS, TE, AC, RES = (
	"Property Manager",
	"Property Customer Service",
	"Property Technician",
	"Property Accountant",
	"Property Resident",
)


class TestEstateIsolationAndRoles(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.mine, cls.theirs = make_estate(), make_estate()
		b_mine, b_theirs = make_building(cls.mine.name, "1"), make_building(cls.theirs.name, "1")
		cls.here = make_owner(
			id_type="Mainland ID Card", id_number=valid_mainland_id(), date_of_birth="1980-05-17"
		)
		cls.there = make_owner(full_name="隔壁小区住户" + frappe.generate_hash(length=4))
		cls.both = make_owner()
		cls.unplaced = make_owner()
		cls.unit_mine = make_unit(
			b_mine,
			"101",
			floor=1,
			occupants=[occupant(cls.here, primary_contact=1), occupant(cls.both, "Co-owner")],
		)
		cls.unit_theirs = make_unit(
			b_theirs,
			"101",
			floor=1,
			occupants=[occupant(cls.there, primary_contact=1), occupant(cls.both, "Co-owner")],
		)
		cls.manager = make_user([M])
		cls.cs_mine = make_user([CS], estates=[cls.mine.name])
		cls.manager_mine = make_user([M], estates=[cls.mine.name])
		cls.cs = make_user([CS])
		cls.tech = make_user([TE])
		cls.accountant = make_user([AC])
		cls.resident = make_user([RES], user_type="Website User")
		# a technician reads a resident file only through an open order of his (test_need_to_know.py)
		cls.job = make_order(cls.unit_mine, make_category("Never"), cls.here)
		assign_to(
			{"assign_to": [cls.tech], "doctype": "Service Order", "name": cls.job.name, "description": "x"}
		)
		frappe.db.commit()  # the HTTP requests run on their own connection
		cls.created = [
			("Service Order", cls.job.name),
			("Property Unit", cls.unit_mine.name),
			("Property Unit", cls.unit_theirs.name),
			*[("Property Owner", o.name) for o in (cls.here, cls.there, cls.both, cls.unplaced)],
			("Property Building", b_mine.name),
			("Property Building", b_theirs.name),
			("Property Estate", cls.mine.name),
			("Property Estate", cls.theirs.name),
		]

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype, name in cls.created:
			frappe.delete_doc(doctype, name, force=True, ignore_missing=True)
		for user in (
			cls.manager,
			cls.manager_mine,
			cls.cs_mine,
			cls.cs,
			cls.tech,
			cls.accountant,
			cls.resident,
		):
			frappe.delete_doc("User", user, force=True, ignore_missing=True)
		frappe.db.commit()
		super().tearDownClass()

	def list_names(self, client, doctype, filters=None):
		response = client.get(
			f"/api/resource/{doctype}", {"limit_page_length": 0, "filters": json.dumps(filters or [])}
		)
		self.assertEqual(response.status_code, 200, response.text)
		return {row["name"] for row in response.json["data"]}

	# --- estate isolation
	def test_restricted_staff_list_only_their_estate(self):
		client = SiteClient(self.cs_mine)
		both = [self.mine.name, self.theirs.name]
		self.assertEqual(self.list_names(client, "Property Estate", [["name", "in", both]]), {self.mine.name})
		# other tests of this class may add records to "mine": check by estate, not by exact set
		units = self.list_names(client, "Property Unit", [["estate", "in", both]])
		self.assertIn(self.unit_mine.name, units)
		self.assertTrue(all(name.startswith(f"{self.mine.name}-") for name in units), units)
		buildings = self.list_names(client, "Property Building", [["estate", "in", both]])
		self.assertIn(f"{self.mine.name}-1", buildings)
		self.assertTrue(all(name.startswith(f"{self.mine.name}-") for name in buildings), buildings)
		people = [self.here.name, self.there.name, self.both.name, self.unplaced.name]
		owners = self.list_names(client, "Property Owner", [["name", "in", people]])
		self.assertEqual(owners, {self.here.name, self.both.name, self.unplaced.name})

	def test_restricted_staff_cannot_open_another_estates_records(self):
		client = SiteClient(self.cs_mine)
		for doctype, name in (
			("Property Unit", self.unit_theirs.name),
			("Property Estate", self.theirs.name),
			("Property Building", f"{self.theirs.name}-1"),
			("Property Owner", self.there.name),
		):
			self.assertEqual(client.get(f"/api/resource/{doctype}/{name}").status_code, 403, (doctype, name))
		self.assertEqual(client.get(f"/api/resource/Property Owner/{self.here.name}").status_code, 200)

	def test_restricted_staff_link_search(self):
		client = SiteClient(self.cs_mine)
		for doctype, txt, hidden in (
			("Property Owner", self.there.full_name, self.there.name),
			("Property Unit", self.theirs.name, self.unit_theirs.name),
			("Property Estate", self.theirs.name, self.theirs.name),
		):
			response = client.get(
				"/api/method/frappe.desk.search.search_link",
				{"doctype": doctype, "txt": txt, "page_length": 50},
			)
			self.assertEqual(response.status_code, 200, response.text)
			found = {row["value"] for row in response.json["message"]}
			self.assertNotIn(hidden, found, doctype)
		response = client.get(
			"/api/method/frappe.desk.search.search_link", {"doctype": "Property Unit", "txt": self.mine.name}
		)
		self.assertIn(self.unit_mine.name, {row["value"] for row in response.json["message"]})

	def test_restricted_staff_report_view(self):
		client = SiteClient(self.cs_mine)
		response = client.post(
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": "Property Owner",
				"fields": json.dumps(["`tabProperty Owner`.`name`"]),
				"filters": json.dumps([["Property Owner", "name", "in", [self.here.name, self.there.name]]]),
				"page_length": 100,
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		values = response.json["message"]["values"]
		self.assertEqual({row[0] for row in values}, {self.here.name})

	def test_unrestricted_staff_see_every_estate(self):
		client = SiteClient(self.cs)
		units = self.list_names(
			client, "Property Unit", [["estate", "in", [self.mine.name, self.theirs.name]]]
		)
		self.assertEqual(units, {self.unit_mine.name, self.unit_theirs.name})

	# --- field-level: ID documents for managers only
	def test_id_number_only_for_managers_over_rest(self):
		path = f"/api/resource/Property Owner/{self.here.name}"
		manager_view = SiteClient(self.manager).get(path).json["data"]
		self.assertEqual(manager_view["id_number"], self.here.id_number)
		for user in (self.cs, self.tech, self.accountant):
			data = SiteClient(user).get(path).json["data"]
			self.assertFalse(data.get("id_number"), user)
			self.assertFalse(data.get("id_type"), user)
			self.assertEqual(data["mobile"], self.here.mobile)
		listed = SiteClient(self.cs).get(
			"/api/resource/Property Owner",
			{
				"fields": json.dumps(["name", "id_number"]),
				"filters": json.dumps([["name", "=", self.here.name]]),
			},
		)
		self.assertTrue(listed.status_code == 403 or not listed.json["data"][0].get("id_number"), listed.text)

	def test_technician_sees_only_what_a_job_needs(self):
		# the requester of his open order: the file without personal details; anyone else: nothing
		client = SiteClient(self.tech)
		self.assertEqual(client.get(f"/api/resource/Property Owner/{self.both.name}").status_code, 403)
		data = client.get(f"/api/resource/Property Owner/{self.here.name}").json["data"]
		self.assertEqual(data["full_name"], self.here.full_name)
		for personal in ("date_of_birth", "emergency_contact_phone", "family_members", "vehicles"):
			self.assertFalse(data.get(personal), personal)
		accountant = (
			SiteClient(self.accountant).get(f"/api/resource/Property Owner/{self.here.name}").json["data"]
		)
		self.assertEqual(accountant["date_of_birth"], "1980-05-17")

	def test_customer_service_cannot_write_id_numbers(self):
		client = SiteClient(self.cs)
		response = client.post(
			"/api/resource/Property Owner",
			{
				"full_name": "客服登记",
				"mobile": "13900139000",
				"id_type": "Passport",
				"id_number": "E12345678",
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json["data"]["name"]
		self.created.insert(0, ("Property Owner", name))
		self.assertFalse(frappe.db.get_value("Property Owner", name, "id_number"))

	# --- role matrix
	def test_create_and_delete_by_role(self):
		payload = {
			"estate": self.mine.name,
			"building": f"{self.mine.name}-1",
			"floor": 2,
			"unit_number": "201",
			"built_up_area": 88,
		}
		self.assertEqual(SiteClient(self.tech).post("/api/resource/Property Unit", payload).status_code, 403)
		self.assertEqual(
			SiteClient(self.accountant).post("/api/resource/Property Unit", payload).status_code, 403
		)
		created = SiteClient(self.cs_mine).post("/api/resource/Property Unit", payload)
		self.assertEqual(created.status_code, 200, created.text)
		name = created.json["data"]["name"]
		self.assertEqual(name, f"{self.mine.name}-1-201")
		self.created.insert(0, ("Property Unit", name))
		self.assertEqual(
			SiteClient(self.cs_mine).delete(f"/api/resource/Property Unit/{name}").status_code, 403
		)
		# a manager may delete a unit, but only through a request another manager approves (four-eyes
		# principle, property_privacy.four_eyes): the direct deletion is refused as a business rule
		self.assertEqual(
			SiteClient(self.manager).delete(f"/api/resource/Property Unit/{name}").status_code, 417
		)
		self.assertTrue(frappe.db.exists("Property Unit", name))
		frappe.delete_doc("Property Unit", name, force=True)  # as Administrator: the test's own cleanup
		frappe.db.commit()
		self.created.remove(("Property Unit", name))

	def test_restricted_staff_cannot_create_in_another_estate(self):
		payload = {
			"estate": self.theirs.name,
			"building": f"{self.theirs.name}-1",
			"floor": 3,
			"unit_number": "301",
			"built_up_area": 88,
		}
		response = SiteClient(self.cs_mine).post("/api/resource/Property Unit", payload)
		self.assertEqual(response.status_code, 403, response.text)

	def test_residents_see_nothing_in_the_desk(self):
		client = SiteClient(self.resident)
		for doctype in ("Property Unit", "Property Owner", "Property Estate", "Property Building"):
			self.assertEqual(client.get(f"/api/resource/{doctype}").status_code, 403, doctype)
		self.assertEqual(client.get(f"/api/resource/Property Unit/{self.unit_mine.name}").status_code, 403)

	def test_customer_service_cannot_export(self):
		response = SiteClient(self.cs).post(
			"/api/method/frappe.desk.reportview.export_query",
			{
				"doctype": "Property Owner",
				"file_format_type": "CSV",
				"fields": json.dumps(["`tabProperty Owner`.`name`"]),
			},
		)
		self.assertEqual(response.status_code, 403, response.text)

	def test_restricted_manager_exports_only_their_estate(self):
		response = SiteClient(self.manager_mine).post(
			"/api/method/frappe.desk.reportview.export_query",
			{
				"doctype": "Property Unit",
				"file_format_type": "CSV",
				"fields": json.dumps(["`tabProperty Unit`.`name`", "`tabProperty Unit`.`estate`"]),
				"filters": json.dumps(
					[["Property Unit", "estate", "in", [self.mine.name, self.theirs.name]]]
				),
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		exported = response.get_data(as_text=True)
		self.assertIn(self.unit_mine.name, exported)
		self.assertNotIn(self.unit_theirs.name, exported)

	def test_estates_are_created_by_managers_only(self):
		payload = {
			"estate_code": frappe.generate_hash(length=6).upper(),
			"estate_name": "新小区",
			"company": self.mine.company,
		}
		self.assertEqual(SiteClient(self.cs).post("/api/resource/Property Estate", payload).status_code, 403)
		created = SiteClient(self.manager).post("/api/resource/Property Estate", payload)
		self.assertEqual(created.status_code, 200, created.text)
		self.created.append(("Property Estate", created.json["data"]["name"]))
		self.assertEqual(created.json["data"]["name"], payload["estate_code"])

	def test_customer_service_creates_a_building_in_their_estate(self):
		created = SiteClient(self.cs_mine).post(
			"/api/resource/Property Building", {"estate": self.mine.name, "building_no": "9", "floors": 18}
		)
		self.assertEqual(created.status_code, 200, created.text)
		self.created.insert(0, ("Property Building", created.json["data"]["name"]))
		self.assertEqual(created.json["data"]["name"], f"{self.mine.name}-9")
		duplicate = SiteClient(self.cs_mine).post(
			"/api/resource/Property Building", {"estate": self.mine.name, "building_no": "9"}
		)
		self.assertEqual(duplicate.status_code, 409, duplicate.text)
		self.assertIn(
			"9", duplicate.json.get("exception", "") + str(duplicate.json.get("_server_messages", ""))
		)
