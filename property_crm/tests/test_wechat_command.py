"""`bench property-crm-wechat-standin` and `bench property-crm-wechat-say` (property_crm/commands.py): what a
newcomer sees at the terminal. `--configure-only` points WeChat Official Account Settings at a stand-in on
127.0.0.1 (Sandbox, Safe mode) with the site's own account kept owner-only in the private folder, and prints
no secret; another host is refused, and so is a Live account. `say` plays a WeChat app against the served
site's callback: the request is signed and encrypted as WeChat does and the reply comes back decrypted.
"""

import json
import os
import subprocess
import sys
import unittest

import frappe

from property_crm.demo import wechat_standin as standins
from property_crm.tests.served import base_url
from property_crm.tests.wechat_standin import random_openid

SETTINGS = "WeChat Official Account Settings"


def command(*args):
	return subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site, *args],
		cwd=os.getcwd(), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
	)  # fmt: skip


def single(field: str):
	return frappe.db.get_single_value(SETTINGS, field)


class TestWeChatCommand(unittest.TestCase):
	@classmethod
	def setUpClass(cls):
		cls.done = command(
			"property-crm-wechat-standin", "--configure-only", "--port", "8711",
			"--site-url", "http://127.0.0.1:8000/",
		)  # fmt: skip
		frappe.db.rollback()  # a fresh snapshot: what the command committed
		frappe.clear_document_cache(SETTINGS, SETTINGS)

	def test_configure_only_points_the_settings_at_the_stand_in_on_127_0_0_1(self):
		done = self.done
		self.assertEqual(done.returncode, 0, done.stdout[-2000:] + done.stderr[-2000:])
		self.assertIn("http://127.0.0.1:8711", done.stdout)
		self.assertIn("http://127.0.0.1:8000/api/method/property_crm.wechat.endpoint.callback", done.stdout)
		self.assertEqual(single("api_base_url"), "http://127.0.0.1:8711")
		self.assertEqual(single("oauth_base_url"), "http://127.0.0.1:8711")
		self.assertEqual(single("environment"), "Sandbox")
		self.assertEqual(single("mode"), "Safe")
		self.assertEqual(str(single("enabled")), "1")
		self.assertEqual(single("site_url"), "http://127.0.0.1:8000")
		path = standins.keys_path()
		self.assertIn(os.sep + "private" + os.sep, path)
		self.assertEqual(os.stat(path).st_mode & 0o077, 0, "the account is the owner's only")
		with open(path, encoding="utf-8") as handle:
			keys = json.load(handle)
		doc = frappe.get_doc(SETTINGS)
		self.assertEqual(doc.appid, keys["appid"])
		self.assertEqual(doc.get_password("app_secret"), keys["app_secret"])
		self.assertEqual(doc.get_password("encoding_aes_key"), keys["encoding_aes_key"])
		for secret in (keys["app_secret"], keys["token"], keys["encoding_aes_key"]):
			self.assertNotIn(secret, done.stdout + done.stderr)

	def test_another_host_is_refused(self):
		refused = command("property-crm-wechat-standin", "--host", "0.0.0.0", "--configure-only")
		self.assertNotEqual(refused.returncode, 0)
		self.assertIn("127.0.0.1", refused.stdout + refused.stderr)

	def test_say_signs_encrypts_and_shows_the_decrypted_reply(self):
		url = base_url()  # the served test site
		frappe.db.set_single_value(SETTINGS, "site_url", url)
		frappe.db.commit()
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		stranger = random_openid()  # bound to nobody: the reply is the binding link, nothing written
		said = command("property-crm-wechat-say", stranger, "水管漏水", "--host-header", frappe.local.site)
		self.assertEqual(said.returncode, 0, said.stdout[-2000:] + said.stderr[-2000:])
		out = said.stdout
		self.assertIn("msg_signature=", out)
		self.assertIn("encrypt_type=aes", out)
		self.assertIn("<Encrypt>", out)
		self.assertNotIn("水管漏水", out.split("-> HTTP")[0], "the message travels encrypted")
		self.assertIn("-> HTTP 200", out)
		self.assertIn("Reply (decrypted):", out)
		self.assertIn(f"ToUserName: {stranger}", out)
		self.assertIn("/property/wechat", out)

	def test_a_live_account_is_left_alone(self):
		frappe.db.set_single_value(SETTINGS, "environment", "Live")
		frappe.db.commit()
		try:
			refused = command("property-crm-wechat-standin", "--configure-only", "--port", "8713")
		finally:
			frappe.db.set_single_value(SETTINGS, "environment", "Sandbox")
			frappe.db.commit()
		self.assertNotEqual(refused.returncode, 0)
		self.assertIn("Live", refused.stdout)
		self.assertNotEqual(single("api_base_url"), "http://127.0.0.1:8713")
