"""Rate limits (issue 18, finding 7), over real HTTP: a resident who floods the portal gets HTTP 429 with a
translated message after the limit of `property_crm.rate_limits.RATE_LIMITS`, what was refused writes
nothing and e-mails nobody, another resident is not affected, and a guest's token links are limited per IP."""

import json
import unittest

import frappe

from property_crm.rate_limits import RATE_LIMITS, reset_counters
from property_crm.tests.factories import (
	make_category,
	make_outgoing_email_account,
	make_place,
	make_user,
	portal_login,
)
from property_crm.tests.served import HttpClient

SUBMIT = "/api/method/property_crm.property_service.api.submit_request"
COMPLAINT = "/api/method/property_crm.property_complaints.api.submit_complaint"
ANSWERS = "/api/method/property_crm.property_surveys.api.submit_answers"


def messages(response) -> str:
	return " ".join(
		json.loads(m).get("message", "") for m in json.loads(response.json().get("_server_messages", "[]"))
	)


class TestRateLimits(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		make_outgoing_email_account()
		cls.estate, cls.unit, cls.resident = make_place()
		_estate, cls.other_unit, cls.neighbour = make_place()
		cls.user = portal_login(cls.resident)
		cls.neighbour_user = portal_login(cls.neighbour)
		frappe.db.set_value("User", cls.user, "language", "zh")
		# customer service of the estate: told of every new request
		cls.clerk = make_user(["Property Customer Service"], [cls.estate.name])
		cls.category = make_category()
		frappe.db.commit()
		reset_counters()

	@classmethod
	def tearDownClass(cls):
		reset_counters()

	def resident_client(self, user: str) -> HttpClient:
		client = HttpClient(user)
		client.get("/property")  # the page hands out the CSRF token, as to a browser
		return client

	def test_a_flood_of_requests_stops_at_the_limit_with_a_translated_429_and_no_more_mail(self):
		limit = RATE_LIMITS["service_request"][0]
		client = self.resident_client(self.user)
		statuses = []
		for i in range(limit + 5):
			response = client.post(
				SUBMIT,
				data={"unit": self.unit.name, "service_category": self.category.name, "subject": f"漏水 {i}"},
			)
			statuses.append(response.status_code)
		self.assertEqual(statuses, [200] * limit + [429] * 5, statuses)
		self.assertIn("请求过于频繁", messages(response))  # the resident reads zh
		orders = frappe.get_all("Service Order", filters={"requester": self.resident.name}, pluck="name")
		self.assertEqual(len(orders), limit)  # the refused ones wrote nothing
		# customer service is e-mailed about the orders filed, and about nothing the limit refused. Each e-mail
		# notification leaves an "Automated Message" in the order's timeline at once (the Email Queue row itself
		# is made by a background job when a notification has over 100 recipients, as on a long-used test site)
		mails = frappe.get_all(
			"Communication",
			filters={
				"communication_type": "Automated Message",
				"reference_doctype": "Service Order",
				"reference_name": ("in", orders),
			},
			pluck="reference_name",
		)
		self.assertEqual(sorted(mails), sorted(orders), "one e-mail to customer service per order filed")

		# a neighbour is counted apart: their first request goes through
		neighbour = self.resident_client(self.neighbour_user)
		response = neighbour.post(
			SUBMIT,
			data={
				"unit": self.other_unit.name,
				"service_category": self.category.name,
				"subject": "门锁坏了",
			},
		)
		self.assertEqual(response.status_code, 200, response.text[:300])

	def test_a_flood_of_complaints_stops_at_the_limit(self):
		limit = RATE_LIMITS["complaint"][0]
		client = self.resident_client(self.neighbour_user)
		statuses = [
			client.post(
				COMPLAINT,
				data={
					"complaint_category": "Noise",
					"subject": f"楼上噪音 {i}",
					"unit": self.other_unit.name,
				},
			).status_code
			for i in range(limit + 2)
		]
		self.assertEqual(statuses[-2:], [429, 429], statuses)
		self.assertNotIn(429, statuses[:limit], statuses)
		filed = frappe.db.count(
			"Complaint", {"complainant": self.neighbour.name, "subject": ("like", "楼上噪音%")}
		)
		self.assertEqual(filed, statuses.count(200))

	def test_a_guest_trying_token_links_is_limited_per_address(self):
		reset_counters()
		guest = HttpClient()
		page_limit = RATE_LIMITS["token_page"][0]
		statuses = [guest.get(f"/property/s/{'a' * 40}{i}").status_code for i in range(page_limit + 1)]
		self.assertNotIn(429, statuses[:page_limit], statuses)
		self.assertEqual(statuses[-1], 429)
		answer_limit = RATE_LIMITS["survey_answer"][0]
		statuses = [
			guest.post(ANSWERS, data={"answers": "{}", "token": f"forged{i}"}).status_code
			for i in range(answer_limit + 1)
		]
		self.assertNotIn(429, statuses[:answer_limit], statuses)
		self.assertEqual(statuses[-1], 429)
		reset_counters()
		self.assertNotEqual(guest.get("/property/s/forged").status_code, 429)  # counters reset: open again

	def test_every_portal_write_and_guest_method_is_limited(self):
		import property_crm.portal.api
		import property_crm.property_care.api
		import property_crm.property_complaints.api
		import property_crm.property_service.api
		import property_crm.property_surveys.api

		writes = {
			"property_crm.property_service.api": ("submit_request", "cancel_request", "rate_request"),
			"property_crm.property_complaints.api": ("submit_complaint", "complaint_feedback"),
			"property_crm.property_care.api": ("sign_up", "cancel_sign_up", "update_profile"),
			"property_crm.property_surveys.api": ("submit_answers",),
			"property_crm.portal.api": ("set_language",),
		}
		limited = {
			f"{fn.__module__}.{fn.__name__}" for fn in frappe.whitelisted if getattr(fn, "rate_limit", None)
		}
		expected = {f"{module}.{name}" for module, names in writes.items() for name in names}
		guests = {
			f"{fn.__module__}.{fn.__name__}"
			for fn in frappe.guest_methods
			if fn.__module__.startswith("property_crm")
		}
		self.assertLessEqual(expected | guests, limited)
