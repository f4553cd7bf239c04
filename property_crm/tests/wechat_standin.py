"""A stand-in of the WeChat Official Account API (微信公众号) and a simulated WeChat client, served on 127.0.0.1
by the tests themselves (standard library + `cryptography`; `configure_site` imports Frappe when called).

`WeChatStandIn(appid, secret)` — `start(port=0)` returns its base URL, which `configure_site` writes as both
the API and the OAuth base URL of WeChat Official Account Settings (Sandbox). It answers as WeChat does:

- `GET /cgi-bin/token?grant_type=client_credential&appid&secret` → a new access_token (expires_in 7200);
  `tokens_issued` counts them (`token_delay` seconds of latency make concurrent refreshes overlap); a wrong
  appid → 40013, a wrong secret → 40125. `expire_tokens()` makes every issued token answer 42001 (an
  unknown one answers 40001).
- `POST /cgi-bin/message/template/send?access_token` → records `messages` (touser, template_id, url, data,
  msgid); 43004 for an openid in `unsubscribed`; 45009 while `quota_exceeded`; 40037 for an empty template.
- `POST /cgi-bin/menu/create?access_token` → records `menus` (the parsed JSON).
- `GET /cgi-bin/media/get?access_token&media_id` → the bytes `add_media` stored, else 40007.
- `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` → {openid, access_token…}
  for a code `/connect/oauth2/authorize` issued (single use: 40163 when reused, 40029 unknown).
- `GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state` — the WeChat client's
  side of web authorisation: 302 to `redirect_uri?code=…&state=…` for the chosen WeChat user:
  `standin.next_openid` (set by a test), else the `standin_openid` cookie that `GET /standin/user?openid=…`
  sets (the browser tour). No user chosen → 403 page. A wrong appid → 400.
- `GET /standin/messages` → JSON {messages, menus, tokens_issued}: what the site sent (for a person at the
  `bench property-crm-wechat-standin` command).
- `calls`: every request (method, path, query without the secret, body).

`WeChatClient(endpoint_url, token, aes_key, appid, mode)` plays a resident's WeChat app against our
callback: `send_text`, `send_voice` (with Recognition), `send_image`, `click`, `subscribe`, `verify_url`,
signed (and in Safe mode encrypted, msg_signature) exactly as WeChat does; each returns a `Reply` with the
HTTP status, the raw text and the reply message parsed (decrypted and its signature checked in Safe mode).
`post(fields, …)` sends any message, with `timestamp`/`nonce`/`tamper` for the attack tests; `replay()`
sends the last request again byte for byte.
"""

import html
import json
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

from property_crm.wechat import protocol

DEFAULT_PORT = 8701
DEFAULT_APPID = "wx2c2769f8efd9abc2"
DEFAULT_ACCOUNT = "gh_10f6c3c3ac5a"  # the Official Account's original id (ToUserName of messages)
COOKIE = "standin_openid"


def random_aes_key() -> str:
	"""A fresh EncodingAESKey (43 letters and digits), as the Official Account platform generates."""
	alphabet = string.ascii_letters + string.digits
	return "".join(secrets.choice(alphabet) for _ in range(43))


def random_openid() -> str:
	"""An openid of the shape WeChat uses (28 characters, starting with o)."""
	alphabet = string.ascii_letters + string.digits + "-_"
	return "o" + "".join(secrets.choice(alphabet) for _ in range(27))


