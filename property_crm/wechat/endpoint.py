"""The Official Account's server endpoint (服务器配置): URL verification and message callbacks.

	GET  /api/method/property_crm.wechat.endpoint.callback?signature=…&timestamp=…&nonce=…&echostr=…
	POST /api/method/property_crm.wechat.endpoint.callback?signature=…&timestamp=…&nonce=…&openid=…
	     [&encrypt_type=aes&msg_signature=…]  (safe mode: the body's <Encrypt> is AES with the EncodingAESKey)

WeChat signs every call with the token of WeChat Official Account Settings (`protocol`: plain signature, or
msg_signature over the ciphertext in safe mode). A call is refused (403, nothing written but the log row) when
its signature is wrong, its timestamp is more than 5 minutes away from ours, or the body is not a WeChat
message (size, DTD, entities: `protocol`'s XML reader). WeChat retries a message it got no answer to within
5 s with the same MsgId (events: the same FromUserName + CreateTime): a MsgId seen in the last 10 minutes
(Redis) is answered "success" and not processed again. A timestamp + nonce carries one message only (plain
mode's signature does not cover the body): reused for another message, it is refused.

The answer is computed while WeChat waits: a message is passed to the hook `wechat_message_handlers`
(ordered "module.function"(message: dict, resident: str | None) -> str | None; the first reply wins) and the
reply is a text message (encrypted in safe mode), else "success". Handlers do only quick work (a draft order
is one insert); slow work (downloading a photo) is enqueued. Every callback is an Integration Request
(service "WeChat Official Account") with its MsgId, type, event and openid — never the message's content
(personal data), the signature, the token or the key.

The first handler (`core_handler`, here) answers events and unbound senders: subscribe → welcome + binding
link; a menu CLICK → the matching portal page through the binding entry; a message from an openid bound to
no resident file → the binding link. The modules' handlers hence only ever see a bound resident's messages.
"""

import time
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import quote

from werkzeug.wrappers import Response

import frappe
from frappe import _

from property_crm.rate_limits import limited
from property_crm.wechat import binding, client, protocol

WINDOW_SECONDS = 300  # timestamps further than this from our clock are refused
SEEN_SECONDS = 600  # a MsgId is remembered this long (WeChat retries within 15 s)
MAX_BODY = 64 * 1024
REPLY_LANGUAGE = "zh"

# menu CLICK keys → portal pages (the default menu uses `view` buttons; these serve click buttons too)
CLICK_PAGES = {
	"REPAIR": "/property/requests/new",
	"REQUESTS": "/property/requests",
	"MY_REQUESTS": "/property/requests",
	"COMPLAINT": "/property/complaints/new",
	"COMPLAINTS": "/property/complaints",
	"PAY": "/property/bills",
	"BILLS": "/property/bills",
	"SURVEYS": "/property/surveys",
	"NOTICES": "/property/notices",
}


class Refused(Exception):
	"""A callback that is not from WeChat, or not now: answered 403, logged without its content."""


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@limited("wechat_callback")
def callback():
	"""WeChat's door. Always a raw Response (never Frappe's JSON or error page)."""
	request = frappe.request
	if request is None or request.method not in ("GET", "POST"):
		return _text("Method Not Allowed", 405)
	settings = _settings()
	if settings is None:
		return _text("Not Found", 404)
	frappe.local.lang = REPLY_LANGUAGE
	args = request.args
	try:
		_check_time(args.get("timestamp"))
		if request.method == "GET":
			return _verify_url(settings, args)
		return _message(settings, args, request.get_data(cache=True) or b"")
	except Refused as error:
		frappe.db.rollback()
		_log("callback refused", _public_args(args), error=str(error), status="Failed")
		frappe.db.commit()
		return _text("Forbidden", 403)


# ---- the settings ---------------------------------------------------------------------------------------


class _Settings(NamedTuple):
	appid: str
	token: str
	aes_key: str | None
	safe: bool


