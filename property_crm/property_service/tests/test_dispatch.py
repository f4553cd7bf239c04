"""Technicians see only the orders assigned to them — in lists, forms, REST and reports — and only a
dispatcher reassigns, with a reason. Over Frappe's real HTTP stack."""

import json

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import SiteClient, make_category, make_order, make_place, make_user


class TestTechnicianIsolation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		_estate, cls.unit, cls.resident = make_place()
		cls.category = make_category("Never")
		cls.tech, cls.other_tech = make_user(["Property Technician"]), make_user(["Property Technician"])
		cls.dispatcher = make_user(["Property Customer Service"])
		cls.mine = make_order(cls.unit, cls.category, cls.resident, subject="我的工单")
		cls.theirs = make_order(cls.unit, cls.category, cls.resident, subject="别人的工单")
		cls.moving = make_order(cls.unit, cls.category, cls.resident, subject="要改派的工单")
		for order, user in ((cls.mine, cls.tech), (cls.theirs, cls.other_tech), (cls.moving, cls.tech)):
			assign_to(
				{
					"assign_to": [user],
					"doctype": "Service Order",
					"name": order.name,
					"description": order.subject,
				}
			)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for order in (cls.mine, cls.theirs, cls.moving):
			frappe.delete_doc("Service Order", order.name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_rest_list_and_form(self):
		client = SiteClient(self.tech)
		listed = client.get(
			"/api/resource/Service Order",
			{
				"filters": json.dumps([["name", "in", [self.mine.name, self.theirs.name]]]),
				"limit_page_length": 0,
			},
		)
		self.assertEqual({row["name"] for row in listed.json["data"]}, {self.mine.name})
		self.assertEqual(client.get(f"/api/resource/Service Order/{self.mine.name}").status_code, 200)
		self.assertEqual(client.get(f"/api/resource/Service Order/{self.theirs.name}").status_code, 403)
		update = client.put(f"/api/resource/Service Order/{self.theirs.name}", {"completion_notes": "x"})
		self.assertEqual(update.status_code, 403)
		dispatcher = SiteClient(self.dispatcher)
		seen = dispatcher.get(
			"/api/resource/Service Order",
			{
				"filters": json.dumps([["name", "in", [self.mine.name, self.theirs.name]]]),
				"limit_page_length": 0,
			},
		)
		self.assertEqual({row["name"] for row in seen.json["data"]}, {self.mine.name, self.theirs.name})

	def test_technicians_record_work_but_not_the_request(self):
		response = SiteClient(self.tech).put(
			f"/api/resource/Service Order/{self.mine.name}",
			{
				"subject": "技术员改的主题",
				"unit": self.unit.name,
				"completion_notes": "已更换角阀",
				"labour_hours": 2,
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		saved = frappe.db.get_value(
			"Service Order", self.mine.name, ["subject", "completion_notes", "labour_hours"]
		)
		self.assertEqual(saved, ("我的工单", "已更换角阀", 2.0))

	def test_report_as_technician(self):
		response = SiteClient(self.tech).post(
			"/api/method/frappe.desk.query_report.run",
			{"report_name": "Service Order Analytics", "filters": json.dumps({"group_by": "Technician"})},
		)
		self.assertEqual(response.status_code, 200, response.text)
		groups = {row["group"] for row in response.json["message"]["result"] if isinstance(row, dict)}
		self.assertEqual(groups, {self.tech})

	def test_only_dispatchers_reassign_and_say_why(self):
		path = "/api/method/property_crm.property_service.dispatch.reassign"
		denied = SiteClient(self.tech).post(
			path, {"order": self.moving.name, "user": self.other_tech, "reason": "忙"}
		)
		self.assertEqual(denied.status_code, 403)
		dispatcher = SiteClient(self.dispatcher)
		no_reason = dispatcher.post(path, {"order": self.moving.name, "user": self.other_tech, "reason": " "})
		self.assertEqual(no_reason.status_code, 417)
		done = dispatcher.post(
			path, {"order": self.moving.name, "user": self.other_tech, "reason": "原师傅请假"}
		)
		self.assertEqual(done.status_code, 200, done.text)
		self.assertEqual(done.json["message"], [self.other_tech])
		comment = frappe.get_all(
			"Comment",
			filters={"reference_name": self.moving.name, "content": ("like", "%原师傅请假%")},
			pluck="name",
		)
		self.assertEqual(len(comment), 1)
		self.assertEqual(
			SiteClient(self.tech).get(f"/api/resource/Service Order/{self.moving.name}").status_code, 403
		)
