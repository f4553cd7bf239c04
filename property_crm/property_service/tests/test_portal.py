"""The resident portal over Frappe's real HTTP stack: pages, whitelisted methods and REST, isolation."""

import io

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request
from frappe.website.serve import get_response_content

from property_crm.images import clean_picture
from property_crm.property_households.qr import request_url
from property_crm.tests.factories import (
	SiteClient,
	make_category,
	make_order,
	make_place,
	make_user,
	page_queries,
	portal_login,
	unique,
)

# a 1×1 PNG
PNG = bytes.fromhex(
	"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
	"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class TestResidentPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.other_estate, cls.other_unit, cls.neighbour = make_place()
		cls.user = portal_login(cls.resident)
		cls.neighbour_user = portal_login(cls.neighbour)
		cls.category = make_category("Only if unrated")
		cls.neighbour_order = make_order(cls.other_unit, cls.category, cls.neighbour, subject="邻居的报修")
		cls.tech = make_user(["Property Technician"])
		frappe.db.commit()
		cls.client = SiteClient(cls.user)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for unit in (cls.unit.name, cls.other_unit.name):
			for name in frappe.get_all("Service Order", filters={"unit": unit}, pluck="name"):
				frappe.delete_doc("Service Order", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def submit(self, **fields):
		data = {
			"unit": self.unit.name,
			"service_category": self.category.name,
			"subject": "卫生间漏水",
		} | fields
		return self.client._run(
			"post", "/api/method/property_crm.property_service.api.submit_request", data=data
		)

	def test_home_and_list_pages(self):
		home = self.client.get("/property")
		self.assertEqual(home.status_code, 200)
		self.assertIn(self.unit.name, home.get_data(as_text=True))
		self.assertNotIn(self.other_unit.name, home.get_data(as_text=True))
		listing = self.client.get("/property/requests").get_data(as_text=True)
		self.assertNotIn(self.neighbour_order.name, listing)
		guest = SiteClient().get("/property")
		self.assertIn(guest.status_code, (301, 302), "guests are sent to log in")
		self.assertIn("/login", guest.headers["Location"])

	def test_file_a_request_with_a_photo(self):
		response = self.submit(photo=(io.BytesIO(PNG), "leak.png", "image/png"), description="<b>地漏</b>")
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json["message"]
		order = frappe.get_doc("Service Order", name)
		self.assertEqual(
			(order.channel, order.requester, order.status), ("Portal", self.resident.name, "Draft")
		)
		self.assertTrue(order.photo.startswith("/private/files/"))
		self.assertNotIn("<b>", order.description)
		photo = self.client.get("/api/method/property_crm.property_service.api.photo", {"name": name})
		# kept as we re-encode it (property_crm.images)
		self.assertEqual((photo.status_code, photo.get_data()), (200, clean_picture(PNG).content))
		neighbour = SiteClient(self.neighbour_user)
		self.assertEqual(
			neighbour.get("/api/method/property_crm.property_service.api.photo", {"name": name}).status_code,
			403,
		)
		self.assertEqual(neighbour.get(f"/property/requests/{name}").status_code, 404)
		detail = self.client.get(f"/property/requests/{name}")
		self.assertEqual(detail.status_code, 200)
		self.assertIn("卫生间漏水", detail.get_data(as_text=True))

	def test_residents_cannot_set_what_staff_decide(self):
		response = self.submit(
			status="Closed", priority="Urgent", sales_invoice="X", chargeable_amount=99, _assign='["x"]'
		)
		self.assertEqual(response.status_code, 200, response.text)
		order = frappe.get_doc("Service Order", response.json["message"])
		self.assertEqual(order.status, "Draft")
		self.assertEqual(order.priority, "Medium")
		self.assertFalse(order.sales_invoice or order.chargeable_amount or order.get("_assign"))
		for method, path, data in (
			("get", f"/api/resource/Service Order/{order.name}", None),
			("get", "/api/resource/Service Order", None),
			("put", f"/api/resource/Service Order/{order.name}", {"status": "Closed"}),
			(
				"post",
				"/api/resource/Service Order",
				{"unit": self.unit.name, "subject": "x", "service_category": self.category.name},
			),
			(
				"post",
				"/api/method/frappe.client.set_value",
				{"doctype": "Service Order", "name": order.name, "fieldname": "status", "value": "Closed"},
			),
			(
				"post",
				"/api/method/frappe.model.workflow.apply_workflow",
				{"doc": order.as_json(), "action": "Accept"},
			),
			(
				"post",
				"/api/method/property_crm.property_service.orders.rate",
				{"order": order.name, "rating": 5},
			),
		):
			response = getattr(self.client, method)(path, data) if data is not None else self.client.get(path)
			self.assertIn(response.status_code, (403, 417), (path, response.status_code, response.text[:300]))
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Draft")

	def test_only_own_units(self):
		response = self.submit(unit=self.other_unit.name)
		self.assertEqual(response.status_code, 403)
		for method, data in (
			("cancel_request", {"name": self.neighbour_order.name}),
			("rate_request", {"name": self.neighbour_order.name, "rating": 1}),
		):
			response = self.client.post(f"/api/method/property_crm.property_service.api.{method}", data)
			self.assertEqual(response.status_code, 403, method)
		self.assertEqual(frappe.db.get_value("Service Order", self.neighbour_order.name, "status"), "Draft")

	def test_qr_code_of_someone_elses_home(self):
		self.assertTrue(request_url(self.unit.name).endswith(f"/property/requests/new?unit={self.unit.name}"))
		mine = self.client.get("/property/requests/new", {"unit": self.unit.name}).get_data(as_text=True)
		self.assertIn(f'value="{self.unit.name}" selected', mine)
		theirs = self.client.get("/property/requests/new", {"unit": self.other_unit.name}).get_data(
			as_text=True
		)
		self.assertNotIn(self.other_unit.name, theirs.replace(f"unit={self.other_unit.name}", ""))
		self.assertIn("not your home", theirs)
		sticker = frappe.get_print("Property Unit", self.unit.name, "Unit QR Sticker")
		self.assertIn("data:image/svg+xml;base64,", sticker)
		self.assertIn(self.unit.name, sticker)

	def test_cancel_before_dispatch_only(self):
		name = self.submit().json["message"]
		response = self.client.post(
			"/api/method/property_crm.property_service.api.cancel_request", {"name": name}
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(frappe.db.get_value("Service Order", name, "status"), "Cancelled")
		dispatched = self.submit().json["message"]
		frappe.db.set_value("Service Order", dispatched, "status", "Dispatched")
		frappe.db.commit()
		response = self.client.post(
			"/api/method/property_crm.property_service.api.cancel_request", {"name": dispatched}
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.get_value("Service Order", dispatched, "status"), "Dispatched")

	def test_rating_after_completion(self):
		name = self.submit().json["message"]
		response = self.client.post(
			"/api/method/property_crm.property_service.api.rate_request", {"name": name, "rating": 5}
		)
		self.assertEqual(response.status_code, 417, "not completed yet")
		frappe.db.set_value("Service Order", name, {"status": "Completed", "completion_notes": "好了"})
		frappe.db.commit()
		response = self.client.post(
			"/api/method/property_crm.property_service.api.rate_request",
			{"name": name, "rating": 4, "reasons": "准时", "comment": "谢谢"},
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			frappe.db.get_value("Service Order", name, ["rating", "rating_comment"]), (4, "谢谢")
		)


class TestPortalQueryCount(FrappeTestCase):
	"""The portal pages make the same number of queries with 10 or 1,000 orders (no N+1)."""

	def count_queries(self, path: str) -> int:
		return page_queries(path)

	def seed(self, unit, category, count):
		now = frappe.utils.now_datetime()
		fields = [
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
			"naming_series",
			"subject",
		]
		fields += [
			"service_category",
			"channel",
			"status",
			"unit",
			"estate",
			"building",
			"requester",
			"rating",
		]
		statuses = ["Draft", "In Progress", "Completed", "Closed"]
		rows = [
			(unique("SO-T-"), now, now, "Administrator", "Administrator", 0, "SO-.YYYY.-", f"报修 {i}", category.name,
			 "Portal", statuses[i % 4], unit.name, unit.estate, unit.building, None, 0)
			for i in range(count)
		]  # fmt: skip
		frappe.db.bulk_insert("Service Order", fields, rows)

	def test_query_count_does_not_grow(self):
		_estate, unit, resident = make_place()
		category = make_category("Never")
		user = portal_login(resident)
		self.seed(unit, category, 10)
		frappe.set_user(user)
		try:
			small = {path: self.count_queries(path) for path in ("/property", "/property/requests")}
			frappe.set_user("Administrator")
			self.seed(unit, category, 990)
			frappe.set_user(user)
			large = {path: self.count_queries(path) for path in ("/property", "/property/requests")}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(small, large)
		self.assertLess(max(large.values()), 40, large)