def _settings() -> _Settings | None:
	"""The endpoint's keys, or None when the Official Account is not enabled or not set up."""
	try:
		s = client.settings()
	except Exception:  # the settings doctype not installed yet (before migrate)
		return None
	if not (s.enabled and s.appid and s.token):
		return None
	safe = s.mode == "Safe"
	if safe and not protocol.valid_aes_key(s.encoding_aes_key):
		return None
	return _Settings(s.appid, s.token, s.encoding_aes_key if safe else None, safe)


# ---- checks -----------------------------------------------------------------------------------------------


def _check_time(timestamp) -> None:
	try:
		sent = int(timestamp)
	except (TypeError, ValueError):
		raise Refused("no timestamp") from None
	if abs(time.time() - sent) > WINDOW_SECONDS:
		raise Refused("timestamp outside the replay window")


def _check_signature(expected: str | None, token: str, *parts: str) -> None:
	if not protocol.check_signature(token, parts[0], parts[1], expected, *parts[2:]):
		raise Refused("signature mismatch")


def _verify_url(settings: _Settings, args) -> Response:
	"""URL verification (接入验证): the echostr back as plain text once the signature is right."""
	timestamp, nonce, echostr = args.get("timestamp"), args.get("nonce") or "", args.get("echostr") or ""
	if settings.safe and args.get("msg_signature"):
		_check_signature(args.get("msg_signature"), settings.token, timestamp, nonce, echostr)
		try:
			echostr = _crypt(settings).decrypt(echostr)
		except protocol.ProtocolError:
			raise Refused("echostr does not decrypt") from None
	else:
		_check_signature(args.get("signature"), settings.token, timestamp, nonce)
	_log("url verification", _public_args(args))
	frappe.db.commit()
	return _text(echostr)


def _crypt(settings: _Settings):
	return protocol.MessageCrypt(settings.token, settings.aes_key, settings.appid)


def _read(settings: _Settings, args, body: bytes) -> dict:
	"""The message as WeChat sent it (decrypted in safe mode): signature, size and XML checked."""
	if len(body) > MAX_BODY:
		raise Refused("body too large")
	timestamp, nonce = args.get("timestamp"), args.get("nonce") or ""
	# the URL signature is checked in both modes (WeChat sends it in both)
	_check_signature(args.get("signature"), settings.token, timestamp, nonce)
	try:
		outer = protocol.parse_xml(body)
		if not settings.safe:
			return outer
		encrypted = outer.get("Encrypt") or ""
		_check_signature(args.get("msg_signature"), settings.token, timestamp, nonce, encrypted)
		return protocol.parse_xml(_crypt(settings).decrypt(encrypted))
	except protocol.ProtocolError as error:
		raise Refused(f"not a WeChat message: {type(error).__name__}") from None


def _seen_key(kind: str, value: str) -> str:
	return frappe.cache.make_key(f"property_crm:wechat:seen:{kind}:{value}")


def _message_key(message: dict) -> str:
	"""WeChat's identity of a message (events have no MsgId: their sender and time)."""
	return f"{message.get('FromUserName')}:{message.get('MsgId') or message.get('CreateTime')}"


def _first_time(message: dict, args) -> bool:
	"""True the first time a message is seen in SEEN_SECONDS (Redis, atomic SET NX EX). A timestamp and nonce
	are good for one message only: in plain mode the signature does not cover the body, so a captured signed
	request carrying another message is refused."""
	key = _message_key(message)
	nonce = _seen_key("nonce", f"{args.get('timestamp')}:{args.get('nonce')}")
	if not frappe.cache.set(nonce, key, ex=SEEN_SECONDS, nx=True):
		if (frappe.cache.get(nonce) or b"").decode() != key:
			raise Refused("nonce reused for another message")
	return bool(frappe.cache.set(_seen_key("msg", key), 1, ex=SEEN_SECONDS, nx=True))


def _forget(message: dict) -> None:
	frappe.cache.delete(_seen_key("msg", _message_key(message)))


# ---- the message ------------------------------------------------------------------------------------------


