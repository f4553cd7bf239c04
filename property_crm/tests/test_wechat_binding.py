"""Binding a resident's WeChat to their file (issue 22), over real HTTP: the served site, the stand-in's
`/connect/oauth2/authorize` playing the resident's WeChat app (it sends the browser back with a code for the
chosen openid), and `/sns/oauth2/access_token` turning the code into the openid.

What a resident notices: the menu's link asks them to log in once, then opens their pages logged in and on
the page they tapped; a forged, reused or foreign sign-in link is refused and binds nothing; a link that would
lead off the portal is refused; their WeChat cannot be bound to someone else's file; they can unbind from
their profile, and staff of their estate can too; logged in by WeChat they see their own orders only.
"""

import html
import re
import threading
import unittest
from http.server import HTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

import frappe

from property_crm.sms import sync_sms_notifications
from property_crm.tests.factories import (
	PASSWORD,
	make_category,
	make_order,
	make_place,
	make_user,
	portal_login,
)
from property_crm.tests.served import HttpClient, base_url
from property_crm.tests.sms_gateway import sms_gateway
from property_crm.tests.wechat_standin import WeChatStandIn, configure_site, random_openid
from property_crm.wechat import binding

ENTRY = "/property/wechat"


def path_of(url: str) -> str:
	parts = urlsplit(url)
	return parts.path + (f"?{parts.query}" if parts.query else "")


