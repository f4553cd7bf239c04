"""The WeChat Official Account API client (property_crm/wechat/client.py) against the stand-in WeChat API
served on 127.0.0.1 (property_crm/tests/wechat_standin.py), reached only through the settings' base URL.

What an operator would notice: the access token is fetched once and shared (Redis), an expired token is
refreshed once and the message still goes out, two workers refreshing at once make WeChat issue ONE token,
quota and unsubscribed answers raise the errors the senders act on, the bench command publishes the menu, and
no Integration Request holds the app secret, a token or the EncodingAESKey. And the settings refuse a bad
EncodingAESKey, a non-http(s) address and http in Live; only managers see them.
"""

import os
import subprocess
import sys
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.tests.factories import make_user
from property_crm.tests.wechat_standin import WeChatStandIn, configure_site
from property_crm.wechat import client, menu

SETTINGS = "WeChat Official Account Settings"
SITE_URL = "https://crm.example.com"


def integration_requests(since) -> list[dict]:
	return frappe.get_all(
		"Integration Request",
		filters={"integration_request_service": client.SERVICE, "creation": (">=", since)},
		fields=["name", "status", "url", "data", "output", "error", "request_description"],
		order_by="creation asc",
	)


class WeChatClientCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.since = now_datetime()
		cls.standin = WeChatStandIn()
		cls.standin.start()
		configure_site(cls.standin, "Safe", site_url=SITE_URL)  # committed: the threads and bench read it
		client.forget_token()

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		super().tearDownClass()

	def setUp(self):
		self.standin.quota_exceeded = False
		self.standin.token_delay = 0
		self.standin.unsubscribed.clear()

	def test_token_is_cached_and_shared(self):
		client.forget_token()
		issued = self.standin.tokens_issued
		first = client.access_token()
		self.assertEqual(client.access_token(), first)
		self.assertTrue(client.send_template("oResidentA", "TPL-1", {"first": "您好"}))
		self.assertEqual(self.standin.tokens_issued, issued + 1)
		self.assertEqual(client.cached_token(), first)  # in Redis: every worker of the site sees it

	def test_expired_token_is_refreshed_once_and_the_message_goes_out(self):
		client.access_token()
		issued, sent = self.standin.tokens_issued, len(self.standin.messages)
		self.standin.expire_tokens()  # WeChat now answers 42001 for it
		msgid = client.send_template(
			"oResidentB", "TPL-DONE", {"keyword1": "SO-0001", "keyword2": {"value": "已完成"}}, url=SITE_URL
		)
		self.assertEqual(self.standin.tokens_issued, issued + 1)
		self.assertEqual(len(self.standin.messages), sent + 1)
		message = self.standin.messages[-1]
		self.assertEqual(str(message["msgid"]), msgid)
		self.assertEqual(message["data"]["keyword2"], {"value": "已完成"})
		self.assertEqual(message["url"], SITE_URL)
		failed = [r for r in integration_requests(self.since) if r.status == "Failed"]
		self.assertTrue(any("42001" in (r.error or "") for r in failed))

	def test_two_workers_refreshing_at_once_make_one_token_request(self):
		client.forget_token()
		frappe.db.commit()
		issued = self.standin.tokens_issued
		self.standin.token_delay = 0.5  # both workers are waiting while WeChat answers
		site, sites_path = frappe.local.site, frappe.local.sites_path
		barrier = threading.Barrier(2)
		tokens, errors = [], []

		def worker():
			frappe.init(site=site, sites_path=sites_path)
			frappe.connect()
			try:
				barrier.wait()
				tokens.append(client.access_token())
				frappe.db.commit()
			except Exception as error:
				errors.append(repr(error))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(30)
		self.assertEqual(errors, [])
		self.assertEqual(len(tokens), 2)
		self.assertEqual(tokens[0], tokens[1])
		self.assertEqual(self.standin.tokens_issued, issued + 1)

	def test_quota_unsubscribed_and_other_errors(self):
		self.standin.quota_exceeded = True
		with self.assertRaises(client.QuotaExceeded) as caught:
			client.send_template("oResidentC", "TPL-1", {"first": "x"})
		self.assertEqual(caught.exception.errcode, 45009)
		self.standin.quota_exceeded = False
		self.standin.unsubscribed.add("oGone")
		with self.assertRaises(client.Unsubscribed) as caught:
			client.send_template("oGone", "TPL-1", {"first": "x"})
		self.assertEqual(caught.exception.errcode, 43004)
		with self.assertRaises(client.WeChatError) as caught:
			client.send_template("oResidentC", "", {"first": "x"})
		self.assertEqual(caught.exception.errcode, 40037)
		self.assertNotIsInstance(caught.exception, client.Unsubscribed | client.QuotaExceeded)

	def test_oauth_code_and_media(self):
		code = self.standin.issue_code("oResidentD")
		self.assertEqual(client.oauth_openid(code), "oResidentD")
		with self.assertRaises(client.WeChatError) as caught:  # a code works once
			client.oauth_openid(code)
		self.assertEqual(caught.exception.errcode, 40163)
		picture = b"\xff\xd8\xff\xe0" + os.urandom(2000)
		media_id = self.standin.add_media(picture)
		self.assertEqual(client.download_media(media_id), picture)
		with self.assertRaises(client.WeChatError):
			client.download_media("nope")

	def test_the_bench_command_publishes_the_default_menu(self):
		published = len(self.standin.menus)
		sites = os.path.abspath(frappe.local.sites_path)
		command = [
			sys.executable,
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			"property-crm-wechat-menu",
		]
		result = subprocess.run(command, cwd=sites, capture_output=True, text=True, timeout=120)
		self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
		self.assertEqual(len(self.standin.menus), published + 1)
		self.assertEqual(self.standin.menus[-1], menu.default_menu(SITE_URL))
		names = {b["name"] for top in self.standin.menus[-1]["button"] for b in top.get("sub_button", [top])}
		self.assertEqual(names, {"报修", "我的报修", "投诉", "缴费", "问卷", "通知"})
		shown = subprocess.run([*command, "--print"], cwd=sites, capture_output=True, text=True, timeout=120)
		self.assertIn("/property/wechat?next=%2Fproperty%2Frequests", shown.stdout)
		self.assertEqual(len(self.standin.menus), published + 1)  # --print publishes nothing

	def test_zz_no_secret_in_integration_requests(self):
		frappe.db.commit()
		logs = integration_requests(self.since)
		self.assertTrue(logs)
		self.assertTrue({"access token", "template message"} <= {r.request_description for r in logs})
		secrets_ = [self.standin.secret, self.standin.callback_token, self.standin.encoding_aes_key]
		secrets_ += list(self.standin.tokens)
		for row in logs:
			text = " ".join(str(row.get(k) or "") for k in ("url", "data", "output", "error"))
			for secret in secrets_:
				self.assertNotIn(secret, text, row.name)
			self.assertNotIn("access_token=", row.url or "")
			self.assertNotIn("secret=", row.url or "")


