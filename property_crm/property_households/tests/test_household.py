"""The household file (property_households.household): content, constant queries, who sees what, the print."""

import json

import frappe
from frappe.desk.form.assign_to import add as assign
from frappe.tests.utils import FrappeTestCase

from property_crm.property_households.household import household
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_category,
	make_complaint,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
)


def count_queries(function, *args) -> tuple[int, object]:
	queries = []
	original = frappe.db.sql

	def counting(*a, **kw):
		queries.append(a[0] if a else kw.get("query"))
		return original(*a, **kw)

	function(*args)  # warm caches (meta, roles, table list)
	frappe.db.sql = counting
	try:
		result = function(*args)
	finally:
		frappe.db.sql = original
	return len(queries), result


def seed_orders(unit, category, count: int, year_from: int = 2016) -> None:
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series", "subject",
		"service_category", "channel", "status", "unit", "estate", "building", "rating"]  # fmt: skip
	statuses = ["Closed", "Closed", "Completed", "In Progress"]
	rows = []
	for i in range(count):
		when = f"{year_from + i % 10}-0{1 + i % 9}-15 10:00:00"
		rows.append((unique("SO-H-"), when, when, "Administrator", "Administrator", 0, "SO-.YYYY.-", f"报修 {i}",
			category.name, "Phone", statuses[i % 4], unit.name, unit.estate, unit.building, 1 + i % 5))  # fmt: skip
	frappe.db.bulk_insert("Service Order", fields, rows)


def seed_visits(unit, count: int) -> None:
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series",
		"reference_doctype", "reference_name", "estate", "unit", "status", "due_date", "outcome", "satisfaction"]  # fmt: skip
	rows = [
		(unique("RV-H-"), "2020-01-01", "2020-01-01", "Administrator", "Administrator", 0, "RV-.YYYY.-",
			"Property Unit", unit.name, unit.estate, unit.name, "Done", f"{2016 + i % 10}-03-01",
			"Satisfied" if i % 3 else "Unsatisfied", 3 + i % 3)
		for i in range(count)
	]  # fmt: skip
	frappe.db.bulk_insert("Return Visit", fields, rows)