def _message(settings: _Settings, args, body: bytes) -> Response:
	message = _read(settings, args, body)
	summary = summary_of(message)
	if not message.get("FromUserName") or not message.get("MsgType"):
		raise Refused("not a WeChat message: no sender or type")
	if args.get("openid") and args.get("openid") != message.get("FromUserName"):
		raise Refused("openid mismatch")
	if not _first_time(message, args):
		_log("message repeated", summary, status="Completed")
		frappe.db.commit()
		return _text("success")
	try:
		resident = binding.resident_of_openid(message["FromUserName"])
		with as_user(binding.user_of_openid(message["FromUserName"]) if resident else None):
			reply = dispatch(message, resident)
		_log("message received", summary | {"resident": resident, "replied": bool(reply)})
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		_forget(message)  # WeChat retries: let the retry through
		frappe.log_error(title="WeChat message", message=frappe.get_traceback())
		_log("message failed", summary, error=_("The message could not be handled."), status="Failed")
		frappe.db.commit()
		reply = _("Sorry, we could not take your message just now. Please try again in a minute.")
	if not reply:
		return _text("success")
	return _xml(
		settings, args, protocol.text_reply(message["FromUserName"], message.get("ToUserName") or "", reply)
	)


@contextmanager
def as_user(user: str | None):
	"""The handlers write as the bound resident's portal user (owner, comment authors), as the portal does:
	only the session's user name changes, not the guest session itself (`anonymous.as_system`)."""
	session = frappe.local.session
	before = session.user
	if user:
		session.user = user
	try:
		yield
	finally:
		session.user = before


def dispatch(message: dict, resident: str | None) -> str | None:
	"""The reply of the first handler of the hook `wechat_message_handlers` (in its order) that handles
	the message (returns a str; "" = handled, no reply), or None."""
	for path in frappe.get_hooks("wechat_message_handlers") or ():
		reply = frappe.get_attr(path)(message, resident)
		if reply is not None:  # "" = handled, nothing to say
			return reply or None
	return None


def summary_of(message: dict) -> dict:
	"""What is logged of a message: its identity and type, never its content."""
	keys = ("MsgId", "MsgType", "Event", "CreateTime", "FromUserName")
	summary = {key: message.get(key) for key in keys if message.get(key)}
	if message.get("MsgType") == "event" and message.get("EventKey"):
		summary["EventKey"] = str(message["EventKey"])[:64]  # a menu key, not personal data
	summary["openid"] = summary.pop("FromUserName", None)
	return summary


# ---- the core handler: events and unbound senders ------------------------------------------------------


def core_handler(message: dict, resident: str | None) -> str | None:
	openid = message["FromUserName"]
	if message.get("MsgType") == "event":
		event = (message.get("Event") or "").lower()
		if event == "subscribe":
			welcome = _("Welcome! Report a repair, complain, pay your bills and answer surveys right here.")
			if resident:
				return welcome
			return (
				welcome + "\n" + _("Bind your resident file first: {0}").format(binding.binding_link(openid))
			)
		if event == "click":
			page = CLICK_PAGES.get(str(message.get("EventKey") or "").upper())
			if page:
				return _("Open: {0}").format(portal_link(page))
		return ""  # other events (unsubscribe, view, location): nothing to say, nothing else to do
	if not resident:
		return _(
			"Your WeChat is not bound to a resident file yet. Bind it here, then send your message again: {0}"
		).format(binding.binding_link(openid))
	return None


def portal_link(page: str) -> str:
	"""The portal page through the OAuth entry, which logs a bound resident in (binding)."""
	return f"{binding.site_url()}{binding.ENTRY}?next={quote(page, safe='/')}"


# ---- answers ----------------------------------------------------------------------------------------------


def _xml(settings: _Settings, args, xml: str) -> Response:
	if settings.safe:
		xml = _crypt(settings).encrypt_reply(xml, timestamp=str(int(time.time())), nonce=args.get("nonce"))
	return Response(xml, status=200, content_type="application/xml; charset=utf-8")


def _text(body: str, status: int = 200) -> Response:
	return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _public_args(args) -> dict:
	"""The query string without its signatures and echo (nothing secret is logged)."""
	return {key: args.get(key) for key in ("timestamp", "openid", "encrypt_type") if args.get(key)}


def _log(action: str, data: dict, error: str | None = None, status: str = "Completed") -> None:
	"""An inbound Integration Request (client.log_callback: redacted; a logging failure never fails us)."""
	client.log_callback(action, data=data, error=error, status=status)
