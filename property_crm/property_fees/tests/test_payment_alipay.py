"""The Alipay platform class against the Alipay stand-in on 127.0.0.1 (issue 21).

The platform reaches the stand-in only through Alipay Settings' gateway URL: each channel's launch (the
cashier pays and notifies), query / close / refund / statement, notifications verified (genuine accepted;
forged, altered, another app's, stale refused), an answer signed with another key refused, our request
signed with a key Alipay does not know refused, and no secret in the Integration Request log. The order
flow (Payment Entry, exactly once) is tested with the orders (test_payment_orders*).
"""

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import requests

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from property_crm.property_fees.payments import alipay as alipay_module
from property_crm.property_fees.payments.platforms import NotificationRejected, PlatformError, get_platform
from property_crm.property_fees.rules.alipay_keys import key_body
from property_crm.property_fees.tests.standins.alipay import (
	BEIJING,
	AlipayStandIn,
	configure_site,
	make_app_keys,
)
from property_crm.tests.factories import make_user, unique


class Inbox:
	"""Our side's notify URL for these tests: keeps each POSTed notification and answers `success`."""

	def __init__(self):
		self.bodies = []
		inbox = self

		class Handler(BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def do_POST(self):
				inbox.bodies.append(
					(dict(self.headers), self.rfile.read(int(self.headers.get("Content-Length") or 0)))
				)
				self.send_response(200)
				self.send_header("Content-Type", "text/plain")
				self.send_header("Content-Length", "7")
				self.end_headers()
				self.wfile.write(b"success")

		self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def stop(self):
		self.server.shutdown()
		self.server.server_close()


def order(amount="12.30", minutes=30):
	"""What the platform reads of a Property Payment Order."""
	return frappe._dict(
		name=unique("PPO-ALI-"),
		amount=Decimal(amount),
		expires_at=add_to_date(now_datetime(), minutes=minutes),
	)


class TestAlipayPlatform(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.started = now_datetime() - timedelta(seconds=2)
		cls.private_pem, public_pem = make_app_keys()
		cls.standin = AlipayStandIn(unique("2021"), public_pem)
		cls.standin.start()
		cls.inbox = Inbox()
		configure_site(cls.standin, cls.private_pem)
		cls.platform = get_platform("Alipay")

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		cls.inbox.stop()
		frappe.db.rollback()
		settings = frappe.get_single("Alipay Settings")
		settings.db_set("enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def launch(self, channel, amount="12.30"):
		doc = order(amount)
		launch = self.platform.launch(doc, channel, "127.0.0.1", "http://127.0.0.1/return", self.inbox.url)
		return doc, launch

	def notice_of(self, out_trade_no):
		headers, body = self.standin.notification(out_trade_no)
		return self.platform.verify_notification(headers, body)

	# launching
	def test_wap_launch_shows_the_cashier_which_pays_notifies_and_returns(self):
		doc, launch = self.launch("wap")
		self.assertEqual(launch.kind, "redirect")
		self.assertTrue(launch.url.startswith(self.standin.gateway_url + "?"))
		page = requests.get(launch.url, timeout=10)
		self.assertEqual(page.status_code, 200)
		self.assertIn("¥12.30", page.text)
		self.assertIn("确认支付", page.text)
		kept = self.standin.orders[doc.name]
		self.assertEqual(kept["total_amount"], "12.30")
		self.assertEqual(kept["subject"], "物业费 " + doc.name)
		self.assertEqual(kept["notify_url"], self.inbox.url)
		expected_expiry = (
			doc.expires_at.replace(tzinfo=alipay_module.ZoneInfo(frappe.utils.get_system_timezone()))
			.astimezone(BEIJING)
			.strftime("%Y-%m-%d %H:%M:%S")
		)
		self.assertEqual(kept["time_expire"], expected_expiry)

		before = len(self.inbox.bodies)
		paid = requests.post(
			self.standin.base + "/standin/cashier",
			data={"out_trade_no": doc.name},
			allow_redirects=False,
			timeout=30,
		)
		self.assertEqual(paid.status_code, 302)
		back = urlparse(paid.headers["Location"])
		self.assertEqual(back.path, "/return")
		self.assertEqual(parse_qs(back.query)["out_trade_no"], [doc.name])
		self.assertEqual(len(self.inbox.bodies), before + 1)
		headers, body = self.inbox.bodies[-1]
		notice = self.platform.verify_notification(headers, body)
		self.assertEqual(
			(notice.platform, notice.out_trade_no, notice.state, notice.amount),
			("Alipay", doc.name, "paid", Decimal("12.30")),
		)
		self.assertEqual(notice.transaction_id, kept["trade_no"])
		self.assertIsNotNone(notice.paid_at)
		self.assertLess(abs((notice.paid_at - now_datetime()).total_seconds()), 120)  # site time zone, naive
		self.assertNotIn("sign", notice.raw)

	def test_page_launch_redirects_to_the_cashier(self):
		doc, launch = self.launch("page", "0.01")
		self.assertEqual(launch.kind, "redirect")
		page = requests.get(launch.url, timeout=10)
		self.assertIn("¥0.01", page.text)
		self.assertEqual(self.standin.orders[doc.name]["method"], "alipay.trade.page.pay")
		# a launch URL changed after signing is refused by Alipay
		forged = launch.url.replace("total_amount%22%3A%220.01", "total_amount%22%3A%220.02")
		self.assertNotEqual(forged, launch.url)
		self.assertEqual(requests.get(forged, timeout=10).status_code, 400)

	def test_qr_launch_precreates_and_a_scan_pays(self):
		doc, launch = self.launch("qr", "88.00")
		self.assertEqual((launch.kind, launch.url), ("qr", None))
		self.assertTrue(launch.code.startswith(self.standin.base + "/standin/scan?code="))
		self.assertEqual(self.platform.query(doc.name).state, "pending")
		self.assertEqual(requests.get(launch.code, timeout=30).status_code, 200)
		notice = self.platform.query(doc.name)
		self.assertEqual((notice.state, notice.amount), ("paid", Decimal("88.00")))
		self.assertEqual(notice.transaction_id, self.standin.orders[doc.name]["trade_no"])
		self.assertIsNotNone(notice.paid_at)
		self.assertEqual(self.standin.calls[-1]["method"], "alipay.trade.query")
		ours = [call for call in self.standin.calls if call["biz_content"].get("out_trade_no") == doc.name]
		self.assertEqual([call["signature_ok"] for call in ours], [True, True, True])

	def test_an_unknown_channel_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.launch("jsapi")

	# query, close, refund
	def test_query_and_close(self):
		doc = order()
		# never opened: nothing at Alipay yet — pending, and closing it is no error
		self.assertEqual(self.platform.query(doc.name).state, "pending")
		self.platform.close(doc.name)
		doc, _launch = self.launch("qr")
		self.platform.close(doc.name)
		notice = self.platform.query(doc.name)
		self.assertEqual((notice.state, notice.transaction_id), ("closed", None))
		# a paid trade cannot be closed: Alipay's sub_code is named
		paid, _launch = self.launch("qr")
		self.standin.pay(paid.name, send=False)
		with self.assertRaises(PlatformError) as caught:
			self.platform.close(paid.name)
		self.assertIn("ACQ.TRADE_STATUS_ERROR", str(caught.exception))

	def test_refunds(self):
		doc, _launch = self.launch("qr", "100.00")
		self.standin.pay(doc.name, send=False)
		refund_no = unique("PPR-")
		first = self.platform.refund(doc.name, refund_no, Decimal("30.00"), Decimal("100.00"), "多收")
		self.assertEqual(first.state, "refunded")
		self.assertEqual(first.refund_id, self.standin.orders[doc.name]["trade_no"])
		refund_call = [c for c in self.standin.calls if c["method"] == "alipay.trade.refund"][-1]
		self.assertEqual(refund_call["biz_content"]["out_request_no"], refund_no)
		self.assertEqual(refund_call["biz_content"]["refund_amount"], "30.00")
		# the same refund number again changes nothing at Alipay (fund_change N) and is still refunded
		again = self.platform.refund(doc.name, refund_no, Decimal("30.00"), Decimal("100.00"), "多收")
		self.assertEqual(again.state, "refunded")
		self.assertEqual(len(self.standin.orders[doc.name]["refunds"]), 1)
		with self.assertRaises(PlatformError) as caught:
			self.platform.refund(doc.name, unique("PPR-"), Decimal("70.01"), Decimal("100.00"), "超额")
		self.assertIn("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", str(caught.exception))

	def test_statement_of_the_day(self):
		paid, _launch = self.launch("qr", "50.00")
		self.standin.pay(paid.name, send=False)
		refunded, _launch = self.launch("qr", "20.00")
		self.standin.pay(refunded.name, send=False)
		refund_no = unique("PPR-")
		self.platform.refund(refunded.name, refund_no, Decimal("5.50"), Decimal("20.00"), "退一部分")
		planted, _launch = self.launch("qr", "10.00")
		self.standin.pay(planted.name, send=False)
		self.standin.plant(planted.name, "9.00")
		dropped, _launch = self.launch("qr", "11.00")
		self.standin.pay(dropped.name, send=False)
		self.standin.drop(dropped.name)
		stranger = unique("PPO-NONE-")
		self.standin.extra(stranger, "66.60")

		day = datetime.now(BEIJING).date()
		lines = self.platform.statement(day)
		by = {(line.kind, line.out_trade_no): line for line in lines}
		self.assertEqual(by[("payment", paid.name)].amount, Decimal("50.00"))
		self.assertEqual(
			by[("payment", paid.name)].transaction_id, self.standin.orders[paid.name]["trade_no"]
		)
		self.assertIsNotNone(by[("payment", paid.name)].happened_at)
		refund = by[("refund", refunded.name)]
		self.assertEqual((refund.amount, refund.out_refund_no), (Decimal("5.50"), refund_no))
		self.assertEqual(by[("payment", planted.name)].amount, Decimal("9.00"))
		self.assertNotIn(("payment", dropped.name), by)
		self.assertEqual(by[("payment", stranger)].amount, Decimal("66.60"))
		call = self.standin.calls[-1]
		self.assertEqual(call["method"], "alipay.data.dataservice.bill.downloadurl.query")
		self.assertEqual(call["biz_content"], {"bill_type": "trade", "bill_date": day.isoformat()})

	# notifications
	def test_a_genuine_notification_is_accepted(self):
		doc, _launch = self.launch("qr", "12.30")
		notice = self.notice_of(doc.name)
		self.assertEqual(
			(notice.out_trade_no, notice.amount, notice.state), (doc.name, Decimal("12.30"), "paid")
		)
		headers, body = self.standin.notification(doc.name, trade_status="TRADE_FINISHED")
		self.assertEqual(self.platform.verify_notification(headers, body).state, "paid")
		headers, body = self.standin.notification(doc.name, trade_status="TRADE_CLOSED")
		self.assertEqual(self.platform.verify_notification(headers, body).state, "closed")
		self.assertEqual(self.platform.acknowledge(True), (200, "success", "text/plain"))
		self.assertEqual(self.platform.acknowledge(False), (200, "fail", "text/plain"))

	def test_forged_altered_foreign_and_stale_notifications_are_refused(self):
		doc, _launch = self.launch("qr", "12.30")
		self.standin.pay(doc.name, send=False)
		other_app = unique("2021")
		cases = {
			"wrong signature": self.standin.notification(doc.name, tamper="sign"),
			"amount changed after signing": self.standin.notification(
				doc.name, tamper={"total_amount": "0.01"}
			),
			"order changed after signing": self.standin.notification(
				doc.name, tamper={"out_trade_no": "PPO-X"}
			),
			"another app": self.standin.notification(doc.name, app_id=other_app),
			"another seller": self.standin.notification(doc.name, seller_id="2088000000000000"),
			"stale": self.standin.notification(
				doc.name, notify_time=datetime.now(BEIJING) - timedelta(hours=25, minutes=1)
			),
			"future": self.standin.notification(
				doc.name, notify_time=datetime.now(BEIJING) + timedelta(minutes=10)
			),
			"unsigned": (
				{"Content-Type": "application/x-www-form-urlencoded"},
				b"out_trade_no=" + doc.name.encode() + b"&trade_status=TRADE_SUCCESS&total_amount=12.30",
			),
			"not a form": ({}, b"\xff\xfe\x00garbage"),
		}
		for case, (headers, body) in cases.items():
			with self.subTest(case), self.assertRaises(NotificationRejected):
				self.platform.verify_notification(headers, body)
		# a day-old retry (Alipay retries for about 25 hours) is still genuine
		headers, body = self.standin.notification(
			doc.name, notify_time=datetime.now(BEIJING) - timedelta(hours=24)
		)
		self.assertEqual(self.platform.verify_notification(headers, body).state, "paid")

	def test_an_answer_signed_with_another_key_is_refused(self):
		doc, _launch = self.launch("qr")
		self.standin.bad_answer_signature = True
		try:
			with self.assertRaises(PlatformError) as caught:
				self.platform.query(doc.name)
		finally:
			self.standin.bad_answer_signature = False
		self.assertIn("signature", str(caught.exception))

	def test_a_request_signed_with_a_key_alipay_does_not_know_is_refused(self):
		other_private, _other_public = make_app_keys()
		try:
			configure_site(self.standin, other_private)
			with self.assertRaises(PlatformError) as caught:
				self.platform.query(unique("PPO-"))
			self.assertIn("isv.invalid-signature", str(caught.exception))
			self.assertNotIn(key_body(other_private)[:40], str(caught.exception))
		finally:
			configure_site(self.standin, self.private_pem)

	def test_the_integration_log_holds_no_secret(self):
		doc, launch = self.launch("wap", "3.00")
		requests.get(launch.url, timeout=10)
		self.standin.pay(doc.name)
		for headers, body in self.inbox.bodies:
			try:
				self.platform.verify_notification(headers, body)
			except NotificationRejected:
				pass
		with self.assertRaises(NotificationRejected):
			self.platform.verify_notification(*self.standin.notification(doc.name, tamper="sign"))
		self.platform.query(doc.name)
		rows = frappe.get_all(
			"Integration Request",
			filters={"integration_request_service": "Alipay", "creation": (">=", self.started)},
			fields=["request_description", "data", "output", "error", "request_headers"],
		)
		self.assertGreater(len(rows), 3)
		descriptions = {row.request_description for row in rows}
		self.assertTrue({"alipay.trade.wap.pay", "alipay.trade.query", "notification"} <= descriptions)
		logged = "\n".join(
			str(row.get(field) or "")
			for row in rows
			for field in ("data", "output", "error", "request_headers")
		)
		self.assertIn(doc.name, logged)
		body = key_body(self.private_pem)
		secrets = [body[i : i + 40] for i in range(0, len(body) - 40, 40)]
		secrets += [call["sign"] for call in self.standin.calls if call.get("sign")]
		secrets += self.standin.notification_signs
		self.assertTrue(secrets)
		leaked = [secret[:12] + "…" for secret in secrets if secret in logged]
		self.assertEqual(leaked, [])


class TestAlipaySettings(FrappeTestCase):
	def setUp(self):
		self.settings = frappe.get_single("Alipay Settings")
		self.private_pem, self.public_pem = make_app_keys()

	def tearDown(self):
		frappe.db.rollback()

	def save(self, **values):
		settings = frappe.get_single("Alipay Settings")
		settings.update(
			{
				"enabled": 0,
				"environment": "Sandbox",
				"gateway_url": "https://openapi-sandbox.dl.alipaydev.com/gateway.do",
				"app_id": "2021000000000001",
				"app_private_key": self.private_pem,
				"alipay_public_key": self.public_pem,
				**values,
			}
		)
		settings.save(ignore_permissions=True)
		return settings

	def test_a_pem_pasted_on_one_line_is_stored_encrypted_with_its_line_breaks(self):
		one_line = self.private_pem.replace("\n", "")
		settings = self.save(
			app_private_key=one_line, alipay_public_key=" ".join(self.public_pem.split("\n"))
		)
		stored = frappe.get_single("Alipay Settings")
		self.assertTrue(stored.is_dummy_password(stored.app_private_key))
		pem = stored.get_password("app_private_key")
		self.assertTrue(pem.startswith("-----BEGIN PRIVATE KEY-----\n"))
		self.assertEqual(key_body(pem), key_body(self.private_pem))
		self.assertEqual(stored.alipay_public_key.strip(), self.public_pem.strip())
		# the key is not in the settings' table in clear
		raw = frappe.db.sql("select value from tabSingles where doctype='Alipay Settings'", pluck=True)
		self.assertFalse([value for value in raw if value and key_body(self.private_pem)[:40] in value])
		# saving again without retyping the key keeps it
		settings = frappe.get_single("Alipay Settings")
		settings.app_id = "2021000000000002"
		settings.save(ignore_permissions=True)
		self.assertEqual(
			key_body(frappe.get_single("Alipay Settings").get_password("app_private_key")), key_body(pem)
		)

	def test_bare_base64_from_alipays_key_tool_is_accepted(self):
		self.save(app_private_key=key_body(self.private_pem), alipay_public_key=key_body(self.public_pem))
		self.assertEqual(
			key_body(frappe.get_single("Alipay Settings").get_password("app_private_key")),
			key_body(self.private_pem),
		)

	def test_bad_settings_are_refused_with_a_clear_message(self):
		cases = {
			"private key": {"app_private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"},
			"public key": {
				"alipay_public_key": "-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----"
			},
			"public key is a private key": {"alipay_public_key": self.private_pem},
			"gateway": {"gateway_url": "openapi.alipay.com"},
			"live over http": {"environment": "Live", "gateway_url": "http://openapi.alipay.com/gateway.do"},
			"enabled without app id": {"enabled": 1, "app_id": ""},
		}
		for case, values in cases.items():
			with self.subTest(case), self.assertRaises(frappe.ValidationError) as caught:
				self.save(**values)
			self.assertEqual(caught.exception.http_status_code, 417)
			self.assertNotIn(key_body(self.private_pem)[:40], str(caught.exception))

	def test_only_managers_change_it_and_accountants_may_read_it(self):
		# an accountant who could change the keys or the gateway could forge payments (test_payment_attacks)
		for role, rights in (
			("Property Manager", {"read": True, "write": True}),
			("Property Accountant", {"read": True, "write": False}),
			("Property Customer Service", {"read": False, "write": False}),
			("Property Technician", {"read": False, "write": False}),
		):
			user = make_user([role])
			for right, allowed in rights.items():
				with self.subTest(role=role, right=right):
					self.assertEqual(
						bool(frappe.has_permission("Alipay Settings", right, user=user)), allowed
					)