class WeChatStandIn:
	"""The WeChat API for one Official Account (appid, secret) on 127.0.0.1."""

	def __init__(self, appid: str = DEFAULT_APPID, secret: str | None = None):
		self.appid = appid
		self.secret = secret or secrets.token_hex(16)
		self.account = DEFAULT_ACCOUNT
		self.callback_token = "standin" + secrets.token_hex(8)  # the server configuration's Token
		self.encoding_aes_key = random_aes_key()
		self.lock = threading.RLock()
		self.tokens: dict[str, float] = {}  # token -> expiry (epoch)
		self.tokens_issued = 0
		self.token_delay = 0.0
		self.messages: list[dict] = []
		self.menus: list[dict] = []
		self.media: dict[str, tuple[bytes, str]] = {}
		self.codes: dict[str, dict] = {}  # code -> {"openid", "used"}
		self.unsubscribed: set[str] = set()
		self.quota_exceeded = False
		self.next_openid: str | None = None
		self.calls: list[dict] = []
		self.server: ThreadingHTTPServer | None = None
		self.base_url = ""

	# ---------------------------------------------------------------- server

	def start(self, port: int = 0) -> str:
		class Handler(_Handler):
			pass

		Handler.standin = self
		self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
		self.server.daemon_threads = True
		self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
		threading.Thread(target=self.server.serve_forever, name="wechat-oa-standin", daemon=True).start()
		return self.base_url

	def stop(self) -> None:
		if self.server:
			self.server.shutdown()
			self.server.server_close()
			self.server = None

	# ---------------------------------------------------------------- test controls

	def expire_tokens(self) -> None:
		"""Every token issued so far now answers 42001 (access_token expired)."""
		with self.lock:
			for token in self.tokens:
				self.tokens[token] = 0

	def add_media(self, content: bytes, content_type: str = "image/jpeg") -> str:
		"""Store a file as WeChat's temporary media; returns its media_id."""
		media_id = secrets.token_urlsafe(32)
		with self.lock:
			self.media[media_id] = (content, content_type)
		return media_id

	def issue_code(self, openid: str) -> str:
		"""A web authorisation code for ``openid`` (what /connect/oauth2/authorize hands out)."""
		code = secrets.token_hex(16)
		with self.lock:
			self.codes[code] = {"openid": openid, "used": False}
		return code

	def client(self, endpoint_url: str, mode: str = "Safe", host: str | None = None) -> "WeChatClient":
		"""A simulated WeChat client for this account's callback at ``endpoint_url``."""
		return WeChatClient(
			endpoint_url,
			self.callback_token,
			self.encoding_aes_key,
			self.appid,
			mode,
			host=host,
			account=self.account,
		)

	def messages_to(self, openid: str) -> list[dict]:
		with self.lock:
			return [m for m in self.messages if m["touser"] == openid]

	# ---------------------------------------------------------------- endpoints

	def token_error(self, token: str | None) -> tuple[int, str] | None:
		with self.lock:
			expiry = self.tokens.get(token or "")
		if expiry is None:
			return 40001, "invalid credential, access_token is invalid or not latest"
		if expiry < time.time():
			return 42001, "access_token expired"
		return None

	def get_token(self, query: dict) -> dict:
		if query.get("grant_type") != "client_credential":
			return {"errcode": 40002, "errmsg": "invalid grant_type"}
		if query.get("appid") != self.appid:
			return {"errcode": 40013, "errmsg": "invalid appid"}
		if query.get("secret") != self.secret:
			return {"errcode": 40125, "errmsg": "invalid appsecret"}
		if self.token_delay:
			time.sleep(self.token_delay)
		token = secrets.token_urlsafe(48)
		with self.lock:
			self.tokens[token] = time.time() + 7200
			self.tokens_issued += 1
		return {"access_token": token, "expires_in": 7200}

	def send_template(self, body: dict) -> dict:
		openid = body.get("touser") or ""
		if not openid:
			return {"errcode": 40003, "errmsg": "invalid openid"}
		if not body.get("template_id"):
			return {"errcode": 40037, "errmsg": "invalid template_id"}
		if self.quota_exceeded:
			return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
		if openid in self.unsubscribed:
			return {"errcode": 43004, "errmsg": "require subscribe"}
		with self.lock:
			msgid = 1_000_000_000 + len(self.messages)
			self.messages.append(
				{
					"touser": openid,
					"template_id": body["template_id"],
					"url": body.get("url"),
					"data": body.get("data") or {},
					"msgid": msgid,
				}
			)
		return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

	def create_menu(self, body: dict) -> dict:
		if not isinstance(body.get("button"), list) or not 1 <= len(body["button"]) <= 3:
			return {"errcode": 40016, "errmsg": "invalid button size"}
		with self.lock:
			self.menus.append(body)
		return {"errcode": 0, "errmsg": "ok"}

	def oauth_access_token(self, query: dict) -> dict:
		if query.get("appid") != self.appid or query.get("secret") != self.secret:
			return {"errcode": 40125, "errmsg": "invalid appsecret"}
		with self.lock:
			entry = self.codes.get(query.get("code") or "")
			if entry is None:
				return {"errcode": 40029, "errmsg": "invalid code"}
			if entry["used"]:
				return {"errcode": 40163, "errmsg": "code been used"}
			entry["used"] = True
		return {
			"access_token": secrets.token_urlsafe(32),
			"expires_in": 7200,
			"refresh_token": secrets.token_urlsafe(32),
			"openid": entry["openid"],
			"scope": "snsapi_base",
		}


