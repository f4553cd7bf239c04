"""The portal shell over Frappe's HTTP stack: its own renderer serves every /property page (not
Frappe's TemplatePage), residents read residents' status words in their language, the language switch
needs the CSRF token and only returns to portal pages, and guests are sent to log in."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.website.path_resolver import PathResolver

from property_crm.portal.shell import PortalPage
from property_crm.property_service.rules.service import RESIDENT_WORDS
from property_crm.tests.factories import (
	SiteClient,
	make_category,
	make_order,
	make_place,
	portal_login,
)


class TestPortalShell(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.user = portal_login(cls.resident)
		frappe.db.set_value("User", cls.user, "language", "zh")
		frappe.clear_document_cache("User", cls.user)
		cls.category = make_category("Only if unrated")
		cls.order = make_order(cls.unit, cls.category, cls.resident, subject="阳台地漏堵了")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.delete_doc("Service Order", cls.order.name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_every_portal_route_is_served_by_the_shell(self):
		for path in (
			"property",
			"property/requests",
			"property/requests/new",
			f"property/requests/{self.order.name}",
		):
			_endpoint, renderer = PathResolver(path).resolve()
			self.assertIsInstance(renderer, PortalPage, path)
		_endpoint, renderer = PathResolver("about").resolve()
		self.assertNotIsInstance(renderer, PortalPage)

	def test_residents_read_their_own_words_in_chinese(self):
		client = SiteClient(self.user)
		for path in ("/property", "/property/requests", f"/property/requests/{self.order.name}"):
			response = client.get(path)
			self.assertEqual(response.status_code, 200, path)
			html = response.get_data(as_text=True)
			self.assertIn('lang="zh-CN"', html)
			self.assertIn("已提交", html, path)  # a new request, in the resident's words
			self.assertNotIn("草稿", html, "never the desk's word for Draft")
			self.assertIn('name="csrf-token"', html)
		detail = client.get(f"/property/requests/{self.order.name}").get_data(as_text=True)
		self.assertIn("阳台地漏堵了", detail)
		self.assertIn("进度", detail)

	def test_every_status_has_a_residents_word_on_the_page(self):
		client = SiteClient(self.user)
		for status, word in RESIDENT_WORDS.items():
			frappe.db.set_value("Service Order", self.order.name, "status", status, update_modified=False)
			frappe.db.commit()
			html = client.get(f"/property/requests/{self.order.name}").get_data(as_text=True)
			self.assertIn(_zh(word), html, status)
		frappe.db.set_value("Service Order", self.order.name, "status", "Draft", update_modified=False)
		frappe.db.commit()

	def test_language_switch(self):
		self.addCleanup(restore_language, self.user)
		client = SiteClient(self.user)
		html = client.get("/property").get_data(as_text=True)
		token = html.split('name="csrf-token" content="')[1].split('"')[0]
		# without the CSRF token the switch is refused
		refused = client._run(
			"post",
			"/api/method/property_crm.portal.api.set_language",
			data={"language": "en", "redirect_to": "/property"},
			headers={"X-Frappe-CSRF-Token": "not-the-token"},
		)
		self.assertNotEqual(refused.status_code, 200)
		self.assertNotIn(refused.status_code, (301, 302, 303))
		self.assertEqual(frappe.db.get_value("User", self.user, "language"), "zh")
		switched = client._run(
			"post",
			"/api/method/property_crm.portal.api.set_language",
			data={"language": "en", "redirect_to": "https://evil.example/steal", "csrf_token": token},
		)
		self.assertIn(switched.status_code, (301, 302, 303))
		self.assertEqual(
			switched.headers["Location"].rsplit("/", 1)[-1], "property", "only back to the portal"
		)
		self.assertEqual(frappe.db.get_value("User", self.user, "language"), "en")
		html = client.get("/property/requests").get_data(as_text=True)
		self.assertIn("My Requests", html)
		self.assertIn("Request submitted", html)


def restore_language(user: str) -> None:
	frappe.db.set_value("User", user, "language", "zh")
	frappe.clear_document_cache("User", user)
	frappe.db.commit()

	def test_guests_are_sent_to_log_in(self):
		for path in ("/property", "/property/requests/new", f"/property/requests/{self.order.name}"):
			response = SiteClient().get(path)
			self.assertIn(response.status_code, (301, 302), path)
			self.assertIn("/login", response.headers["Location"])
		self.assertNotIn(
			self.order.subject,
			SiteClient().get(f"/property/requests/{self.order.name}").get_data(as_text=True),
		)


def _zh(word: str) -> str:
	from frappe.translate import get_translations_from_apps

	return get_translations_from_apps("zh", apps=["property_crm"]).get(word) or word
