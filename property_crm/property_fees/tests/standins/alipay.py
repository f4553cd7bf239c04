"""A stand-in of Alipay's open API gateway, served on 127.0.0.1 by the tests themselves (stdlib + cryptography).

`AlipayStandIn(app_id, app_public_key_pem)` generates its own Alipay RSA key; `start()` returns its gateway
URL (`http://127.0.0.1:<port>/gateway.do`) for Alipay Settings. It implements what the app uses:

- `POST` (or `GET`) `/gateway.do` with `method` = alipay.trade.precreate / query / close / refund /
  fastpay.refund.query, alipay.data.dataservice.bill.downloadurl.query: it verifies OUR RSA2 signature
  with the app public key (sorted `k=v` of every parameter but `sign`; else `isv.invalid-signature`, unsigned,
  as Alipay answers) and answers `{"<method>_response": {...}, "sign": "..."}` signed over the exact text
  of the response object, the way python-alipay-sdk checks it.
- `GET /gateway.do?…` for alipay.trade.wap.pay / page.pay: verifies the signature and shows a tiny cashier
  page (支付宝 ¥amount, 确认支付); its POST pays, sends the signed async notification to notify_url and
  302s to return_url with the signed sync parameters.
- `GET /standin/scan?code=…` pays a precreate QR code the same way.
- `/standin/bill/<day>.zip?token=…` the day's statement: a zip of a GBK 业务明细 CSV in Alipay's layout.

Tests drive it with `pay(out_trade_no)` (records trade_no, POSTs the notification, returns (status, body)),
`notification(out_trade_no, …)` → (headers, body) to send themselves (genuine with other values, or
`tamper`ed after signing), and `plant` / `drop` / `extra` to make the statement disagree with the ledger.
Notifications and answers are signed with the stand-in's Alipay key: RSA2 over the sorted `k=v` of every
parameter but `sign` and `sign_type`.
"""

import base64
import html
import io
import json
import random
import secrets
import threading
import urllib.error
import urllib.request
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote_plus, urlencode, urlparse
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from property_crm.property_fees.rules.alipay_statement import render_detail
from property_crm.property_fees.tests.standins import post

BEIJING = ZoneInfo("Asia/Shanghai")
FORMAT = "%Y-%m-%d %H:%M:%S"
SERVER_METHODS = (
	"alipay.trade.precreate",
	"alipay.trade.query",
	"alipay.trade.close",
	"alipay.trade.refund",
	"alipay.trade.fastpay.refund.query",
	"alipay.data.dataservice.bill.downloadurl.query",
)
CASHIER_METHODS = ("alipay.trade.wap.pay", "alipay.trade.page.pay")


def make_app_keys() -> tuple[str, str]:
	"""A fresh app key pair (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM), as Alipay's key tool makes."""
	key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
	private = key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()
	public = (
		key.public_key()
		.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
		.decode()
	)
	return private, public


