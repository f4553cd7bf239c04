"""The field staff's phone pages (/field): what a technician sees and may press, who is refused, the
installable app's service worker and manifest, and query counts flat in data volume."""

import io
import json

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from property_crm.tests.factories import (
	SiteClient,
	act,
	make_category,
	make_order,
	make_place,
	make_user,
	page_queries,
	portal_login,
	unique,
)

ORDER = "Service Order"


def assign(order, user: str) -> None:
	assign_to({"assign_to": [user], "doctype": ORDER, "name": order.name, "description": order.subject})


def buttons(html: str) -> set[str]:
	"""The workflow buttons a page offers (their data-action)."""
	import re

	return set(re.findall(r'<button[^>]*data-action="([^"]+)"', html))


class TestFieldPages(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.other_estate, cls.other_unit, cls.neighbour = make_place()
		cls.category = make_category("Only if unrated")
		cls.tech = make_user(["Property Technician"])
		cls.other_tech = make_user(["Property Technician"])
		# customer service restricted to the other estate: her assignments there only
		cls.desk = make_user(["Property Customer Service"], [cls.other_estate.name])
		cls.resident_user = portal_login(cls.resident)
		soon = add_to_date(now_datetime(), minutes=30)

		def order(subject, user, unit=None, **kwargs):
			unit = unit or cls.unit
			requester = cls.resident if unit == cls.unit else cls.neighbour
			doc = make_order(unit, cls.category, requester, subject=subject, **kwargs)
			act(doc, "Accept")
			assign(doc, user)
			act(doc, "Dispatch")
			return frappe.get_doc(ORDER, doc.name)

		cls.dispatched = order("厨房水龙头漏水", cls.tech, preferred_time=soon)
		cls.started = order("卫生间地漏堵塞", cls.tech)
		act(cls.started, "Start", cls.tech)
		frappe.db.set_value(ORDER, cls.started.name, "repeat_of", cls.dispatched.name, update_modified=False)
		cls.done = order("客厅灯不亮", cls.tech)
		frappe.db.set_value(
			ORDER,
			cls.done.name,
			{"status": "Completed", "completed_on": now_datetime()},
			update_modified=False,
		)
		cls.foreign = order("别人的工单", cls.other_tech)
		cls.desk_own = order("另一小区的工单", cls.desk, unit=cls.other_unit)
		# an order of an estate she is not allowed, assigned to her all the same
		cls.desk_out = order("不在她小区的工单", cls.other_tech)
		frappe.db.set_value(
			ORDER, cls.desk_out.name, "_assign", json.dumps([cls.desk]), update_modified=False
		)
		frappe.db.commit()
		cls.client = SiteClient(cls.tech)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for unit in (cls.unit.name, cls.other_unit.name):
			for name in frappe.get_all(ORDER, filters={"unit": unit}, pluck="name"):
				frappe.delete_doc(ORDER, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def page(self, path: str, client=None) -> str:
		base, _sep, query = path.partition("?")
		response = (client or self.client).get(base, dict([query.split("=")]) if query else None)
		self.assertEqual(response.status_code, 200, path)
		return response.get_data(as_text=True)

	def test_my_jobs_and_tabs(self):
		response = self.client.get("/field")
		self.assertEqual(response.status_code, 200)
		policy = response.headers["Content-Security-Policy"]
		self.assertIn("worker-src 'self'", policy)
		self.assertIn("manifest-src 'self'", policy)
		self.assertIn("'nonce-", policy)
		open_tabs = response.get_data(as_text=True) + self.page("/field?tab=week")
		for name in (self.dispatched.name, self.started.name):
			self.assertIn(f'href="/field/jobs/{name}"', open_tabs)
		for name in (self.done.name, self.foreign.name, self.desk_own.name):
			self.assertNotIn(name, open_tabs)
		self.assertIn('rel="manifest" href="/field/manifest.webmanifest"', open_tabs)
		done = self.page("/field?tab=done")
		self.assertIn(self.done.name, done)
		self.assertNotIn(self.dispatched.name, done)
		self.assertNotIn(self.foreign.name, done)

	def test_job_page_offers_only_allowed_actions(self):
		html = self.page(f"/field/jobs/{self.dispatched.name}")
		self.assertIn("厨房水龙头漏水", html)
		self.assertEqual(buttons(html), {"Start"})
		self.assertIn('capture="environment"', html)
		started = self.page(f"/field/jobs/{self.started.name}")
		self.assertEqual(buttons(started), {"Complete", "Hold", "Wait for Parts", "Wait for Resident"})
		self.assertIn(self.dispatched.name, started, "a repeat repair names the order it repeats")
		self.assertIn('id="sigpad"', started, "the resident signs while the job is in progress")
		done = self.page(f"/field/jobs/{self.done.name}")
		self.assertEqual(buttons(done), set())

	def test_foreign_jobs_are_not_found(self):
		for name in (self.foreign.name, "SO-NO-SUCH-ORDER"):
			self.assertEqual(self.client.get(f"/field/jobs/{name}").status_code, 404, name)
		other = SiteClient(self.other_tech)
		self.assertEqual(other.get(f"/field/jobs/{self.dispatched.name}").status_code, 404)
		self.assertNotIn(
			self.dispatched.name, self.page("/field", other) + self.page("/field?tab=week", other)
		)

	def test_guest_and_resident_are_refused(self):
		guest = SiteClient().get(f"/field/jobs/{self.dispatched.name}")
		self.assertIn(guest.status_code, (301, 302, 303))
		self.assertIn(f"/login?redirect-to=/field/jobs/{self.dispatched.name}", guest.headers["Location"])
		self.assertIn("/login?redirect-to=/field", SiteClient().get("/field").headers["Location"])
		resident = SiteClient(self.resident_user)
		self.assertEqual(resident.get("/field").status_code, 403)
		self.assertEqual(resident.get(f"/field/jobs/{self.dispatched.name}").status_code, 403)

	def test_estate_restricted_dispatcher(self):
		desk = SiteClient(self.desk)
		html = self.page("/field", desk) + self.page("/field?tab=week", desk)
		self.assertIn(self.desk_own.name, html, "her own assignment in her estate")
		self.assertNotIn(self.desk_out.name, html, "assigned to her, but in an estate she may not see")
		self.assertNotIn(self.dispatched.name, html, "not hers")
		self.assertIn('href="/field/board"', html, "dispatchers reach the board from the top bar")
		self.assertEqual(desk.get(f"/field/jobs/{self.desk_out.name}").status_code, 404)
		job = self.page(f"/field/jobs/{self.desk_own.name}", desk)
		self.assertIn("Start", buttons(job))
		self.assertNotIn('href="/field/board"', self.page("/field"), "a technician has no board")

	def test_chinese_and_english(self):
		user = make_user(["Property Technician"])
		frappe.db.commit()
		client = SiteClient(user)

		def switch(language):
			page = client.get("/field")
			self.assertEqual(page.status_code, 200)
			response = client._run(
				"post",
				"/api/method/property_crm.portal.api.set_language",
				data={"language": language, "redirect_to": "/field", "csrf_token": client.csrf_token},
			)
			self.assertIn(response.status_code, (301, 302, 303))
			self.assertTrue(response.headers["Location"].endswith("/field"), "back to the field page")

		switch("zh")
		html = self.page("/field", client)
		for label in ("我的工单", "今天", "本周", "已完成", "工单"):
			self.assertIn(label, html)
		switch("en")
		html = self.page("/field", client)
		for label in ("My Jobs", "Today", "This Week", "Done"):
			self.assertIn(label, html)
		self.assertNotIn("我的工单", html)

	def test_service_worker_and_manifest(self):
		worker = SiteClient().get("/field/sw.js")
		self.assertEqual(worker.status_code, 200)
		self.assertEqual(worker.mimetype, "application/javascript")
		self.assertEqual(worker.headers["Service-Worker-Allowed"], "/field")
		self.assertEqual(worker.headers["X-Frame-Options"], "SAMEORIGIN")
		self.assertIn(
			"default-src 'self'", worker.headers["Content-Security-Policy"], "its fetches: this site"
		)
		script = worker.get_data(as_text=True)
		self.assertIn('request.method !== "GET"', script, "never answers a POST from its cache")
		manifest = SiteClient().get("/field/manifest.webmanifest")
		self.assertEqual(manifest.status_code, 200)
		self.assertEqual(manifest.mimetype, "application/manifest+json")
		body = json.loads(manifest.get_data(as_text=True))
		self.assertEqual(
			(body["start_url"], body["scope"], body["display"]), ("/field", "/field", "standalone")
		)
		self.assertEqual({icon["sizes"] for icon in body["icons"]}, {"192x192", "512x512"})
		from PIL import Image

		for icon in body["icons"]:
			response = SiteClient().get(icon["src"])
			self.assertEqual(response.mimetype, "image/png")
			size = int(icon["sizes"].split("x")[0])
			self.assertEqual(Image.open(io.BytesIO(response.get_data())).size, (size, size))
		self.assertEqual(SiteClient().get("/field/icon-7.png").status_code, 404)

	def seed(self, count: int) -> None:
		"""`count` orders assigned to the technician (half open — today and in two days, so that both tabs have
		rows whatever the hour — half completed), bulk-inserted."""
		now = now_datetime()
		fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series"]
		fields += ["subject", "service_category", "channel", "status", "unit", "estate", "building"]
		fields += ["requester", "_assign", "preferred_time", "completed_on"]
		assigned = json.dumps([self.tech])
		rows = [
			(unique("SO-F-"), now, now, "Administrator", "Administrator", 0, "SO-.YYYY.-", f"批量 {i}",
			 self.category.name, "Phone", "Completed" if i % 2 else "Dispatched", self.unit.name, self.unit.estate,
			 self.unit.building, self.resident.name, assigned, add_to_date(now, days=i % 4),
			 now if i % 2 else None)
			for i in range(count)
		]  # fmt: skip
		frappe.db.bulk_insert(ORDER, fields, rows)
		# and their assignments, as Frappe's assign_to keeps them (the list reads ToDo first)
		todo_fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "status"]
		todo_fields += ["priority", "allocated_to", "reference_type", "reference_name", "description"]
		todos = [
			(frappe.generate_hash(length=10), now, now, "Administrator", "Administrator", 0, "Open", "Medium",
			 self.tech, ORDER, row[0], row[7])
			for row in rows
		]  # fmt: skip
		frappe.db.bulk_insert("ToDo", todo_fields, todos)

	def test_queries_flat_in_volume(self):
		paths = ("/field", "/field?tab=week", "/field?tab=done", f"/field/jobs/{self.started.name}")
		try:
			self.seed(5)
			frappe.set_user(self.tech)
			few = {path: page_queries(path) for path in paths}
			frappe.set_user("Administrator")
			self.seed(195)
			frappe.set_user(self.tech)
			many = {path: page_queries(path) for path in paths}
			listing = self.page_html("/field?tab=done")
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()
		self.assertEqual(few, many)
		self.assertLess(max(many.values()), 30, many)
		self.assertIn("批量", listing)

	def page_html(self, path: str) -> str:
		from frappe.utils import set_request
		from frappe.website.serve import get_response_content

		base, _sep, query = path.partition("?")
		set_request(method="GET", path=base, query_string=query)
		frappe.local.form_dict = frappe._dict([query.split("=")] if query else [])
		return get_response_content(base)
