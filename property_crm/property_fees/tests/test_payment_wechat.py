"""WeChat Pay (payments/wechat_pay.py) against the stand-in WeChat Pay API v3 served on 127.0.0.1.

The platform class alone (the order flow is C's): every channel's launch, query, close, refund and the daily
statement go over HTTP to the stand-in through the configured base URL, signed with the merchant key the test
made and answered with the stand-in's platform key. Notifications: a genuine one is believed; a wrong signature,
a tampered ciphertext, a body changed after signing, a stale timestamp, an unknown serial and another merchant
are refused. An answer with a bad signature is refused by the client. The Integration Request rows hold no
secret. And WeChat Pay Settings: keys pasted on one line are re-wrapped and kept encrypted, bad keys refused,
only managers change it; accountants may read it.
"""

import http.server
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.property_fees.payments.platforms import (
	NotificationRejected,
	PlatformError,
	get_platform,
)
from property_crm.property_fees.payments.wechat_pay import WeChatPayPlatform
from property_crm.property_fees.rules import wechat_pay as rules
from property_crm.property_fees.tests.standins.wechat_pay import (
	WeChatPayStandIn,
	configure_site,
	make_merchant_keys,
	scan_url,
)
from property_crm.tests.factories import make_user, unique

SETTINGS = "WeChat Pay Settings"
NOTIFY = "http://127.0.0.1:9/notify"  # launch only records it; pay() tests use their own receiver


def order(amount="128.50", minutes=30):
	return frappe._dict(
		name=unique("PPO-W"),
		amount=Decimal(amount),
		expires_at=now_datetime() + timedelta(minutes=minutes),
	)


class WeChatPayCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.private_pem, public_pem, cls.serial_no = make_merchant_keys()
		cls.standin = WeChatPayStandIn(
			"1900000109", "wxd678efh567hg6787", "0123456789abcdefghijklmnopqrstuv", public_pem, cls.serial_no
		)
		cls.standin.start()
		configure_site(cls.standin, cls.private_pem, cls.serial_no, commit=False)
		cls.started = now_datetime() - timedelta(seconds=1)

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		super().tearDownClass()

	def setUp(self):
		self.standin.bad_answer_signature = False
		self.standin.bad_bill_hash = False
		self.platform = get_platform("WeChat Pay")

	def paid(self, amount="128.50"):
		o = order(amount)
		self.platform.launch(o, "native", "10.0.0.8", "http://x/back", NOTIFY)
		self.standin.mark_paid(o.name)
		return o

	def assertRejected(self, headers, body, why):
		with self.assertRaises(NotificationRejected) as caught:
			self.platform.verify_notification(headers, body)
		self.assertIn(why, str(caught.exception))


