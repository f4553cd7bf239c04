"""The dispatcher's board `/field/board` and `dispatch.reassign` over real HTTP: orders by technician with
load and SLA risk, estate isolation, reassignment through Frappe's assignment with the reason kept, and what
an attacker meets (technicians, residents, guests, other estates, bad input)."""

import re
from datetime import timedelta

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime

from property_crm.property_service.field import board
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_order,
	make_place,
	make_unit,
	make_user,
	occupant,
	page_queries,
	portal_login,
)
from property_crm.tests.served import HttpClient

REASSIGN = "/api/method/property_crm.property_service.dispatch.reassign"


def lanes_of(html: str) -> dict[str, list[str]]:
	"""{lane's user ("" = unassigned): [order names in it]} from the board's HTML."""
	found = {}
	for part in re.split(r'<section class="lane"', html)[1:]:
		user = re.search(r'data-user="([^"]*)"', part).group(1)
		found[user] = re.findall(r'data-order="([^"]+)"', part)
	return found


def card_class(html: str, order: str) -> str:
	return re.search(r'<article class="job ([^"]+)"[^>]*data-order="' + re.escape(order) + '"', html).group(1)


class TestDispatchBoard(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.estate, cls.unit, cls.resident = make_place()
		cls.other_estate, cls.other_unit, cls.neighbour = make_place()
		cls.category = make_category("Never")
		here, there = [cls.estate.name], [cls.other_estate.name]
		cls.tech, cls.tech2 = (
			make_user(["Property Technician"], here),
			make_user(["Property Technician"], here),
		)
		cls.tech3, cls.tech4 = (
			make_user(["Property Technician"], here),
			make_user(["Property Technician"], here),
		)
		cls.far_tech = make_user(["Property Technician"], there)
		cls.dispatcher = make_user(["Property Customer Service"], here)
		cls.manager = make_user(["Property Manager"])
		cls.resident_user = portal_login(cls.resident)
		now = now_datetime()

		def order(subject, status, user=None, unit=None, requester=None, **sla):
			doc = make_order(unit or cls.unit, cls.category, requester or cls.resident, subject=subject)
			if user:
				assign_to(
					{
						"assign_to": [user],
						"doctype": "Service Order",
						"name": doc.name,
						"description": subject,
					}
				)
			values = {"status": status, "first_responded_on": now - timedelta(hours=3)} | sla
			frappe.db.set_value("Service Order", doc.name, values, update_modified=False)
			return doc.name

		later = add_days(now, 4)
		cls.breached = order("已超时", "Dispatched", cls.tech, sla_resolution_by=now - timedelta(hours=1))
		cls.at_risk = order("快到期", "In Progress", cls.tech, sla_resolution_by=now + timedelta(minutes=70))
		cls.planned = order(
			"今天上门",
			"Dispatched",
			cls.tech2,
			sla_resolution_by=later,
			scheduled_time=now + timedelta(minutes=5),
		)
		cls.moving = order(
			"要改派",
			"Dispatched",
			cls.tech3,
			sla_resolution_by=later,
			scheduled_time=now + timedelta(minutes=5),
		)
		cls.unassigned = order("没人接", "Accepted", sla_resolution_by=later)
		cls.to_give = order("待派单", "Accepted", sla_resolution_by=later)
		cls.later = order(
			"下周的", "Dispatched", cls.tech2, sla_resolution_by=later
		)  # load, not on the board
		cls.done = order("已完成", "Completed", cls.tech2, sla_resolution_by=now - timedelta(hours=1))
		cls.foreign = order(
			"别的小区",
			"Dispatched",
			cls.far_tech,
			unit=cls.other_unit,
			requester=cls.neighbour,
			sla_resolution_by=now - timedelta(hours=1),
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for unit in (cls.unit.name, cls.other_unit.name):
			for name in frappe.get_all("Service Order", filters={"unit": unit}, pluck="name"):
				frappe.delete_doc("Service Order", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def todos(self, order: str) -> dict[str, str]:
		rows = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Service Order", "reference_name": order},
			fields=["allocated_to", "status"],
		)
		return {row.allocated_to: row.status for row in rows}

	def test_board_by_technician_with_load_and_sla_risk(self):
		html = HttpClient(self.dispatcher).get("/field/board")
		self.assertEqual(html.status_code, 200, html.text[:500])
		lanes = lanes_of(html.text)
		self.assertEqual(lanes[self.tech], [self.breached, self.at_risk], "breached first, then at risk")
		self.assertEqual(lanes[self.tech2], [self.planned])
		self.assertIn(self.unassigned, lanes[""])
		shown = {name for names in lanes.values() for name in names}
		self.assertFalse({self.later, self.done} & shown, "not today's, or closed")
		self.assertIn("sla-breached", card_class(html.text, self.breached))
		self.assertIn("sla-at_risk", card_class(html.text, self.at_risk))
		self.assertIn("sla-ok", card_class(html.text, self.planned))
		# load: every open order of the technician, today's or not
		frappe.set_user(self.dispatcher)
		try:
			columns = {column["user"]: column for column in board.board_data()["columns"]}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(
			[columns[self.tech][key] for key in ("open", "in_progress", "breached", "at_risk")], [2, 1, 1, 1]
		)
		self.assertEqual([columns[self.tech2][key] for key in ("open", "in_progress", "breached")], [2, 0, 0])

	def test_estate_restricted_dispatcher_sees_her_estate_only(self):
		mine = lanes_of(HttpClient(self.dispatcher).get("/field/board").text)
		self.assertNotIn(self.far_tech, mine, "a technician of another estate is no column")
		self.assertNotIn(self.foreign, {name for names in mine.values() for name in names})
		everything = lanes_of(HttpClient(self.manager).get("/field/board").text)
		self.assertIn(self.foreign, everything[self.far_tech], "an unrestricted manager sees both estates")

	def test_who_may_open_the_board(self):
		for user in (self.tech, self.resident_user):
			response = HttpClient(user).get("/field/board")
			self.assertEqual(response.status_code, 403, user)
			self.assertNotIn(self.breached, response.text)
		guest = HttpClient().get("/field/board")
		self.assertIn(guest.status_code, (301, 302))
		self.assertIn("/login?redirect-to=/field/board", guest.headers["Location"])

	def test_reassign_moves_the_assignment_and_keeps_the_reason(self):
		client = HttpClient(self.dispatcher)
		client.get("/field/board")  # the page hands out the CSRF token, as in a browser
		self.assertIn(self.moving, lanes_of(client.get("/field/board").text)[self.tech3])
		response = client.post(
			REASSIGN, data={"order": self.moving, "user": self.tech4, "reason": "王师傅请假"}
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"], [self.tech4])
		self.assertEqual(self.todos(self.moving), {self.tech3: "Cancelled", self.tech4: "Open"})
		comments = frappe.get_all(
			"Comment", filters={"reference_name": self.moving, "content": ("like", "%王师傅请假%")}
		)
		self.assertEqual(len(comments), 1)
		lanes = lanes_of(client.get("/field/board").text)
		self.assertIn(self.moving, lanes[self.tech4])
		self.assertNotIn(self.moving, lanes[self.tech3])

	def test_an_unassigned_order_given_from_the_board_is_dispatched(self):
		"""An Accepted order dragged out of the unassigned column is dispatched at once: the technician can
		press Start on his phone without anyone going back to the desk."""
		client = HttpClient(self.dispatcher)
		client.get("/field/board")
		response = client.post(
			REASSIGN, data={"order": self.to_give, "user": self.tech4, "reason": "就近安排"}
		)
		self.assertEqual(response.status_code, 200, response.text)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Service Order", self.to_give, "status"), "Dispatched")
		self.assertEqual(self.todos(self.to_give), {self.tech4: "Open"})

	def test_reassign_refusals_change_nothing(self):
		client = HttpClient(self.dispatcher)
		client.get("/field/board")
		before = (self.todos(self.breached), frappe.db.get_value("Service Order", self.breached, "_assign"))
		comments = frappe.db.count("Comment", {"reference_name": self.breached})
		cases = [
			({"order": self.breached, "user": self.far_tech, "reason": "别的小区的师傅"}, 417),
			({"order": self.breached, "user": self.resident_user, "reason": "住户"}, 417),
			({"order": self.breached, "user": self.dispatcher, "reason": "客服自己"}, 417),
			({"order": self.breached, "user": self.tech2, "reason": "   "}, 417),
			({"order": self.done, "user": self.tech, "reason": "已完成的"}, 417),
		]
		for data, status in cases:
			response = client.post(REASSIGN, data=data)
			self.assertEqual(response.status_code, status, (data, response.text[:300]))
		self.assertEqual(
			before,
			(self.todos(self.breached), frappe.db.get_value("Service Order", self.breached, "_assign")),
		)
		self.assertEqual(frappe.db.count("Comment", {"reference_name": self.breached}), comments)
		foreign = client.post(REASSIGN, data={"order": self.foreign, "user": self.tech, "reason": "抢单"})
		self.assertEqual(foreign.status_code, 403, "another estate's order")
		self.assertEqual(self.todos(self.foreign), {self.far_tech: "Open"})
		mine = HttpClient(self.tech).post(
			REASSIGN, data={"order": self.breached, "user": self.tech2, "reason": "我忙"}
		)
		self.assertEqual(mine.status_code, 403, "a technician does not reassign, even his own order")
		self.assertEqual(self.todos(self.breached), before[0])

	def test_queries_flat_in_volume(self):
		frappe.set_user(self.dispatcher)
		try:
			few = page_queries("/field/board")
			frappe.set_user("Administrator")
			building = make_building(self.estate.name, "9")
			technicians = [make_user(["Property Technician"], [self.estate.name]) for _ in range(3)]
			for i in range(12):
				unit = make_unit(building, f"9{i:02d}", floor=9, occupants=[occupant(self.resident)])
				doc = make_order(unit, self.category, self.resident, subject=f"批量{i}")
				assign_to({"assign_to": [technicians[i % 3]], "doctype": "Service Order", "name": doc.name})
				frappe.db.set_value("Service Order", doc.name, "status", "Dispatched", update_modified=False)
			frappe.set_user(self.dispatcher)
			many = page_queries("/field/board")
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
		self.assertEqual(few, many)
		self.assertLess(many, 25)
