"""WeChat Official Account Settings (微信公众号设置): the account's credentials, base URLs and template IDs.

The App Secret, Token and EncodingAESKey are Password fields (encrypted in `__Auth`, shown as asterisks).
Saving checks: base URLs and site URL are http(s) origins (https in Live), the EncodingAESKey is 43
characters of the base64 alphabet, the Token 3–32 letters/digits, and an enabled account is complete.
The channel's code reads them through `credentials()`; a change drops the cached access token.
"""

import re
from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.wechat.protocol import valid_aes_key

DOCTYPE = "WeChat Official Account Settings"
LIVE_API_BASE_URL = "https://api.weixin.qq.com"
LIVE_OAUTH_BASE_URL = "https://open.weixin.qq.com"
CALLBACK_PATH = "/api/method/property_crm.wechat.endpoint.callback"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9]{3,32}$")
TEMPLATE_EVENTS = (
	"request_accepted",
	"request_dispatched",
	"request_completed",
	"complaint_acknowledged",
	"complaint_resolved",
	"bill_due",
	"arrears_notice",
	"survey_invitation",
	"estate_notice",
)


class WeChatOfficialAccountSettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.appid = (self.appid or "").strip()
		self.api_base_url = self.clean_url("api_base_url", _("API Base URL"), LIVE_API_BASE_URL)
		self.oauth_base_url = self.clean_url("oauth_base_url", _("OAuth Base URL"), LIVE_OAUTH_BASE_URL)
		self.site_url = self.clean_url("site_url", _("Site URL"), None)
		self.callback_url = (self.site_url + CALLBACK_PATH) if self.site_url else ""
		for event in TEMPLATE_EVENTS:
			fieldname = f"template_{event}"
			value = (self.get(fieldname) or "").strip()
			if value and not re.match(r"^[A-Za-z0-9_-]{1,128}$", value):
				frappe.throw(
					_("{0}: a template ID holds only letters, digits, - and _").format(
						_(self.meta.get_label(fieldname))
					),
					frappe.ValidationError,
				)
			self.set(fieldname, value)
		self.validate_token()
		self.validate_aes_key()
		if self.enabled:
			self.validate_complete()

	def on_update(self):
		from property_crm.wechat.client import forget_token

		try:
			forget_token(self.appid)
		except Exception:
			pass  # Redis down: the cached token expires by itself

	def clean_url(self, fieldname: str, label: str, default: str | None) -> str:
		url = (self.get(fieldname) or "").strip().rstrip("/") or (default or "")
		if not url:
			return ""
		parsed = urlparse(url)
		if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
			frappe.throw(
				_("{0} must be an address like {1}").format(label, default or "https://crm.example.com"),
				frappe.ValidationError,
			)
		if self.environment == "Live" and parsed.scheme != "https":
			frappe.throw(
				_("{0}: in Live mode the address must use https").format(label), frappe.ValidationError
			)
		return url

	def new_secret(self, fieldname: str) -> str | None:
		"""The value typed into a Password field now (None when the form sent the stored value's asterisks)."""
		value = self.get(fieldname)
		if value and not self.is_dummy_password(value):
			return value
		return None

	def stored_secret(self, fieldname: str) -> str | None:
		return self.new_secret(fieldname) or self.get_password(fieldname, raise_exception=False)

	def validate_token(self):
		value = self.new_secret("token")
		if value is None:
			return
		value = value.strip()
		if not TOKEN_PATTERN.match(value):
			frappe.throw(_("The Token must be 3 to 32 letters or digits"), frappe.ValidationError)
		self.token = value

	def validate_aes_key(self):
		value = self.new_secret("encoding_aes_key")
		if value is None:
			return
		value = value.strip()
		if not valid_aes_key(value):
			frappe.throw(
				_("The EncodingAESKey must be exactly 43 letters and digits (it has {0} characters)").format(
					len(value)
				),
				frappe.ValidationError,
			)
		self.encoding_aes_key = value

	def validate_complete(self):
		missing = []
		if not self.appid:
			missing.append(_("App ID (AppID)"))
		if not self.stored_secret("app_secret"):
			missing.append(_("App Secret (AppSecret)"))
		if not self.stored_secret("token"):
			missing.append(_("Token"))
		if self.mode == "Safe" and not self.stored_secret("encoding_aes_key"):
			missing.append(_("EncodingAESKey"))
		if not self.site_url:
			missing.append(_("Site URL"))
		if missing:
			frappe.throw(
				_("The WeChat Official Account cannot be enabled without: {0}").format(", ".join(missing)),
				frappe.ValidationError,
			)


def credentials() -> frappe._dict:
	"""The settings with the secrets decrypted, for the channel's code (never returned to a client)."""
	doc = frappe.get_cached_doc(DOCTYPE)
	return frappe._dict(
		enabled=bool(doc.enabled),
		environment=doc.environment or "Sandbox",
		mode=doc.mode or "Safe",
		api_base_url=(doc.api_base_url or LIVE_API_BASE_URL).rstrip("/"),
		oauth_base_url=(doc.oauth_base_url or LIVE_OAUTH_BASE_URL).rstrip("/"),
		site_url=(doc.site_url or "").rstrip("/"),
		appid=doc.appid or "",
		app_secret=doc.get_password("app_secret", raise_exception=False) or "",
		token=doc.get_password("token", raise_exception=False) or "",
		encoding_aes_key=doc.get_password("encoding_aes_key", raise_exception=False) or "",
		templates={event: doc.get(f"template_{event}") or "" for event in TEMPLATE_EVENTS},
		modified=str(doc.modified),
	)