class TestWeChatBinding(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.estate, cls.unit, cls.resident = make_place()
		cls.other_estate, cls.other_unit, cls.neighbour = make_place()
		cls.user = portal_login(cls.resident)
		cls.neighbour_user = portal_login(cls.neighbour)
		category = make_category()
		cls.order = make_order(cls.unit, category, cls.resident)
		cls.neighbour_order = make_order(cls.other_unit, category, cls.neighbour)
		cls.neighbour_openid = random_openid()
		binding.bind(cls.neighbour_openid, cls.neighbour.name, cls.neighbour_user)
		cls.clerk = make_user(["Property Customer Service"], estates=[cls.estate.name])
		cls.other_clerk = make_user(["Property Customer Service"], estates=[cls.other_estate.name])
		cls.technician = make_user(["Property Technician"], estates=[cls.estate.name])
		cls.standin = WeChatStandIn()
		cls.standin.start()
		configure_site(cls.standin, "Plain", site_url=base_url())  # commits

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		configure_site(cls.standin, "Safe", enabled=False)

	def setUp(self):
		self.standin.next_openid = None
		frappe.db.delete("WeChat Binding", {"resident": self.resident.name})
		frappe.db.commit()

	# ---- helpers

	def open_menu(self, client: HttpClient, openid: str, next_path: str = "/property/requests"):
		"""The resident taps the menu: our entry → WeChat's authorize (the stand-in) → back to our entry
		with code and state. Returns our answer to the return (not followed further)."""
		first = client.get(ENTRY, params={"next": next_path})
		self.assertEqual(first.status_code, 302, first.text[:300])
		authorize = first.headers["Location"]
		self.assertTrue(authorize.startswith(self.standin.base_url + "/connect/oauth2/authorize?"), authorize)
		query = parse_qs(urlsplit(authorize).query)
		self.assertEqual(query["scope"], ["snsapi_base"])
		self.assertTrue(authorize.endswith("#wechat_redirect"))
		self.standin.next_openid = openid
		back = requests.get(authorize.split("#")[0], allow_redirects=False, timeout=10)
		self.assertEqual(back.status_code, 302, back.text)
		self.last_return = path_of(back.headers["Location"])
		return client.get(self.last_return)

	def bound_resident(self, openid):
		frappe.db.rollback()
		return frappe.db.get_value("WeChat Binding", {"openid": openid}, "resident")

	def login_link(self, answer) -> str:
		"""The choice page of an unbound WeChat: its "log in with your password" link."""
		self.assertEqual(answer.status_code, 200, answer.text[:300])
		found = re.search(r'id="wechat-login" href="([^"]+)"', answer.text)
		self.assertTrue(found, answer.text[:500])
		return html.unescape(found.group(1))

	def logged_in_as(self, client) -> str:
		return client.get("/api/method/frappe.auth.get_logged_user").json().get("message")

	def bind_by_login(self, openid) -> HttpClient:
		client = HttpClient()
		answer = self.open_menu(client, openid)
		client.post("/api/method/login", data={"usr": self.user, "pwd": PASSWORD})
		back = parse_qs(urlsplit(self.login_link(answer)).query)["redirect-to"][0]
		self.assertEqual(
			self.open_menu(client, openid, parse_qs(urlsplit(back).query)["next"][0]).status_code, 302
		)
		self.assertEqual(self.bound_resident(openid), self.resident.name)
		return client

	# ---- the sign-in link

	def test_forged_reused_foreign_or_missing_state_is_refused_and_binds_nothing(self):
		openid = random_openid()
		client = HttpClient()
		code = self.standin.issue_code(openid)
		self.assertEqual(client.get(ENTRY, params={"code": code}).status_code, 400)  # no state
		client.get(ENTRY, params={"next": "/property"})  # a state of this browser exists…
		forged = client.get(ENTRY, params={"code": code, "state": "A" * 32})  # …but not this one
		self.assertEqual(forged.status_code, 400)
		self.assertNotIn("Location", forged.headers)
		# a genuine return, used once (it leads to the login page), then replayed
		self.assertEqual(self.open_menu(client, openid).status_code, 200)  # the choice page
		self.assertEqual(client.get(self.last_return).status_code, 400)
		# someone else's genuine return, opened in this browser (login CSRF): its state is not this browser's
		other = HttpClient()
		first = other.get(ENTRY, params={"next": "/property"})
		self.standin.next_openid = self.neighbour_openid
		back = requests.get(first.headers["Location"].split("#")[0], allow_redirects=False, timeout=10)
		self.assertEqual(client.get(path_of(back.headers["Location"])).status_code, 400)
		self.assertIn(self.logged_in_as(client), (None, "Guest"))
		self.assertIsNone(self.bound_resident(openid))

	def test_unbound_openid_logs_in_once_then_is_bound(self):
		openid = random_openid()
		client = HttpClient()
		answer = self.open_menu(client, openid, "/property/requests")
		login = urlsplit(self.login_link(answer))
		self.assertEqual(login.path, "/login")
		back = parse_qs(login.query)["redirect-to"][0]
		self.assertEqual(back, "/property/wechat?next=%2Fproperty%2Frequests")
		self.assertIsNone(self.bound_resident(openid))
		self.assertEqual(
			client.post("/api/method/login", data={"usr": self.user, "pwd": PASSWORD}).status_code, 200
		)
		done = self.open_menu(client, openid, "/property/requests")
		self.assertEqual((done.status_code, done.headers["Location"]), (302, "/property/requests"))
		self.assertEqual(self.bound_resident(openid), self.resident.name)
		self.assertEqual(binding.resident_of_openid(openid), self.resident.name)
		self.assertEqual(binding.openid_of(self.resident.name), openid)  # WeChat Pay's JSAPI payer

	def test_unbound_openid_bound_by_a_code_sent_to_the_files_mobile(self):
		from property_crm.protected_fields import plain_value_of
		from property_crm.rate_limits import reset_counters

		reset_counters()
		try:
			with sms_gateway() as received:
				openid = random_openid()
				client = HttpClient()
				page = self.open_menu(client, openid, "/property/requests")
				self.assertIn('id="send-code"', page.text)
				method = "property_crm.wechat.binding."
				unknown = client.call(method + "send_code", mobile="13900000000")
				mobile = plain_value_of("Property Owner", self.resident.name, "mobile")
				known = client.call(method + "send_code", mobile=mobile)
				self.assertEqual((unknown.status_code, known.status_code), (200, 200))
				self.assertEqual(
					unknown.json()["message"], known.json()["message"]
				)  # no probing who lives here
				self.assertEqual([m["to"] for m in received], [mobile])
				code = re.search(r"\d{6}", received[-1]["text"]).group(0)
				wrong = "000000" if code != "000000" else "111111"
				self.assertEqual(client.call(method + "confirm_code", code=wrong).status_code, 400)
				self.assertIsNone(self.bound_resident(openid))
				done = client.call(method + "confirm_code", code=code)
				self.assertEqual(
					(done.status_code, done.json()["message"]["redirect"]), (200, "/property/requests")
				)
				self.assertEqual(self.bound_resident(openid), self.resident.name)
				self.assertEqual(self.logged_in_as(client), self.user)
				self.assertEqual(client.call(method + "confirm_code", code=code).status_code, 400)  # used
				# another browser without the WeChat sign-in cannot ask for or use a code
				self.assertEqual(HttpClient().call(method + "send_code", mobile=mobile).status_code, 400)
		finally:
			reset_counters()

	def test_bound_openid_is_logged_in_and_sent_to_the_page_it_tapped(self):
		openid = random_openid()
		self.bind_by_login(openid)
		fresh = HttpClient()  # another day, no session
		answer = self.open_menu(fresh, openid, "/property/requests")
		self.assertEqual((answer.status_code, answer.headers["Location"]), (302, "/property/requests"))
		self.assertEqual(self.logged_in_as(fresh), self.user)
		page = fresh.get("/property/requests")
		self.assertEqual(page.status_code, 200)
		self.assertIn(self.order.name, page.text)

	def test_a_link_off_the_portal_is_refused(self):
		client = HttpClient()
		for evil in ("https://evil.example/property", "//evil.example/property", "/\\evil.example",
			"/app/user", "/property/../app", "/property/%2e%2e/app", "javascript:alert(1)",
			"/login?redirect-to=https://evil.example"):  # fmt: skip
			answer = client.get(ENTRY, params={"next": evil})
			self.assertEqual(answer.status_code, 400, evil)
			self.assertNotIn("evil", answer.headers.get("Location", ""))
		self.assertEqual(client.get(ENTRY, params={"next": "/property/bills"}).status_code, 302)

	def test_another_residents_openid_cannot_be_bound_to_my_file(self):
		with self.assertRaises(frappe.DuplicateEntryError):
			binding.bind(self.neighbour_openid, self.resident.name, self.user)
		frappe.db.rollback()
		# the database holds it too
		with self.assertRaises(frappe.UniqueValidationError):
			frappe.get_doc(
				{
					"doctype": "WeChat Binding",
					"openid": self.neighbour_openid,
					"resident": self.resident.name,
					"user": self.user,
				}
			).insert(ignore_permissions=True)
		frappe.db.rollback()
		# my session opening the menu with the neighbour's WeChat binds nothing to my file
		client = HttpClient(self.user)
		self.open_menu(client, self.neighbour_openid)
		self.assertEqual(self.bound_resident(self.neighbour_openid), self.neighbour.name)
		self.assertIsNone(binding.openid_of(self.resident.name))
		# and nobody may write a binding through REST
		clerk = HttpClient(self.clerk)
		created = clerk.post(
			"/api/resource/WeChat Binding",
			json={"openid": random_openid(), "resident": self.resident.name, "user": self.user},
		)
		self.assertEqual(created.status_code, 403)

	def test_unbinding_from_the_profile_page(self):
		openid = random_openid()
		client = self.bind_by_login(openid)
		page = client.get("/property/profile")
		self.assertEqual(page.status_code, 200)
		self.assertIn('id="wechat-unbind"', page.text)
		self.assertNotIn(openid, page.text)
		self.assertEqual(client.call("property_crm.wechat.binding.unbind_mine").status_code, 200)
		self.assertIsNone(self.bound_resident(openid))
		self.assertNotIn('id="wechat-unbind"', client.get("/property/profile").text)
		# the menu asks to log in again
		self.login_link(self.open_menu(HttpClient(), openid))

	def test_unbinding_by_staff_of_the_estate_only(self):
		openid = random_openid()
		binding.bind(openid, self.resident.name, self.user)
		frappe.db.commit()
		method = "property_crm.wechat.binding.unbind"
		for user in (self.other_clerk, self.technician):
			self.assertEqual(
				HttpClient(user).call(method, resident=self.resident.name).status_code, 403, user
			)
			self.assertEqual(self.bound_resident(openid), self.resident.name)
		resident_session = HttpClient(self.neighbour_user)
		self.assertEqual(resident_session.call(method, resident=self.resident.name).status_code, 403)
		self.assertEqual(HttpClient(self.clerk).call(method, resident=self.resident.name).status_code, 200)
		self.assertIsNone(self.bound_resident(openid))

	def test_logged_in_by_wechat_the_resident_sees_only_their_own_records(self):
		client = HttpClient()
		self.open_menu(client, self.neighbour_openid, "/property/requests")
		self.assertEqual(self.logged_in_as(client), self.neighbour_user)
		page = client.get("/property/requests")
		self.assertIn(self.neighbour_order.name, page.text)
		self.assertNotIn(self.order.name, page.text)
		self.assertEqual(client.get(f"/property/requests/{self.order.name}").status_code, 404)
		self.assertEqual(client.get(f"/property/requests/{self.neighbour_order.name}").status_code, 200)
		self.assertEqual(client.get("/property/bills").status_code, 200)
		for path in (f"/api/resource/Service Order/{self.order.name}", "/api/resource/Sales Invoice",
			"/api/resource/WeChat Binding", "/api/resource/Property Owner"):  # fmt: skip
			self.assertEqual(client.get(path).status_code, 403, path)

	def test_the_binding_goes_with_the_files_personal_data(self):
		from property_crm.property_privacy.retention import anonymise_file

		_estate, _unit, leaving = make_place()
		user = portal_login(leaving)
		openid = random_openid()
		binding.bind(openid, leaving.name, user)
		self.assertEqual(binding.openid_of(leaving.name), openid)
		anonymise_file(leaving.name)
		frappe.db.commit()
		self.assertIsNone(binding.resident_of_openid(openid))
		self.assertIsNone(binding.openid_of(leaving.name))
		self.assertFalse(frappe.db.exists("WeChat Binding", {"openid": openid}))
		self.login_link(self.open_menu(HttpClient(), openid))
