"""Occupancy-period isolation on the portal, over Frappe's HTTP stack (issue 11, item 1).

One unit, two households: tenant C and C's family member lived there until 2024-12-31; owner A and
A's family member moved in on 2025-01-01. Each resident reaches their own orders and the unit's orders
of the time they live there — never the other household's — on every page and portal method."""

import re
from datetime import datetime

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.images import clean_picture
from property_crm.property_households import resident_portal as portal
from property_crm.property_service import resident_requests
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	occupant,
	portal_login,
	unique,
)

PNG = bytes.fromhex(
	"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
	"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
API = "/api/method/property_crm.property_service.api."
CSRF = re.compile(r"""csrf[-_]token(?:" content=|\s*=\s*)["']([0-9a-f]{20,})""")


def resident():
	return make_owner(email=f"{unique('p').lower()}@example.com")


class TestOccupancyPeriodsOnThePortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		estate = make_estate()
		building = make_building(estate.name, "1")
		cls.tenant, cls.tenant_family = resident(), resident()  # moved out 2024-12-31
		cls.owner, cls.owner_family = resident(), resident()  # moved in 2025-01-01
		before, after = {"move_in": "2023-01-01", "move_out": "2024-12-31"}, {"move_in": "2025-01-01"}
		cls.unit = make_unit(
			building,
			"101",
			floor=1,
			occupants=[
				occupant(cls.tenant, "Tenant", primary_contact=1, **before),
				occupant(cls.tenant_family, "Family Member", **before),
				occupant(cls.owner, "Owner", primary_contact=1, **after),
				occupant(cls.owner_family, "Family Member", **after),
			],
		)
		cls.category = make_category("Never")
		order = cls.order
		# the previous household's orders
		cls.tenant_done = order(cls.tenant, "2024-06-10 09:30:00", "Completed", photo=True)
		cls.tenant_draft = order(cls.tenant, "2024-11-02 18:00:00", "Draft")
		cls.tenant_own_draft = order(cls.tenant, "2024-12-31 23:59:59", "Draft")
		cls.tenant_family_order = order(cls.tenant_family, "2024-08-01 08:00:00", "Completed")
		cls.phoned_in = order(None, "2024-09-01 10:00:00", "In Progress")  # by phone, no requester
		# the new household's
		cls.owner_done = order(cls.owner, "2025-01-01 00:00:00", "Completed", photo=True)
		cls.owner_draft = order(cls.owner, None, "Draft")
		cls.owner_family_order = order(cls.owner_family, "2025-03-01 12:00:00", "Completed")
		cls.users = {
			who: portal_login(getattr(cls, who))
			for who in ("tenant", "tenant_family", "owner", "owner_family")
		}
		frappe.db.commit()
		cls.clients = {who: SiteClient(user) for who, user in cls.users.items()}
		cls.csrf = {}
		for who, client in cls.clients.items():
			# as a browser does: the token of the session, from a page, sent with every POST
			found = CSRF.search(client.get("/property").get_data(as_text=True))
			cls.csrf[who] = found.group(1) if found else ""
		# what each resident may reach
		cls.expected = {
			"owner": {cls.owner_done, cls.owner_draft, cls.owner_family_order},
			"owner_family": {cls.owner_done, cls.owner_draft, cls.owner_family_order},
			"tenant": {cls.tenant_done, cls.tenant_draft, cls.tenant_own_draft},
			"tenant_family": {cls.tenant_family_order},
		}
		cls.all_orders = set().union(*cls.expected.values()) | {cls.phoned_in}

	@classmethod
	def order(cls, requester, created: str | None, status: str, photo: bool = False) -> str:
		doc = make_order(cls.unit, cls.category, requester, subject=unique("报修"))
		values = {"status": status}
		if status == "Completed":
			values["completion_notes"] = "已修好"
		if photo:
			file = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{doc.name}.png",
					"content": PNG,
					"attached_to_doctype": "Service Order",
					"attached_to_name": doc.name,
					"attached_to_field": "photo",
					"is_private": 1,
				}
			).insert(ignore_permissions=True)
			values["photo"] = file.file_url
		if created:
			values["creation"] = datetime.fromisoformat(created)
		frappe.db.set_value("Service Order", doc.name, values, update_modified=False)
		return doc.name

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("Service Order", filters={"unit": cls.unit.name}, pluck="name"):
			frappe.delete_doc("Service Order", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def listed(self, who: str, path: str = "/property/requests") -> set[str]:
		response = self.clients[who].get(path)
		self.assertEqual(response.status_code, 200, response.text[:300])
		page = response.get_data(as_text=True)
		return {name for name in self.all_orders if name in page}

	def detail(self, who: str, name: str) -> int:
		return self.clients[who].get(f"/property/requests/{name}").status_code

	def post(self, who: str, method: str, data: dict):
		return self.clients[who]._run(
			"post", API + method, json=data, headers={"X-Frappe-CSRF-Token": self.csrf[who]}
		)

	def photo(self, who: str, name: str):
		return self.clients[who].get(API + "photo", {"name": name})

	def test_the_dates_are_in_place(self):
		"""The scenario itself: orders dated in the past, before and after the handover."""
		self.assertEqual(
			frappe.db.get_value("Service Order", self.tenant_done, "creation"), datetime(2024, 6, 10, 9, 30)
		)
		self.assertEqual(
			frappe.db.get_value("Service Order", self.owner_done, "creation"), datetime(2025, 1, 1)
		)

	def test_each_resident_lists_exactly_their_reach(self):
		for who, expected in self.expected.items():
			with self.subTest(who=who):
				self.assertEqual(self.listed(who), expected)

	def test_detail_pages_agree_with_the_lists(self):
		for who, expected in self.expected.items():
			for name in self.all_orders:
				with self.subTest(who=who, order=name):
					self.assertEqual(self.detail(who, name), 200 if name in expected else 404)

	def test_new_owner_does_not_see_the_previous_tenants_orders(self):
		listing = self.listed("owner")
		self.assertNotIn(self.tenant_done, listing)
		self.assertEqual(self.detail("owner", self.tenant_done), 404)
		self.assertNotIn(
			frappe.db.get_value("Service Order", self.tenant_done, "subject"),
			self.clients["owner"].get(f"/property/requests/{self.tenant_done}").get_data(as_text=True),
		)
		# the home page: nothing of the previous household among open orders or orders to rate
		home = self.listed("owner", "/property")
		self.assertTrue(home <= self.expected["owner"], home)
		self.assertIn(self.owner_done, home, "waiting for the owner's rating")
		self.assertEqual(self.photo("owner", self.tenant_done).status_code, 403)
		rating = frappe.db.get_value("Service Order", self.tenant_done, "rating")
		for who in ("owner", "owner_family"):
			with self.subTest(who=who):
				rate = self.post(who, "rate_request", {"name": self.tenant_done, "rating": 1})
				self.assertEqual(rate.status_code, 403, rate.text[:300])
				cancel = self.post(who, "cancel_request", {"name": self.tenant_draft})
				self.assertEqual(cancel.status_code, 403, cancel.text[:300])
		self.assertEqual(frappe.db.get_value("Service Order", self.tenant_done, "rating"), rating)
		self.assertEqual(frappe.db.get_value("Service Order", self.tenant_draft, "status"), "Draft")

	def test_family_member_shares_the_household_of_their_time(self):
		self.assertEqual(self.photo("owner_family", self.owner_done).get_data(), clean_picture(PNG).content)
		self.assertEqual(self.photo("owner_family", self.tenant_done).status_code, 403)
		# the previous tenant's family member moved out: their own order only
		self.assertEqual(self.photo("tenant_family", self.tenant_done).status_code, 403)
		self.assertEqual(self.detail("tenant_family", self.tenant_family_order), 200)
		rate = self.post("tenant_family", "rate_request", {"name": self.tenant_family_order, "rating": 4})
		self.assertEqual(rate.status_code, 200, rate.text[:300])
		self.assertEqual(frappe.db.get_value("Service Order", self.tenant_family_order, "rating"), 4)

	def test_moved_out_tenant_keeps_their_own_history_only(self):
		tenant = self.clients["tenant"]
		self.assertNotIn(self.owner_done, self.listed("tenant"))
		self.assertNotIn(self.tenant_family_order, self.listed("tenant"), "the household's records went")
		self.assertEqual(self.detail("tenant", self.owner_done), 404)
		self.assertEqual(self.photo("tenant", self.owner_done).status_code, 403)
		self.assertEqual(self.photo("tenant", self.tenant_done).get_data(), clean_picture(PNG).content)
		self.assertEqual(
			self.post("tenant", "rate_request", {"name": self.owner_family_order, "rating": 1}).status_code,
			403,
		)
		self.assertEqual(self.post("tenant", "cancel_request", {"name": self.owner_draft}).status_code, 403)
		self.assertEqual(frappe.db.get_value("Service Order", self.owner_draft, "status"), "Draft")
		# their own order: still opened and rated, their own draft still cancelled
		self.assertIn(
			'id="rate-form"', tenant.get(f"/property/requests/{self.tenant_done}").get_data(as_text=True)
		)
		rate = self.post("tenant", "rate_request", {"name": self.tenant_done, "rating": 5, "comment": "谢谢"})
		self.assertEqual(rate.status_code, 200, rate.text[:300])
		self.assertEqual(frappe.db.get_value("Service Order", self.tenant_done, "rating"), 5)
		cancel = self.post("tenant", "cancel_request", {"name": self.tenant_own_draft})
		self.assertEqual(cancel.status_code, 200, cancel.text[:300])
		self.assertEqual(frappe.db.get_value("Service Order", self.tenant_own_draft, "status"), "Cancelled")
		# but no new request for a home they no longer live in
		new = self.post(
			"tenant",
			"submit_request",
			{"unit": self.unit.name, "service_category": self.category.name, "subject": "还想报修"},
		)
		self.assertEqual(new.status_code, 403, new.text[:300])
		self.assertNotIn(self.unit.name, tenant.get("/property/requests/new").get_data(as_text=True))

	def test_list_query_and_single_record_rule_agree(self):
		"""In-process: the list condition (query builder) and the one-record predicate give the same
		answer for every order of the unit, for every resident."""
		for who, expected in self.expected.items():
			resident_name = getattr(self, who).name
			reach = portal.reach_of(resident_name)
			listed = {row.name for row in resident_requests.orders_of(reach, page_length=100)}
			self.assertEqual(listed & self.all_orders, expected, who)
			for name in self.all_orders:
				row = frappe.db.get_value(
					"Service Order", name, ["unit", "requester", "creation"], as_dict=True
				)
				self.assertEqual(
					reach.sees(row.unit, row.requester, row.creation), name in expected, (who, name)
				)
			counts = resident_requests.counts_of(reach)
			self.assertEqual(
				counts["open"],
				sum(
					1
					for name in expected
					if frappe.db.get_value("Service Order", name, "status") not in ("Closed", "Cancelled")
				),
				who,
			)
			to_rate = {row.name for row in resident_requests.orders_to_rate(reach, limit=100)}
			self.assertTrue(to_rate <= expected, (who, to_rate))

	def test_unit_names_are_refused(self):
		"""The old way of calling (a list of units) would ignore who lived there when: it fails loudly."""
		with self.assertRaises(TypeError):
			resident_requests.orders_of([self.unit.name])
		with self.assertRaises(TypeError):
			resident_requests.counts_of([self.unit.name])
