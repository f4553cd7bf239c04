"""Alipay (支付宝) on python-alipay-sdk: 手机网站支付 (wap), 电脑网站支付 (page), 当面付 precreate (qr).

The SDK signs every request with the app private key (RSA2) and checks every answer's signature with the
Alipay public key; its gateway is the one in Alipay Settings — the only address this module sends anything
to (tests point it at their stand-in). The SDK's own GET of the whole signed query is replaced by a POST of
the same form through `requests`, so each call is logged (without the signature) and a transport failure or
an unsigned error answer becomes a translated PlatformError naming Alipay's sub_code.

Times: Alipay reads and writes Beijing time (Asia/Shanghai); Notice.paid_at is naive in the site's time zone.
"""

import binascii
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlparse
from zoneinfo import ZoneInfo

import requests
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError

import frappe
from frappe import _
from frappe.utils import get_system_timezone

from property_crm.property_fees.payments.platforms import (
	ALIPAY,
	Launch,
	Notice,
	NotificationRejected,
	Platform,
	PlatformError,
	RefundResult,
	StatementLine,
	log_request,
)
from property_crm.property_fees.rules import alipay_statement

SETTINGS = "Alipay Settings"
ORDER = "Property Payment Order"
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMEOUT = 15
# Alipay retries a notification for about 25 hours (4m,10m,10m,1h,2h,6h,15h); older ones are replays
NOTIFY_MAX_AGE = timedelta(hours=25)
NOTIFY_MAX_AHEAD = timedelta(minutes=5)
TRADE_STATES = {
	"TRADE_SUCCESS": "paid",
	"TRADE_FINISHED": "paid",
	"WAIT_BUYER_PAY": "pending",
	"TRADE_CLOSED": "closed",
}
CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030"}
TRADE_NOT_EXIST = "ACQ.TRADE_NOT_EXIST"

# per process: (site, settings' modified) -> client
_clients: dict = {}


def beijing_now() -> datetime:
	return datetime.now(BEIJING)


def _beijing(text: str) -> datetime | None:
	"""An Alipay time ("yyyy-MM-dd HH:mm:ss", Beijing) as an aware datetime; None when absent or unreadable."""
	try:
		return datetime.strptime((text or "").strip(), TIME_FORMAT).replace(tzinfo=BEIJING)
	except ValueError:
		return None


def _site_naive(moment: datetime | None) -> datetime | None:
	if moment is None:
		return None
	return moment.astimezone(ZoneInfo(get_system_timezone())).replace(tzinfo=None)


def _to_beijing_text(naive_site_time) -> str | None:
	"""A naive site-time datetime (the order's expires_at) as Alipay's Beijing-time text."""
	if not naive_site_time:
		return None
	moment = frappe.utils.get_datetime(naive_site_time).replace(tzinfo=ZoneInfo(get_system_timezone()))
	return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def _amount_text(value) -> str:
	"""Yuan as Alipay's 2-place string, from Decimal (never through float)."""
	return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _decimal(text) -> Decimal:
	try:
		return Decimal(str(text or "0")).quantize(Decimal("0.01"))
	except InvalidOperation:
		raise NotificationRejected(_("Alipay sent an amount that is not a number."))


def _reference(out_trade_no):
	"""The payment order to hang a log on, when it exists (an Integration Request's link is validated)."""
	try:
		if out_trade_no and frappe.db.exists(ORDER, out_trade_no):
			return (ORDER, out_trade_no)
	except Exception:
		return None
	return None


