"""WeChat Pay (微信支付) API v3 on the official SDK `wechatpayv3`, in public-key mode (微信支付公钥).

- **Client.** One `wechatpayv3.WeChatPay` per process and site, rebuilt when WeChat Pay Settings change (keyed
  by their `modified`); its gateway is the settings' API Base URL — the only address the code calls.
  Public-key mode: answers and notifications are checked with the configured WeChat Pay public key
  (PUB_KEY_ID_…), so nothing is downloaded at start.
- **Channels.** jsapi (inside WeChat: needs the payer's openid; returns the wx.chooseWXPay / WeixinJSBridge
  parameters signed with the merchant key), h5 (a phone browser: a redirect to WeChat's h5_url with our
  return URL), native (a computer: a QR code of code_url).
- **Notifications.** Wechatpay-Serial must be our public key id, Wechatpay-Timestamp within ±5 minutes,
  the signature over "timestamp\\nnonce\\nbody\\n" valid; the resource is decrypted (AEAD_AES_256_GCM with the
  API v3 key) and must be for our mchid and appid. Anything else: NotificationRejected.
- **Logging.** Every call and notification goes to an Integration Request through `platforms.log_request`
  (no commit) — the request body we built and WeChat's answer, never the Authorization header, the API v3
  key, the private key or a signature.
"""

import hashlib
import json
import re
import threading
import time
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.type import RequestType
from wechatpayv3.utils import aes_decrypt, rsa_verify

import frappe
from frappe import _
from frappe.utils import get_system_timezone

from property_crm.property_fees.doctype.wechat_pay_settings.wechat_pay_settings import credentials
from property_crm.property_fees.payments.platforms import (
	WECHAT_PAY,
	Launch,
	Notice,
	NotificationRejected,
	Platform,
	PlatformError,
	RefundResult,
	StatementLine,
	log_request,
)
from property_crm.property_fees.rules import wechat_pay as rules
from property_crm.property_fees.rules.wechat_statement import BillFormatError, parse_trade_bill

SERVICE = WECHAT_PAY
ORDER_DOCTYPE = "Property Payment Order"
TIMEOUT = (10, 30)
CHANNEL_TYPES = {"jsapi": WeChatPayType.JSAPI, "h5": WeChatPayType.H5, "native": WeChatPayType.NATIVE}

_clients: dict[tuple[str, str], WeChatPay] = {}
_lock = threading.Lock()


def client(settings=None) -> WeChatPay:
	"""The SDK client of the current settings (cached per process, per site, per settings version)."""
	settings = settings or credentials()
	cache_key = (frappe.local.site, settings.modified)
	with _lock:
		wxpay = _clients.get(cache_key)
		if wxpay is None:
			needed = ("mchid", "appid", "merchant_serial_no", "merchant_private_key", "apiv3_key")
			if not all(settings.get(k) for k in needed) or not (
				settings.platform_public_key and settings.platform_public_key_id
			):
				# without the public key the SDK would download certificates from the live gateway: never
				frappe.throw(
					_("WeChat Pay is not set up: check the keys in WeChat Pay Settings"), PlatformError
				)
			try:
				wxpay = WeChatPay(
					wechatpay_type=WeChatPayType.NATIVE,
					mchid=settings.mchid,
					private_key=settings.merchant_private_key,
					cert_serial_no=settings.merchant_serial_no,
					appid=settings.appid,
					apiv3_key=settings.apiv3_key,
					timeout=TIMEOUT,
					public_key=settings.platform_public_key,
					public_key_id=settings.platform_public_key_id,
				)
			except Exception:
				frappe.throw(
					_("WeChat Pay is not set up: check the keys in WeChat Pay Settings"), PlatformError
				)
			wxpay._core._gate_way = settings.api_base_url
			for key in [k for k in _clients if k[0] == frappe.local.site]:
				del _clients[key]
			_clients[cache_key] = wxpay
		return wxpay


def _reference(out_trade_no: str | None):
	if out_trade_no and frappe.db.exists(ORDER_DOCTYPE, out_trade_no):
		return (ORDER_DOCTYPE, out_trade_no)
	return None


def _json(text) -> dict:
	if isinstance(text, bytes):
		text = text.decode("utf-8", "replace")
	try:
		data = json.loads(text) if text else {}
	except ValueError:
		return {"message": str(text)[:200]}
	return data if isinstance(data, dict) else {"data": data}