class _Handler(BaseHTTPRequestHandler):
	standin: WeChatStandIn

	def log_message(self, *args):
		pass

	def _json(self, data: dict, status: int = 200):
		body = json.dumps(data, ensure_ascii=False).encode("utf-8")
		self.send_response(status)
		self.send_header("Content-Type", "application/json; encoding=utf-8")
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		self.wfile.write(body)

	def _page(self, status: int, text: str, headers: dict | None = None):
		body = f"<!doctype html><meta charset=utf-8><title>微信</title><p>{html.escape(text)}</p>".encode()
		self.send_response(status)
		self.send_header("Content-Type", "text/html; charset=utf-8")
		self.send_header("Content-Length", str(len(body)))
		for key, value in (headers or {}).items():
			self.send_header(key, value)
		self.end_headers()
		self.wfile.write(body)

	def _parts(self):
		parts = urlsplit(self.path)
		query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
		return parts.path, query

	def _record(self, method: str, path: str, query: dict, body=None):
		hidden = {"secret", "code"}
		with self.standin.lock:
			self.standin.calls.append(
				{
					"method": method,
					"path": path,
					"query": {k: v for k, v in query.items() if k not in hidden},
					"body": body,
				}
			)

	def do_GET(self):
		standin = self.standin
		path, query = self._parts()
		self._record("GET", path, query)
		if path == "/cgi-bin/token":
			return self._json(standin.get_token(query))
		if path == "/sns/oauth2/access_token":
			return self._json(standin.oauth_access_token(query))
		if path == "/cgi-bin/media/get":
			error = standin.token_error(query.get("access_token"))
			if error:
				return self._json({"errcode": error[0], "errmsg": error[1]})
			found = standin.media.get(query.get("media_id") or "")
			if not found:
				return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
			content, content_type = found
			self.send_response(200)
			self.send_header("Content-Type", content_type)
			self.send_header("Content-Disposition", 'attachment; filename="media.jpg"')
			self.send_header("Content-Length", str(len(content)))
			self.end_headers()
			self.wfile.write(content)
			return
		if path == "/connect/oauth2/authorize":
			return self.authorize(query)
		if path == "/standin/user":
			openid = query.get("openid") or ""
			if not openid:
				return self._page(400, "openid?")
			return self._page(200, f"微信用户 {openid}", {"Set-Cookie": f"{COOKIE}={openid}; Path=/"})
		if path == "/standin/messages":
			with standin.lock:
				sent = {"messages": list(standin.messages), "menus": list(standin.menus)}
			return self._json(sent | {"tokens_issued": standin.tokens_issued})
		self._json({"errcode": 404, "errmsg": "not found"}, 404)

	def authorize(self, query: dict):
		standin = self.standin
		if query.get("appid") != standin.appid:
			return self._page(400, "appid 参数错误")
		if query.get("response_type") != "code" or query.get("scope") not in (
			"snsapi_base",
			"snsapi_userinfo",
		):
			return self._page(400, "参数错误")
		redirect_uri = query.get("redirect_uri") or ""
		if urlsplit(redirect_uri).scheme not in ("http", "https"):
			return self._page(400, "redirect_uri 参数错误")
		openid = standin.next_openid
		if not openid:
			for part in (self.headers.get("Cookie") or "").split(";"):
				name, _sep, value = part.strip().partition("=")
				if name == COOKIE and value:
					openid = value
		if not openid:
			return self._page(403, "请在微信客户端打开链接")
		code = standin.issue_code(openid)
		parts = urlsplit(redirect_uri)
		extra = urlencode({"code": code, "state": query.get("state", "")})
		target = urlunsplit(
			(parts.scheme, parts.netloc, parts.path, f"{parts.query}&{extra}" if parts.query else extra, "")
		)
		self.send_response(302)
		self.send_header("Location", target)
		self.send_header("Content-Length", "0")
		self.end_headers()

	def do_POST(self):
		standin = self.standin
		path, query = self._parts()
		length = int(self.headers.get("Content-Length") or 0)
		raw = self.rfile.read(min(length, 1024 * 1024))
		try:
			body = json.loads(raw.decode("utf-8")) if raw else {}
		except ValueError:
			self._record("POST", path, query, raw[:200])
			return self._json({"errcode": 47001, "errmsg": "data format error"})
		self._record("POST", path, query, body)
		if path in ("/cgi-bin/message/template/send", "/cgi-bin/menu/create"):
			error = standin.token_error(query.get("access_token"))
			if error:
				return self._json({"errcode": error[0], "errmsg": error[1]})
			if path == "/cgi-bin/menu/create":
				return self._json(standin.create_menu(body))
			return self._json(standin.send_template(body))
		self._json({"errcode": 404, "errmsg": "not found"}, 404)


