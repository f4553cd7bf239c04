"""WeChat Pay Settings (微信支付设置): the merchant's API v3 credentials and the WeChat Pay public key.

The merchant private key and the API v3 key are Password fields (kept encrypted in `__Auth`, the form shows
asterisks); the WeChat Pay public key is public. A key pasted on one line (a password box drops newlines) is
re-wrapped; every key must load, or saving fails with a clear message (417). The platform code
(`payments/wechat_pay.py`) reads these settings through `credentials()`.
"""

from urllib.parse import urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.property_fees.rules import wechat_pay as rules

DOCTYPE = "WeChat Pay Settings"
LIVE_BASE_URL = "https://api.mch.weixin.qq.com"


def load_private_key(pem: str):
	"""An RSA private key from PEM text (PKCS#8 or PKCS#1, one line or many); ValueError otherwise."""
	text = rules.normalise_pem(pem)
	if "-----BEGIN" not in text:
		text = f"-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----\n"
	key = serialization.load_pem_private_key(text.encode(), password=None)
	if not isinstance(key, rsa.RSAPrivateKey):
		raise ValueError("not an RSA key")
	return key


def load_public_key(pem: str):
	text = rules.normalise_pem(pem)
	if "-----BEGIN" not in text:
		text = f"-----BEGIN PUBLIC KEY-----\n{text}\n-----END PUBLIC KEY-----\n"
	key = serialization.load_pem_public_key(text.encode())
	if not isinstance(key, rsa.RSAPublicKey):
		raise ValueError("not an RSA key")
	return key


def private_pem(key) -> str:
	return key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()


def public_pem(key) -> str:
	return key.public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	).decode()


class WeChatPaySettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		for fieldname in ("mchid", "appid", "merchant_serial_no", "platform_public_key_id"):
			self.set(fieldname, (self.get(fieldname) or "").strip())
		self.validate_base_url()
		self.validate_merchant_key()
		self.validate_apiv3_key()
		self.validate_platform_key()
		if self.enabled:
			self.validate_complete()

	def validate_base_url(self):
		url = (self.api_base_url or "").strip().rstrip("/") or LIVE_BASE_URL
		parsed = urlparse(url)
		if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.path or parsed.query:
			frappe.throw(
				_("API Base URL must be an address like {0}").format(LIVE_BASE_URL), frappe.ValidationError
			)
		if self.environment == "Live" and parsed.scheme != "https":
			frappe.throw(_("In Live mode the API Base URL must use https"), frappe.ValidationError)
		self.api_base_url = url

	def new_secret(self, fieldname: str) -> str | None:
		"""The value typed into a Password field now (None when the form sent the stored value's asterisks)."""
		value = self.get(fieldname)
		if value and not self.is_dummy_password(value):
			return value
		return None

	def stored_secret(self, fieldname: str) -> str | None:
		return self.new_secret(fieldname) or self.get_password(fieldname, raise_exception=False)

	def validate_merchant_key(self):
		value = self.new_secret("merchant_private_key")
		if not value:
			return
		try:
			key = load_private_key(value)
		except (ValueError, TypeError):
			frappe.throw(
				_("The merchant API private key could not be read: paste the whole apiclient_key.pem"),
				frappe.ValidationError,
			)
		if key.key_size < 2048:
			frappe.throw(_("The merchant API private key must be an RSA key of 2048 bits or more"))
		self.merchant_private_key = private_pem(key)

	def validate_apiv3_key(self):
		value = self.new_secret("apiv3_key")
		if not value:
			return
		value = value.strip()
		if not rules.valid_apiv3_key(value):
			frappe.throw(
				_("The API v3 key must be exactly 32 characters (it has {0})").format(len(value.encode())),
				frappe.ValidationError,
			)
		self.apiv3_key = value

	def validate_platform_key(self):
		if self.platform_public_key_id and not self.platform_public_key_id.startswith("PUB_KEY_ID_"):
			frappe.throw(
				_("The WeChat Pay public key ID starts with PUB_KEY_ID_ (merchant platform → API security)"),
				frappe.ValidationError,
			)
		if not (self.platform_public_key or "").strip():
			self.platform_public_key = ""
			return
		try:
			key = load_public_key(self.platform_public_key)
		except (ValueError, TypeError):
			frappe.throw(
				_("The WeChat Pay public key could not be read: paste the whole pub_key.pem"),
				frappe.ValidationError,
			)
		self.platform_public_key = public_pem(key)

	def validate_complete(self):
		labels = {
			"mchid": _("Merchant ID (mchid)"),
			"appid": _("App ID (appid)"),
			"merchant_serial_no": _("Merchant Certificate Serial No."),
			"platform_public_key_id": _("WeChat Pay Public Key ID"),
			"platform_public_key": _("WeChat Pay Public Key (PEM)"),
		}
		missing = [label for fieldname, label in labels.items() if not self.get(fieldname)]
		if not self.stored_secret("merchant_private_key"):
			missing.append(_("Merchant API Private Key (PEM)"))
		if not self.stored_secret("apiv3_key"):
			missing.append(_("API v3 Key"))
		if missing:
			frappe.throw(
				_("WeChat Pay cannot be enabled without: {0}").format(", ".join(missing)),
				frappe.ValidationError,
			)


def credentials() -> frappe._dict:
	"""The settings with the secrets decrypted, for the platform code (never returned to a client)."""
	doc = frappe.get_cached_doc(DOCTYPE)
	return frappe._dict(
		enabled=bool(doc.enabled),
		environment=doc.environment,
		api_base_url=(doc.api_base_url or LIVE_BASE_URL).rstrip("/"),
		mchid=doc.mchid,
		appid=doc.appid,
		merchant_serial_no=doc.merchant_serial_no,
		merchant_private_key=doc.get_password("merchant_private_key", raise_exception=False),
		apiv3_key=doc.get_password("apiv3_key", raise_exception=False),
		platform_public_key_id=doc.platform_public_key_id,
		platform_public_key=doc.platform_public_key,
		modified=str(doc.modified),
	)
