"""The WeChat Official Account API client (公众号接口), on `requests`, for the settings' base URLs only.

- **Access token.** Kept in Redis (``frappe.cache``, per site and appid) until 5 minutes before WeChat's
  ``expires_in``. A worker that finds none (or finds the one WeChat just called expired) takes a Redis lock
  and asks WeChat again only if the token is still missing/the same stale one after getting the lock — so
  concurrent workers make ONE /cgi-bin/token request and share its answer.
- **Errcodes.** 40001 / 42001 / 40014 (invalid/expired access token) → the token is refreshed once and the
  call retried once; 45009 / 45047 (daily quota / too many messages) → ``QuotaExceeded``; 43004 (not
  subscribed) → ``Unsubscribed``; any other non-zero errcode or an unreachable/garbled answer →
  ``WeChatError``.
- **Logging.** Every call is an Integration Request (service "WeChat Official Account"; inserted in the
  current transaction, no commit) with the URL without ``access_token``/``secret``/``code``, the request
  body and WeChat's answer with access_token, refresh_token, secrets and codes replaced by ``***``. The app
  secret, token and EncodingAESKey are never logged nor put in an error message.
"""

import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

import frappe
from frappe import _

SERVICE = "WeChat Official Account"
TIMEOUT = (5, 10)
TOKEN_MARGIN = 300  # seconds before WeChat's expiry that a cached token is dropped
LOCK_TIMEOUT = 15  # seconds a refresh may hold the lock
LOCK_WAIT = 20  # seconds a worker waits for another's refresh
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
QUOTA_ERRCODES = frozenset({45009, 45047})
UNSUBSCRIBED_ERRCODE = 43004
MAX_MEDIA_BYTES = 10 * 1024 * 1024

SECRET_KEYS = frozenset(
	{
		"access_token",
		"refresh_token",
		"secret",
		"appsecret",
		"app_secret",
		"token",
		"encoding_aes_key",
		"aes_key",
		"code",
		"password",
	}
)
REDACTED = "***"


class WeChatError(frappe.ValidationError):
	"""WeChat refused a call (errcode, errmsg) or could not be reached (errcode -1). The message holds no
	secret; the HTTP status a caller would see is 417, never 500."""

	http_status_code = 417

	def __init__(self, errcode: int | None = -1, errmsg: str = ""):
		self.errcode = errcode
		self.errmsg = errmsg or ""
		super().__init__(_("WeChat refused the call: {0} {1}").format(errcode, (errmsg or "")[:120]))


class Unsubscribed(WeChatError):
	"""43004: the resident does not follow the Official Account (fall back to another channel)."""


class QuotaExceeded(WeChatError):
	"""45009 / 45047: the daily quota or the per-user limit is used up (try again later)."""


class NotConfigured(WeChatError):
	"""WeChat Official Account Settings are not enabled or lack the appid / app secret."""

	def __init__(self):
		super().__init__(None, "not configured")
		self.args = (_("WeChat Official Account is not set up: see WeChat Official Account Settings"),)

	def __str__(self):
		return self.args[0]


def error_for(errcode: int, errmsg: str = "") -> WeChatError:
	"""The exception of an errcode."""
	if errcode == UNSUBSCRIBED_ERRCODE:
		return Unsubscribed(errcode, errmsg)
	if errcode in QUOTA_ERRCODES:
		return QuotaExceeded(errcode, errmsg)
	return WeChatError(errcode, errmsg)


# ---------------------------------------------------------------- settings


def settings() -> frappe._dict:
	"""The settings with the secrets decrypted (server side only)."""
	from property_crm.property_crm.doctype.wechat_official_account_settings import (
		wechat_official_account_settings as doctype,
	)

	return doctype.credentials()


def enabled() -> bool:
	"""The channel is on: settings enabled with an appid and an app secret."""
	s = settings()
	return bool(s.enabled and s.appid and s.app_secret)


def _configured() -> frappe._dict:
	s = settings()
	if not (s.enabled and s.appid and s.app_secret):
		raise NotConfigured()
	return s


# ---------------------------------------------------------------- redaction and logging


# personal data a call log keeps no copy of: a template message's recipient (touser) and what it says (data)
PERSONAL_KEYS = {"touser", "data"}


