"""A stand-in for WeChat Pay API v3 (微信支付), served on 127.0.0.1 by the tests themselves.

It implements the documented endpoints the app calls, as WeChat Pay does:

- it checks OUR request signature (`Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…` over "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n") with the
  merchant's public key and answers 401 SIGN_ERROR otherwise;
- it signs every answer with its own platform key (`Wechatpay-Timestamp/-Nonce/-Serial/-Signature`, serial =
  its public key id PUB_KEY_ID_…), so the SDK's response check passes — or fails, when a test asks for a
  bad signature (`bad_answer_signature = True`);
- a payment notification is the transaction JSON encrypted AEAD_AES_256_GCM with the API v3 key inside a
  body signed with the platform key, POSTed to the order's notify_url.

Endpoints: POST /v3/pay/transactions/{jsapi,h5,native}; GET /v3/pay/transactions/out-trade-no/{no}?mchid=;
POST /v3/pay/transactions/out-trade-no/{no}/close; POST /v3/refund/domestic/refunds; GET
/v3/refund/domestic/refunds/{no}; GET /v3/bill/tradebill?bill_date=&bill_type=ALL → download_url (+ SHA1);
GET /v3/billdownload/file?token= (the CSV). The cashier: GET /standin/h5?prepay=…&redirect_url=… (微信支付
¥amount, 确认支付 → pays, 302 to redirect_url) and GET /standin/scan?code=… (a Native QR's code).

Only the standard library and `cryptography` are used; `configure_site` imports Frappe when called.
"""

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from property_crm.property_fees.rules.wechat_statement import format_trade_bill
from property_crm.property_fees.tests.standins import post

CHINA = timezone(timedelta(hours=8))
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AUTH = re.compile(r'(\w+)="([^"]*)"')

DEFAULT_MCHID = "1900000109"
DEFAULT_APPID = "wxd678efh567hg6787"


def _new_key():
	return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key) -> str:
	return key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()


def _public_pem(key) -> str:
	if isinstance(key, rsa.RSAPrivateKey):
		key = key.public_key()
	return key.public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	).decode()


def make_merchant_keys() -> tuple[str, str, str]:
	"""A merchant API key pair as WeChat Pay's merchant platform would have us make it:
	(private key PEM, public key PEM, certificate serial number)."""
	key = _new_key()
	return _private_pem(key), _public_pem(key), secrets.token_hex(20).upper()


def _sign(key, message: str) -> str:
	return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _now() -> datetime:
	return datetime.now(CHINA).replace(microsecond=0)


