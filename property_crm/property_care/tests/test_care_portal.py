"""Notices, events and "my profile" on the portal over HTTP: isolation by where one lives today, read
receipts, sign-up with capacity, self-service changes with staff confirmation."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, today

from property_crm.masks import mask_mobile
from property_crm.protected_fields import plain_value_of
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_estate,
	make_owner,
	make_unit,
	make_user,
	occupant,
	page_queries,
	portal_login,
	unique,
)

API = "/api/method/property_crm.property_care.api."


def change_values(resident: str) -> tuple[str, str]:
	"""Before and after of the resident's mobile change, as staff and the resident read them: masks."""
	return frappe.db.get_value(
		"Property Profile Change", {"resident": resident, "field": "Mobile"}, ["old_value", "new_value"]
	)


class TestCarePortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.other_estate = make_estate(), make_estate()
		cls.b1 = make_building(cls.estate.name, "1")
		cls.b2 = make_building(cls.estate.name, "2")
		cls.resident = make_owner(email=f"{unique('r').lower()}@example.com")
		cls.neighbour = make_owner(email=f"{unique('n').lower()}@example.com")  # building 2
		cls.former = make_owner(email=f"{unique('f').lower()}@example.com")  # moved out of building 1
		cls.stranger = make_owner(email=f"{unique('s').lower()}@example.com")  # another estate
		make_unit(cls.b1, "101", floor=1, occupants=[occupant(cls.resident),
			occupant(cls.former, "Tenant", move_in="2018-01-01", move_out="2019-12-31")])  # fmt: skip
		make_unit(cls.b2, "101", floor=1, occupants=[occupant(cls.neighbour)])
		make_unit(
			make_building(cls.other_estate.name, "1"), "101", floor=1, occupants=[occupant(cls.stranger)]
		)
		cls.users = {p.name: portal_login(p) for p in (cls.resident, cls.neighbour, cls.former, cls.stranger)}
		notice = {
			"doctype": "Property Notice",
			"estate": cls.estate.name,
			"valid_from": today(),
			"body": "<p>9:00-17:00</p>",
		}
		cls.water = frappe.get_doc(
			notice | {"title": "1号楼停水通知", "notice_type": "Water Cut", "building": cls.b1.name}
		).insert()
		cls.estate_wide = frappe.get_doc(notice | {"title": "小区消防演练"}).insert()
		cls.expired = frappe.get_doc(
			notice
			| {"title": "过期通知", "valid_from": add_days(today(), -10), "valid_to": add_days(today(), -1)}
		).insert()
		cls.event = frappe.get_doc(
			{"doctype": "Property Event", "title": "中秋游园会", "estate": cls.estate.name, "capacity": 3,
				"max_party": 4, "starts_on": add_days(now_datetime(), 7)}
		).insert()  # fmt: skip
		frappe.db.commit()

	def client(self, person):
		return SiteClient(self.users[person.name])

	def test_notices_only_where_one_lives_now_with_read_receipts(self):
		mine = self.client(self.resident)
		page = mine.get("/property/notices").get_data(as_text=True)
		self.assertIn("1号楼停水通知", page)
		self.assertIn("小区消防演练", page)
		self.assertNotIn("过期通知", page)
		neighbour = self.client(self.neighbour).get("/property/notices").get_data(as_text=True)
		self.assertNotIn("1号楼停水通知", neighbour)  # another building of the same estate
		self.assertIn("小区消防演练", neighbour)
		for person in (self.former, self.stranger):
			client = self.client(person)
			self.assertNotIn("小区消防演练", client.get("/property/notices").get_data(as_text=True))
			self.assertEqual(client.get(f"/property/notices/{self.water.name}").status_code, 404)
		self.assertEqual(
			self.client(self.neighbour).get(f"/property/notices/{self.water.name}").status_code, 404
		)
		# opening leaves one receipt, however often
		for _ in range(2):
			response = mine.get(f"/property/notices/{self.water.name}")
			self.assertEqual(response.status_code, 200)
			self.assertIn("9:00-17:00", response.get_data(as_text=True))
		self.assertEqual(frappe.db.count("Property Notice Read", {"notice": self.water.name}), 1)
		self.assertEqual(frappe.db.get_value("Property Notice", self.water.name, "read_count"), 1)
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc(
				{
					"doctype": "Property Notice Read",
					"notice": self.water.name,
					"user": self.users[self.resident.name],
				}
			).insert()

	def test_event_sign_up_capacity_and_isolation(self):
		mine, neighbour = self.client(self.resident), self.client(self.neighbour)
		self.assertIn("中秋游园会", mine.get("/property/events").get_data(as_text=True))
		mine.get(f"/property/events/{self.event.name}")
		response = mine.post(API + "sign_up", {"event": self.event.name, "attendees": 2})
		self.assertEqual(response.status_code, 200, response.text)
		neighbour.get(f"/property/events/{self.event.name}")
		full = neighbour.post(API + "sign_up", {"event": self.event.name, "attendees": 2})
		self.assertEqual(full.status_code, 417, full.text)  # 2 + 2 > 3 places
		self.assertIn("full", full.text)
		self.assertEqual(
			neighbour.post(API + "sign_up", {"event": self.event.name, "attendees": 1}).status_code, 200
		)
		# a second sign-up changes the first (UNIQUE event+resident)
		self.assertEqual(
			mine.post(API + "sign_up", {"event": self.event.name, "attendees": 1}).status_code, 200
		)
		self.assertEqual(frappe.db.count("Property Event Registration", {"event": self.event.name}), 2)
		self.assertEqual(frappe.db.get_value("Property Event", self.event.name, "registered"), 2)
		stranger = self.client(self.stranger)
		stranger.get("/property/events")
		self.assertNotIn("中秋游园会", stranger.get("/property/events").get_data(as_text=True))
		self.assertEqual(stranger.get(f"/property/events/{self.event.name}").status_code, 404)
		refused = stranger.post(API + "sign_up", {"event": self.event.name, "attendees": 1})
		self.assertEqual(refused.status_code, 403, refused.text)
		self.assertIn(
			"/login", SiteClient().get(f"/property/events/{self.event.name}").location
		)  # guests log in

	def test_profile_self_service_with_staff_confirmation(self):
		mine = self.client(self.resident)
		self.assertEqual(mine.get("/property/profile").status_code, 200)
		old_mobile = plain_value_of("Property Owner", self.resident.name, "mobile")  # the column: its mask
		bad = mine.post(
			API + "update_profile", {"mobile": "12345", "vehicles": json.dumps([{"plate_number": "沪C1"}])}
		)
		self.assertEqual(bad.status_code, 417)
		self.assertFalse(frappe.db.exists("Property Profile Change", {"resident": self.resident.name}))
		self.assertFalse(
			frappe.db.exists("Property Vehicle", {"parent": self.resident.name})
		)  # nothing half-done
		new_mobile = "139" + old_mobile[3:] if not old_mobile.startswith("139") else "138" + old_mobile[3:]
		vehicles = json.dumps([{"plate_number": "沪c 88888", "vehicle_type": "New Energy Car"}])
		ok = mine.post(
			API + "update_profile", {"mobile": new_mobile, "email": self.resident.email, "vehicles": vehicles}
		)
		self.assertEqual(ok.status_code, 200, ok.text)
		self.assertEqual(ok.json["message"]["pending"], ["Mobile"])
		owner = frappe.get_doc("Property Owner", self.resident.name)
		self.assertEqual([v.plate_number for v in owner.vehicles], ["沪C88888"])  # applied at once
		self.assertEqual(
			plain_value_of("Property Owner", owner.name, "mobile"), old_mobile
		)  # waits for staff
		self.assertEqual(
			change_values(self.resident.name), (mask_mobile(old_mobile), mask_mobile(new_mobile))
		)
		self.assertIn("沪C88888", mine.get("/property/profile").get_data(as_text=True))
		change = frappe.get_doc(
			"Property Profile Change", {"resident": self.resident.name, "field": "Mobile"}
		)
		self.assertEqual(change.status, "Pending")
		# staff of another estate may not decide; the estate's clerk confirms (as the desk's button does)
		confirm = "/api/method/property_crm.property_care.doctype.property_profile_change.property_profile_change.confirm"
		outsider = make_user(["Property Customer Service"], [self.other_estate.name])
		clerk = make_user(["Property Customer Service"], [self.estate.name])
		frappe.db.commit()
		self.assertEqual(SiteClient(outsider).post(confirm, {"name": change.name}).status_code, 403)
		clerk = SiteClient(clerk)
		response = clerk.post(confirm, {"name": change.name})
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(frappe.db.get_value("Property Profile Change", change.name, "status"), "Confirmed")
		self.assertEqual(plain_value_of("Property Owner", self.resident.name, "mobile"), new_mobile)
		self.assertEqual(
			frappe.db.get_value("Property Owner", self.resident.name, "mobile"), mask_mobile(new_mobile)
		)
		versions = frappe.get_all("Version", filters={"ref_doctype": "Property Owner", "docname": self.resident.name},
			pluck="data")  # fmt: skip
		changed = [c for v in versions for c in json.loads(v).get("changed", [])]
		self.assertIn(["mobile", mask_mobile(old_mobile), mask_mobile(new_mobile)], changed)  # history: masks
		self.assertTrue(any(row.get("plate_number") == "沪C88888" for v in versions for _t, row in
			[(a[0], a[1]) for a in json.loads(v).get("added", [])]))  # fmt: skip

	def test_query_counts_do_not_grow(self):
		from frappe.utils import set_request
		from frappe.website.serve import get_response_content

		count = page_queries

		user = self.users[self.neighbour.name]
		paths = ("/property/notices", "/property/events")
		frappe.set_user(user)
		try:
			small = {p: count(p) for p in paths}
			frappe.set_user("Administrator")
			for n in range(30):
				frappe.get_doc({"doctype": "Property Notice", "estate": self.estate.name, "valid_from": today(),
					"title": f"通知{n}", "body": "x"}).insert()  # fmt: skip
				frappe.get_doc({"doctype": "Property Event", "estate": self.estate.name, "title": f"活动{n}",
					"starts_on": add_days(now_datetime(), 3)}).insert()  # fmt: skip
			frappe.set_user(user)
			large = {p: count(p) for p in paths}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(small, large)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for doctype in ("Property Event Registration", "Property Notice Read"):
			for name in frappe.get_all(doctype, filters={"estate": cls.estate.name}, pluck="name"):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()
