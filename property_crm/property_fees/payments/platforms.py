"""The interface every online payment platform implements, and the platform registry.

Amounts are ``decimal.Decimal`` yuan with 2 places. WeChatPayPlatform (``wechat_pay.py``) and AlipayPlatform
(``alipay.py``) subclass ``Platform``; the rest of the app reaches a platform only through ``get_platform``.
A platform reaches its API only through the base URL configured in its settings doctype (the tests point it at
their stand-ins).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import frappe
from frappe import _

from property_crm.property_fees.payments.integration_log import log_request, redact  # re-exported

WECHAT_PAY = "WeChat Pay"
ALIPAY = "Alipay"
PLATFORM_NAMES = (WECHAT_PAY, ALIPAY)

# platform name -> (module, class name); imported lazily so a missing SDK only breaks its own platform
_REGISTRY = {
	WECHAT_PAY: ("property_crm.property_fees.payments.wechat_pay", "WeChatPayPlatform"),
	ALIPAY: ("property_crm.property_fees.payments.alipay", "AlipayPlatform"),
}


@dataclass
class Notice:
	"""A verified payment result, from a notification or an active query."""

	platform: str  # "WeChat Pay" | "Alipay"
	out_trade_no: str  # our trade number (= Property Payment Order name)
	transaction_id: str | None  # the platform's (WeChat transaction_id / Alipay trade_no)
	amount: Decimal  # what the platform says was paid (total), yuan
	state: str  # "paid" | "pending" | "closed" | "failed"
	paid_at: datetime | None  # naive, in the site's time zone
	raw: dict  # the verified (decrypted) payload, for the Integration Request log


@dataclass
class Launch:
	"""How the resident's device goes on to pay."""

	kind: str  # "redirect" (url) | "qr" (code) | "jsapi" (params)
	url: str | None = None
	code: str | None = None
	params: dict | None = None


@dataclass
class RefundResult:
	state: str  # "refunded" | "processing" | "failed"
	refund_id: str | None
	raw: dict


@dataclass
class StatementLine:
	"""One row of the platform's daily statement (对账单)."""

	kind: str  # "payment" | "refund"
	out_trade_no: str
	transaction_id: str | None
	amount: Decimal  # payment: amount paid; refund: amount refunded (positive)
	out_refund_no: str | None = None
	happened_at: datetime | None = None


class NotificationRejected(frappe.ValidationError):
	"""A notification (or query answer) we do not believe: bad signature, replay, wrong amount, unknown order."""

	http_status_code = 400


class PlatformError(frappe.ValidationError):
	"""The platform refused or could not be reached; the message is translated and holds no secret."""

	http_status_code = 417


class Platform:
	"""Base class of a payment platform. Subclasses set the class attributes and implement the methods."""

	name: str = ""
	settings_doctype: str = ""
	channels: tuple[str, ...] = ()

	def enabled(self) -> bool:
		"""The settings say enabled (and are complete enough to take payments)."""
		raise NotImplementedError

	def mode_of_payment(self) -> str:
		"""The ERPNext Mode of Payment of this platform ("WeChat Pay" | "Alipay")."""
		return self.name

	def launch(
		self,
		order,
		channel: str,
		client_ip: str,
		return_url: str,
		notify_url: str,
		openid: str | None = None,
	) -> Launch:
		"""Create the platform's order for ``order`` (a Property Payment Order doc) in ``channel``."""
		raise NotImplementedError

	def verify_notification(self, headers: dict, body: bytes) -> Notice:
		"""Verify (and decrypt) a notification; raises NotificationRejected."""
		raise NotImplementedError

	def acknowledge(self, ok: bool) -> tuple[int, str, str]:
		"""What to answer a notification: (HTTP status, body, content type)."""
		raise NotImplementedError

	def query(self, out_trade_no: str) -> Notice:
		"""Actively ask the platform about an order; raises PlatformError."""
		raise NotImplementedError

	def close(self, out_trade_no: str) -> None:
		"""Close an unpaid order at the platform; raises PlatformError."""
		raise NotImplementedError

	def refund(
		self, out_trade_no: str, out_refund_no: str, amount: Decimal, total: Decimal, reason: str
	) -> RefundResult:
		raise NotImplementedError

	def statement(self, day: date) -> list[StatementLine]:
		"""The platform's statement (对账单) of ``day``."""
		raise NotImplementedError


def get_platform(name: str) -> Platform:
	"""The platform called ``name`` ("WeChat Pay" | "Alipay"); 417 for an unknown one."""
	entry = _REGISTRY.get(name)
	if not entry:
		frappe.throw(_("Unknown payment platform: {0}").format(name), frappe.ValidationError)
	module_name, class_name = entry
	module = frappe.get_module(module_name)
	return getattr(module, class_name)()


def enabled_platforms() -> list[Platform]:
	"""The platforms whose settings say enabled, in a fixed order (WeChat Pay, Alipay)."""
	out = []
	for name in PLATFORM_NAMES:
		try:
			platform = get_platform(name)
			if platform.enabled():
				out.append(platform)
		except (ImportError, NotImplementedError, frappe.DoesNotExistError):
			continue
	return out


def to_yuan(value) -> Decimal:
	"""``value`` (float/str/Decimal) as Decimal yuan with 2 places."""
	from property_crm.property_fees.rules.payments import yuan

	return yuan(value)