class _Client(AliPay):
	"""The SDK's client with the request sent as a POST through `requests` (logged, no secret) and the
	timestamp in Beijing time whatever the server's clock zone."""

	def build_body(self, method, biz_content=None, **kwargs):
		data = super().build_body(method, biz_content, **kwargs)
		data["timestamp"] = beijing_now().strftime(TIME_FORMAT)
		return data

	def verified_sync_response(self, data, response_type):
		method = data.get("method")
		biz = dict(data.get("biz_content") or {})
		logged = {"method": method, "app_id": data.get("app_id"), "biz_content": biz}
		reference = _reference(biz.get("out_trade_no"))
		body = self.sign_data(data)
		try:
			response = requests.post(
				self._gateway + ("&" if "?" in self._gateway else "?") + "charset=utf-8",
				data=body.encode(),
				headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
				timeout=TIMEOUT,
			)
			raw = response.content.decode("utf-8", "replace")
		except requests.RequestException as error:
			log_request(
				ALIPAY, method, logged, error=type(error).__name__, reference=reference, status="Failed"
			)
			frappe.throw(
				_("Alipay could not be reached ({0}). Please try again later.").format(type(error).__name__),
				PlatformError,
			)
		try:
			answer = frappe.parse_json(raw)
		except ValueError:
			answer = None
		if not isinstance(answer, dict) or not isinstance(
			answer.get(response_type) or answer.get("error_response"), dict
		):
			log_request(
				ALIPAY,
				method,
				logged,
				error=f"HTTP {response.status_code}: not an Alipay answer",
				reference=reference,
				status="Failed",
			)
			frappe.throw(
				_("Alipay answered {0} with something that is not an Alipay answer (HTTP {1}).").format(
					method, response.status_code
				),
				PlatformError,
			)
		if "sign" not in answer or "error_response" in answer:
			# an error Alipay did not sign (e.g. isv.invalid-signature): no business data to trust, only the code
			result = answer.get(response_type) or answer.get("error_response")
			log_request(ALIPAY, method, logged, output=result, reference=reference, status="Failed")
			_refuse(method, result)
		try:
			result = self._verify_and_return_sync_response(raw, response_type)
		except (AliPayValidationError, AliPayException, binascii.Error, ValueError):
			log_request(
				ALIPAY, method, logged, error="answer signature invalid", reference=reference, status="Failed"
			)
			frappe.throw(
				_("Alipay's answer to {0} failed its signature check and was refused.").format(method),
				PlatformError,
			)
		ok = str(result.get("code")) == "10000"
		log_request(
			ALIPAY, method, logged, output=result, reference=reference, status="Completed" if ok else "Failed"
		)
		return result


def _refuse(method, result):
	"""A translated PlatformError naming Alipay's code and sub_code (never a secret: those are Alipay's words)."""
	result = result or {}
	frappe.throw(
		_("Alipay refused {0}: {1} {2} ({3}).").format(
			method,
			result.get("sub_code") or result.get("code") or "?",
			result.get("sub_msg") or "",
			result.get("msg") or "",
		),
		PlatformError,
	)


def _check(method, result, allow=()):
	"""The answer when Alipay said 10000 (or a sub_code in `allow`); else PlatformError."""
	if str(result.get("code")) == "10000" or result.get("sub_code") in allow:
		return result
	_refuse(method, result)


