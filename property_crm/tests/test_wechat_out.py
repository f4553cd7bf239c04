"""Messages out by WeChat (模板消息): our notifications reach the residents who prefer WeChat and have bound it
by a template message at the WeChat stand-in (served on 127.0.0.1, reached only through the settings' base
URL), with the notification's keywords; everyone else as before. WeChat's refusals: an expired token is
refreshed once, concurrent workers make one token, a quota refusal is tried again later, an unfollowed
account falls back to e-mail; no secret in any Integration Request."""

import json
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from property_crm.tests.factories import (
	forget_cached_email_accounts,
	make_category,
	make_complaint,
	make_order,
	make_outgoing_email_account,
	make_place,
	portal_login,
)
from property_crm.tests.wechat_standin import WeChatStandIn, configure_site, random_openid
from property_crm.wechat import binding, client, notify


def mail_to(reference: str, address: str) -> bool:
	queue = frappe.qb.DocType("Email Queue")
	recipient = frappe.qb.DocType("Email Queue Recipient")
	made = frappe.db.get_value("Service Order", reference, "creation")
	return bool(
		frappe.qb.from_(queue)
		.join(recipient)
		.on(recipient.parent == queue.name)
		.select(queue.name)
		.where(
			(queue.reference_name == reference) & (recipient.recipient == address) & (queue.creation >= made)
		)
		.run()
	)


def records(reference: str) -> list[dict]:
	"""The delivery records of this document; only since it was made (a rolled-back test's order gives its
	name back to the naming series, while the e-mail queue may have committed its records)."""
	made = frappe.db.get_value("Service Order", reference, "creation") or frappe.db.get_value(
		"Complaint", reference, "creation"
	)
	return frappe.get_all(
		"Integration Request",
		filters={
			"integration_request_service": notify.SERVICE,
			"reference_docname": reference,
			"creation": (">=", made),
		},
		fields=["name", "status", "data", "output", "error", "request_id"],
		order_by="creation",
	)