def redact(value):
	"""A copy with secret keys' values replaced (dicts, lists, JSON text); the recipient's openid and a
	template message's contents are personal data and are left out of logs too."""
	if isinstance(value, dict):
		return {
			k: (REDACTED if str(k).lower() in SECRET_KEYS | PERSONAL_KEYS else redact(v))
			for k, v in value.items()
		}
	if isinstance(value, list | tuple):
		return [redact(v) for v in value]
	if isinstance(value, bytes):
		value = value.decode("utf-8", "replace")
	if isinstance(value, str) and value.strip()[:1] in ("{", "["):
		try:
			return redact(json.loads(value))
		except ValueError:
			return value
	return value


def safe_url(url: str) -> str:
	"""The URL with access_token, secret, code (and any secret-named parameter) removed from the query."""
	parts = urlsplit(url)
	query = [
		(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in SECRET_KEYS
	]
	return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _text(value) -> str | None:
	if value is None:
		return None
	value = redact(value)
	return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1, default=str)


def log_call(action: str, url: str, data=None, output=None, error=None, status="Completed", reference=None):
	"""Insert an Integration Request (no commit; a logging failure never breaks the call)."""
	ref_doctype, ref_name = reference if reference else (None, None)
	try:
		frappe.get_doc(
			{
				"doctype": "Integration Request",
				"integration_request_service": SERVICE,
				"request_description": action[:140],
				"status": status,
				"is_remote_request": 0,
				"url": safe_url(url)[:140] if url else None,
				"data": _text(data),
				"output": _text(output),
				"error": _text(error),
				"reference_doctype": ref_doctype,
				"reference_docname": ref_name,
			}
		).insert(ignore_permissions=True)
	except Exception:
		frappe.log_error(title=f"{SERVICE}: Integration Request not logged", message=action)


def log_callback(action: str, data=None, output=None, error=None, status="Completed"):
	"""An inbound callback's Integration Request (is_remote_request), redacted like the calls."""
	try:
		frappe.get_doc(
			{
				"doctype": "Integration Request",
				"integration_request_service": SERVICE,
				"request_description": action[:140],
				"status": status,
				"is_remote_request": 1,
				"data": _text(data),
				"output": _text(output),
				"error": _text(error),
			}
		).insert(ignore_permissions=True)
	except Exception:
		frappe.log_error(title=f"{SERVICE}: Integration Request not logged", message=action)


# ---------------------------------------------------------------- HTTP


def _request(method: str, url: str, action: str, *, params=None, body=None, reference=None, raw=False):
	"""One HTTP call, logged. JSON answer → dict; ``raw`` → (bytes, content_type) unless WeChat answered
	JSON with an errcode. Raises WeChatError (not the token retry: see ``_call``)."""
	full = url + ("?" + urlencode(params) if params else "")
	payload = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
	try:
		response = requests.request(
			method,
			full,
			data=payload,
			headers={"Content-Type": "application/json; charset=utf-8"} if payload else None,
			timeout=TIMEOUT,
			stream=raw,
		)
		if raw:
			content = response.raw.read(MAX_MEDIA_BYTES + 1, decode_content=True)
			if len(content) > MAX_MEDIA_BYTES:
				raise WeChatError(-1, "media too large")
		else:
			content = response.content
	except requests.RequestException as error:
		log_call(action, full, body, error=type(error).__name__, status="Failed", reference=reference)
		raise WeChatError(-1, "WeChat could not be reached") from None
	content_type = response.headers.get("Content-Type", "")
	if raw and "json" not in content_type and "text/plain" not in content_type and response.ok:
		log_call(
			action,
			full,
			body,
			output={"bytes": len(content), "content_type": content_type},
			reference=reference,
		)
		return content, content_type
	try:
		answer = json.loads(content.decode("utf-8"))
		if not isinstance(answer, dict):
			raise ValueError
	except (ValueError, UnicodeDecodeError):
		log_call(
			action,
			full,
			body,
			error=f"HTTP {response.status_code}, not JSON",
			status="Failed",
			reference=reference,
		)
		raise WeChatError(-1, f"HTTP {response.status_code}") from None
	errcode = int(answer.get("errcode") or 0)
	if errcode:
		log_call(
			action,
			full,
			body,
			output=answer,
			error=f"{errcode} {answer.get('errmsg', '')}",
			status="Failed",
			reference=reference,
		)
		raise error_for(errcode, str(answer.get("errmsg") or ""))
	log_call(action, full, body, output=answer, reference=reference)
	return answer