class AlipayPlatform(Platform):
	name = ALIPAY
	settings_doctype = SETTINGS
	channels = ("wap", "page", "qr")

	# settings and client
	def settings(self):
		return frappe.get_cached_doc(SETTINGS)

	def enabled(self) -> bool:
		settings = self.settings()
		return bool(
			settings.enabled and settings.app_id and settings.alipay_public_key and settings.gateway_url
		)

	def client(self) -> _Client:
		settings = self.settings()
		if not settings.enabled:
			frappe.throw(_("Alipay is not enabled (Alipay Settings)."), PlatformError)
		key = (frappe.local.site, str(settings.modified))
		client = _clients.get(key)
		if client is None:
			private = settings.get_password("app_private_key", raise_exception=False)
			try:
				client = _Client(
					appid=settings.app_id,
					app_private_key_string=private,
					alipay_public_key_string=settings.alipay_public_key,
					sign_type="RSA2",
				)
			except (ValueError, IndexError, TypeError, AliPayException):
				frappe.throw(
					_("The keys in Alipay Settings cannot be loaded; please enter them again."), PlatformError
				)
			client._gateway = settings.gateway_url
			for stale in [k for k in _clients if k[0] == key[0]]:
				_clients.pop(stale, None)
			_clients[key] = client
		return client

	# paying
	def launch(self, order, channel, client_ip, return_url, notify_url, openid=None) -> Launch:
		if channel not in self.channels:
			frappe.throw(_("Alipay has no payment channel {0}.").format(channel), frappe.ValidationError)
		client = self.client()
		extra = {}
		expire = _to_beijing_text(order.get("expires_at"))
		if expire:
			extra["time_expire"] = expire
		args = {
			"subject": "物业费 " + order.name,
			"out_trade_no": order.name,
			"total_amount": _amount_text(order.amount),
		}
		if channel == "qr":
			result = _check(
				"alipay.trade.precreate",
				client.api_alipay_trade_precreate(notify_url=notify_url, **args, **extra),
			)
			if not result.get("qr_code"):
				_refuse("alipay.trade.precreate", result)
			return Launch(kind="qr", code=result["qr_code"])
		if channel == "wap":
			method = "alipay.trade.wap.pay"
			query = client.api_alipay_trade_wap_pay(
				return_url=return_url, notify_url=notify_url, quit_url=return_url, **args, **extra
			)
		else:
			method = "alipay.trade.page.pay"
			query = client.api_alipay_trade_page_pay(
				return_url=return_url, notify_url=notify_url, **args, **extra
			)
		log_request(
			ALIPAY,
			method,
			{
				"method": method,
				"biz_content": {**args, **extra},
				"return_url": return_url,
				"notify_url": notify_url,
			},
			output={"launch": "redirect to the Alipay cashier"},
			reference=_reference(order.name),
		)
		return Launch(kind="redirect", url=client._gateway + "?" + query)

	# notifications
	def verify_notification(self, headers, body) -> Notice:
		if isinstance(body, str):
			body = body.encode("utf-8")
		params = {}
		try:
			# each value's bytes as sent (percent-decoded through latin-1), then read in the declared charset
			pairs = parse_qsl((body or b"").decode("latin-1"), keep_blank_values=True, encoding="latin-1")
			declared = dict(pairs).get("charset", "utf-8").strip().lower()
			charset = CHARSETS.get(declared, "utf-8")
			params = {
				k.encode("latin-1").decode(charset): v.encode("latin-1").decode(charset) for k, v in pairs
			}
		except (UnicodeDecodeError, ValueError):
			self._reject(params, _("The Alipay notification is not a readable form."))
		try:
			notice = self._verified(params)
		except NotificationRejected as error:
			self._reject(params, str(error))
		log_request(
			ALIPAY,
			"notification",
			params,
			output={"state": notice.state},
			reference=_reference(notice.out_trade_no),
			remote=True,
		)
		return notice

	def _reject(self, params, reason):
		log_request(
			ALIPAY,
			"notification",
			params,
			error=reason,
			reference=_reference(params.get("out_trade_no")),
			status="Failed",
			remote=True,
		)
		raise NotificationRejected(reason)

	def _verified(self, params) -> Notice:
		sign = params.get("sign")
		if not sign or params.get("sign_type", "RSA2") != "RSA2":
			raise NotificationRejected(_("The Alipay notification is not signed with RSA2."))
		settings = self.settings()
		client = self.client()
		unsigned = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
		try:
			genuine = client.verify(dict(unsigned), sign)
		except (AliPayException, binascii.Error, ValueError, TypeError):
			genuine = False
		if not genuine:
			raise NotificationRejected(_("The Alipay notification's signature is not Alipay's."))
		if params.get("app_id") != settings.app_id:
			raise NotificationRejected(_("The Alipay notification is for another application."))
		if settings.seller_id and params.get("seller_id") != settings.seller_id:
			raise NotificationRejected(_("The Alipay notification is for another seller."))
		sent = _beijing(params.get("notify_time"))
		now = beijing_now()
		if sent is None or now - sent > NOTIFY_MAX_AGE or sent - now > NOTIFY_MAX_AHEAD:
			raise NotificationRejected(_("The Alipay notification is too old or dated in the future."))
		state = TRADE_STATES.get(params.get("trade_status"))
		if not state:
			raise NotificationRejected(_("The Alipay notification has an unknown trade status."))
		if not params.get("out_trade_no"):
			raise NotificationRejected(_("The Alipay notification names no order."))
		return Notice(
			platform=ALIPAY,
			out_trade_no=params["out_trade_no"],
			transaction_id=params.get("trade_no") or None,
			amount=_decimal(params.get("total_amount")),
			state=state,
			paid_at=_site_naive(_beijing(params.get("gmt_payment"))) if state == "paid" else None,
			raw=unsigned,
		)

	def acknowledge(self, ok: bool) -> tuple[int, str, str]:
		# Alipay stops retrying only on the 7 characters "success"; anything else ("fail", as its demos
		# answer) makes it send the notification again later
		return (200, "success" if ok else "fail", "text/plain")

	# active calls
	def query(self, out_trade_no: str) -> Notice:
		method = "alipay.trade.query"
		result = _check(
			method, self.client().api_alipay_trade_query(out_trade_no=out_trade_no), allow=(TRADE_NOT_EXIST,)
		)
		if result.get("sub_code") == TRADE_NOT_EXIST:
			# the resident never opened the cashier: nothing exists at Alipay yet
			return Notice(ALIPAY, out_trade_no, None, Decimal("0.00"), "pending", None, dict(result))
		if result.get("out_trade_no") and result["out_trade_no"] != out_trade_no:
			frappe.throw(_("Alipay answered about another order."), PlatformError)
		state = TRADE_STATES.get(result.get("trade_status"))
		if not state:
			_refuse(method, {"sub_code": result.get("trade_status") or "trade_status"})
		return Notice(
			platform=ALIPAY,
			out_trade_no=out_trade_no,
			transaction_id=result.get("trade_no") or None,
			amount=_decimal(result.get("total_amount")),
			state=state,
			paid_at=_site_naive(_beijing(result.get("send_pay_date"))) if state == "paid" else None,
			raw=dict(result),
		)

	def close(self, out_trade_no: str) -> None:
		# an order whose cashier was never opened does not exist at Alipay: there is nothing to close
		_check(
			"alipay.trade.close",
			self.client().api_alipay_trade_close(out_trade_no=out_trade_no),
			allow=(TRADE_NOT_EXIST,),
		)

	def refund(self, out_trade_no, out_refund_no, amount, total, reason) -> RefundResult:
		client = self.client()
		amount_text = _amount_text(amount)
		result = _check(
			"alipay.trade.refund",
			client.api_alipay_trade_refund(
				refund_amount=amount_text,
				out_trade_no=out_trade_no,
				out_request_no=out_refund_no,
				refund_reason=(reason or "")[:256],
			),
		)
		refund_id = result.get("trade_no") or None
		if result.get("fund_change") == "Y":
			return RefundResult("refunded", refund_id, dict(result))
		# fund_change N: this request changed nothing now (a repeat, or still under way) — ask about it
		found = _check(
			"alipay.trade.fastpay.refund.query",
			client.api_alipay_trade_fastpay_refund_query(out_refund_no, out_trade_no=out_trade_no),
		)
		done = found.get("refund_status") == "REFUND_SUCCESS" or (
			found.get("refund_amount") and _amount_text(found["refund_amount"]) == amount_text
		)
		return RefundResult("refunded" if done else "processing", refund_id, {**result, "query": found})

	def statement(self, day: date) -> list[StatementLine]:
		method = "alipay.data.dataservice.bill.downloadurl.query"
		day_text = frappe.utils.getdate(day).isoformat()
		result = _check(
			method, self.client().server_api(method, {"bill_type": "trade", "bill_date": day_text})
		)
		url = result.get("bill_download_url")
		if not url or urlparse(url).scheme not in ("http", "https"):
			_refuse(method, {"sub_code": "bill_download_url"})
		where = {"url": urlparse(url)._replace(query="").geturl(), "bill_date": day_text}
		try:
			response = requests.get(url, timeout=60)
			response.raise_for_status()
		except requests.RequestException as error:
			log_request(ALIPAY, "bill download", where, error=type(error).__name__, status="Failed")
			frappe.throw(
				_("Alipay's statement of {0} could not be downloaded ({1}).").format(
					day_text, type(error).__name__
				),
				PlatformError,
			)
		try:
			rows = alipay_statement.parse_zip(response.content)
		except alipay_statement.StatementFormatError as error:
			log_request(ALIPAY, "bill download", where, error=str(error), status="Failed")
			frappe.throw(
				_("Alipay's statement of {0} is not in the expected layout: {1}").format(
					day_text, str(error)
				),
				PlatformError,
			)
		log_request(
			ALIPAY, "bill download", where, output={"lines": len(rows), "bytes": len(response.content)}
		)
		return [
			StatementLine(
				kind=row.kind,
				out_trade_no=row.out_trade_no,
				transaction_id=row.transaction_id,
				amount=row.amount,
				out_refund_no=row.out_refund_no,
				happened_at=_site_naive(row.happened_at.replace(tzinfo=BEIJING)) if row.happened_at else None,
			)
			for row in rows
		]
