"""Alipay Settings: the app's Alipay account (issue 21). The keys are checked and normalised on save."""

from urllib.parse import urlparse

import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.property_fees.rules import alipay_keys


class AlipaySettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.gateway_url = (self.gateway_url or "").strip()
		self.app_id = (self.app_id or "").strip()
		self.seller_id = (self.seller_id or "").strip()
		url = urlparse(self.gateway_url)
		if url.scheme not in ("http", "https") or not url.netloc:
			frappe.throw(_("The Alipay gateway URL must be an http(s) address."), frappe.ValidationError)
		if self.environment == "Live" and url.scheme != "https":
			frappe.throw(_("In Live mode the Alipay gateway URL must use https."), frappe.ValidationError)

		# a new private key (the field holds the typed value, not the ***** placeholder) is normalised before
		# Frappe stores it encrypted; a kept one is still checked
		private = self.app_private_key
		if private and not self.is_dummy_password(private):
			self.app_private_key = self._private_pem(private)
		elif private:
			self._private_pem(self.get_password("app_private_key", raise_exception=False) or "")
		if (self.alipay_public_key or "").strip():
			try:
				self.alipay_public_key = alipay_keys.public_key_pem(self.alipay_public_key)
			except alipay_keys.KeyFormatError:
				frappe.throw(
					_(
						"The Alipay public key is not an RSA public key of 2048 bits or more (paste the PEM or the base64 text from the Alipay open platform)."
					),
					frappe.ValidationError,
				)
		if self.enabled:
			missing = [
				_(label)
				for field, label in (
					("app_id", "App ID"),
					("app_private_key", "App Private Key"),
					("alipay_public_key", "Alipay Public Key"),
				)
				if not (self.get(field) or "").strip()
			]
			if missing:
				frappe.throw(
					_("Alipay cannot be enabled without: {0}").format(", ".join(missing)),
					frappe.ValidationError,
				)

	def _private_pem(self, text):
		try:
			return alipay_keys.private_key_pem(text)
		except alipay_keys.KeyFormatError:
			frappe.throw(
				_(
					"The app private key is not an unencrypted RSA private key of 2048 bits or more (paste the PEM or the base64 text from Alipay's key tool)."
				),
				frappe.ValidationError,
			)