# ---------------------------------------------------------------- the simulated WeChat client


@dataclass
class Reply:
	status_code: int
	text: str
	message: dict | None = None  # the reply parsed (decrypted in Safe mode); None for "" / "success"
	encrypted: bool = False
	error: str | None = None  # why the reply could not be read (bad signature, not XML…)
	sent: dict = field(default_factory=dict)  # the message we sent (fields)

	@property
	def content(self) -> str | None:
		return (self.message or {}).get("Content")


class WeChatClient:
	"""A resident's WeChat app talking to our callback as WeChat's servers do."""

	def __init__(
		self,
		endpoint_url: str,
		token: str,
		aes_key: str | None,
		appid: str,
		mode: str = "Safe",
		*,
		host: str | None = None,
		account: str = DEFAULT_ACCOUNT,
	):
		self.endpoint_url = endpoint_url
		self.token = token
		self.appid = appid
		self.mode = mode
		self.account = account
		self.crypt = protocol.MessageCrypt(token, aes_key, appid) if mode == "Safe" else None
		parts = urlsplit(endpoint_url)
		self.headers = {}
		hostname = parts.hostname or ""
		if host:
			self.headers["Host"] = host
		elif hostname == "localhost" or hostname.endswith(".localhost"):
			# *.localhost goes to 127.0.0.1 with the Host header kept (RFC 6761), as in the payment stand-ins
			self.headers["Host"] = parts.netloc
			netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
			self.endpoint_url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
		self.last: tuple[dict, bytes] | None = None
		self._msgid = int(time.time()) * 1000

	def _signature_params(self, timestamp: str, nonce: str) -> dict:
		return {
			"signature": protocol.signature(self.token, timestamp, nonce),
			"timestamp": timestamp,
			"nonce": nonce,
		}

	def verify_url(self, echostr: str | None = None, *, tamper: bool = False) -> requests.Response:
		"""The platform's URL verification (GET with signature, timestamp, nonce, echostr)."""
		timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
		params = self._signature_params(timestamp, nonce) | {"echostr": echostr or secrets.token_hex(8)}
		if tamper:
			params["signature"] = "0" * 40
		return requests.get(self.endpoint_url, params=params, headers=self.headers, timeout=30)

	def message(self, openid: str, msg_type: str, **fields) -> dict:
		"""The fields of a message from ``openid`` (ToUserName, FromUserName, CreateTime, MsgType, MsgId…)."""
		out = {
			"ToUserName": self.account,
			"FromUserName": openid,
			"CreateTime": int(time.time()),
			"MsgType": msg_type,
		}
		out.update(fields)
		if msg_type != "event" and "MsgId" not in out:
			self._msgid += 1
			out["MsgId"] = self._msgid
		return out

	def post(
		self,
		fields: dict,
		*,
		timestamp: str | int | None = None,
		nonce: str | None = None,
		tamper: bool = False,
		raw_body: bytes | None = None,
	) -> Reply:
		"""POST one message as WeChat does. ``tamper``: the signature (Safe: msg_signature) is wrong;
		``raw_body``: send these bytes instead (still signed as given, for the XML attack tests)."""
		timestamp = str(timestamp if timestamp is not None else int(time.time()))
		nonce = nonce or str(secrets.randbelow(10**10))
		openid = fields.get("FromUserName", "")
		params = self._signature_params(timestamp, nonce) | {"openid": openid}
		plain = protocol.build_xml(fields)
		if self.crypt:
			if raw_body is not None:
				encrypt = self.crypt.encrypt(raw_body.decode("utf-8", "replace"))
				body = protocol.build_xml({"ToUserName": self.account, "Encrypt": encrypt}).encode()
				signature = protocol.msg_signature(self.token, timestamp, nonce, encrypt)
			else:
				text, signature = self.crypt.encrypt_message(plain, timestamp, nonce)
				body = text.encode("utf-8")
			params |= {"encrypt_type": "aes", "msg_signature": signature}
			if tamper:
				params["msg_signature"] = "0" * 40
		else:
			body = raw_body if raw_body is not None else plain.encode("utf-8")
			if tamper:
				params["signature"] = "0" * 40
		self.last = (params, body)
		return self._send(params, body, fields)

	def replay(self) -> Reply:
		"""The last request again, byte for byte (WeChat's retry, or an attacker's replay)."""
		assert self.last, "nothing sent yet"
		params, body = self.last
		return self._send(params, body, {})

	def _send(self, params: dict, body: bytes, fields: dict) -> Reply:
		response = requests.post(
			self.endpoint_url,
			params=params,
			data=body,
			headers=self.headers | {"Content-Type": "text/xml; charset=utf-8"},
			timeout=30,
		)
		reply = Reply(response.status_code, response.text, sent=fields)
		text = response.text.strip()
		if response.status_code != 200 or text in ("", "success"):
			return reply
		try:
			outer = protocol.parse_xml(text)
			if self.crypt and "Encrypt" in outer:
				reply.encrypted = True
				if not protocol.check_signature(
					self.token,
					outer.get("TimeStamp", ""),
					outer.get("Nonce", ""),
					outer.get("MsgSignature", ""),
					outer["Encrypt"],
				):
					reply.error = "bad msg_signature on the reply"
					return reply
				outer = protocol.parse_xml(self.crypt.decrypt(outer["Encrypt"]))
			elif self.crypt:
				reply.error = "a plain reply in Safe mode"
			reply.message = outer
		except protocol.ProtocolError as error:
			reply.error = str(error)
		return reply

	# ---------------------------------------------------------------- what a resident does

	def send_text(self, openid: str, content: str, **kw) -> Reply:
		return self.post(self.message(openid, "text", Content=content), **kw)

	def send_voice(self, openid: str, recognition: str, media_id: str | None = None, **kw) -> Reply:
		fields = self.message(
			openid,
			"voice",
			MediaId=media_id or secrets.token_urlsafe(32),
			Format="amr",
			Recognition=recognition,
		)
		return self.post(fields, **kw)

	def send_image(self, openid: str, media_id: str, pic_url: str = "", **kw) -> Reply:
		fields = self.message(
			openid, "image", PicUrl=pic_url or "http://mmbiz.qpic.cn/standin.jpg", MediaId=media_id
		)
		return self.post(fields, **kw)

	def click(self, openid: str, key: str, **kw) -> Reply:
		return self.post(self.message(openid, "event", Event="CLICK", EventKey=key), **kw)

	def view(self, openid: str, url: str, **kw) -> Reply:
		return self.post(self.message(openid, "event", Event="VIEW", EventKey=url), **kw)

	def subscribe(self, openid: str, **kw) -> Reply:
		return self.post(self.message(openid, "event", Event="subscribe", EventKey=""), **kw)

	def unsubscribe(self, openid: str, **kw) -> Reply:
		return self.post(self.message(openid, "event", Event="unsubscribe", EventKey=""), **kw)


