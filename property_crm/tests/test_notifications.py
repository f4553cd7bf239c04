"""Notifications on our documents reach only people who may read the document (e-mail, in-app, SMS), and
never show setup advice to the technician or the resident whose action triggered them."""

import json
import threading
from http.server import HTTPServer

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.email.doctype.notification.notification import evaluate_alert
from frappe.tests.utils import FrappeTestCase

from property_crm.overrides.notification import outgoing_email_ready
from property_crm.protected_fields import plain_value
from property_crm.tests.factories import (
	SiteClient,
	forget_cached_email_accounts,
	make_category,
	make_order,
	make_outgoing_email_account,
	make_place,
	make_user,
	portal_login,
	valid_mobile,
	without_committed_outgoing_account,
)
from property_crm.tests.sms_gateway import SmsGatewayHandler as _Gateway

CS, TE = "Property Customer Service", "Property Technician"
SETUP_ADVICE = ("Email Account", "邮件账户", "SMS Settings", "短信设置", "SMS sent", "短信发送")


def mail_recipients(order: str) -> set[str]:
	"""Who was e-mailed about this order. Only mail queued since it was made: a test's rolled-back order
	gives its name back to the naming series, while its mail may have been committed (the queue commits),
	so an earlier test's order of the same name must not count."""
	made = frappe.db.get_value("Service Order", order, "creation")
	queue = frappe.qb.DocType("Email Queue")
	recipient = frappe.qb.DocType("Email Queue Recipient")
	rows = (
		frappe.qb.from_(queue)
		.join(recipient)
		.on(recipient.parent == queue.name)
		.select(recipient.recipient)
		.where(
			(queue.reference_doctype == "Service Order")
			& (queue.reference_name == order)
			& (queue.creation >= made)
		)
		.run(pluck=True)
	)
	return set(rows)


def alerted(order: str) -> set[str]:
	return set(
		frappe.get_all(
			"Notification Log",
			filters={"document_type": "Service Order", "document_name": order},
			pluck="for_user",
		)
	)


class TestRecipientsMayReadTheRecord(FrappeTestCase):
	"""In-process (the notifications run inside the save, as in a request); rolled back after each test."""

	def setUp(self):
		super().setUp()
		frappe.set_user("Administrator")
		self.estate, self.unit, self.resident = make_place()
		self.other_estate, _unit, self.neighbour = make_place()
		self.clerk_here = make_user([CS], estates=[self.estate.name])
		self.clerk_there = make_user([CS], estates=[self.other_estate.name])
		for clerk in (self.clerk_here, self.clerk_there):
			frappe.db.set_value("User", clerk, "mobile_no", valid_mobile())
		self.resident_user = portal_login(self.resident)
		self.neighbour_user = portal_login(self.neighbour)
		self.category = make_category("Never")
		make_outgoing_email_account()
		forget_cached_email_accounts()

	def tearDown(self):
		forget_cached_email_accounts()
		super().tearDown()

	def with_clerks(self, name: str):
		"""The notification as saved, plus customer service by role and the neighbour in cc — so every
		notification is tried on a clerk of the estate, a clerk of another estate and another resident."""
		alert = frappe.get_doc("Notification", name)
		alert.append("recipients", {"receiver_by_role": CS, "cc": self.neighbour_user})
		return alert

	def test_new_service_order(self):
		order = make_order(self.unit, self.category, self.resident)  # "New" runs on insert
		recipients = mail_recipients(order.name)
		self.assertIn(self.clerk_here, recipients)
		self.assertNotIn(self.clerk_there, recipients)
		self.assertIn(self.clerk_here, alerted(order.name))
		self.assertNotIn(self.clerk_there, alerted(order.name))

	def test_service_order_completed(self):
		order = make_order(self.unit, self.category, self.resident)
		order.db_set("status", "Completed")
		frappe.db.delete("Email Queue", {"reference_name": order.name})
		frappe.db.delete("Notification Log", {"document_name": order.name})
		evaluate_alert(order, self.with_clerks("Service Order Completed"), "Value Change")
		recipients = mail_recipients(order.name)
		self.assertIn(self.resident.email, recipients, "the requester")
		self.assertIn(self.clerk_here, recipients)
		self.assertNotIn(self.clerk_there, recipients)
		self.assertNotIn(self.neighbour_user, recipients, "another resident's portal login")
		self.assertIn(self.resident_user, alerted(order.name))
		self.assertNotIn(self.clerk_there, alerted(order.name))
		self.assertNotIn(self.neighbour_user, alerted(order.name))

	def test_service_order_completed_sms(self):
		server = HTTPServer(("127.0.0.1", 0), _Gateway)
		threading.Thread(target=server.serve_forever, daemon=True).start()
		_Gateway.received.clear()
		try:
			settings = frappe.get_doc("SMS Settings")
			settings.update(
				{
					"sms_gateway_url": f"http://127.0.0.1:{server.server_port}/send",
					"message_parameter": "text",
					"receiver_parameter": "to",
					"use_post": 0,
				}
			)
			settings.save()  # rolled back with the test
			order = make_order(self.unit, self.category, self.resident)
			order.db_set("status", "Completed")
			alert = self.with_clerks("Service Order Completed SMS")
			self.assertTrue(frappe.safe_eval(alert.condition, None, {"doc": order}))
			evaluate_alert(order, alert, "Value Change")
		finally:
			server.shutdown()
			server.server_close()
		sent_to = {message["to"] for message in _Gateway.received}
		mobile = dict(
			frappe.get_all(
				"User",
				filters={"name": ("in", [self.clerk_here, self.clerk_there])},
				fields=["name", "mobile_no"],
				as_list=True,
			)
		)
		# the order shows the requester's mask; the gateway gets the resident file's full number
		self.assertEqual(order.contact_mobile, self.resident.mobile)
		self.assertIn(plain_value(self.resident, "mobile"), sent_to, "the requester")
		self.assertIn(mobile[self.clerk_here], sent_to)
		self.assertNotIn(mobile[self.clerk_there], sent_to)
		self.assertFalse([m for m in frappe.message_log if "SMS" in str(m)], frappe.message_log)