def sign_rsa2(private_key, text: str) -> str:
	return base64.b64encode(private_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_rsa2(public_key, text: str, signature: str) -> bool:
	try:
		public_key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
		return True
	except (InvalidSignature, ValueError, TypeError):
		return False


def content(params: dict, leave_out=("sign",)) -> str:
	"""Alipay's string to sign: the sorted `k=v` of every non-empty parameter but those left out."""
	return "&".join(
		f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out and v not in (None, "")
	)


def now_text(shift: timedelta = timedelta(0)) -> str:
	return (datetime.now(BEIJING) + shift).strftime(FORMAT)


def money(value) -> str:
	return str(Decimal(str(value)).quantize(Decimal("0.01")))


class AlipayStandIn:
	def __init__(self, app_id: str, app_public_key_pem: str):
		self.app_id = app_id
		self.app_public_key = serialization.load_pem_public_key(app_public_key_pem.encode())
		self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
		self.alipay_public_key_pem = (
			self.key.public_key()
			.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
			.decode()
		)
		self.seller_id = "2088" + "".join(random.choices("0123456789", k=12))
		self.orders: dict[str, dict] = {}
		self.qr_codes: dict[str, str] = {}  # code -> out_trade_no
		self.calls: list[dict] = []  # every gateway request: method, biz_content, signature_ok
		self.planted: dict[str, str] = {}  # out_trade_no -> amount shown in the statement
		self.dropped: set[str] = set()
		self.extras: list[dict] = []
		self.notification_signs: list[
			str
		] = []  # every notification signature made (tests search logs for them)
		self.bad_answer_signature = False  # sign answers with another key (the app must refuse them)
		self.lock = threading.RLock()
		self.server = None
		self.thread = None
		self.base = None

	# server
	def start(self, port: int = 0) -> str:
		standin = self

		class Handler(BaseHTTPRequestHandler):
			def log_message(self, *args):
				pass

			def do_GET(self):
				standin._handle(self, "GET")

			def do_POST(self):
				standin._handle(self, "POST")

		self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
		self.server.daemon_threads = True
		self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
		self.thread.start()
		return self.gateway_url

	@property
	def gateway_url(self) -> str:
		return self.base + "/gateway.do"

	def stop(self):
		if self.server:
			self.server.shutdown()
			self.server.server_close()
			self.server = None

	# signing
	def sign(self, text: str) -> str:
		if self.bad_answer_signature:
			other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
			return sign_rsa2(other, text)
		return sign_rsa2(self.key, text)

	def signed_params(self, params: dict) -> dict:
		"""Notification / sync-return parameters with sign and sign_type (signed without them)."""
		params = {k: v for k, v in params.items() if v not in (None, "")}
		params["sign"] = sign_rsa2(self.key, content(params, leave_out=("sign", "sign_type")))
		params["sign_type"] = "RSA2"
		return params

	def answer(self, method: str, result: dict, signed: bool = True) -> bytes:
		response_type = method.replace(".", "_") + "_response"
		inner = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
		if not signed:
			return f'{{"{response_type}":{inner}}}'.encode()
		return f'{{"{response_type}":{inner},"sign":"{self.sign(inner)}"}}'.encode()

	def invalid(self, method, sub_code, sub_msg) -> bytes:
		"""Alipay's answer to a request it cannot accept (40002): unsigned, as Alipay sends it."""
		result = {"code": "40002", "msg": "Invalid Arguments", "sub_code": sub_code, "sub_msg": sub_msg}
		return self.answer(method, result, signed=False)

	# http
	def _handle(self, request, verb):
		url = urlparse(request.path)
		params = dict(parse_qsl(url.query, keep_blank_values=True))
		if verb == "POST":
			length = int(request.headers.get("Content-Length") or 0)
			params.update(dict(parse_qsl(request.rfile.read(length).decode("utf-8"), keep_blank_values=True)))
		try:
			if url.path == "/gateway.do":
				status, headers, body = self._gateway(verb, params)
			elif url.path == "/standin/cashier" and verb == "POST":
				status, headers, body = self._cashier_pay(params)
			elif url.path == "/standin/scan":
				status, headers, body = self._scan(params)
			elif url.path.startswith("/standin/bill/"):
				status, headers, body = self._bill(url.path.rsplit("/", 1)[-1].removesuffix(".zip"), params)
			else:
				status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
		except Exception as error:  # a stand-in bug shows as a 500 the test sees, not a hung request
			status, headers, body = 500, {"Content-Type": "text/plain"}, repr(error).encode()
		request.send_response(status)
		for name, value in headers.items():
			request.send_header(name, value)
		request.send_header("Content-Length", str(len(body)))
		request.end_headers()
		request.wfile.write(body)

	def _gateway(self, verb, params):
		json_type = {"Content-Type": "application/json;charset=utf-8"}
		method = params.get("method", "")
		genuine = verify_rsa2(self.app_public_key, content(params), params.get("sign", ""))
		try:
			biz = json.loads(params.get("biz_content") or "{}")
		except ValueError:
			biz = {}
		with self.lock:
			self.calls.append(
				{
					"method": method,
					"biz_content": biz,
					"signature_ok": genuine,
					"verb": verb,
					"sign": params.get("sign"),
				}
			)
		if method in CASHIER_METHODS and verb == "GET":
			if params.get("app_id") != self.app_id or not genuine:
				return (
					400,
					{"Content-Type": "text/html;charset=utf-8"},
					"<p>验签出错 (isv.invalid-signature)</p>".encode(),
				)
			return self._cashier(method, params, biz)
		if method not in SERVER_METHODS:
			return 200, json_type, self.invalid("error", "isv.invalid-method", "不存在的方法名")
		if params.get("app_id") != self.app_id:
			return 200, json_type, self.invalid(method, "isv.invalid-app-id", "无效的AppID参数")
		if not genuine:
			sub_msg = "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配"
			return 200, json_type, self.invalid(method, "isv.invalid-signature", sub_msg)
		with self.lock:
			result = getattr(self, "_" + method.replace(".", "_"))(params, biz)
		if "code" not in result:
			result = {"code": "10000", "msg": "Success", **result}
		return 200, json_type, self.answer(method, result)

	@staticmethod
	def _failed(sub_code, sub_msg):
		return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}

	def _record(self, method, params, biz):
		out_trade_no = biz.get("out_trade_no")
		order = self.orders.get(out_trade_no)
		if order is None:
			order = self.orders[out_trade_no] = {
				"out_trade_no": out_trade_no,
				"method": method,
				"subject": biz.get("subject"),
				"total_amount": money(biz.get("total_amount") or "0"),
				"time_expire": biz.get("time_expire"),
				"notify_url": params.get("notify_url"),
				"return_url": params.get("return_url"),
				"status": "WAIT_BUYER_PAY",
				"trade_no": None,
				"gmt_create": now_text(),
				"gmt_payment": None,
				"refunds": {},
			}
		return order

	# server methods
	def _alipay_trade_precreate(self, params, biz):
		if not biz.get("out_trade_no") or not biz.get("total_amount") or not biz.get("subject"):
			return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.missing-required-arguments"}
		existing = self.orders.get(biz["out_trade_no"])
		if existing and existing["status"] != "WAIT_BUYER_PAY":
			return self._failed(
				"ACQ.TRADE_HAS_SUCCESS" if existing["trade_no"] else "ACQ.TRADE_HAS_CLOSE", "交易状态不合法"
			)
		order = self._record("alipay.trade.precreate", params, biz)
		code = secrets.token_urlsafe(12)
		self.qr_codes[code] = order["out_trade_no"]
		return {"out_trade_no": order["out_trade_no"], "qr_code": f"{self.base}/standin/scan?code={code}"}

	def _alipay_trade_query(self, params, biz):
		order = self.orders.get(biz.get("out_trade_no"))
		if order is None:
			return self._failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
		out = {
			"out_trade_no": order["out_trade_no"],
			"trade_no": order["trade_no"] or "",
			"trade_status": order["status"],
			"total_amount": order["total_amount"],
			"buyer_logon_id": "buy***@example.com",
		}
		if order["gmt_payment"]:
			out["send_pay_date"] = order["gmt_payment"]
			out["receipt_amount"] = order["total_amount"]
		return {k: v for k, v in out.items() if v != ""}

	def _alipay_trade_close(self, params, biz):
		order = self.orders.get(biz.get("out_trade_no"))
		if order is None:
			return self._failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
		if order["status"] != "WAIT_BUYER_PAY":
			return self._failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
		order["status"] = "TRADE_CLOSED"
		return {"out_trade_no": order["out_trade_no"]}

	def _alipay_trade_refund(self, params, biz):
		order = self.orders.get(biz.get("out_trade_no"))
		if order is None:
			return self._failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
		if order["status"] not in ("TRADE_SUCCESS", "TRADE_CLOSED") or not order["trade_no"]:
			return self._failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
		request_no = biz.get("out_request_no") or order["out_trade_no"]
		amount = money(biz.get("refund_amount") or "0")
		refunds = order["refunds"]
		fund_change = "N"
		if request_no in refunds:
			if refunds[request_no]["amount"] != amount:
				return self._failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额不一致")
		else:
			refunded = sum(Decimal(r["amount"]) for r in refunds.values())
			if refunded + Decimal(amount) > Decimal(order["total_amount"]) or Decimal(amount) <= 0:
				return self._failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
			refunds[request_no] = {"amount": amount, "at": now_text(), "reason": biz.get("refund_reason")}
			fund_change = "Y"
			if refunded + Decimal(amount) == Decimal(order["total_amount"]):
				order["status"] = "TRADE_CLOSED"
		return {
			"trade_no": order["trade_no"],
			"out_trade_no": order["out_trade_no"],
			"buyer_logon_id": "buy***@example.com",
			"fund_change": fund_change,
			"refund_fee": money(sum(Decimal(r["amount"]) for r in refunds.values())),
			"gmt_refund_pay": refunds[request_no]["at"],
		}

	def _alipay_trade_fastpay_refund_query(self, params, biz):
		order = self.orders.get(biz.get("out_trade_no"))
		if order is None:
			return self._failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
		refund = order["refunds"].get(biz.get("out_request_no"))
		if refund is None:
			return {"out_trade_no": order["out_trade_no"], "trade_no": order["trade_no"]}
		return {
			"out_trade_no": order["out_trade_no"],
			"trade_no": order["trade_no"],
			"out_request_no": biz.get("out_request_no"),
			"total_amount": order["total_amount"],
			"refund_amount": refund["amount"],
			"refund_status": "REFUND_SUCCESS",
		}

	def _alipay_data_dataservice_bill_downloadurl_query(self, params, biz):
		if biz.get("bill_type") != "trade" or not biz.get("bill_date"):
			return {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-arguments"}
		token = secrets.token_urlsafe(8)
		return {"bill_download_url": f"{self.base}/standin/bill/{biz['bill_date']}.zip?token={token}"}

	# paying
	def _cashier(self, method, params, biz):
		with self.lock:
			order = self._record(method, params, biz)
		closed = order["status"] != "WAIT_BUYER_PAY"
		page = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>支付宝</title></head>
<body style="font-family:sans-serif;text-align:center;padding:2em">
<h1 style="color:#1677ff">支付宝</h1><p>{html.escape(order["subject"] or "")}</p>
<p class="amount" style="font-size:2em">¥{order["total_amount"]}</p>
{
			"<p>交易已结束</p>"
			if closed
			else f'''<form method="post" action="/standin/cashier">
<input type="hidden" name="out_trade_no" value="{html.escape(order["out_trade_no"])}">
<button type="submit" style="font-size:1.2em;padding:.5em 2em">确认支付</button></form>'''
		}
</body></html>"""
		return 200, {"Content-Type": "text/html;charset=utf-8"}, page.encode()

	def _cashier_pay(self, params):
		out_trade_no = params.get("out_trade_no")
		if out_trade_no not in self.orders:
			return 404, {"Content-Type": "text/plain"}, b"no such trade"
		self.pay(out_trade_no)
		order = self.orders[out_trade_no]
		if not order["return_url"]:
			return 200, {"Content-Type": "text/html;charset=utf-8"}, "<p>支付成功</p>".encode()
		sync = self.signed_params(
			{
				"method": order["method"] + ".return",
				"app_id": self.app_id,
				"auth_app_id": self.app_id,
				"charset": "utf-8",
				"version": "1.0",
				"timestamp": now_text(),
				"out_trade_no": out_trade_no,
				"trade_no": order["trade_no"],
				"total_amount": order["total_amount"],
				"seller_id": self.seller_id,
			}
		)
		target = order["return_url"] + ("&" if "?" in order["return_url"] else "?") + urlencode(sync)
		return 302, {"Location": target}, b""

	def _scan(self, params):
		out_trade_no = self.qr_codes.get(params.get("code"))
		if not out_trade_no:
			return 404, {"Content-Type": "text/plain"}, b"unknown code"
		status, _body = self.pay(out_trade_no)
		return 200, {"Content-Type": "text/html;charset=utf-8"}, f"<p>支付成功 ({status})</p>".encode()

	def mark_paid(self, out_trade_no: str) -> dict:
		with self.lock:
			order = self.orders.get(out_trade_no)
			if order is None:
				raise KeyError(f"the Alipay stand-in has no trade {out_trade_no}: launch it first")
			if order["status"] == "TRADE_CLOSED" and not order["trade_no"]:
				raise ValueError(f"{out_trade_no} is closed")
			if not order["trade_no"]:
				order["trade_no"] = (
					datetime.now(BEIJING).strftime("%Y%m%d")
					+ "2200"
					+ "".join(random.choices("0123456789", k=16))
				)
				order["gmt_payment"] = now_text()
				order["status"] = "TRADE_SUCCESS"
			return order

	def pay(self, out_trade_no: str, send: bool = True):
		"""The buyer pays: the trade is recorded and the signed notification POSTed to notify_url.
		Returns (HTTP status, body) of our notification endpoint's answer (None, None without sending)."""
		order = self.mark_paid(out_trade_no)
		if not send or not order["notify_url"]:
			return None, None
		headers, body = self.notification(out_trade_no)
		return post(order["notify_url"], headers, body)

	def notification(
		self,
		out_trade_no: str,
		*,
		total_amount=None,
		notify_time=None,
		tamper=None,
		app_id=None,
		trade_status="TRADE_SUCCESS",
		seller_id=None,
	):
		"""The async notification (headers, form-encoded body) Alipay would send, signed with its key.

		`total_amount` / `notify_time` (a "yyyy-MM-dd HH:mm:ss" Beijing text or a datetime) / `app_id` /
		`trade_status` / `seller_id` change what is signed (a genuine notification saying something else);
		`tamper` (a dict) changes fields AFTER signing, and `tamper="sign"` spoils the signature."""
		order = self.orders[out_trade_no]
		if trade_status in ("TRADE_SUCCESS", "TRADE_FINISHED") and not order["trade_no"]:
			self.mark_paid(out_trade_no)
		if isinstance(notify_time, datetime):
			moment = notify_time if notify_time.tzinfo else notify_time.replace(tzinfo=BEIJING)
			notify_time = moment.astimezone(BEIJING).strftime(FORMAT)
		amount = money(total_amount if total_amount is not None else order["total_amount"])
		params = {
			"notify_time": notify_time or now_text(),
			"notify_type": "trade_status_sync",
			"notify_id": secrets.token_hex(16),
			"charset": "utf-8",
			"version": "1.0",
			"app_id": app_id or self.app_id,
			"auth_app_id": app_id or self.app_id,
			"trade_no": order["trade_no"],
			"out_trade_no": out_trade_no,
			"buyer_id": "2088102177846880",
			"buyer_logon_id": "buy***@example.com",
			"seller_id": seller_id or self.seller_id,
			"seller_email": "seller@example.com",
			"trade_status": trade_status,
			"total_amount": amount,
			"receipt_amount": amount,
			"invoice_amount": amount,
			"buyer_pay_amount": amount,
			"point_amount": "0.00",
			"subject": order["subject"],
			"gmt_create": order["gmt_create"],
			"gmt_payment": order["gmt_payment"],
			"fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}]),
		}
		params = self.signed_params(params)
		if tamper == "sign":
			params["sign"] = params["sign"][:-8] + (
				"A" * 8 if not params["sign"].endswith("A" * 8) else "B" * 8
			)
		elif tamper:
			params.update(tamper)
		self.notification_signs.append(params["sign"])
		body = "&".join(f"{k}={quote_plus(str(v))}" for k, v in params.items()).encode()
		return {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body

	# statement
	def plant(self, out_trade_no: str, amount):
		"""The statement shows `amount` for this payment (an amount mismatch)."""
		self.planted[out_trade_no] = money(amount)

	def drop(self, out_trade_no: str):
		"""The statement leaves this payment out (missing at Alipay)."""
		self.dropped.add(out_trade_no)

	def extra(self, out_trade_no: str, amount, day=None, trade_no=None):
		"""The statement holds a payment we never recorded (missing on our side)."""
		self.extras.append(
			{
				"trade_no": trade_no or "2026" + "".join(random.choices("0123456789", k=24)),
				"out_trade_no": out_trade_no,
				"kind": "交易",
				"subject": "物业费 " + out_trade_no,
				"created": f"{day or now_text()[:10]} 10:00:00",
				"finished": f"{day or now_text()[:10]} 10:00:01",
				"amount": money(amount),
			}
		)

	def statement_rows(self, day: str) -> list[dict]:
		rows = []
		with self.lock:
			for order in self.orders.values():
				if order["gmt_payment"] and order["gmt_payment"][:10] == day:
					if order["out_trade_no"] not in self.dropped:
						rows.append(
							{
								"trade_no": order["trade_no"],
								"out_trade_no": order["out_trade_no"],
								"kind": "交易",
								"subject": order["subject"],
								"created": order["gmt_create"],
								"finished": order["gmt_payment"],
								"amount": self.planted.get(order["out_trade_no"], order["total_amount"]),
							}
						)
				for request_no, refund in order["refunds"].items():
					if refund["at"][:10] == day:
						rows.append(
							{
								"trade_no": order["trade_no"],
								"out_trade_no": order["out_trade_no"],
								"kind": "退款",
								"subject": order["subject"],
								"created": refund["at"],
								"finished": refund["at"],
								"amount": "-" + refund["amount"],
								"out_request_no": request_no,
							}
						)
			rows.extend(row for row in self.extras if row["finished"][:10] == day)
		return rows

	def _bill(self, day, params):
		text = render_detail(self.statement_rows(day), self.seller_id + "0156", day)
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w") as archive:
			stem = f"{self.seller_id}0156_{day.replace('-', '')}"
			archive.writestr(f"{stem}_业务明细.csv", text.encode("gbk"))
			archive.writestr(f"{stem}_业务明细(汇总).csv", "#支付宝业务汇总查询\n".encode("gbk"))
		return 200, {"Content-Type": "application/zip"}, buffer.getvalue()


def configure_site(standin: AlipayStandIn, app_private_key_pem: str, seller_id: bool = True):
	"""Point the site's Alipay Settings at `standin` (Sandbox, enabled, its keys) and commit."""
	import frappe

	settings = frappe.get_single("Alipay Settings")
	settings.update(
		{
			"enabled": 1,
			"environment": "Sandbox",
			"gateway_url": standin.gateway_url,
			"app_id": standin.app_id,
			"app_private_key": app_private_key_pem,
			"alipay_public_key": standin.alipay_public_key_pem,
			"seller_id": standin.seller_id if seller_id else "",
		}
	)
	settings.flags.ignore_permissions = True
	settings.save()
	frappe.db.commit()
	return settings