def _call(method: str, path: str, action: str, *, params=None, body=None, reference=None, raw=False):
	"""A call with the access token: on 40001/42001/40014 the token is refreshed once and the call retried."""
	s = _configured()
	token = access_token()
	try:
		return _request(
			method,
			s.api_base_url + path,
			action,
			params={"access_token": token, **(params or {})},
			body=body,
			reference=reference,
			raw=raw,
		)
	except WeChatError as error:
		if error.errcode not in TOKEN_ERRCODES:
			raise
	token = access_token(stale=token)
	return _request(
		method,
		s.api_base_url + path,
		action,
		params={"access_token": token, **(params or {})},
		body=body,
		reference=reference,
		raw=raw,
	)


# ---------------------------------------------------------------- access token


def _token_key(appid: str) -> str:
	return frappe.cache.make_key(f"wechat_oa_access_token:{appid}")


def cached_token(appid: str | None = None) -> str | None:
	"""The access token in Redis, or None."""
	appid = appid or settings().appid
	value = frappe.cache.get(_token_key(appid))
	return value.decode() if isinstance(value, bytes) else value


def forget_token(appid: str | None = None) -> None:
	"""Drop the cached token (settings changed)."""
	appid = appid or settings().appid
	if appid:
		frappe.cache.delete(_token_key(appid))


def access_token(stale: str | None = None) -> str:
	"""A valid access token: the cached one, else one from WeChat fetched by one worker at a time.

	``stale``: the token WeChat just refused; a new one is fetched unless another worker already replaced it."""
	s = _configured()
	current = cached_token(s.appid)
	if current and current != stale:
		return current
	lock = frappe.cache.lock(
		frappe.cache.make_key(f"wechat_oa_token_lock:{s.appid}"),
		timeout=LOCK_TIMEOUT,
		blocking_timeout=LOCK_WAIT,
	)
	if not lock.acquire(blocking=True):
		raise WeChatError(-1, "the access token is being refreshed; try again")
	try:
		current = cached_token(s.appid)
		if current and current != stale:
			return current
		answer = _request(
			"GET",
			s.api_base_url + "/cgi-bin/token",
			"access token",
			params={"grant_type": "client_credential", "appid": s.appid, "secret": s.app_secret},
		)
		token = answer.get("access_token")
		if not token:
			raise WeChatError(-1, "no access_token in the answer")
		expires = max(60, int(answer.get("expires_in") or 7200) - TOKEN_MARGIN)
		frappe.cache.set(_token_key(s.appid), token, ex=expires)
		return token
	finally:
		try:
			lock.release()
		except Exception:  # expired meanwhile: another worker may hold it now
			pass


# ---------------------------------------------------------------- API


def send_template(openid: str, template_id: str, data: dict, url: str | None = None, reference=None) -> str:
	"""Send a template message (模板消息); ``data`` = {keyword: value or {"value": …}}. Returns msgid.
	``reference`` = (doctype, name) for the Integration Request."""
	body = {
		"touser": openid,
		"template_id": template_id,
		"data": {
			k: (v if isinstance(v, dict) else {"value": "" if v is None else str(v)}) for k, v in data.items()
		},
	}
	if url:
		body["url"] = url
	answer = _call(
		"POST", "/cgi-bin/message/template/send", "template message", body=body, reference=reference
	)
	return str(answer.get("msgid") or "")


def oauth_openid(code: str) -> str:
	"""The openid of a web authorisation code (snsapi_base): /sns/oauth2/access_token. WeChatError when the
	code is unknown/used (40029/40163)."""
	s = _configured()
	if not code or len(code) > 512:
		raise WeChatError(40029, "invalid code")
	answer = _request(
		"GET",
		s.api_base_url + "/sns/oauth2/access_token",
		"oauth openid",
		params={"appid": s.appid, "secret": s.app_secret, "code": code, "grant_type": "authorization_code"},
	)
	openid = answer.get("openid")
	if not openid:
		raise WeChatError(-1, "no openid in the answer")
	return str(openid)


def create_menu(menu: dict) -> None:
	"""Publish the custom menu (自定义菜单) — replaces the current one."""
	_call("POST", "/cgi-bin/menu/create", "create menu", body=menu)


def download_media(media_id: str) -> bytes:
	"""A temporary media file (a resident's photo) by media_id: /cgi-bin/media/get (≤ 10 MB)."""
	answer = _call("GET", "/cgi-bin/media/get", "download media", params={"media_id": media_id}, raw=True)
	if not isinstance(answer, tuple):  # a JSON answer without errcode (a video's URL): not a picture
		raise WeChatError(-1, "not a file")
	return answer[0]