class TestLaunchAndQueries(WeChatPayCase):
	def test_platform_is_enabled_and_reached_at_the_base_url_only(self):
		self.assertIsInstance(self.platform, WeChatPayPlatform)
		self.assertTrue(self.platform.enabled())
		self.assertEqual(self.platform.channels, ("jsapi", "h5", "native"))
		self.assertEqual(self.platform.mode_of_payment(), "WeChat Pay")

	def test_native_returns_the_code_the_stand_in_made(self):
		o = order("128.50")
		launch = self.platform.launch(o, "native", "10.0.0.8", "http://x/back", NOTIFY)
		made = self.standin.orders[o.name]
		self.assertEqual((launch.kind, launch.code), ("qr", made["code"]))
		self.assertEqual(made["total"], 12850)  # fen, an int
		self.assertEqual(made["description"], "物业费 " + o.name)
		self.assertEqual(made["notify_url"], NOTIFY)
		sent = self.standin.requests[-1]
		self.assertIn('"time_expire": "', sent["body"])
		self.assertIn("+08:00", sent["body"])
		self.assertTrue(
			scan_url(self.standin, launch.code).startswith(self.standin.base_url + "/standin/scan?")
		)

	def test_h5_redirects_to_the_cashier_with_our_return_url(self):
		o = order("0.01")
		launch = self.platform.launch(o, "h5", "10.0.0.8", "https://site/property/payments/X?a=1&b=2", NOTIFY)
		self.assertEqual(launch.kind, "redirect")
		prepay = self.standin.orders[o.name]["prepay_id"]
		self.assertEqual(
			launch.url,
			f"{self.standin.base_url}/standin/h5?prepay={prepay}"
			"&redirect_url=https%3A%2F%2Fsite%2Fproperty%2Fpayments%2FX%3Fa%3D1%26b%3D2",
		)
		self.assertEqual(self.standin.orders[o.name]["client_ip"], "10.0.0.8")

	def test_jsapi_returns_parameters_signed_with_the_merchant_key(self):
		from cryptography.hazmat.primitives import hashes, serialization
		from cryptography.hazmat.primitives.asymmetric import padding

		o = order("35.00")
		launch = self.platform.launch(o, "jsapi", "10.0.0.8", "http://x/back", NOTIFY, openid="oResident1")
		params = launch.params
		self.assertEqual(launch.kind, "jsapi")
		self.assertEqual(params["package"], "prepay_id=" + self.standin.orders[o.name]["prepay_id"])
		self.assertEqual(params["appId"], "wxd678efh567hg6787")
		self.assertEqual(params["signType"], "RSA")
		self.assertEqual(self.standin.orders[o.name]["openid"], "oResident1")
		message = (
			"\n".join([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]) + "\n"
		)
		public = serialization.load_pem_private_key(self.private_pem.encode(), None).public_key()
		import base64

		public.verify(
			base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
		)

	def test_jsapi_needs_an_openid_and_channels_are_known(self):
		with self.assertRaises(frappe.ValidationError):
			self.platform.launch(order(), "jsapi", "10.0.0.8", "http://x/back", NOTIFY)
		with self.assertRaises(frappe.ValidationError):
			self.platform.launch(order(), "app", "10.0.0.8", "http://x/back", NOTIFY)
		with self.assertRaises(frappe.ValidationError):
			self.platform.launch(order("12.345"), "native", "10.0.0.8", "http://x/back", NOTIFY)

	def test_query_close_and_a_refused_call(self):
		o = order("20.00")
		self.platform.launch(o, "native", "10.0.0.8", "http://x/back", NOTIFY)
		pending = self.platform.query(o.name)
		self.assertEqual(
			(pending.state, pending.amount, pending.transaction_id), ("pending", Decimal("20.00"), None)
		)
		self.platform.close(o.name)
		self.assertEqual(self.platform.query(o.name).state, "closed")

		paid = self.paid("66.60")
		notice = self.platform.query(paid.name)
		self.assertEqual((notice.state, notice.amount), ("paid", Decimal("66.60")))
		self.assertEqual(notice.transaction_id, self.standin.orders[paid.name]["transaction_id"])
		self.assertIsNone(notice.paid_at.tzinfo)
		self.assertLess(abs((notice.paid_at - now_datetime()).total_seconds()), 120)  # site time zone

		# WeChat's refusal names its error code; an unknown order is ORDER_NOT_EXIST
		with self.assertRaises(PlatformError) as caught:
			self.platform.close(paid.name)
		self.assertIn("ORDERPAID", str(caught.exception))
		with self.assertRaises(PlatformError) as caught:
			self.platform.query("PPO-NOBODY")
		self.assertIn("ORDER_NOT_EXIST", str(caught.exception))

	def test_an_answer_with_a_bad_signature_is_refused(self):
		o = self.paid("10.00")
		self.standin.bad_answer_signature = True
		with self.assertRaises(PlatformError) as caught:
			self.platform.query(o.name)
		self.assertIn("signature", str(caught.exception))

	def test_our_requests_are_signed_or_the_stand_in_refuses(self):
		import requests

		answer = requests.get(
			f"{self.standin.base_url}/v3/pay/transactions/out-trade-no/X?mchid=1900000109",
			headers={"Authorization": 'WECHATPAY2-SHA256-RSA2048 mchid="1900000109",signature="AAAA"'},
			timeout=10,
		)
		self.assertEqual((answer.status_code, answer.json()["code"]), (401, "SIGN_ERROR"))

	def test_refund(self):
		o = self.paid("100.00")
		result = self.platform.refund(o.name, unique("RF-"), Decimal("40.00"), Decimal("100.00"), "多收了")
		self.assertEqual(result.state, "refunded")
		self.assertTrue(result.refund_id)
		self.assertEqual(result.raw["amount"]["refund"], 4000)
		self.standin.refund_status = "PROCESSING"
		try:
			second = self.platform.refund(
				o.name, unique("RF-"), Decimal("60.00"), Decimal("100.00"), "退余款"
			)
		finally:
			self.standin.refund_status = "SUCCESS"
		self.assertEqual(second.state, "processing")
		with self.assertRaises(PlatformError) as caught:  # more than what is left
			self.platform.refund(o.name, unique("RF-"), Decimal("0.01"), Decimal("100.00"), "again")
		self.assertIn("NOT_ENOUGH", str(caught.exception))


