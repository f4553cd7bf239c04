"""Everything that uses a resident's mobile works with the protected (masked-in-column) number: messages reach
the full number, a typed number still finds the resident, ERPNext's Contact and Customer and the resident's
login hold no plain number, staff and the resident see the mask (property_crm/mobile_numbers.py,
property_households/accounts.py, property_care/profile.py, overrides/notification.py)."""

import threading
from http.server import HTTPServer

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.email.doctype.notification.notification import evaluate_alert
from frappe.tests.utils import FrappeTestCase

from property_crm.masks import mask_mobile
from property_crm.property_care import care
from property_crm.property_care.rules.care import Greeting
from property_crm.property_households import accounts
from property_crm.property_surveys import campaigns, surveys
from property_crm.protected_fields import plain_value_of
from property_crm.rate_limits import reset_counters
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
	valid_mobile,
)
from property_crm.tests.records import linked_doctypes
from property_crm.tests.served import HttpClient
from property_crm.tests.sms_gateway import SmsGatewayHandler as _Gateway
from property_crm.tests.survey_factories import make_campaign

test_ignore = linked_doctypes("Property Owner")

OWNER = "Property Owner"
CS, MANAGER = "Property Customer Service", "Property Manager"
TE, AC = "Property Technician", "Property Accountant"
CALL = "property_crm.property_privacy.calls.order_contact"
SEARCH = "frappe.desk.search.search_link"
CONFIRM = "property_crm.property_care.doctype.property_profile_change.property_profile_change.confirm"


class SmsGateway:
	"""SMS Settings pointing at the stand-in gateway for the duration (the caller rolls back)."""

	def __enter__(self):
		self.server = HTTPServer(("127.0.0.1", 0), _Gateway)
		threading.Thread(target=self.server.serve_forever, daemon=True).start()
		_Gateway.received.clear()
		settings = frappe.get_doc("SMS Settings")
		settings.update(
			{
				"sms_gateway_url": f"http://127.0.0.1:{self.server.server_port}/send",
				"message_parameter": "text",
				"receiver_parameter": "to",
				"use_post": 0,
			}
		)
		settings.save()
		return self

	def __exit__(self, *exc):
		self.server.shutdown()
		self.server.server_close()

	@property
	def sent_to(self) -> set[str]:
		return {message["to"] for message in _Gateway.received}


def rows_holding(value: str) -> list[tuple[str, str]]:
	"""(table, column) of ERPNext's and Frappe's copies of a resident's details that hold `value`."""
	found = []
	for table, column in (
		("tabContact", "mobile_no"),
		("tabContact", "phone"),
		("tabContact Phone", "phone"),
		("tabCustomer", "mobile_no"),
		("tabUser", "mobile_no"),
		("tabUser", "phone"),
		("tabSMS Log", "sent_to"),
		("tabSMS Log", "requested_numbers"),
		("tabCommunication", "phone_no"),
		("tabProperty Profile Change", "old_value"),
		("tabProperty Profile Change", "new_value"),
	):
		if frappe.db.sql(f"select 1 from `{table}` where `{column}` like %s limit 1", f"%{value}%"):
			found.append((table, column))
	return found


def pending_secret(change: str) -> list[tuple[int, bool]]:
	"""(encrypted, looks like ciphertext) of the new number a profile change keeps in Frappe's __Auth."""
	rows = frappe.db.sql(
		"select `encrypted`, `password` from `__Auth` where `doctype` = %s and `name` = %s",
		("Property Profile Change", change),
	)
	return [(encrypted, password.startswith("gAAAAA")) for encrypted, password in rows]