class WeChatSettingsCase(FrappeTestCase):
	def settings(self, **values):
		doc = frappe.get_doc(SETTINGS)
		doc.update(values)
		return doc

	def assertRefused(self, **values):
		doc = self.settings(**values)
		with self.assertRaises(frappe.ValidationError):
			doc.validate()

	def test_bad_values_are_refused(self):
		good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		self.settings(encoding_aes_key=good, environment="Sandbox").validate()
		self.assertRefused(encoding_aes_key=good[:-1])
		self.assertRefused(encoding_aes_key=good[:-1] + "=")
		self.assertRefused(token="a b!")
		self.assertRefused(api_base_url="ftp://api.weixin.qq.com")
		self.assertRefused(oauth_base_url="javascript:alert(1)")
		self.assertRefused(environment="Live", api_base_url="http://api.weixin.qq.com")
		self.assertRefused(environment="Live", site_url="http://crm.example.com")
		self.assertRefused(template_bill_due="<script>")
		doc = self.settings(enabled=1, appid="", environment="Sandbox")
		with self.assertRaises(frappe.ValidationError) as caught:
			doc.validate()
		self.assertIn("App ID", str(caught.exception))
		frappe.db.rollback()

	def test_only_managers_read_the_settings(self):
		manager = make_user(["Property Manager"])
		service = make_user(["Property Customer Service"])
		self.assertTrue(frappe.has_permission(SETTINGS, "write", user=manager))
		self.assertFalse(frappe.has_permission(SETTINGS, "read", user=service))
