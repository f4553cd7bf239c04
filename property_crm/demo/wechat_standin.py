"""The WeChat Official Account stand-in beside a served site (`bench property-crm-wechat-standin`) and the
simulated WeChat client on the command line (`bench property-crm-wechat-say`).

The stand-in's account (appid, app secret, callback Token, EncodingAESKey) is the site's own, kept in the
private folder (`wechat_standin.json`, owner-only, never served nor committed), made on first use — from the
settings when they already hold a Sandbox account (the demo's WeChat step writes one), else fresh — so the
settings, the stand-in and the simulated client always agree. WeChat Official Account Settings are pointed
at the stand-in (API and OAuth base URL, Sandbox, Safe mode unless told otherwise); a Live account is never
touched."""

import json
import os

import frappe

KEYS_FILE = "wechat_standin.json"
SETTINGS = "WeChat Official Account Settings"
PORT = 8701  # the demo's settings point here (`property_crm.demo.wechat.PORT`)
CALLBACK_PATH = "/api/method/property_crm.wechat.endpoint.callback"


def keys_path() -> str:
	return frappe.get_site_path("private", KEYS_FILE)


def standin_keys() -> dict:
	"""The stand-in's account of this site: read from the private folder, or made (and written, owner-only)
	on first use — taken from Sandbox settings that already hold one, else fresh."""
	path = keys_path()
	if os.path.exists(path):
		with open(path, encoding="utf-8") as handle:
			return json.load(handle)
	from property_crm.tests.wechat_standin import DEFAULT_APPID, WeChatStandIn
	from property_crm.wechat import client

	current = client.settings()
	if current.environment == "Sandbox" and current.appid and current.app_secret and current.token:
		keys = {
			"appid": current.appid,
			"app_secret": current.app_secret,
			"token": current.token,
			"encoding_aes_key": current.encoding_aes_key,
		}
	else:
		fresh = WeChatStandIn(DEFAULT_APPID)
		keys = {
			"appid": fresh.appid,
			"app_secret": fresh.secret,
			"token": fresh.callback_token,
			"encoding_aes_key": fresh.encoding_aes_key,
		}
	if not keys["encoding_aes_key"]:
		from property_crm.tests.wechat_standin import random_aes_key

		keys["encoding_aes_key"] = random_aes_key()
	os.makedirs(os.path.dirname(path), exist_ok=True)
	descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
	with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
		json.dump(keys, handle, indent=1)
	return keys


def is_live() -> bool:
	"""The site's Official Account talks to the real WeChat: never pointed at a stand-in."""
	return frappe.db.get_single_value(SETTINGS, "environment") == "Live"


def make_standin(keys: dict):
	"""The stand-in holding this site's account, not yet listening."""
	from property_crm.tests.wechat_standin import WeChatStandIn

	standin = WeChatStandIn(keys["appid"], keys["app_secret"])
	standin.callback_token = keys["token"]
	standin.encoding_aes_key = keys["encoding_aes_key"]
	return standin


def configure(standin, base_url: str, site_url: str, mode: str = "Safe"):
	"""WeChat Official Account Settings enabled in Sandbox, API and OAuth base URL = `base_url` (the
	stand-in's address), the stand-in's account, `mode`, the site URL. Commits."""
	from property_crm.tests.wechat_standin import configure_site

	standin.base_url = base_url
	return configure_site(standin, mode, site_url=site_url)


def bound_users(limit: int = 5) -> list[tuple[str, str]]:
	"""(portal user, openid) of a few bound residents — whom `property-crm-wechat-say` can speak as."""
	return [
		(row.user, row.openid)
		for row in frappe.get_all(
			"WeChat Binding",
			filters={"user": ("is", "set")},
			fields=["user", "openid"],
			order_by="user asc",
			limit=limit,
		)
	]


def openid_for(who: str) -> str | None:
	"""An openid as given, or the one bound to a portal user (an e-mail)."""
	if "@" not in who:
		return who
	return frappe.db.get_value("WeChat Binding", {"user": who}, "openid")


def client_for_site(site_url: str | None = None, host: str | None = None):
	"""The simulated WeChat client for the site's callback, with the settings' account (what the site
	checks signatures against)."""
	from property_crm.tests.wechat_standin import WeChatClient
	from property_crm.wechat import client

	current = client.settings()
	url = (site_url or current.site_url or frappe.utils.get_url()).rstrip("/") + CALLBACK_PATH
	return WeChatClient(
		url,
		current.token,
		current.encoding_aes_key if current.mode == "Safe" else None,
		current.appid,
		current.mode,
		host=host,
	)
