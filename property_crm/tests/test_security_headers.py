"""Security headers over real HTTP (issue 18): every portal route (enumerated from the `portal_pages` hooks,
so a new page is covered without editing this test), as a resident and as a guest, and our picture
endpoints.

A portal page answers with a Content-Security-Policy that lets only its own scripts run (each carries the
response's nonce; no 'unsafe-inline' for scripts), is never framed by another site, and is not sniffed."""

import io
import re

from PIL import Image

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_surveys import surveys
from property_crm.tests.factories import make_category, make_order, make_place, portal_login
from property_crm.tests.served import HttpClient
from property_crm.tests.survey_factories import make_campaign, make_template


def picture() -> bytes:
	out = io.BytesIO()
	Image.new("RGB", (16, 16), (0, 90, 160)).save(out, format="PNG")
	return out.getvalue()


NONCE = re.compile(r"script-src 'nonce-([A-Za-z0-9_-]+)'")


def routes(names: dict[str, str], token: str) -> list[str]:
	"""One URL per portal page: a pattern's named part filled with the resident's record (or a made-up name)."""
	urls = []
	for pattern, _function in frappe.get_hooks("portal_pages"):
		section = pattern.split("/")[1] if "/" in pattern else ""
		url = re.sub(r"\(\?P<name>[^)]*\)", names.get(section, "XYZ-0001"), pattern)
		urls.append("/" + re.sub(r"\(\?P<token>[^)]*\)", token, url))
	return urls


class TestSecurityHeaders(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.user = portal_login(cls.resident)
		cls.order = make_order(cls.unit, make_category(), cls.resident)
		campaign = make_campaign(make_template())
		cls.invitation, cls.token = surveys.invite(campaign.name, cls.resident.name, cls.unit.name)
		frappe.db.commit()
		cls.clients = {"resident": HttpClient(cls.user), "guest": HttpClient()}

	def assertCommonHeaders(self, response, where):
		self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", where)
		self.assertEqual(response.headers.get("X-Frame-Options"), "SAMEORIGIN", where)
		self.assertEqual(response.headers.get("Referrer-Policy"), "same-origin", where)
		self.assertIn("frame-ancestors 'self'", response.headers.get("Content-Security-Policy", ""), where)

	def test_every_portal_route(self):
		rendered = 0
		names = {"requests": self.order.name, "surveys": self.invitation}
		for url in routes(names, self.token):
			for who, client in self.clients.items():
				response = client.get(url)
				where = f"{who} {url} → {response.status_code}"
				self.assertLess(response.status_code, 500, where)
				self.assertCommonHeaders(response, where)
				if response.status_code != 200 or "text/html" not in response.headers["Content-Type"]:
					continue
				policy = response.headers["Content-Security-Policy"]
				if "property" not in response.text or "window.pcrm" not in response.text:
					continue  # a page of Frappe's (a guest's login prompt, a not-found page)
				rendered += 1
				nonce = NONCE.search(policy)
				self.assertTrue(nonce, where)
				self.assertNotIn("unsafe-inline", policy.split("script-src")[1].split(";")[0], where)
				self.assertIn("object-src 'none'", policy, where)
				self.assertIn("img-src 'self' data:", policy, where)  # QR codes are data: URIs
				scripts = re.findall(r"<script\b[^>]*>", response.text)
				self.assertTrue(scripts, where)
				for tag in scripts:
					self.assertIn(f'nonce="{nonce.group(1)}"', tag, where)
		# the resident's pages, the survey form among them (signed in, and by its e-mailed link as a guest)
		self.assertGreaterEqual(rendered, 10, "the portal's pages were rendered")

	def test_a_fresh_nonce_per_response(self):
		first, second = (self.clients["resident"].get("/property") for _ in range(2))
		self.assertEqual((first.status_code, second.status_code), (200, 200))
		nonces = {NONCE.search(r.headers["Content-Security-Policy"]).group(1) for r in (first, second)}
		self.assertEqual(len(nonces), 2)

	def test_picture_endpoints(self):
		"""Served as images only: sandboxed, not sniffed — also when refused."""
		for method in (
			"property_crm.property_service.api.photo",
			"property_crm.property_complaints.api.photo",
		):
			for who, client in self.clients.items():
				response = client.get(f"/api/method/{method}", {"name": self.order.name})
				where = f"{who} {method} → {response.status_code}"
				self.assertLess(response.status_code, 500, where)
				self.assertCommonHeaders(response, where)
				self.assertIn("sandbox", response.headers["Content-Security-Policy"], where)
				self.assertIn("default-src 'none'", response.headers["Content-Security-Policy"], where)

	def test_every_response_is_not_sniffed(self):
		"""Frappe's own answers too, among them a private file's download (the resident's request photo)."""
		client = self.clients["resident"]
		client.get("/property")  # the CSRF token, as a browser gets it
		filed = client.post(
			"/api/method/property_crm.property_service.api.submit_request",
			data={"unit": self.unit.name, "service_category": self.order.service_category, "subject": "漏水"},
			files={"photo": ("p.png", picture(), "image/png")},
		)
		self.assertEqual(filed.status_code, 200, filed.text[:300])
		photo = frappe.db.get_value("Service Order", filed.json()["message"], "photo")
		for path in ("/api/method/ping", "/app", "/login", "/me", photo):
			response = client.get(path)
			self.assertLess(response.status_code, 500, path)
			self.assertEqual(response.headers.get("X-Content-Type-Options"), "nosniff", path)
		self.assertEqual(client.get(photo).status_code, 200)
		self.assertEqual(client.get(photo).headers["Content-Type"], "image/jpeg")