class WeChatPayStandIn:
	"""WeChat Pay API v3 for one merchant (mchid, appid), on 127.0.0.1."""

	def __init__(
		self,
		mchid: str = DEFAULT_MCHID,
		appid: str = DEFAULT_APPID,
		apiv3_key: str | None = None,
		merchant_public_key_pem: str | None = None,
		merchant_serial_no: str | None = None,
	):
		self.mchid, self.appid = mchid, appid
		self.apiv3_key = apiv3_key or secrets.token_hex(16)  # 32 characters
		self.merchant_public_key = (
			serialization.load_pem_public_key(merchant_public_key_pem.encode())
			if merchant_public_key_pem
			else None
		)
		self.merchant_serial_no = merchant_serial_no
		self.platform_key = _new_key()
		self.platform_public_key_pem = _public_pem(self.platform_key)
		self.public_key_id = "PUB_KEY_ID_" + secrets.token_hex(16).upper()
		self.orders: dict[str, dict] = {}
		self.refunds: dict[str, dict] = {}
		self.requests: list[dict] = []  # what the app sent: method, path, headers, body
		self.planted: dict[str, Decimal] = {}  # out_trade_no -> amount the statement shows instead
		self.dropped: set[str] = set()  # out_trade_nos the statement leaves out
		self.extras: list[dict] = []  # statement rows for payments we never made
		self.bills: dict[str, bytes] = {}  # download token -> file
		self.bad_answer_signature = False
		self.bad_bill_hash = False
		self.refund_status = "SUCCESS"
		self.lock = threading.RLock()
		self.server: ThreadingHTTPServer | None = None
		self.base_url = ""

	# ---------------------------------------------------------------- server

	def start(self, port: int = 0) -> str:
		standin = self

		class Handler(_Handler):
			pass

		Handler.standin = standin
		self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
		self.server.daemon_threads = True
		self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
		threading.Thread(target=self.server.serve_forever, name="wechat-pay-standin", daemon=True).start()
		return self.base_url

	def stop(self):
		if self.server:
			self.server.shutdown()
			self.server.server_close()
			self.server = None

	# ---------------------------------------------------------------- signing

	def sign_answer(self, body: str, *, timestamp: str | None = None, nonce: str | None = None) -> dict:
		timestamp = timestamp or str(int(time.time()))
		nonce = nonce or secrets.token_hex(16)
		key = _new_key() if self.bad_answer_signature else self.platform_key
		return {
			"Wechatpay-Timestamp": timestamp,
			"Wechatpay-Nonce": nonce,
			"Wechatpay-Serial": self.public_key_id,
			"Wechatpay-Signature-Type": SIGNATURE_TYPE,
			"Wechatpay-Signature": _sign(key, f"{timestamp}\n{nonce}\n{body}\n"),
		}

	def check_authorization(self, method: str, path: str, header: str, body: str) -> str | None:
		"""None when the merchant signed this request, else why not."""
		if not header.startswith(SIGNATURE_TYPE + " "):
			return "not WECHATPAY2-SHA256-RSA2048"
		fields = dict(AUTH.findall(header[len(SIGNATURE_TYPE) + 1 :]))
		if fields.get("mchid") != self.mchid:
			return "another merchant"
		if self.merchant_serial_no and fields.get("serial_no") != self.merchant_serial_no:
			return "unknown certificate serial number"
		try:
			if abs(time.time() - int(fields.get("timestamp", "0"))) > 300:
				return "stale timestamp"
		except ValueError:
			return "bad timestamp"
		if self.merchant_public_key is None:
			return "no merchant key"
		message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n"
		try:
			self.merchant_public_key.verify(
				base64.b64decode(fields.get("signature", "")),
				message.encode(),
				padding.PKCS1v15(),
				hashes.SHA256(),
			)
		except (InvalidSignature, ValueError):
			return "bad signature"
		return None

	# ---------------------------------------------------------------- the platform's records

	def transaction(self, order: dict, *, amount: int | None = None, trade_state: str | None = None) -> dict:
		"""The transaction JSON (查询订单 / the notification's resource) of an order."""
		state = trade_state or order["trade_state"]
		total = order["total"] if amount is None else amount
		data = {
			"appid": order.get("appid", self.appid),
			"mchid": order.get("mchid", self.mchid),
			"out_trade_no": order["out_trade_no"],
			"trade_type": order["trade_type"],
			"trade_state": state,
			"trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
				state, state
			),
			"attach": "",
			"amount": {"total": total, "currency": "CNY"},
		}
		if order.get("transaction_id"):
			data["transaction_id"] = order["transaction_id"]
		if state == "SUCCESS":
			data.update(
				bank_type="OTHERS",
				success_time=order.get("success_time") or _now().isoformat(),
				payer={"openid": order.get("openid") or "oStandInPayer"},
			)
			data["amount"].update(payer_total=total, payer_currency="CNY")
		return data

	def _order(self, out_trade_no: str) -> dict:
		order = self.orders.get(out_trade_no)
		if order is None:
			raise KeyError(f"the stand-in has no order {out_trade_no}")
		return order

	def _ensure_transaction_id(self, order: dict) -> str:
		if not order.get("transaction_id"):
			order["transaction_id"] = "4200" + datetime.now(CHINA).strftime("%Y%m%d") + secrets.token_hex(6)
		return order["transaction_id"]

	def mark_paid(self, out_trade_no: str) -> dict:
		"""Record the payment (once): a transaction id and success time."""
		with self.lock:
			order = self._order(out_trade_no)
			if order["trade_state"] != "SUCCESS":
				if order["trade_state"] == "CLOSED":
					raise ValueError(f"order {out_trade_no} is closed")
				self._ensure_transaction_id(order)
				order["trade_state"] = "SUCCESS"
				order["success_time"] = _now().isoformat()
			return order

	def pay(self, out_trade_no: str) -> tuple[int, str]:
		"""The resident pays: the payment is recorded and its notification POSTed to the order's notify_url.
		Paying again re-sends the same notification (WeChat Pay retries until acknowledged)."""
		self.mark_paid(out_trade_no)
		headers, body = self.notification(out_trade_no)
		return self.send(self._order(out_trade_no)["notify_url"], headers, body)

	@staticmethod
	def send(url: str, headers: dict, body: bytes) -> tuple[int, str]:
		return post(url, {"Content-Type": "application/json", **headers}, body)

	def notification(
		self,
		out_trade_no: str,
		*,
		amount: int | Decimal | None = None,
		timestamp: str | int | None = None,
		tamper: str | None = None,
		serial: str | None = None,
		trade_state: str = "SUCCESS",
		total: int | None = None,
	) -> tuple[dict, bytes]:
		"""A payment notification (headers, body) as WeChat Pay would send it, without sending it.

		amount: fen (int) or yuan (Decimal) the notification claims instead of the order's; an order the
		stand-in does not know (someone else's trade number) needs it. tamper: "signature" (signed with
		another key), "ciphertext" (a changed byte in the encrypted resource, then signed), "body" (the body
		changed after signing), "mchid" / "appid" (another merchant's, genuinely signed). serial: the
		Wechatpay-Serial to claim; timestamp: the Wechatpay-Timestamp (seconds since the epoch)."""
		if isinstance(amount, Decimal):
			amount = int(amount * 100)
		with self.lock:
			known = self.orders.get(out_trade_no)
			if known is None:
				if amount is None and total is None:
					raise KeyError(f"the stand-in has no order {out_trade_no}: give amount=")
				order = {
					"out_trade_no": out_trade_no,
					"trade_type": "NATIVE",
					"trade_state": trade_state,
					"total": amount if amount is not None else total,
				}
				self._ensure_transaction_id(order)
			else:
				self._ensure_transaction_id(known)
				order = dict(known)
		resource = self.transaction(order, amount=amount, trade_state=trade_state)
		if tamper == "mchid":
			resource["mchid"] = "1999999999"
		if tamper == "appid":
			resource["appid"] = "wx0000000000000000"
		nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's
		ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
			nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), b"transaction"
		)
		if tamper == "ciphertext":
			ciphertext = bytes([ciphertext[0] ^ 0x01]) + ciphertext[1:]
		event = {
			"id": "EV-" + secrets.token_hex(10),
			"create_time": _now().isoformat(),
			"resource_type": "encrypt-resource",
			"event_type": "TRANSACTION.SUCCESS" if trade_state == "SUCCESS" else "TRANSACTION." + trade_state,
			"summary": "支付成功",
			"resource": {
				"original_type": "transaction",
				"algorithm": "AEAD_AES_256_GCM",
				"ciphertext": base64.b64encode(ciphertext).decode(),
				"associated_data": "transaction",
				"nonce": nonce,
			},
		}
		body = json.dumps(event, ensure_ascii=False)
		timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
		sign_nonce = secrets.token_hex(16)
		key = _new_key() if tamper == "signature" else self.platform_key
		headers = {
			"Wechatpay-Timestamp": timestamp,
			"Wechatpay-Nonce": sign_nonce,
			"Wechatpay-Serial": serial or self.public_key_id,
			"Wechatpay-Signature-Type": SIGNATURE_TYPE,
			"Wechatpay-Signature": _sign(key, f"{timestamp}\n{sign_nonce}\n{body}\n"),
		}
		if tamper == "body":
			body = body.replace('"summary": "支付成功"', '"summary": "支付成功 "')
		return headers, body.encode()

	# ---------------------------------------------------------------- statement knobs

	def plant(self, out_trade_no: str, amount) -> None:
		"""The statement shows this payment with another amount (yuan)."""
		self.planted[out_trade_no] = Decimal(str(amount))

	def drop(self, out_trade_no: str) -> None:
		"""The statement leaves this payment out."""
		self.dropped.add(out_trade_no)

	def extra(self, out_trade_no: str, amount, *, day=None, transaction_id: str | None = None) -> None:
		"""The statement shows a payment the app never made (a trade number of its choosing)."""
		moment = datetime.combine(day, datetime.min.time()).replace(hour=12) if day else datetime.now(CHINA)
		self.extras.append(
			{
				"time": moment.strftime("%Y-%m-%d %H:%M:%S"),
				"transaction_id": transaction_id or "4200" + secrets.token_hex(8),
				"out_trade_no": out_trade_no,
				"state": "SUCCESS",
				"total": Decimal(str(amount)),
			}
		)

	def bill_rows(self, bill_date: str) -> list[dict]:
		rows = []
		with self.lock:
			for order in self.orders.values():
				if order["trade_state"] != "SUCCESS" and not order.get("refunds"):
					continue
				if order["out_trade_no"] in self.dropped or not order.get("success_time"):
					continue
				moment = datetime.fromisoformat(order["success_time"])
				if moment.date().isoformat() == bill_date:
					total = self.planted.get(order["out_trade_no"], Decimal(order["total"]) / 100)
					rows.append(
						{
							"time": moment.strftime("%Y-%m-%d %H:%M:%S"),
							"transaction_id": order["transaction_id"],
							"out_trade_no": order["out_trade_no"],
							"state": "SUCCESS",
							"total": total,
							"trade_type": order["trade_type"],
							"description": order.get("description", ""),
						}
					)
			for refund in self.refunds.values():
				moment = datetime.fromisoformat(refund["success_time"] or refund["create_time"])
				if refund["status"] == "SUCCESS" and moment.date().isoformat() == bill_date:
					order = self.orders[refund["out_trade_no"]]
					rows.append(
						{
							"time": moment.strftime("%Y-%m-%d %H:%M:%S"),
							"transaction_id": order["transaction_id"],
							"out_trade_no": order["out_trade_no"],
							"state": "REFUND",
							"total": Decimal(order["total"]) / 100,
							"refund": Decimal(refund["amount"]["refund"]) / 100,
							"refund_id": refund["refund_id"],
							"out_refund_no": refund["out_refund_no"],
						}
					)
			rows += [row for row in self.extras if row["time"][:10] == bill_date]
		return rows

	# ---------------------------------------------------------------- API handlers: (status, json | None)

	def api(self, method: str, path: str, body: str) -> tuple[int, dict | None]:
		split = urlsplit(path)
		query = {k: v[0] for k, v in parse_qs(split.query).items()}
		route = split.path
		data = json.loads(body) if body else {}
		match = re.fullmatch(r"/v3/pay/transactions/(jsapi|h5|native)", route)
		if method == "POST" and match:
			return self.create(match.group(1), data)
		match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)", route)
		if method == "GET" and match:
			if query.get("mchid") != self.mchid:
				return 400, _error("PARAM_ERROR", "mchid 与请求商户不一致")
			order = self.orders.get(match.group(1))
			if order is None:
				return 404, _error("ORDER_NOT_EXIST", "订单不存在")
			return 200, self.transaction(order)
		match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)/close", route)
		if method == "POST" and match:
			order = self.orders.get(match.group(1))
			if data.get("mchid") != self.mchid:
				return 400, _error("PARAM_ERROR", "mchid 与请求商户不一致")
			if order is None:
				return 404, _error("ORDER_NOT_EXIST", "订单不存在")
			if order["trade_state"] == "SUCCESS":
				return 400, _error("ORDERPAID", "订单已支付")
			order["trade_state"] = "CLOSED"
			return 204, None
		if method == "POST" and route == "/v3/refund/domestic/refunds":
			return self.refund(data)
		match = re.fullmatch(r"/v3/refund/domestic/refunds/([^/]+)", route)
		if method == "GET" and match:
			refund = self.refunds.get(match.group(1))
			return (200, refund) if refund else (404, _error("RESOURCE_NOT_EXISTS", "退款单不存在"))
		if method == "GET" and route == "/v3/bill/tradebill":
			return self.trade_bill(query)
		return 404, _error("NOT_FOUND", "接口不存在")

	def create(self, channel: str, data: dict) -> tuple[int, dict]:
		missing = [
			k
			for k in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount")
			if not data.get(k)
		]
		if missing:
			return 400, _error("PARAM_ERROR", "缺少参数 " + ",".join(missing))
		if data["mchid"] != self.mchid or data["appid"] != self.appid:
			return 400, _error("APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
		if len(data["description"].encode()) > 127:
			return 400, _error("PARAM_ERROR", "description 超过长度限制")
		total = data["amount"].get("total")
		if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
			return 400, _error("PARAM_ERROR", "amount.total 必须是正整数（分）")
		if channel == "jsapi" and not (data.get("payer") or {}).get("openid"):
			return 400, _error("PARAM_ERROR", "JSAPI 下单需要 payer.openid")
		if channel == "h5" and not (data.get("scene_info") or {}).get("payer_client_ip"):
			return 400, _error("PARAM_ERROR", "H5 下单需要 scene_info.payer_client_ip")
		if data.get("time_expire"):
			try:
				expire = datetime.fromisoformat(data["time_expire"])
			except ValueError:
				return 400, _error("PARAM_ERROR", "time_expire 格式错误")
			if expire.tzinfo is None:
				return 400, _error("PARAM_ERROR", "time_expire 需要时区")
		with self.lock:
			order = self.orders.get(data["out_trade_no"])
			if order and order["trade_state"] == "SUCCESS":
				return 400, _error("ORDERPAID", "该订单已支付")
			if order and order["trade_state"] == "CLOSED":
				return 400, _error("ORDER_CLOSED", "该订单已关闭")
			if order and (order["total"] != total or order["trade_type"] != channel.upper()):
				return 400, _error("INVALID_REQUEST", "201 商户订单号重复")
			if not order:
				prepay_id = "wx" + datetime.now(CHINA).strftime("%d%H%M%S") + secrets.token_hex(12)
				order = self.orders[data["out_trade_no"]] = {
					"out_trade_no": data["out_trade_no"],
					"trade_type": channel.upper(),
					"trade_state": "NOTPAY",
					"total": total,
					"description": data["description"],
					"notify_url": data["notify_url"],
					"time_expire": data.get("time_expire"),
					"openid": (data.get("payer") or {}).get("openid"),
					"client_ip": (data.get("scene_info") or {}).get("payer_client_ip"),
					"prepay_id": prepay_id,
					"code": "weixin://wxpay/bizpayurl?pr=" + secrets.token_urlsafe(6),
					"refunds": [],
				}
		if channel == "jsapi":
			return 200, {"prepay_id": order["prepay_id"]}
		if channel == "h5":
			return 200, {"h5_url": f"{self.base_url}/standin/h5?prepay={order['prepay_id']}"}
		return 200, {"code_url": order["code"]}

	def refund(self, data: dict) -> tuple[int, dict]:
		out_refund_no = data.get("out_refund_no")
		amount = data.get("amount") or {}
		if (
			not out_refund_no
			or not isinstance(amount.get("refund"), int)
			or not isinstance(amount.get("total"), int)
		):
			return 400, _error("PARAM_ERROR", "缺少参数 out_refund_no/amount")
		with self.lock:
			if out_refund_no in self.refunds:
				return 200, self.refunds[out_refund_no]
			order = self.orders.get(data.get("out_trade_no") or "")
			if order is None and data.get("transaction_id"):
				order = next(
					(o for o in self.orders.values() if o.get("transaction_id") == data["transaction_id"]),
					None,
				)
			if order is None:
				return 404, _error("RESOURCE_NOT_EXISTS", "订单不存在")
			if order["trade_state"] not in ("SUCCESS", "REFUND"):
				return 403, _error("TRADE_STATE_ERROR", "订单未支付")
			if amount["total"] != order["total"]:
				return 400, _error("INVALID_REQUEST", "订单金额与原订单不一致")
			refunded = sum(self.refunds[no]["amount"]["refund"] for no in order["refunds"])
			if amount["refund"] <= 0 or refunded + amount["refund"] > order["total"]:
				return 403, _error("NOT_ENOUGH", "退款金额超过可退金额")
			now = _now().isoformat()
			refund = self.refunds[out_refund_no] = {
				"refund_id": "5030" + secrets.token_hex(8),
				"out_refund_no": out_refund_no,
				"transaction_id": order["transaction_id"],
				"out_trade_no": order["out_trade_no"],
				"channel": "ORIGINAL",
				"user_received_account": "支付用户零钱",
				"success_time": now if self.refund_status == "SUCCESS" else None,
				"create_time": now,
				"status": self.refund_status,
				"funds_account": "AVAILABLE",
				"reason": data.get("reason", ""),
				"amount": {
					"total": order["total"],
					"refund": amount["refund"],
					"payer_total": order["total"],
					"payer_refund": amount["refund"],
					"settlement_refund": amount["refund"],
					"settlement_total": order["total"],
					"discount_refund": 0,
					"currency": "CNY",
				},
			}
			order["refunds"].append(out_refund_no)
			return 200, refund

	def trade_bill(self, query: dict) -> tuple[int, dict]:
		bill_date = query.get("bill_date", "")
		if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", bill_date):
			return 400, _error("PARAM_ERROR", "bill_date 格式错误")
		if query.get("bill_type", "ALL") != "ALL":
			return 400, _error("PARAM_ERROR", "本 stand-in 只提供 ALL")
		rows = self.bill_rows(bill_date)
		if not rows:
			return 400, _error("NO_STATEMENT_EXIST", "账单文件不存在")
		content = format_trade_bill(rows, appid=self.appid, mchid=self.mchid).encode("utf-8")
		token = secrets.token_urlsafe(12)
		self.bills[token] = content
		digest = hashlib.sha1(content + (b"x" if self.bad_bill_hash else b"")).hexdigest()
		return 200, {
			"hash_type": "SHA1",
			"hash_value": digest,
			"download_url": f"{self.base_url}/v3/billdownload/file?token={token}",
		}

	# ---------------------------------------------------------------- cashier pages

	def cashier_page(self, order: dict, action: str, hidden: dict) -> str:
		amount = Decimal(order["total"]) / 100
		fields = "".join(
			f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
			for k, v in hidden.items()
		)
		state = order["trade_state"]
		if state == "SUCCESS":
			button = "<p class='paid'>支付成功</p>"
		elif state == "CLOSED":
			button = "<p class='closed'>订单已关闭</p>"
		else:
			button = f'<form method="post" action="{action}">{fields}<button type="submit">确认支付</button></form>'
		return (
			"<!doctype html><html lang='zh'><head><meta charset='utf-8'>"
			"<meta name='viewport' content='width=device-width, initial-scale=1'><title>微信支付</title>"
			"<style>body{font-family:sans-serif;text-align:center;padding:2em}"
			"button{background:#07c160;color:#fff;border:0;padding:.8em 3em;font-size:1.1em;border-radius:6px}"
			"</style></head><body>"
			f"<h1>微信支付</h1><p class='description'>{html.escape(order.get('description', ''))}</p>"
			f"<p class='amount'>¥{amount:.2f}</p>{button}"
			"<p><small>WeChat Pay stand-in (test)</small></p></body></html>"
		)

	def order_by(self, *, prepay: str | None = None, code: str | None = None) -> dict | None:
		for order in self.orders.values():
			if (prepay and order["prepay_id"] == prepay) or (code and order["code"] == code):
				return order
		return None


def _error(code: str, message: str) -> dict:
	return {"code": code, "message": message}


class _Handler(BaseHTTPRequestHandler):
	standin: WeChatPayStandIn
	protocol_version = "HTTP/1.1"

	def log_message(self, format, *args):  # quiet
		pass

	def _body(self) -> bytes:
		length = int(self.headers.get("Content-Length") or 0)
		return self.rfile.read(length) if length else b""

	def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(body)))
		for key, value in (headers or {}).items():
			self.send_header(key, value)
		self.end_headers()
		if self.command != "HEAD":
			self.wfile.write(body)

	def _api_answer(self, status: int, data: dict | None):
		text = "" if data is None else json.dumps(data, ensure_ascii=False)
		headers = self.standin.sign_answer(text)
		headers["Request-ID"] = secrets.token_hex(8)
		self._send(status, text.encode(), "application/json; charset=utf-8", headers)

	def _handle(self, method: str):
		standin = self.standin
		body = self._body()
		split = urlsplit(self.path)
		if split.path.startswith("/standin/"):
			return self._cashier(method, split, body)
		text = body.decode("utf-8", "replace")
		with standin.lock:
			standin.requests.append(
				{"method": method, "path": self.path, "headers": dict(self.headers.items()), "body": text}
			)
		why = standin.check_authorization(method, self.path, self.headers.get("Authorization", ""), text)
		if why:
			return self._api_answer(401, _error("SIGN_ERROR", "签名错误: " + why))
		if method == "GET" and split.path == "/v3/billdownload/file":
			token = parse_qs(split.query).get("token", [""])[0]
			content = standin.bills.get(token)
			if content is None:
				return self._api_answer(404, _error("RESOURCE_NOT_EXISTS", "账单不存在"))
			return self._send(200, content, "application/octet-stream")
		try:
			status, data = standin.api(method, self.path, text)
		except (ValueError, KeyError, TypeError) as error:
			status, data = 400, _error("PARAM_ERROR", f"请求参数错误: {error}")
		self._api_answer(status, data)

	def _cashier(self, method: str, split, body: bytes):
		standin = self.standin
		query = {k: v[0] for k, v in parse_qs(split.query).items()}
		form = (
			{k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
			if method == "POST"
			else {}
		)
		params = {**query, **form}
		if split.path == "/standin/h5":
			order = standin.order_by(prepay=params.get("prepay"))
		elif split.path == "/standin/scan":
			order = standin.order_by(code=params.get("code"))
		else:
			order = None
		if order is None:
			return self._send(404, "订单不存在".encode(), "text/plain; charset=utf-8")
		if method == "POST":
			if order["trade_state"] != "CLOSED":
				standin.pay(order["out_trade_no"])
			redirect = params.get("redirect_url")
			if redirect:
				return self._send(302, b"", "text/plain", {"Location": redirect})
			return self._send(303, b"", "text/plain", {"Location": split.path + "?" + split.query})
		hidden = {k: v for k, v in params.items() if k in ("prepay", "code", "redirect_url")}
		page = standin.cashier_page(order, split.path, hidden)
		self._send(200, page.encode(), "text/html; charset=utf-8")

	def do_GET(self):
		self._handle("GET")

	def do_POST(self):
		self._handle("POST")


def configure_site(
	standin: WeChatPayStandIn,
	merchant_private_key_pem: str,
	merchant_serial_no: str | None = None,
	*,
	enabled: bool = True,
	commit: bool = True,
):
	"""Point the site's WeChat Pay Settings at the stand-in (Sandbox, its base URL, the keys) and commit."""
	import frappe

	settings = frappe.get_doc("WeChat Pay Settings")
	settings.update(
		{
			"enabled": 1 if enabled else 0,
			"environment": "Sandbox",
			"api_base_url": standin.base_url,
			"mchid": standin.mchid,
			"appid": standin.appid,
			"merchant_serial_no": merchant_serial_no
			or standin.merchant_serial_no
			or secrets.token_hex(20).upper(),
			"merchant_private_key": merchant_private_key_pem,
			"apiv3_key": standin.apiv3_key,
			"platform_public_key_id": standin.public_key_id,
			"platform_public_key": standin.platform_public_key_pem,
		}
	)
	settings.flags.ignore_permissions = True
	settings.save()
	if commit:
		frappe.db.commit()
	return settings


def start_for_site(port: int = 0, *, commit: bool = True) -> WeChatPayStandIn:
	"""A running stand-in with fresh merchant keys, and the site's WeChat Pay Settings pointing at it (for
	tests of other parts and the `property-crm-payment-standins` command)."""
	private_pem, public_pem, serial_no = make_merchant_keys()
	standin = WeChatPayStandIn(
		DEFAULT_MCHID, DEFAULT_APPID, secrets.token_hex(16), public_pem, merchant_serial_no=serial_no
	)
	standin.merchant_private_key_pem = private_pem
	standin.start(port)
	configure_site(standin, private_pem, serial_no, commit=commit)
	return standin


def scan_url(standin: WeChatPayStandIn, code: str) -> str:
	"""Where a phone that scanned a Native QR code goes (the stand-in's page that pays it)."""
	return f"{standin.base_url}/standin/scan?code={quote(code, safe='')}"


__all__ = [
	"WeChatPayStandIn",
	"configure_site",
	"make_merchant_keys",
	"scan_url",
	"start_for_site",
]