class WeChatPayPlatform(Platform):
	name = WECHAT_PAY
	settings_doctype = "WeChat Pay Settings"
	channels = ("jsapi", "h5", "native")

	def __init__(self):
		self._settings = None

	@property
	def settings(self):
		if self._settings is None:
			self._settings = credentials()
		return self._settings

	def enabled(self) -> bool:
		settings = self.settings
		return bool(
			settings.enabled
			and settings.mchid
			and settings.appid
			and settings.merchant_private_key
			and settings.apiv3_key
			and settings.platform_public_key
			and settings.platform_public_key_id
		)

	# ---------------------------------------------------------------- outbound calls

	def _call(
		self,
		action: str,
		path: str,
		method: RequestType = RequestType.GET,
		data: dict | None = None,
		reference=None,
		ok_codes=(200, 204),
		skip_verify: bool = False,
		refuse: bool = True,
	) -> tuple[int, dict | bytes]:
		"""One call through the SDK (signed by it, its answer's signature checked by it), logged. A status
		outside ok_codes raises PlatformError naming WeChat's error code (unless refuse=False)."""
		wxpay = client(self.settings)
		logged = {"method": method.value, "path": re.sub(r"token=[^&]*", "token=***", path), "body": data}
		try:
			code, answer = wxpay._core.request(path, method=method, data=data, skip_verify=skip_verify)
		except requests.RequestException as error:
			log_request(
				SERVICE, action, logged, error=type(error).__name__, reference=reference, status="Failed"
			)
			frappe.throw(_("WeChat Pay could not be reached, please try again later"), PlatformError)
		except Exception as error:
			# the SDK raises a bare Exception when the answer's signature does not verify
			log_request(SERVICE, action, logged, error=str(error)[:200], reference=reference, status="Failed")
			frappe.throw(_("WeChat Pay's answer failed the signature check and was ignored"), PlatformError)
		output = _json(answer) if not isinstance(answer, bytes) or code not in ok_codes else None
		log_request(
			SERVICE,
			action,
			logged,
			output={"status": code, "body": output} if output is not None else {"status": code},
			reference=reference,
			status="Completed" if code in ok_codes else "Failed",
		)
		if code not in ok_codes and refuse:
			self._refused(code, output or {})
		return code, answer

	@staticmethod
	def _refused(status: int, answer: dict):
		error_code = answer.get("code") or str(status)
		message = answer.get("message") or ""
		frappe.throw(
			_("WeChat Pay refused the request ({0}): {1}").format(error_code, message), PlatformError
		)

	# ---------------------------------------------------------------- launch

	def launch(self, order, channel, client_ip, return_url, notify_url, openid=None) -> Launch:
		if channel not in self.channels:
			frappe.throw(_("WeChat Pay cannot pay through {0}").format(channel), frappe.ValidationError)
		if channel == "jsapi" and not openid:
			frappe.throw(_("Paying inside WeChat needs your WeChat openid"), frappe.ValidationError)
		settings = self.settings
		amount = order.get("amount")
		try:
			total = rules.to_fen(rules.money(amount))
		except (ValueError, ArithmeticError):
			frappe.throw(_("The amount to pay is not valid: {0}").format(amount), frappe.ValidationError)
		params = {
			"appid": settings.appid,
			"mchid": settings.mchid,
			"description": rules.description("物业费 " + order.name),
			"out_trade_no": order.name,
			"notify_url": notify_url,
			"amount": {"total": total, "currency": "CNY"},
		}
		if order.get("expires_at"):
			params["time_expire"] = rules.rfc3339(
				frappe.utils.get_datetime(order.expires_at), get_system_timezone()
			)
		if channel == "jsapi":
			params["payer"] = {"openid": openid}
		if channel == "h5":
			params["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
		elif client_ip:
			params["scene_info"] = {"payer_client_ip": client_ip}
		_code, answer = self._call(
			f"launch {channel}",
			f"/v3/pay/transactions/{channel}",
			RequestType.POST,
			params,
			reference=_reference(order.name),
		)
		answer = _json(answer)
		if channel == "jsapi":
			prepay_id = answer.get("prepay_id")
			if not prepay_id:
				self._refused(200, {"code": "NO_PREPAY_ID"})
			return Launch(kind="jsapi", params=self.jsapi_params(prepay_id))
		if channel == "h5":
			if not answer.get("h5_url"):
				self._refused(200, {"code": "NO_H5_URL"})
			return Launch(
				kind="redirect", url=answer["h5_url"] + "&redirect_url=" + quote(return_url, safe="")
			)
		if not answer.get("code_url"):
			self._refused(200, {"code": "NO_CODE_URL"})
		return Launch(kind="qr", code=answer["code_url"])

	def jsapi_params(self, prepay_id: str) -> dict:
		"""WeixinJSBridge getBrandWCPayRequest / wx.chooseWXPay parameters, signed with the merchant key."""
		wxpay = client(self.settings)
		timestamp = str(int(time.time()))
		nonce = frappe.generate_hash(length=32)
		package = "prepay_id=" + prepay_id
		return {
			"appId": self.settings.appid,
			"timeStamp": timestamp,
			"nonceStr": nonce,
			"package": package,
			"signType": "RSA",
			"paySign": wxpay.sign([self.settings.appid, timestamp, nonce, package]),
		}

	# ---------------------------------------------------------------- notifications

	def verify_notification(self, headers: dict, body: bytes) -> Notice:
		headers = {str(k).lower(): v for k, v in (headers or {}).items()}
		logged_headers = {
			"Wechatpay-Timestamp": headers.get("wechatpay-timestamp"),
			"Wechatpay-Serial": headers.get("wechatpay-serial"),
		}
		try:
			notice = self._verify(headers, body)
		except NotificationRejected as error:
			log_request(
				SERVICE,
				"notification rejected",
				{"headers": logged_headers},
				error=str(error),
				status="Failed",
				remote=True,
			)
			raise
		log_request(
			SERVICE,
			"notification",
			notice.raw,
			headers=logged_headers,
			reference=_reference(notice.out_trade_no),
			remote=True,
		)
		return notice

	def _reject(self, reason: str):
		frappe.throw(_("WeChat Pay notification rejected: {0}").format(reason), NotificationRejected)

	def _verify(self, headers: dict, body: bytes | str) -> Notice:
		settings = self.settings
		try:
			text = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
		except UnicodeDecodeError:
			self._reject(_("the body is not UTF-8"))
		signature = headers.get("wechatpay-signature")
		timestamp = headers.get("wechatpay-timestamp")
		nonce = headers.get("wechatpay-nonce")
		serial = headers.get("wechatpay-serial")
		if not (signature and timestamp and nonce and serial):
			self._reject(_("the Wechatpay signature headers are missing"))
		if (
			headers.get("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048")
			!= "WECHATPAY2-SHA256-RSA2048"
		):
			self._reject(_("unknown signature type"))
		if serial != settings.platform_public_key_id:
			self._reject(_("unknown public key serial"))
		if not rules.fresh(timestamp, time.time()):
			self._reject(_("stale timestamp"))
		wxpay = client(settings)
		if not rsa_verify(timestamp, nonce, text, signature, wxpay._core._public_key):
			self._reject(_("bad signature"))
		event = _json(text)
		resource = event.get("resource") or {}
		if (
			event.get("resource_type") != "encrypt-resource"
			or resource.get("algorithm") != "AEAD_AES_256_GCM"
		):
			self._reject(_("unexpected resource"))
		try:
			plain = aes_decrypt(
				nonce=resource.get("nonce") or "",
				ciphertext=resource.get("ciphertext") or "",
				associated_data=resource.get("associated_data") or "",
				apiv3_key=settings.apiv3_key,
			)
		except (ValueError, TypeError):
			plain = None
		if not plain:
			self._reject(_("the resource could not be decrypted"))
		data = _json(plain)
		if not str(event.get("event_type", "")).startswith("TRANSACTION."):
			self._reject(_("not a payment notification"))
		notice = self._notice(data, reject=self._reject)
		if event.get("event_type") == "TRANSACTION.SUCCESS" and notice.state != "paid":
			self._reject(_("inconsistent trade state"))
		return notice

	def _notice(self, data: dict, reject) -> Notice:
		"""A Notice from a transaction JSON (the notification's resource or a query's answer)."""
		settings = self.settings
		if data.get("mchid") != settings.mchid:
			reject(_("another merchant's mchid"))
		if data.get("appid") != settings.appid:
			reject(_("another app's appid"))
		if not data.get("out_trade_no"):
			reject(_("no trade number"))
		total = (data.get("amount") or {}).get("total")
		try:
			amount = rules.to_yuan(total) if total is not None else Decimal("0.00")
		except ValueError:
			reject(_("bad amount"))
		state = rules.trade_state(data.get("trade_state"))
		return Notice(
			platform=self.name,
			out_trade_no=data["out_trade_no"],
			transaction_id=data.get("transaction_id"),
			amount=amount,
			state=state,
			paid_at=rules.site_datetime(data.get("success_time"), get_system_timezone())
			if state == "paid"
			else None,
			raw=data,
		)

	def acknowledge(self, ok: bool) -> tuple[int, str, str]:
		"""WeChat Pay wants 200/204 for a handled notification, else a 4xx/5xx with code FAIL (it retries)."""
		if ok:
			return 200, '{"code":"SUCCESS","message":"成功"}', "application/json"
		return 400, '{"code":"FAIL","message":"失败"}', "application/json"

	# ---------------------------------------------------------------- query, close, refund

	def query(self, out_trade_no: str) -> Notice:
		_code, answer = self._call(
			"query",
			f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={self.settings.mchid}",
			reference=_reference(out_trade_no),
		)
		data = _json(answer)

		def reject(reason):
			frappe.throw(
				_("WeChat Pay's answer about {0} is not ours: {1}").format(out_trade_no, reason),
				PlatformError,
			)

		notice = self._notice(data, reject)
		if notice.out_trade_no != out_trade_no:
			reject(_("another trade number"))
		return notice

	def close(self, out_trade_no: str) -> None:
		self._call(
			"close",
			f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
			RequestType.POST,
			{"mchid": self.settings.mchid},
			reference=_reference(out_trade_no),
		)

	def refund(self, out_trade_no, out_refund_no, amount, total, reason) -> RefundResult:
		try:
			refund_fen, total_fen = rules.to_fen(rules.money(amount)), rules.to_fen(rules.money(total))
		except (ValueError, ArithmeticError):
			frappe.throw(_("The refund amount is not valid: {0}").format(amount), frappe.ValidationError)
		params = {
			"out_trade_no": out_trade_no,
			"out_refund_no": out_refund_no,
			"reason": rules.description(reason or "", 80) or None,
			"amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
		}
		params = {k: v for k, v in params.items() if v is not None}
		_code, answer = self._call(
			"refund",
			"/v3/refund/domestic/refunds",
			RequestType.POST,
			params,
			reference=_reference(out_trade_no),
		)
		data = _json(answer)
		return RefundResult(
			state=rules.refund_state(data.get("status")), refund_id=data.get("refund_id"), raw=data
		)

	def query_refund(self, out_refund_no: str) -> RefundResult:
		_code, answer = self._call(
			"refund query", f"/v3/refund/domestic/refunds/{quote(out_refund_no, safe='')}"
		)
		data = _json(answer)
		return RefundResult(
			state=rules.refund_state(data.get("status")), refund_id=data.get("refund_id"), raw=data
		)

	# ---------------------------------------------------------------- statement (对账单)

	def statement(self, day: date) -> list[StatementLine]:
		code, answer = self._call(
			"trade bill", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL", refuse=False
		)
		info = _json(answer)
		if code != 200:
			if info.get("code") == "NO_STATEMENT_EXIST":
				return []  # no payment nor refund that day
			self._refused(code, info)
		url = info.get("download_url") or ""
		base = self.settings.api_base_url
		if not url.startswith(base + "/"):
			frappe.throw(
				_("WeChat Pay's bill download address is not on the configured API Base URL"), PlatformError
			)
		# the file itself is not signed (as with WeChat Pay): its SHA1 from the signed answer above vouches for it
		_code, content = self._call(
			"trade bill download", url[len(base) :], ok_codes=(200,), skip_verify=True
		)
		if isinstance(content, str):
			content = content.encode("utf-8")
		hash_type = (info.get("hash_type") or "").upper()
		if hash_type != "SHA1" or hashlib.sha1(content).hexdigest() != (info.get("hash_value") or "").lower():
			log_request(SERVICE, "trade bill hash mismatch", {"bill_date": day.isoformat()}, status="Failed")
			frappe.throw(_("WeChat Pay's bill of {0} failed its hash check").format(day), PlatformError)
		try:
			rows = parse_trade_bill(content)
		except (BillFormatError, UnicodeDecodeError) as error:
			frappe.throw(
				_("WeChat Pay's bill of {0} could not be read: {1}").format(day, error), PlatformError
			)
		return [
			StatementLine(
				kind=row.kind,
				out_trade_no=row.out_trade_no,
				transaction_id=row.transaction_id,
				amount=row.amount,
				out_refund_no=row.out_refund_no,
				happened_at=rules.china_to_site(row.happened_at, get_system_timezone()),
			)
			for row in rows
		]
