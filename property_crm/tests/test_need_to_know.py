"""Need-to-know in the desk, over Frappe's HTTP stack: a technician reaches a resident file, a unit and its
occupants only through an open order assigned to him — on every read path (REST list and form,
frappe.client.get / get_list / get_value, link search, Report Builder, export, child tables) — and an
accountant reaches what billing needs in their estate, without ID numbers."""

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

TE, AC = "Property Technician", "Property Accountant"


def assign(order, user):
	assign_to({"assign_to": [user], "doctype": "Service Order", "name": order.name, "description": "x"})


class NeedToKnowCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.estate, cls.elsewhere = make_estate(), make_estate()
		building = make_building(cls.estate.name, "1")
		cls.requester = make_owner(id_type="Mainland ID Card", id_number=valid_mainland_id())
		cls.household = make_owner(full_name="同住家人" + frappe.generate_hash(length=4))
		cls.stranger = make_owner(full_name="无工单住户" + frappe.generate_hash(length=4))
		cls.former = make_owner(full_name="已关单住户" + frappe.generate_hash(length=4))
		cls.far = make_owner(full_name="外小区住户" + frappe.generate_hash(length=4))
		cls.unit = make_unit(
			building,
			"101",
			floor=1,
			occupants=[occupant(cls.requester, primary_contact=1), occupant(cls.household, "Family Member")],
		)
		cls.stranger_unit = make_unit(building, "102", floor=1, occupants=[occupant(cls.stranger)])
		cls.former_unit = make_unit(building, "103", floor=1, occupants=[occupant(cls.former)])
		cls.far_unit = make_unit(
			make_building(cls.elsewhere.name, "1"), "101", floor=1, occupants=[occupant(cls.far)]
		)
		cls.tech = make_user([TE], estates=[cls.estate.name])
		cls.accountant = make_user([AC], estates=[cls.estate.name])
		category = make_category("Never")
		cls.open_order = make_order(cls.unit, category, cls.requester, subject="水管漏水")
		cls.closed_order = make_order(cls.former_unit, category, cls.former, subject="门锁坏了")
		cls.others_order = make_order(cls.stranger_unit, category, cls.stranger, subject="别人的工单")
		assign(cls.open_order, cls.tech)
		assign(cls.closed_order, cls.tech)
		assign(cls.others_order, make_user([TE]))
		frappe.db.set_value("Service Order", cls.open_order.name, "status", "In Progress")
		frappe.db.set_value("Service Order", cls.closed_order.name, "status", "Closed")
		frappe.db.commit()  # the HTTP requests run on their own connection
		cls.people = [p.name for p in (cls.requester, cls.household, cls.stranger, cls.former, cls.far)]
		cls.units = [u.name for u in (cls.unit, cls.stranger_unit, cls.former_unit, cls.far_unit)]

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for order in (cls.open_order, cls.closed_order, cls.others_order):
			frappe.delete_doc("Service Order", order.name, force=True, ignore_permissions=True)
		for unit in cls.units:
			frappe.delete_doc("Property Unit", unit, force=True, ignore_missing=True)
		for person in cls.people:
			frappe.delete_doc("Property Owner", person, force=True, ignore_missing=True)
		frappe.db.commit()
		super().tearDownClass()

	# --- read paths, each answering "which of these records can the user read?"
	def rest_list(self, client, doctype, names, fields=("name",)):
		response = client.get(
			f"/api/resource/{doctype}",
			{
				"fields": json.dumps(list(fields)),
				"filters": json.dumps([["name", "in", names]]),
				"limit_page_length": 0,
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json["data"]

	def client_get_list(self, client, doctype, names):
		response = client.post(
			"/api/method/frappe.client.get_list",
			{
				"doctype": doctype,
				"fields": ["name"],
				"filters": [["name", "in", names]],
				"limit_page_length": 0,
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		return {row["name"] for row in response.json["message"]}

	def client_get_value(self, client, doctype, name, fieldname):
		response = client.get(
			"/api/method/frappe.client.get_value",
			{"doctype": doctype, "fieldname": fieldname, "filters": json.dumps({"name": name})},
		)
		if response.status_code == 403:
			return None
		self.assertEqual(response.status_code, 200, response.text)
		return (response.json.get("message") or {}).get(fieldname)

	def opens(self, client, doctype, name) -> bool:
		rest = client.get(f"/api/resource/{doctype}/{name}").status_code
		method = client.get("/api/method/frappe.client.get", {"doctype": doctype, "name": name}).status_code
		form = client.get("/api/method/frappe.desk.form.load.getdoc", {"doctype": doctype, "name": name})
		self.assertEqual({rest, method, form.status_code} - {200, 403}, set(), (doctype, name))
		self.assertEqual(len({rest, method, form.status_code}), 1, "every form path agrees")
		return rest == 200

	def link_search(self, client, doctype, txt, **extra) -> set[str]:
		response = client.get(
			"/api/method/frappe.desk.search.search_link",
			{"doctype": doctype, "txt": txt, "page_length": 100} | extra,
		)
		self.assertEqual(response.status_code, 200, response.text)
		return {row["value"] for row in response.json["message"]}

	def report_view(self, client, doctype, names, fields):
		response = client.post(
			"/api/method/frappe.desk.reportview.get",
			{
				"doctype": doctype,
				"fields": json.dumps(fields),
				"filters": json.dumps([[doctype, "name", "in", names]]),
				"page_length": 500,
			},
		)
		if response.status_code == 403:
			return None
		self.assertEqual(response.status_code, 200, response.text)
		message = response.json["message"]
		return [dict(zip(message["keys"], row, strict=False)) for row in message["values"]] if message else []

	def export(self, client, doctype, fields):
		return client.post(
			"/api/method/frappe.desk.reportview.export_query",
			{"doctype": doctype, "file_format_type": "CSV", "fields": json.dumps(fields)},
		)


class TestTechnicianNeedToKnow(NeedToKnowCase):
	def test_resident_files_only_of_open_orders_requesters(self):
		client = SiteClient(self.tech)
		rows = self.rest_list(client, "Property Owner", self.people, ("name", "full_name", "mobile"))
		self.assertEqual({row["name"] for row in rows}, {self.requester.name})
		self.assertEqual(rows[0]["mobile"], self.requester.mobile)
		self.assertEqual(self.client_get_list(client, "Property Owner", self.people), {self.requester.name})
		self.assertTrue(self.opens(client, "Property Owner", self.requester.name))
		self.assertEqual(
			self.client_get_value(client, "Property Owner", self.requester.name, "mobile"),
			self.requester.mobile,
		)
		for person in (self.household, self.stranger, self.former, self.far):
			self.assertFalse(self.opens(client, "Property Owner", person.name), person.full_name)
			self.assertIsNone(self.client_get_value(client, "Property Owner", person.name, "mobile"))

	def test_the_whole_register_is_out_of_reach(self):
		response = SiteClient(self.tech).get(
			"/api/resource/Property Owner",
			{"fields": json.dumps(["name", "full_name", "mobile"]), "limit_page_length": 0},
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual({row["name"] for row in response.json["data"]}, {self.requester.name})

	def test_link_search_even_when_asked_to_ignore_user_permissions(self):
		client = SiteClient(self.tech)
		for extra in ({}, {"ignore_user_permissions": 1}):
			for person in (self.stranger, self.former, self.far, self.household):
				self.assertNotIn(
					person.name, self.link_search(client, "Property Owner", person.full_name, **extra)
				)
				self.assertNotIn(
					person.name, self.link_search(client, "Property Owner", person.mobile, **extra)
				)
			self.assertIn(
				self.requester.name,
				self.link_search(client, "Property Owner", self.requester.full_name, **extra),
			)
			units = self.link_search(client, "Property Unit", self.estate.name, **extra)
			self.assertEqual(units & set(self.units), {self.unit.name}, extra)
		widget = client.get(
			"/api/method/frappe.desk.search.search_widget",
			{"doctype": "Property Owner", "txt": self.stranger.full_name, "ignore_user_permissions": 1},
		)
		self.assertEqual(widget.status_code, 200, widget.text)
		self.assertNotIn(self.stranger.name, widget.text)

	def test_report_builder_and_export(self):
		client = SiteClient(self.tech)
		owners = self.report_view(
			client,
			"Property Owner",
			self.people,
			["`tabProperty Owner`.`name`", "`tabProperty Owner`.`mobile`"],
		)
		self.assertTrue(owners is None or {row["name"] for row in owners} <= {self.requester.name}, owners)
		units = self.report_view(
			client,
			"Property Unit",
			self.units,
			[
				"`tabProperty Unit`.`name`",
				"`tabProperty Unit Occupant`.`resident_name`",
				"`tabProperty Unit Occupant`.`mobile`",
			],
		)
		self.assertEqual({row["name"] for row in units}, {self.unit.name})
		for doctype, fields in (
			("Property Owner", ["`tabProperty Owner`.`name`", "`tabProperty Owner`.`mobile`"]),
			("Property Unit", ["`tabProperty Unit`.`name`", "`tabProperty Unit Occupant`.`mobile`"]),
		):
			response = self.export(client, doctype, fields)
			self.assertEqual(response.status_code, 403, doctype)
			body = response.get_data(as_text=True)
			self.assertNotIn(self.stranger.mobile, body)

	def test_units_and_occupants_only_of_open_orders(self):
		client = SiteClient(self.tech)
		self.assertEqual(
			{row["name"] for row in self.rest_list(client, "Property Unit", self.units)}, {self.unit.name}
		)
		self.assertEqual(self.client_get_list(client, "Property Unit", self.units), {self.unit.name})
		self.assertTrue(self.opens(client, "Property Unit", self.unit.name))
		unit = client.get(f"/api/resource/Property Unit/{self.unit.name}").json["data"]
		self.assertEqual(
			{row["resident"] for row in unit["occupants"]},
			{self.requester.name, self.household.name},
			"the household he is visiting",
		)
		for other in (self.stranger_unit, self.former_unit, self.far_unit):
			self.assertFalse(self.opens(client, "Property Unit", other.name), other.name)
		# a child table queried on its own follows its parent
		response = client.post(
			"/api/method/frappe.client.get_list",
			{
				"doctype": "Property Unit Occupant",
				"parent": "Property Unit",
				"fields": ["parent", "resident", "resident_name", "mobile"],
				"filters": [["parent", "in", self.units]],
				"limit_page_length": 0,
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual({row["parent"] for row in response.json["message"]}, {self.unit.name})
		family = client.post(
			"/api/method/frappe.client.get_list",
			{
				"doctype": "Property Family Member",
				"parent": "Property Owner",
				"fields": ["parent"],
				"limit_page_length": 0,
			},
		)
		self.assertTrue(family.status_code == 403 or not family.json["message"], family.text)

	def test_a_closed_order_shows_what_it_recorded_and_nothing_more(self):
		client = SiteClient(self.tech)
		order = client.get(f"/api/resource/Service Order/{self.closed_order.name}")
		self.assertEqual(order.status_code, 200, order.text)
		self.assertEqual(order.json["data"]["requester_name"], self.former.full_name)
		self.assertFalse(self.opens(client, "Property Owner", self.former.name))
		self.assertFalse(self.opens(client, "Property Unit", self.former_unit.name))
		self.assertEqual(client.get(f"/api/resource/Service Order/{self.others_order.name}").status_code, 403)

	def test_reach_ends_when_his_order_is_completed_and_returns_when_reopened(self):
		client = SiteClient(self.tech)
		self.assertTrue(self.opens(client, "Property Owner", self.requester.name))
		try:
			for status, reachable in (("Completed", False), ("Cancelled", False), ("Reopened", True)):
				frappe.db.set_value("Service Order", self.open_order.name, "status", status)
				frappe.db.commit()
				self.assertEqual(self.opens(client, "Property Owner", self.requester.name), reachable, status)
				self.assertEqual(self.opens(client, "Property Unit", self.unit.name), reachable, status)
				listed = self.client_get_list(client, "Property Owner", self.people)
				self.assertEqual(listed, {self.requester.name} if reachable else set(), status)
		finally:
			frappe.db.set_value("Service Order", self.open_order.name, "status", "In Progress")
			frappe.db.commit()


class TestAccountantNeedToKnow(NeedToKnowCase):
	def test_billing_reach_in_their_estate_without_id_numbers(self):
		client = SiteClient(self.accountant)
		rows = self.rest_list(
			client, "Property Owner", self.people, ("name", "full_name", "mobile", "customer")
		)
		in_estate = {p.name for p in (self.requester, self.household, self.stranger, self.former)}
		self.assertEqual({row["name"] for row in rows}, in_estate)
		self.assertFalse(self.opens(client, "Property Owner", self.far.name))
		data = client.get(f"/api/resource/Property Owner/{self.requester.name}").json["data"]
		self.assertEqual(data["mobile"], self.requester.mobile)
		self.assertFalse(data.get("id_number") or data.get("id_type"))
		self.assertIsNone(self.client_get_value(client, "Property Owner", self.far.name, "mobile"))
		units = self.report_view(
			client,
			"Property Unit",
			self.units,
			["`tabProperty Unit`.`name`", "`tabProperty Unit`.`built_up_area`"],
		)
		self.assertEqual({row["name"] for row in units}, set(self.units) - {self.far_unit.name})
		self.assertIn(self.stranger.name, self.link_search(client, "Property Owner", self.stranger.full_name))
		self.assertNotIn(self.far.name, self.link_search(client, "Property Owner", self.far.full_name))

	def test_accountant_reads_but_neither_writes_nor_exports(self):
		client = SiteClient(self.accountant)
		response = client.put(
			f"/api/resource/Property Owner/{self.requester.name}", {"mobile": "13800138000"}
		)
		self.assertEqual(response.status_code, 403)
		self.assertEqual(
			self.export(client, "Property Owner", ["`tabProperty Owner`.`name`"]).status_code, 403
		)