class TestHousehold(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		cls.building = make_building(cls.estate.name, "1")
		if not frappe.db.exists("Property Resident Tag", "Elderly"):
			frappe.get_doc({"doctype": "Property Resident Tag", "tag_name": "Elderly"}).insert()
		cls.owner = make_owner(
			tags=[{"tag": "Elderly"}],
			vehicles=[{"plate_number": "沪A12345", "vehicle_type": "Car"}],
			family_members=[{"member_name": "王小明", "relation": "Child"}],
			date_of_birth="1950-03-01",
		)
		cls.former = make_owner(full_name="李前租户")
		cls.unit = make_unit(
			cls.building,
			"101",
			floor=1,
			occupants=[
				occupant(cls.owner, primary_contact=1, move_in="2016-01-01"),
				occupant(cls.former, "Tenant", move_in="2014-01-01", move_out="2015-12-31"),
			],
		)
		cls.category = make_category("Never")
		cls.order = make_order(cls.unit, cls.category, cls.owner, subject="厨房漏水")
		cls.named = make_complaint(cls.unit, cls.owner, subject="楼道噪音")
		cls.anonymous = make_complaint(cls.unit, cls.owner, subject="匿名投诉保安", is_anonymous=1)
		cls.cs = make_user(["Property Customer Service"], [cls.estate.name])
		cls.manager = make_user(["Property Manager"], [cls.estate.name])
		cls.other_cs = make_user(["Property Customer Service"], [make_estate().name])
		cls.tech = make_user(["Property Technician"])
		frappe.db.commit()

	def as_user(self, user, function, *args):
		frappe.set_user(user)
		try:
			return function(*args)
		finally:
			frappe.set_user("Administrator")

	def test_page_shows_the_household(self):
		h = self.as_user(self.manager, household, self.unit.name)
		names = [(o.full_name, o.current) for o in h["occupants"]]
		self.assertEqual(names[0], (self.owner.full_name, True))
		self.assertIn(("李前租户", False), names)  # dated roles: the former tenant, not current
		self.assertEqual(h["tags"][self.owner.name], ["Elderly"])
		self.assertEqual([v.plate_number for v in h["vehicles"]], ["沪A12345"])
		self.assertEqual([f.member_name for f in h["family"]], ["王小明"])
		self.assertEqual([o.name for o in h["orders"]["open"]], [self.order.name])
		self.assertIn("agreement_status", h["orders"]["open"][0])
		open_complaints = {c.name: c for c in h["complaints"]["open"]}
		self.assertIn(self.named.name, open_complaints)
		# a manager sees the household's anonymous complaint, as anonymous
		self.assertIn(self.anonymous.name, open_complaints)
		self.assertEqual(open_complaints[self.anonymous.name].complainant_name, "Anonymous")
		for section in ("orders", "complaints", "visits", "trend", "timeline"):
			self.assertIn(section, h["sections"])

	def test_anonymous_complaints_only_for_managers(self):
		h = self.as_user(self.cs, household, self.unit.name)
		names = {c.name for c in h["complaints"]["open"] + h["complaints"]["recent"]}
		self.assertIn(self.named.name, names)
		self.assertNotIn(self.anonymous.name, names)
		self.assertNotIn("匿名投诉保安", json.dumps(h, default=str, ensure_ascii=False))

	def test_constant_number_of_queries_for_5_and_200_orders(self):
		estate = make_estate()
		unit = make_unit(make_building(estate.name, "1"), "201", floor=2, occupants=[occupant(make_owner())])
		seed_orders(unit, self.category, 5)
		seed_visits(unit, 3)
		small, _first = count_queries(household, unit.name)
		seed_orders(unit, self.category, 195)
		seed_visits(unit, 37)
		large, second = count_queries(household, unit.name)
		self.assertEqual(small, large)
		self.assertLess(large, 30)
		self.assertEqual(second["orders"]["total"], 200)
		self.assertEqual([t.year for t in second["trend"]], list(range(2016, 2026)))
		self.assertEqual(sum(t.orders for t in second["trend"]), 200)

	def test_estates_and_technicians_over_http(self):
		path = "/api/method/property_crm.property_households.household.household"
		self.assertEqual(SiteClient(self.cs).get(path, {"unit": self.unit.name}).status_code, 200)
		self.assertEqual(SiteClient(self.other_cs).get(path, {"unit": self.unit.name}).status_code, 403)
		tech = SiteClient(self.tech)
		self.assertEqual(tech.get(path, {"unit": self.unit.name}).status_code, 403)  # no open order here
		other = make_order(self.unit, self.category, self.owner, subject="另一张工单")
		assign({"assign_to": [self.tech], "doctype": "Service Order", "name": other.name})
		frappe.db.commit()
		try:
			response = tech.get(path, {"unit": self.unit.name})
			self.assertEqual(response.status_code, 200, response.text)
			h = response.json["message"]
			self.assertEqual([o["name"] for o in h["orders"]["open"]], [other.name])  # his orders only
			for section in ("complaints", "visits", "arrears", "timeline", "tags", "vehicles", "family"):
				self.assertNotIn(section, h)
			self.assertNotIn("date_of_birth", h["occupants"][0])
		finally:
			frappe.delete_doc("Service Order", other.name, force=True, ignore_permissions=True)
			frappe.db.commit()

	def test_printed_household_file(self):
		frappe.local.lang = "zh"
		try:
			html = frappe.get_print("Property Unit", self.unit.name, "Household File")
		finally:
			frappe.local.lang = "en"
		self.assertIn("一户一档", html)
		self.assertIn(self.owner.full_name, html)
		self.assertIn("厨房漏水", html)
		self.assertIn("沪A12345", html)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("Complaint", filters={"estate": cls.estate.name}, pluck="name"):
			identity = frappe.db.get_value("Complaint", name, "identity")
			frappe.delete_doc("Complaint", name, force=True, ignore_permissions=True)
			if identity:
				frappe.delete_doc("Complaint Identity", identity, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()