class TestStatement(WeChatPayCase):
	def test_statement_lists_payments_and_refunds_and_plants_show(self):
		first, second, third = self.paid("50.00"), self.paid("70.00"), self.paid("9.90")
		refund_no = unique("RF-")
		self.platform.refund(first.name, refund_no, Decimal("5.00"), Decimal("50.00"), "部分退款")
		self.standin.plant(second.name, "7.00")
		self.standin.drop(third.name)
		self.standin.extra("PPO-FOREIGN-1", "1.00")
		day = datetime.fromisoformat(self.standin.orders[first.name]["success_time"]).date()

		lines = {(line.kind, line.out_trade_no): line for line in self.platform.statement(day)}
		payment = lines[("payment", first.name)]
		self.assertEqual(payment.amount, Decimal("50.00"))
		self.assertEqual(payment.transaction_id, self.standin.orders[first.name]["transaction_id"])
		refund = lines[("refund", first.name)]
		self.assertEqual((refund.amount, refund.out_refund_no), (Decimal("5.00"), refund_no))
		self.assertEqual(lines[("payment", second.name)].amount, Decimal("7.00"))
		self.assertNotIn(("payment", third.name), lines)
		self.assertIn(("payment", "PPO-FOREIGN-1"), lines)
		self.assertIsInstance(payment.happened_at, datetime)

	def test_a_day_without_trades_is_empty_and_a_bad_hash_is_refused(self):
		self.assertEqual(self.platform.statement(datetime(2020, 1, 1).date()), [])
		o = self.paid("3.00")
		day = datetime.fromisoformat(self.standin.orders[o.name]["success_time"]).date()
		self.standin.bad_bill_hash = True
		with self.assertRaises(PlatformError) as caught:
			self.platform.statement(day)
		self.assertIn("hash", str(caught.exception))