class TestMobileConsumers(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.other_estate = make_estate(), make_estate()
		building = make_building(cls.estate.name, "1")
		cls.mobile, cls.member_mobile = valid_mobile(), valid_mobile()
		cls.resident = make_owner(
			mobile=cls.mobile,
			email=f"{unique('r').lower()}@example.com",
			family_members=[{"member_name": "李小", "relation": "Child", "mobile": cls.member_mobile}],
		)
		cls.unit = make_unit(building, "101", floor=1, occupants=[occupant(cls.resident, primary_contact=1)])
		accounts.ensure_customer(cls.resident)
		cls.resident_user = portal_login(cls.resident)
		cls.resident.reload()
		cls.clerk = make_user([CS], [cls.estate.name])
		cls.clerk_there = make_user([CS], [cls.other_estate.name])
		cls.manager = make_user([MANAGER], [cls.estate.name])
		cls.sales_manager = make_user([MANAGER, "Sales User"], [cls.estate.name])
		cls.category = make_category("Never")
		frappe.db.commit()

	def setUp(self):
		reset_counters()

	# --- messages reach the full number ----------------------------------------------------------------

	def test_completed_order_sms_goes_to_the_full_number_and_keeps_the_mask(self):
		try:
			with SmsGateway() as gateway:
				order = make_order(self.unit, self.category, self.resident)
				self.assertEqual(order.contact_mobile, mask_mobile(self.mobile))  # what staff see
				order.db_set("status", "Completed")
				evaluate_alert(
					order, frappe.get_doc("Notification", "Service Order Completed SMS"), "Value Change"
				)
			self.assertIn(self.mobile, gateway.sent_to, "the requester's phone gets the message")
			self.assertFalse(any("*" in number for number in gateway.sent_to), gateway.sent_to)
			log = frappe.get_last_doc("SMS Log")
			self.assertEqual(log.sent_to, mask_mobile(self.mobile))
			self.assertEqual(rows_holding(self.mobile), [], "no copy of the number in plain text")
		finally:
			frappe.db.rollback()

	def test_an_order_typed_with_another_mask_messages_nobody(self):
		"""A mask that is not the requester's (typed or pasted by hand) reaches no phone."""
		try:
			with SmsGateway() as gateway:
				order = make_order(self.unit, self.category, self.resident, contact_mobile="139****0000")
				order.db_set("status", "Completed")
				evaluate_alert(
					order, frappe.get_doc("Notification", "Service Order Completed SMS"), "Value Change"
				)
			self.assertEqual(gateway.sent_to, set())
		finally:
			frappe.db.rollback()

	def test_a_greeting_by_sms_goes_to_the_full_number(self):
		person = frappe.db.get_value(OWNER, self.resident.name, ["name", "full_name", "mobile", "email", "user"],
			as_dict=True)  # fmt: skip
		self.assertEqual(person.mobile, mask_mobile(self.mobile))
		try:
			with SmsGateway() as gateway:
				care.deliver(
					person, "生日快乐", "祝您生日快乐！", Greeting("send", "SMS", ""), self.estate.name
				)
			self.assertEqual(gateway.sent_to, {self.mobile})
			communication = frappe.get_last_doc("Communication", {"reference_name": self.resident.name})
			self.assertEqual(communication.phone_no, mask_mobile(self.mobile))
		finally:
			frappe.db.rollback()

	def test_survey_invitations_carry_the_protected_mobile_not_the_number(self):
		"""One invitation (a completed order's) and a campaign's batched insert: mask, ciphertext, hash."""
		try:
			single = surveys.invite(make_campaign().name, self.resident.name, self.unit.name)[0]
			campaign = make_campaign(one_per="Household", estates=[{"estate": self.estate.name}])
			self.assertGreaterEqual(campaigns.make_invitations(campaign.name), 1)
			batched = frappe.db.get_value(
				"Survey Invitation", {"campaign": campaign.name, "person": self.resident.name}
			)
			for invitation in (single, batched):
				row = frappe.db.get_value(
					"Survey Invitation", invitation, ["mobile", "mobile_hash"], as_dict=True
				)
				self.assertEqual(row.mobile, mask_mobile(self.mobile))
				self.assertEqual(
					row.mobile_hash, frappe.db.get_value(OWNER, self.resident.name, "mobile_hash")
				)
				self.assertEqual(plain_value_of("Survey Invitation", invitation, "mobile"), self.mobile)
		finally:
			frappe.db.rollback()

	# --- a typed number finds the resident -------------------------------------------------------------

	def test_a_full_number_typed_into_the_resident_search_finds_the_file(self):
		"""The phone desk types the caller's number: found through the keyed hash, in the clerk's estates only."""
		typed = f"+86 {self.mobile[:3]} {self.mobile[3:7]} {self.mobile[7:]}"
		response = HttpClient(self.clerk).call(SEARCH, doctype=OWNER, txt=typed)
		self.assertEqual(response.status_code, 200, response.text)
		found = [row["value"] for row in response.json()["message"]]
		self.assertEqual(found, [self.resident.name])
		self.assertNotIn(self.mobile, response.text)
		response = HttpClient(self.clerk_there).call(SEARCH, doctype=OWNER, txt=typed)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"], [], "another estate's clerk finds nothing")
		response = HttpClient(self.clerk).call(SEARCH, doctype=OWNER, txt=valid_mobile())
		self.assertEqual(response.json()["message"], [], "an unknown number finds nobody")

	def test_calling_the_requester_of_an_order_is_a_logged_reveal(self):
		"""The order shows the mask; the assigned technician and customer service get the number to dial
		with a reason (Access Log); nobody else, never without a reason."""
		technician = make_user([TE], [self.estate.name])
		other_technician = make_user([TE], [self.estate.name])
		accountant = make_user([AC], [self.estate.name])
		order = make_order(self.unit, self.category, self.resident)
		assign_to({"assign_to": [technician], "doctype": "Service Order", "name": order.name})
		frappe.db.commit()
		self.assertEqual(
			frappe.db.get_value("Service Order", order.name, "contact_mobile"), mask_mobile(self.mobile)
		)
		form = HttpClient(technician).get(f"/api/resource/Service Order/{order.name}")
		self.assertEqual(form.status_code, 200, form.text)
		self.assertNotIn(self.mobile, form.text)
		response = HttpClient(technician).call(CALL, order=order.name, reason="预约上门时间")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"], {"value": self.mobile, "tel": f"tel:{self.mobile}"})
		logged = frappe.get_all("Access Log", filters={"reference_document": order.name, "method": "Reveal",
			"user": technician}, pluck="filters")  # fmt: skip
		self.assertEqual(len(logged), 1)
		self.assertIn("预约上门时间", logged[0])
		self.assertEqual(
			HttpClient(self.clerk).call(CALL, order=order.name, reason="回电核实").status_code, 200
		)
		refused = {
			"no reason": (HttpClient(technician).call(CALL, order=order.name, reason=" "), 417),
			"not his order": (
				HttpClient(other_technician).call(CALL, order=order.name, reason="预约上门"),
				403,
			),
			"no need": (HttpClient(accountant).call(CALL, order=order.name, reason="核对账单"), 403),
			"another estate": (
				HttpClient(self.clerk_there).call(CALL, order=order.name, reason="回电核实"),
				403,
			),
			"no such order": (
				HttpClient(self.clerk).call(CALL, order="SO-0000-00000", reason="回电核实"),
				404,
			),
		}
		for why, (response, status) in refused.items():
			self.assertEqual(response.status_code, status, f"{why}: {response.text}")
			self.assertNotIn(self.mobile, response.text, why)

	# --- ERPNext's copies hold the mask ----------------------------------------------------------------

	def test_erpnext_contact_customer_and_login_hold_no_plain_number(self):
		contact = frappe.get_doc("Contact", self.resident.contact)
		self.assertEqual(contact.mobile_no, mask_mobile(self.mobile))
		self.assertEqual([row.phone for row in contact.phone_nos], [mask_mobile(self.mobile)])
		self.assertEqual(
			frappe.db.get_value("Customer", self.resident.customer, "mobile_no"), mask_mobile(self.mobile)
		)
		self.assertFalse(frappe.db.get_value("User", self.resident_user, "mobile_no"))
		self.assertEqual(rows_holding(self.mobile), [])
		self.assertEqual(plain_value_of(OWNER, self.resident.name, "mobile"), self.mobile)

	def test_staff_rest_read_of_the_contact_shows_the_mask(self):
		response = HttpClient(self.sales_manager).get(f"/api/resource/Contact/{self.resident.contact}")
		self.assertEqual(response.status_code, 200, response.text)
		data = response.json()["data"]
		self.assertEqual(data["mobile_no"], mask_mobile(self.mobile))
		self.assertEqual([row["phone"] for row in data["phone_nos"]], [mask_mobile(self.mobile)])
		self.assertNotIn(self.mobile, response.text)

	# --- staff and the resident see the mask -----------------------------------------------------------

	def test_household_page_shows_the_masks(self):
		response = HttpClient(self.manager).call(
			"property_crm.property_households.household.household", unit=self.unit.name
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertIn(mask_mobile(self.mobile), response.text)
		self.assertIn(mask_mobile(self.member_mobile), response.text)
		self.assertNotIn(self.mobile, response.text)
		self.assertNotIn(self.member_mobile, response.text)

	def test_portal_profile_shows_the_mask_and_takes_a_new_number(self):
		mobile, member_mobile = valid_mobile(), valid_mobile()
		person = make_owner(
			mobile=mobile,
			email=f"{unique('p').lower()}@example.com",
			family_members=[{"member_name": "王小", "relation": "Child", "mobile": member_mobile}],
		)
		make_unit(
			make_building(self.estate.name, unique("B")[:4]), "202", floor=2, occupants=[occupant(person)]
		)
		accounts.ensure_contact(person)
		login = portal_login(person)
		frappe.db.commit()
		client = HttpClient(login)
		page = client.get("/property/profile")
		self.assertEqual(page.status_code, 200, page.text)
		self.assertIn(mask_mobile(mobile), page.text)
		self.assertIn(mask_mobile(member_mobile), page.text)
		self.assertNotIn(mobile, page.text)
		self.assertNotIn(member_mobile, page.text)
		family = '[{"member_name": "王小", "relation": "Child", "date_of_birth": "", "mobile": "%s"}]'
		# sent back as shown: nothing changes, the stored numbers stay
		response = client.call(
			"property_crm.property_care.api.update_profile",
			mobile=mask_mobile(mobile),
			family_members=family % mask_mobile(member_mobile),
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"]["changes"], [])
		self.assertEqual(plain_value_of(OWNER, person.name, "mobile"), mobile)
		member = frappe.get_all(
			"Property Family Member", filters={"parent": person.name}, fields=["name", "mobile"]
		)
		self.assertEqual(member[0].mobile, mask_mobile(member_mobile))
		self.assertEqual(plain_value_of("Property Family Member", member[0].name, "mobile"), member_mobile)
		# a mask that is not theirs is refused, nothing written
		response = client.call("property_crm.property_care.api.update_profile", mobile="139****0000")
		self.assertEqual(response.status_code, 417, response.text)
		# a new number waits for customer service, encrypted; the record and the page show its mask
		new = valid_mobile()
		response = client.call("property_crm.property_care.api.update_profile", mobile=f"{new[:3]} {new[3:]}")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"]["pending"], ["Mobile"])
		change = frappe.get_doc("Property Profile Change", response.json()["message"]["changes"][0])
		self.assertEqual((change.old_value, change.new_value), (mask_mobile(mobile), mask_mobile(new)))
		self.assertEqual(rows_holding(new), [])
		self.assertEqual(pending_secret(change.name), [(1, True)], "kept encrypted in Frappe's __Auth")
		self.assertNotIn(new, client.get("/property/profile").text)
		response = HttpClient(self.clerk).call(CONFIRM, name=change.name)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(plain_value_of(OWNER, person.name, "mobile"), new)
		self.assertEqual(frappe.db.get_value(OWNER, person.name, "mobile"), mask_mobile(new))
		contact = frappe.db.get_value(OWNER, person.name, "contact")
		self.assertEqual(frappe.db.get_value("Contact", contact, "mobile_no"), mask_mobile(new))
		self.assertEqual(rows_holding(new), [])
		self.assertEqual(pending_secret(change.name), [], "decided: the waiting number is gone")