# ---------------------------------------------------------------- the site


def configure_site(
	standin: WeChatStandIn,
	mode: str = "Safe",
	*,
	site_url: str | None = None,
	enabled: bool = True,
	commit: bool = True,
):
	"""Point the site's WeChat Official Account Settings at the stand-in (Sandbox: API and OAuth base URL =
	the stand-in, its appid/secret, its callback Token and EncodingAESKey, ``mode``) and commit. The
	cached access token is dropped. Returns the settings doc."""
	import frappe

	settings = frappe.get_doc("WeChat Official Account Settings")
	settings.update(
		{
			"enabled": 1 if enabled else 0,
			"environment": "Sandbox",
			"mode": mode,
			"api_base_url": standin.base_url,
			"oauth_base_url": standin.base_url,
			"site_url": (site_url or frappe.utils.get_url()).rstrip("/"),
			"appid": standin.appid,
			"app_secret": standin.secret,
			"token": standin.callback_token,
			"encoding_aes_key": standin.encoding_aes_key,
		}
	)
	settings.flags.ignore_permissions = True
	settings.save()
	if commit:
		frappe.db.commit()
	frappe.clear_document_cache("WeChat Official Account Settings", "WeChat Official Account Settings")
	return settings


def start_for_site(port: int = 0, mode: str = "Safe", *, site_url: str | None = None, commit: bool = True):
	"""A running stand-in with the site's settings pointing at it (for other parts' tests and the demo)."""
	standin = WeChatStandIn(DEFAULT_APPID)
	standin.start(port)
	configure_site(standin, mode, site_url=site_url, commit=commit)
	return standin