class Receiver:
	"""A notify URL on 127.0.0.1 that checks what it receives with the platform (as C's endpoint does)."""

	def __init__(self):
		self.received = []
		receiver = self

		class Handler(http.server.BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def do_POST(self):
				body = self.rfile.read(int(self.headers["Content-Length"]))
				receiver.received.append((dict(self.headers.items()), body))
				answer = b'{"code":"SUCCESS","message":"\xe6\x88\x90\xe5\x8a\x9f"}'
				self.send_response(200)
				self.send_header("Content-Type", "application/json")
				self.send_header("Content-Length", str(len(answer)))
				self.end_headers()
				self.wfile.write(answer)

		self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def stop(self):
		self.server.shutdown()
		self.server.server_close()


class TestNotifications(WeChatPayCase):
	def setUp(self):
		super().setUp()
		self.order = self.paid("88.80")

	def test_a_genuine_notification_is_believed(self):
		headers, body = self.standin.notification(self.order.name)
		notice = self.platform.verify_notification(headers, body)
		self.assertEqual(notice.platform, "WeChat Pay")
		self.assertEqual(notice.out_trade_no, self.order.name)
		self.assertEqual(notice.amount, Decimal("88.80"))
		self.assertEqual(notice.state, "paid")
		self.assertEqual(notice.transaction_id, self.standin.orders[self.order.name]["transaction_id"])
		self.assertIsNotNone(notice.paid_at)
		self.assertEqual(notice.raw["trade_state"], "SUCCESS")
		# header names arrive in any case (WSGI / werkzeug)
		lower = {k.lower(): v for k, v in headers.items()}
		self.assertEqual(self.platform.verify_notification(lower, body).out_trade_no, self.order.name)

	def test_the_amount_is_what_the_platform_says(self):
		headers, body = self.standin.notification(self.order.name, amount=1)
		self.assertEqual(self.platform.verify_notification(headers, body).amount, Decimal("0.01"))

	def test_pay_posts_the_signed_notification_to_the_notify_url(self):
		receiver = Receiver()
		try:
			o = order("12.00")
			self.platform.launch(o, "native", "10.0.0.8", "http://x/back", receiver.url)
			status, answer = self.standin.pay(o.name)
		finally:
			receiver.stop()
		self.assertEqual((status, answer), (200, '{"code":"SUCCESS","message":"成功"}'))
		headers, body = receiver.received[0]
		notice = self.platform.verify_notification(headers, body)
		self.assertEqual(
			(notice.out_trade_no, notice.amount, notice.state), (o.name, Decimal("12.00"), "paid")
		)

	def test_the_cashier_pages_pay_and_return(self):
		import requests

		receiver = Receiver()
		try:
			h5, qr = order("23.40"), order("5.00")
			launch = self.platform.launch(h5, "h5", "10.0.0.8", "http://127.0.0.1:9/back?x=1", receiver.url)
			page = requests.get(launch.url, timeout=10)
			self.assertIn("微信支付", page.text)
			self.assertIn("¥23.40", page.text)
			self.assertIn("确认支付", page.text)
			paid = requests.post(
				launch.url.split("?")[0],
				data={
					"prepay": self.standin.orders[h5.name]["prepay_id"],
					"redirect_url": "http://127.0.0.1:9/back?x=1",
				},
				allow_redirects=False,
				timeout=30,
			)
			self.assertEqual(
				(paid.status_code, paid.headers["Location"]), (302, "http://127.0.0.1:9/back?x=1")
			)
			self.assertEqual(self.standin.orders[h5.name]["trade_state"], "SUCCESS")

			code = self.platform.launch(qr, "native", "10.0.0.8", "http://x/back", receiver.url).code
			self.assertIn("¥5.00", requests.get(scan_url(self.standin, code), timeout=10).text)
			requests.post(f"{self.standin.base_url}/standin/scan", data={"code": code}, timeout=30)
			self.assertEqual(self.platform.query(qr.name).state, "paid")
		finally:
			receiver.stop()
		self.assertEqual(
			[self.platform.verify_notification(*received).out_trade_no for received in receiver.received],
			[h5.name, qr.name],
		)

	def test_forged_and_tampered_notifications_are_refused(self):
		name = self.order.name
		self.assertRejected(*self.standin.notification(name, tamper="signature"), "bad signature")
		self.assertRejected(*self.standin.notification(name, tamper="body"), "bad signature")
		self.assertRejected(*self.standin.notification(name, tamper="ciphertext"), "decrypted")
		self.assertRejected(*self.standin.notification(name, tamper="mchid"), "mchid")
		self.assertRejected(*self.standin.notification(name, tamper="appid"), "appid")
		self.assertRejected(*self.standin.notification(name, serial="PUB_KEY_ID_0114232134912410"), "serial")
		stale = int(time.time()) - 6 * 60
		self.assertRejected(*self.standin.notification(name, timestamp=stale), "stale")
		future = int(time.time()) + 6 * 60
		self.assertRejected(*self.standin.notification(name, timestamp=future), "stale")
		headers, body = self.standin.notification(name)
		del headers["Wechatpay-Signature"]
		self.assertRejected(headers, body, "missing")
		self.assertRejected({}, b"{}", "missing")
		self.assertRejected(headers | {"Wechatpay-Signature": "x"}, b"\xff\xfe{}", "UTF-8")

	def test_acknowledge(self):
		self.assertEqual(
			self.platform.acknowledge(True),
			(200, '{"code":"SUCCESS","message":"成功"}', "application/json"),
		)
		status, body, content_type = self.platform.acknowledge(False)
		self.assertEqual((status, content_type), (400, "application/json"))
		self.assertIn('"FAIL"', body)


class TestNothingSecretIsLogged(WeChatPayCase):
	def test_integration_requests_hold_no_secret(self):
		o = order("15.00")
		self.platform.launch(o, "jsapi", "10.0.0.8", "http://x/back", NOTIFY, openid="oSecretCheck")
		self.standin.mark_paid(o.name)
		self.platform.query(o.name)
		self.platform.refund(o.name, unique("RF-"), Decimal("1.00"), Decimal("15.00"), "test")
		self.platform.verify_notification(*self.standin.notification(o.name))
		with self.assertRaises(NotificationRejected):
			self.platform.verify_notification(*self.standin.notification(o.name, tamper="signature"))
		day = datetime.fromisoformat(self.standin.orders[o.name]["success_time"]).date()
		self.platform.statement(day)

		logs = frappe.get_all(
			"Integration Request",
			filters={"integration_request_service": "WeChat Pay", "creation": (">=", self.started)},
			fields=["request_description", "data", "output", "error", "request_headers"],
		)
		actions = {log.request_description for log in logs}
		for action in (
			"launch jsapi",
			"query",
			"refund",
			"notification",
			"notification rejected",
			"trade bill",
		):
			self.assertIn(action, actions)
		text = "\n".join(str(value) for log in logs for value in log.values())
		self.assertIn(o.name, text)
		authorizations = [r["headers"].get("Authorization") for r in self.standin.requests]
		self.assertTrue(authorizations)
		secrets = [
			self.standin.apiv3_key,
			rules.pem_body(self.private_pem)[:40],
			rules.pem_body(self.private_pem)[-40:],
			*authorizations,
			*[a.split('signature="')[1][:40] for a in authorizations],
			"WECHATPAY2-SHA256-RSA2048 mchid",
		]
		for secret in secrets:
			self.assertNotIn(secret, text)


class TestSettings(FrappeTestCase):
	def setUp(self):
		self.private_pem, self.public_pem, self.serial_no = make_merchant_keys()

	def settings(self, **values):
		doc = frappe.get_doc(SETTINGS)
		doc.update(
			{
				"enabled": 1,
				"environment": "Sandbox",
				"api_base_url": "http://127.0.0.1:9",
				"mchid": "1900000109",
				"appid": "wxd678efh567hg6787",
				"merchant_serial_no": self.serial_no,
				"merchant_private_key": self.private_pem,
				"apiv3_key": "0123456789abcdefghijklmnopqrstuv",
				"platform_public_key_id": "PUB_KEY_ID_0114232134912410000000000000000000",
				"platform_public_key": self.public_pem,
			}
			| values
		)
		return doc

	def test_keys_pasted_on_one_line_are_rewrapped_and_kept_encrypted(self):
		doc = self.settings(
			merchant_private_key=self.private_pem.replace("\n", " "),
			platform_public_key=self.public_pem.replace("\n", ""),
			api_base_url="http://127.0.0.1:9/",
		)
		doc.save()
		doc = frappe.get_doc(SETTINGS)
		self.assertTrue(doc.is_dummy_password(doc.merchant_private_key))  # the form shows asterisks
		self.assertTrue(doc.is_dummy_password(doc.apiv3_key))
		stored = frappe.db.get_value(
			"Singles", {"doctype": SETTINGS, "field": "merchant_private_key"}, "value", order_by=None
		)
		self.assertTrue(stored)
		self.assertNotIn(rules.pem_body(self.private_pem)[:40], stored)
		key = doc.get_password("merchant_private_key")
		self.assertTrue(key.startswith("-----BEGIN PRIVATE KEY-----\n"))
		self.assertEqual(rules.pem_body(key), rules.pem_body(self.private_pem))
		self.assertGreater(key.count("\n"), 20)  # newlines survive
		self.assertEqual(doc.get_password("apiv3_key"), "0123456789abcdefghijklmnopqrstuv")
		self.assertEqual(doc.platform_public_key, self.public_pem)
		self.assertEqual(doc.api_base_url, "http://127.0.0.1:9")
		# saving the form again (asterisks in the password boxes) keeps the keys
		doc.mchid = "1900000109"
		doc.save()
		self.assertEqual(
			rules.pem_body(frappe.get_doc(SETTINGS).get_password("merchant_private_key")), rules.pem_body(key)
		)

	def test_bad_keys_are_refused_with_a_clear_message(self):
		cases = {
			"merchant_private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
			"platform_public_key": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAgarbage",
			"apiv3_key": "too-short",
			"platform_public_key_id": "0114232134912410",
			"api_base_url": "api.mch.weixin.qq.com",
		}
		for fieldname, value in cases.items():
			with self.subTest(fieldname), self.assertRaises(frappe.ValidationError):
				self.settings(**{fieldname: value}).save()
		with self.assertRaises(frappe.ValidationError):
			self.settings(environment="Live", api_base_url="http://127.0.0.1:9").save()
		with self.assertRaises(frappe.ValidationError) as caught:
			self.settings(mchid="", appid="").save()
		self.assertIn("mchid", str(caught.exception))

	def test_an_incomplete_set_up_never_calls_out(self):
		doc = self.settings(enabled=0, platform_public_key="", platform_public_key_id="")
		doc.save()
		with self.assertRaises(PlatformError):
			WeChatPayPlatform().query("PPO-ANY")
		self.assertFalse(WeChatPayPlatform().enabled())

	def test_only_managers_change_it_and_accountants_may_read_it(self):
		# an accountant who could change the keys or the base URL could forge payments (test_payment_attacks)
		for role, read, write in (
			("Property Manager", True, True),
			("Property Accountant", True, False),
			("Property Customer Service", False, False),
			("Property Technician", False, False),
		):
			user = make_user([role])
			with self.subTest(role):
				self.assertEqual(bool(frappe.has_permission(SETTINGS, "read", user=user)), read)
				self.assertEqual(bool(frappe.has_permission(SETTINGS, "write", user=user)), write)