class TestWeChatOut(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = WeChatStandIn()
		cls.standin.start()
		configure_site(cls.standin, "Safe")
		frappe.db.set_single_value(
			"WeChat Official Account Settings",
			{
				"template_request_completed": "TPL-COMPLETED",
				"template_complaint_acknowledged": "TPL-COMPLAINT",
			},
		)
		frappe.db.commit()
		frappe.clear_document_cache("WeChat Official Account Settings", "WeChat Official Account Settings")

	@classmethod
	def tearDownClass(cls):
		client.forget_token(cls.standin.appid)
		frappe.db.set_single_value("WeChat Official Account Settings", "enabled", 0)
		frappe.db.commit()
		cls.standin.stop()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		client.forget_token(self.standin.appid)
		self.standin.quota_exceeded = False
		self.standin.unsubscribed = set()
		self.estate, self.unit, self.resident = make_place()
		self.user = portal_login(self.resident)
		self.openid = random_openid()
		binding.bind(self.openid, self.resident.name, self.user)
		frappe.db.set_value("Property Owner", self.resident.name, "preferred_channel", "WeChat")
		self.category = make_category("Never")
		make_outgoing_email_account()
		forget_cached_email_accounts()

	def tearDown(self):
		forget_cached_email_accounts()
		frappe.db.rollback()

	def complete(self, order=None):
		order = order or make_order(self.unit, self.category, self.resident, subject="阳台地漏堵塞")
		frappe.db.set_value("Service Order", order.name, "completed_on", now_datetime())
		order = frappe.get_doc("Service Order", order.name)
		order.db_set("status", "Completed")  # Frappe's Value Change notifications run here, once
		return order

	def test_completed_order_is_a_template_message_with_the_mapped_fields(self):
		order = self.complete()
		sent = self.standin.messages_to(self.openid)
		self.assertEqual(len(sent), 1)
		message = sent[0]
		self.assertEqual(message["template_id"], "TPL-COMPLETED")
		self.assertEqual(message["data"]["keyword1"]["value"], order.name)
		self.assertEqual(message["data"]["keyword2"]["value"], "阳台地漏堵塞")
		self.assertTrue(message["url"].endswith(f"/property/requests/{order.name}"), "the rating link")
		self.assertFalse(mail_to(order.name, self.resident.email), "WeChat instead of the e-mail")
		[record] = records(order.name)
		self.assertEqual(record.status, "Completed")
		self.assertEqual(record.request_id, str(message["msgid"]))

	def test_not_bound_or_not_preferred_gets_the_email_as_before(self):
		frappe.db.set_value("Property Owner", self.resident.name, "preferred_channel", "Email")
		order = self.complete()
		self.assertEqual(self.standin.messages_to(self.openid), [])
		self.assertTrue(mail_to(order.name, self.resident.email))
		self.assertEqual(records(order.name), [])

	def test_expired_token_is_refreshed_once_and_the_message_delivered(self):
		client.access_token()
		issued = self.standin.tokens_issued
		self.standin.expire_tokens()
		order = self.complete()
		self.assertEqual(self.standin.tokens_issued, issued + 1, "one refresh")
		self.assertEqual(len(self.standin.messages_to(self.openid)), 1)
		self.assertEqual(records(order.name)[0].status, "Completed")

	def test_two_workers_refreshing_at_once_make_one_token(self):
		issued = self.standin.tokens_issued
		self.standin.token_delay = 0.5
		site, tokens, errors = frappe.local.site, [], []

		def worker():
			try:
				frappe.init(site=site)
				frappe.connect()
				tokens.append(client.access_token())
			except Exception as e:
				errors.append(repr(e))
			finally:
				frappe.destroy()

		try:
			threads = [threading.Thread(target=worker) for _ in range(2)]
			for thread in threads:
				thread.start()
			for thread in threads:
				thread.join(20)
		finally:
			self.standin.token_delay = 0
		self.assertEqual(errors, [])
		self.assertEqual(self.standin.tokens_issued, issued + 1, "ONE token issued by WeChat")
		self.assertEqual(len(set(tokens)), 1)
		self.assertEqual(len(tokens), 2)

	def test_quota_is_backed_off_and_tried_again_later(self):
		self.standin.quota_exceeded = True
		order = self.complete()
		self.assertEqual(self.standin.messages_to(self.openid), [])
		[record] = records(order.name)
		self.assertEqual(record.status, "Queued")
		self.assertFalse(mail_to(order.name, self.resident.email), "the message waits for WeChat")
		self.standin.quota_exceeded = False
		notify.retry_queued(commit=False)  # too early: not tried
		self.assertEqual(self.standin.messages_to(self.openid), [])
		payload = json.loads(record.data)
		self.assertGreater(frappe.utils.get_datetime(payload["next_try"]), now_datetime())
		payload["next_try"] = str(add_to_date(now_datetime(), minutes=-1))
		frappe.db.set_value("Integration Request", record.name, "data", json.dumps(payload))
		notify.retry_queued(commit=False)
		self.assertEqual(len(self.standin.messages_to(self.openid)), 1)
		self.assertEqual(records(order.name)[0].status, "Completed")

	def test_unfollowed_account_falls_back_to_email(self):
		self.standin.unsubscribed = {self.openid}
		order = self.complete()
		self.assertEqual(self.standin.messages_to(self.openid), [])
		self.assertTrue(mail_to(order.name, self.resident.email), "the e-mail as before")
		[record] = records(order.name)
		self.assertEqual(record.status, "Failed")
		self.assertIn("43004", record.error)

	def test_complaint_acknowledged_by_wechat(self):
		complaint = make_complaint(self.unit, self.resident)
		self.assertEqual(complaint.acknowledged_via, "WeChat")
		[message] = self.standin.messages_to(self.openid)
		self.assertEqual(message["template_id"], "TPL-COMPLAINT")
		self.assertEqual(message["data"]["keyword1"]["value"], complaint.name)

	def test_delivery_report_and_no_secret_in_integration_requests(self):
		order = self.complete()
		[message] = self.standin.messages_to(self.openid)
		notify.on_delivery_report(
			{
				"MsgType": "event",
				"Event": "TEMPLATESENDJOBFINISH",
				"MsgID": str(message["msgid"]),
				"Status": "success",
			}
		)
		self.assertEqual(json.loads(records(order.name)[0].output)["delivery"], "success")
		from property_crm.property_crm.report.wechat_delivery.wechat_delivery import execute

		_columns, data, _m, _chart, _summary = execute({})
		self.assertGreaterEqual(sum(row["delivered"] for row in data), 1)
		secrets = [self.standin.secret, self.standin.callback_token, self.standin.encoding_aes_key]
		secrets += list(self.standin.tokens)
		rows = frappe.get_all(
			"Integration Request",
			filters={"integration_request_service": ("in", (notify.SERVICE, client.SERVICE))},
			fields=["url", "data", "output", "error", "request_headers"],
		)
		self.assertTrue(rows)
		text = json.dumps(rows, default=str)
		for secret in secrets:
			self.assertNotIn(secret, text)
		self.assertNotIn(
			self.openid, json.dumps(records(order.name), default=str), "the resident, not the openid"
		)

	def test_channel_mix_counts_wechat_requests_by_estate_and_month(self):
		from property_crm.property_crm.report.channel_mix.channel_mix import execute

		make_order(self.unit, self.category, self.resident, channel="WeChat")
		make_order(self.unit, self.category, self.resident, channel="Phone")
		_columns, data, _m, _chart, summary = execute({"estate": self.estate.name, "kind": "Service Orders"})
		[row] = data
		self.assertEqual((row["ch_wechat"], row["ch_phone"], row["total"]), (1, 1, 2))
		self.assertEqual(row["wechat_share"], 50.0)
		self.assertEqual(summary[1]["value"], 1)