class NoOutgoingAccount:
	"""Makes sure no outgoing account is found — committed, so requests see it — and restores after."""

	def __enter__(self):
		account = frappe.qb.DocType("Email Account")
		# every account that could send, not only the default one: Frappe also picks an outgoing account
		# by the document type it appends to
		self.accounts = frappe.get_all(
			"Email Account", filters={"enable_outgoing": 1}, fields=["name", "default_outgoing"]
		)
		if self.accounts:
			frappe.qb.update(account).set(account.enable_outgoing, 0).set(account.default_outgoing, 0).where(
				account.name.isin([a.name for a in self.accounts])
			).run()
			frappe.db.commit()
		forget_cached_email_accounts()
		return self

	def __exit__(self, *exc):
		frappe.db.rollback()
		account = frappe.qb.DocType("Email Account")
		for row in self.accounts:
			frappe.qb.update(account).set(account.enable_outgoing, 1).set(
				account.default_outgoing, row.default_outgoing
			).where(account.name == row.name).run()
		frappe.db.commit()
		forget_cached_email_accounts()


def kept_in_timeline(order: str) -> bool:
	"""The line that says a notification was not e-mailed (in English or Chinese, by who triggered it)."""
	reasons = ("no outgoing e-mail account is set up", "未设置外发邮件账户")
	return any(
		frappe.db.exists(
			"Comment", {"reference_name": order, "comment_type": "Info", "content": ("like", f"%{reason}%")}
		)
		for reason in reasons
	)


def server_messages(response) -> str:
	messages = (response.json or {}).get("_server_messages") or "[]"
	return " ".join(json.loads(message).get("message", "") for message in json.loads(messages))


class TestNoSetupAdviceToTheWrongPeople(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		without_committed_outgoing_account()
		frappe.set_user("Administrator")
		cls.estate, cls.unit, cls.resident = make_place()
		cls.resident_user = portal_login(cls.resident)
		cls.clerk = make_user([CS], estates=[cls.estate.name])
		cls.tech = make_user([TE])
		frappe.db.set_value("User", cls.tech, "language", "zh")
		cls.category = make_category("Never")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all("Service Order", filters={"unit": cls.unit.name}, pluck="name"):
			frappe.delete_doc("Service Order", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_technician_completes_without_a_dialog(self):
		with NoOutgoingAccount():
			self.assertFalse(outgoing_email_ready())
			order = make_order(self.unit, self.category, self.resident)
			assign_to(
				{"assign_to": [self.tech], "doctype": "Service Order", "name": order.name, "description": "x"}
			)
			frappe.db.set_value(
				"Service Order", order.name, {"status": "In Progress", "completion_notes": "已更换阀芯"}
			)
			frappe.db.commit()
			client = SiteClient(self.tech)
			doc = client.get(f"/api/resource/Service Order/{order.name}").json["data"]
			response = client.post(
				"/api/method/frappe.model.workflow.apply_workflow",
				{"doc": json.dumps(doc), "action": "Complete"},
			)
			self.assertEqual(response.status_code, 200, response.text)
			self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Completed")
			said = server_messages(response)
			self.assertFalse([advice for advice in SETUP_ADVICE if advice in said], said)
			timeline = frappe.get_all(
				"Comment",
				filters={"reference_name": order.name, "comment_type": "Info"},
				pluck="content",
			)
			self.assertTrue([line for line in timeline if self.resident.email in line], timeline)

	def test_resident_files_without_a_dialog(self):
		with NoOutgoingAccount():
			client = SiteClient(self.resident_user)
			response = client._run(
				"post",
				"/api/method/property_crm.property_service.api.submit_request",
				data={
					"unit": self.unit.name,
					"service_category": self.category.name,
					"subject": "楼道灯不亮",
				},
			)
			self.assertEqual(response.status_code, 200, response.text)
			said = server_messages(response)
			self.assertFalse([advice for advice in SETUP_ADVICE if advice in said], said)
			order = response.json["message"]
			self.assertTrue(kept_in_timeline(order))

	def test_notifications_are_kept_in_the_app_and_the_timeline(self):
		with NoOutgoingAccount():
			frappe.clear_messages()
			order = make_order(self.unit, self.category, self.resident)
			self.assertIn(self.clerk, alerted(order.name), "in-app notification still made")
			self.assertFalse(mail_recipients(order.name))
			self.assertFalse(frappe.get_all("Communication", filters={"reference_name": order.name}))
			self.assertTrue(kept_in_timeline(order.name))
			self.assertFalse(frappe.message_log, frappe.message_log)

	def test_the_administrator_sees_what_to_configure(self):
		from frappe.desk.form.load import getdoc

		with NoOutgoingAccount():
			frappe.set_user("Administrator")
			getdoc("Property CRM Settings", "Property CRM Settings")
			self.assertIs(frappe.response.docs[-1].get("__onload").notification_channels["email"], False)
			frappe.db.set_value("Email Account", make_outgoing_email_account(), "default_outgoing", 1)
			forget_cached_email_accounts()
			getdoc("Property CRM Settings", "Property CRM Settings")
			self.assertIs(frappe.response.docs[-1].get("__onload").notification_channels["email"], True)
