"""A resident's WeChat openid bound to their resident file (微信绑定), and the portal's OAuth entry.

The Official Account's menu opens `/property/wechat?next=/property/…`. Without a code, the entry sends the
browser to WeChat's OAuth (`snsapi_base`: silent, gives the openid only) with a random `state` kept in Redis
for 10 minutes AND in an HttpOnly cookie of this browser: a state comes back once (GETDEL), and only to the
browser it was issued to, so a code+state link made by someone else (login CSRF: "be logged in as me", or
"bind my openid to your file") is refused (400), as is a forged, reused, expired or missing state. With the
openid (`client.oauth_openid(code)`):

- bound to a file whose portal User is enabled and a Website User → that resident is logged in and sent to
  `next` (a `/property…` path only: no open redirect). Staff (System Users) are never logged in by WeChat:
  an openid is not a password.
- not bound, a resident logged in → bound to their file, then `next`.
- not bound, nobody logged in → a choice page: Frappe's login page (which comes back to this entry, which asks
  WeChat again, silently, and binds), or a one-time code by SMS to the mobile on the resident's file
  (`send_code` / `confirm_code`: the openid waits in Redis under a random key held in an HttpOnly cookie;
  the same answer whether or not a number is on file; 6 digits, 10 minutes, 5 tries, rate-limited per IP).

Storage: the doctype **WeChat Binding** (property_households): one row per file (`resident` unique) and per
openid (`openid` unique — the database refuses a second file for an openid, also under a race). Chosen over a
field on Property Owner: the file's saves go through the four-eyes guard and its permission levels; a
binding has its own permissions (managers read the openid at permlevel 1, customer service see only that a
file is bound), its own history (`track_changes`), and its row rules follow the file's estate.
A binding counts only while its `user` is the file's portal User and enabled: a file anonymised (retention
disables the User and empties the openid) or deleted by a Personal Data Deletion Request (the openid redacted,
the User renamed and disabled) has no binding left (`hooks.user_data_fields`/`resident_data_fields`).
"""

import json
import re
import secrets
from urllib.parse import quote, urlencode, urlsplit

import frappe
from frappe import _
from frappe.utils import now_datetime

from property_crm.rate_limits import limited

DOCTYPE = "WeChat Binding"
SETTINGS = "WeChat Official Account Settings"
ENTRY = "/property/wechat"
HOME = "/property"
STATE_TTL = 600  # seconds: WeChat's own code lives 5 minutes
STATE_COOKIE = "pcrm_wechat_state"
STATE_KEY = "property_crm:wechat_oauth_state:"
# an unbound openid waiting for its resident to log in or confirm their mobile (cookie → Redis)
PENDING_COOKIE = "pcrm_wechat_pending"
PENDING_KEY = "property_crm:wechat_pending:"
CODE_KEY = "property_crm:wechat_sms_code:"
CODE_ATTEMPTS = 5
STAFF_ROLES = ("Property Manager", "Property Customer Service")
_STATE = re.compile(r"[A-Za-z0-9_-]{20,64}")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")


class OAuthError(frappe.ValidationError):
	"""A refused OAuth return (forged, reused, expired or missing state; a bad code): a 400 page."""

	http_status_code = 400


# --- the binding: read
def _valid_binding(filters: dict) -> dict | None:
	"""The binding row matching `filters` that still counts: its User is the file's portal User, enabled."""
	binding = frappe.qb.DocType(DOCTYPE)
	owner = frappe.qb.DocType("Property Owner")
	user = frappe.qb.DocType("User")
	query = (
		frappe.qb.from_(binding)
		.join(owner)
		.on(owner.name == binding.resident)
		.join(user)
		.on(user.name == binding.user)
		.select(
			binding.name, binding.openid, binding.resident, binding.user, binding.bound_on, user.user_type
		)
		.where((owner.user == binding.user) & (user.enabled == 1))
	)
	for field, value in filters.items():
		query = query.where(binding[field] == value)
	rows = query.limit(1).run(as_dict=True)
	return rows[0] if rows else None


def resident_of_openid(openid: str | None) -> str | None:
	"""The resident file bound to `openid`, or None."""
	if not openid or not isinstance(openid, str):
		return None
	row = _valid_binding({"openid": openid})
	return row.resident if row else None


def openid_of(resident: str | None) -> str | None:
	"""The openid bound to the resident file (WeChat Pay JSAPI's payer), or None."""
	if not resident or not isinstance(resident, str):
		return None
	row = _valid_binding({"resident": resident})
	return row.openid if row else None


def user_of_openid(openid: str | None) -> str | None:
	"""The portal User of the file bound to `openid`, or None."""
	row = _valid_binding({"openid": openid}) if openid else None
	return row.user if row else None


def binding_link(openid: str | None = None) -> str:
	"""The URL a resident taps to bind (and, once bound, to open their portal): the OAuth entry.
	(`openid` is accepted for the callers that know it; the link is the same for everybody.)"""
	return site_url() + ENTRY + "?" + urlencode({"next": HOME})


def status_of(resident: str) -> dict:
	"""For the profile page: whether the file is bound and since when (never the openid)."""
	row = _valid_binding({"resident": resident}) if resident else None
	return {"bound": bool(row), "bound_on": row.bound_on if row else None}


# --- the binding: write
def bind(openid: str, resident: str, user: str) -> str:
	"""Bind `openid` to the resident file (its portal User `user`). An openid bound to another file is
	refused (the database's unique index holds it under a race too); the file's earlier openid is replaced
	(the resident proved who they are by logging in)."""
	if not openid or not resident or not user:
		frappe.throw(_("Nothing to bind."), frappe.ValidationError)
	taken = frappe.db.get_value(DOCTYPE, {"openid": openid}, ["name", "resident"], as_dict=True)
	if taken and taken.resident != resident:
		frappe.throw(
			_("This WeChat account is already bound to another resident file."), frappe.DuplicateEntryError
		)
	if taken:
		frappe.db.set_value(DOCTYPE, taken.name, {"user": user, "bound_on": now_datetime()})
		return taken.name
	_delete_bindings(resident)
	doc = frappe.get_doc(
		{"doctype": DOCTYPE, "openid": openid, "resident": resident, "user": user, "bound_on": now_datetime()}
	)
	doc.flags.ignore_permissions = True
	try:
		doc.insert()
	except frappe.UniqueValidationError:
		frappe.throw(
			_("This WeChat account is already bound to another resident file."), frappe.DuplicateEntryError
		)
	return doc.name


def _delete_bindings(resident: str, note: str | None = None) -> int:
	"""The file's bindings deleted for good (no copy of the openid left in Deleted Documents); `note` goes
	to the file's timeline."""
	names = frappe.get_all(DOCTYPE, filters={"resident": resident}, pluck="name")
	for name in names:
		frappe.delete_doc(DOCTYPE, name, ignore_permissions=True, force=True, delete_permanently=True)
	if names and note:
		frappe.get_doc("Property Owner", resident).add_comment("Info", note)
	return len(names)


@frappe.whitelist(methods=["POST"])
def unbind_mine() -> dict:
	"""The resident's own 解除绑定 (portal profile page)."""
	if frappe.session.user == "Guest":
		raise frappe.PermissionError(_("Please log in."))
	resident = frappe.db.get_value("Property Owner", {"user": frappe.session.user}, "name")
	if not resident:
		raise frappe.PermissionError(
			_("Your account is not linked to a resident file. Please contact the service desk.")
		)
	return {"unbound": _delete_bindings(resident, _("WeChat unbound by the resident."))}


@frappe.whitelist(methods=["POST"])
def unbind(resident: str) -> dict:
	"""Staff unbinding a file's WeChat: Property Manager or Customer Service who may read that file (its
	estate: Frappe's User Permissions and our row rules on Property Owner)."""
	if not isinstance(resident, str) or not resident:
		frappe.throw(_("Resident is required."), frappe.ValidationError)
	roles = set(frappe.get_roles())
	if not roles & set(STAFF_ROLES) and "System Manager" not in roles:
		raise frappe.PermissionError(_("Not permitted to unbind WeChat accounts."))
	if not frappe.db.exists("Property Owner", resident):
		raise frappe.DoesNotExistError(_("Resident file {0} not found.").format(resident))
	if not frappe.has_permission("Property Owner", "read", doc=resident):
		raise frappe.PermissionError(_("Not permitted to unbind WeChat accounts."))
	unbound = _delete_bindings(resident, _("WeChat unbound by {0}.").format(frappe.session.user))
	return {"unbound": unbound, "message": _("WeChat binding removed.")}


# --- row rules of the doctype: its file's (hooks: permission_query_conditions / has_permission)
def query_conditions(user: str | None = None, doctype: str | None = None) -> str:
	from property_crm.permissions import owner_condition

	return owner_condition(user or frappe.session.user, f"`tab{DOCTYPE}`.`resident`")


def has_permission(doc, ptype: str | None = None, user: str | None = None, debug=False) -> bool:
	from property_crm.permissions import _check, owner_condition

	if doc.is_new() or not doc.resident:
		return True
	return _check(owner_condition(user or frappe.session.user, frappe.db.escape(doc.resident)))


# --- the OAuth entry (portal page /property/wechat)
def _settings() -> frappe._dict:
	from property_crm.wechat import client

	try:
		return client.settings()
	except Exception:  # the settings not installed (yet): the channel is off
		return frappe._dict()


def site_url() -> str:
	return (_settings().site_url or frappe.utils.get_url()).rstrip("/")


def safe_next(value) -> str | None:
	"""`next` if it is a path of the resident portal (`/property` or below), else None (no open redirect:
	no scheme, host, `//`, backslash, dot segments or control characters)."""
	if value in (None, ""):
		return HOME
	if not isinstance(value, str) or len(value) > 500 or not value.isprintable():
		return None
	if "\\" in value or value.startswith("//") or "%2e" in value.lower() or "%2f" in value.lower():
		return None
	parts = urlsplit(value)
	if parts.scheme or parts.netloc or parts.fragment:
		return None
	segments = parts.path.split("/")
	if any(segment in (".", "..") for segment in segments):
		return None
	if not (parts.path == HOME or parts.path.startswith(HOME + "/")):
		return None
	if parts.path.rstrip("/") == ENTRY:  # not back into the entry
		return HOME
	return value


def authorize_url(state: str) -> str:
	settings = _settings()
	base = (settings.oauth_base_url or "https://open.weixin.qq.com").rstrip("/")
	query = urlencode(
		{
			"appid": settings.appid or "",
			"redirect_uri": site_url() + ENTRY,
			"response_type": "code",
			"scope": "snsapi_base",
			"state": state,
		}
	)
	return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def _redirect(location: str):
	frappe.local.flags.redirect_location = location
	raise frappe.Redirect(302)


def _refuse(message: str):
	raise OAuthError(message)


def _issue_state(next_path: str) -> str:
	state = secrets.token_urlsafe(24)
	frappe.cache.set(frappe.cache.make_key(STATE_KEY + state), json.dumps({"next": next_path}), ex=STATE_TTL)
	frappe.local.cookie_manager.set_cookie(STATE_COOKIE, state, max_age=STATE_TTL, httponly=True)
	return state


def _take_state(state) -> dict | None:
	"""The state's data, once: taken from Redis (GETDEL) only when this browser's cookie carries it."""
	if not isinstance(state, str) or not _STATE.fullmatch(state):
		return None
	cookie = frappe.request.cookies.get(STATE_COOKIE) if frappe.request else None
	if not cookie or not secrets.compare_digest(cookie, state):
		return None
	raw = frappe.cache.getdel(frappe.cache.make_key(STATE_KEY + state))
	frappe.local.cookie_manager.delete_cookie(STATE_COOKIE)
	if not raw:
		return None
	try:
		data = json.loads(raw)
	except ValueError:
		return None
	return data if isinstance(data, dict) else None


def entry():
	"""Portal page `/property/wechat`: see the module docstring. Redirects, refuses (400) or, for an unbound
	WeChat with nobody logged in, shows the choice: password login or a code by SMS."""
	from property_crm.wechat import client

	if not client.enabled():
		raise frappe.PageDoesNotExistError
	form = frappe.form_dict
	code, state = form.get("code"), form.get("state")
	if not code and not state:
		next_path = safe_next(form.get("next"))
		if next_path is None:
			_refuse(_("This link does not lead to the resident portal."))
		_redirect(authorize_url(_issue_state(next_path)))

	data = _take_state(state)
	if data is None:
		_refuse(
			_(
				"This WeChat sign-in link has expired or was not issued to this browser. Please open it from the menu again."
			)
		)
	if not isinstance(code, str) or not _CODE.fullmatch(code):
		_refuse(_("WeChat did not authorise this sign-in. Please open it from the menu again."))
	next_path = safe_next(data.get("next")) or HOME
	try:
		openid = client.oauth_openid(code)
	except client.WeChatError:
		frappe.db.commit()  # the Integration Request of the refused call
		_refuse(_("WeChat did not authorise this sign-in. Please open it from the menu again."))
	frappe.db.commit()
	if not openid:
		_refuse(_("WeChat did not authorise this sign-in. Please open it from the menu again."))

	row = _valid_binding({"openid": openid})
	if row:
		if row.user_type != "Website User":
			raise frappe.PermissionError(_("This account signs in with its password, not through WeChat."))
		if frappe.session.user != row.user:
			frappe.local.login_manager.login_as(row.user)
			frappe.db.commit()
		_redirect(next_path)

	if frappe.session.user == "Guest":
		return sign_in_page(openid, next_path)

	resident = frappe.db.get_value("Property Owner", {"user": frappe.session.user}, "name")
	if not resident:
		raise frappe.PermissionError(
			_("Your account is not linked to a resident file. Please contact the service desk.")
		)
	bind(openid, resident, frappe.session.user)
	frappe.db.commit()
	_redirect(next_path)


# --- an unbound openid, nobody logged in: the password login, or a one-time code to the file's mobile
def sign_in_page(openid: str, next_path: str):
	"""The choice page (200): Frappe's login page (which comes back to the entry: WeChat is asked again,
	silently, and the openid bound), or a one-time code by SMS to the mobile on the resident's file. The
	openid waits in Redis for 10 minutes under a random key this browser holds in an HttpOnly cookie."""
	token = secrets.token_urlsafe(24)
	frappe.cache.set(
		frappe.cache.make_key(PENDING_KEY + token),
		json.dumps({"openid": openid, "next": next_path}),
		ex=STATE_TTL,
	)
	frappe.local.cookie_manager.set_cookie(PENDING_COOKIE, token, max_age=STATE_TTL, httponly=True)
	back = ENTRY + "?" + urlencode({"next": next_path})
	return "wechat_sign_in.html", {
		"title": _("Bind WeChat"),
		"login_url": "/login?redirect-to=" + quote(back, safe="/"),
		"sms": bool(frappe.db.get_single_value("SMS Settings", "sms_gateway_url")),
	}


def _pending() -> tuple[str, dict]:
	token = frappe.request.cookies.get(PENDING_COOKIE) if frappe.request else None
	raw = None
	if isinstance(token, str) and _STATE.fullmatch(token):
		raw = frappe.cache.get(frappe.cache.make_key(PENDING_KEY + token))
	if not raw:
		raise OAuthError(_("This WeChat sign-in has expired. Please open it from the menu again."))
	return token, json.loads(raw)


def _code_hash(token: str, code: str) -> str:
	import hashlib

	return hashlib.sha256(f"{token}:{code}".encode()).hexdigest()


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limited("wechat_sms_code")
def send_code(mobile: str) -> dict:
	"""A one-time code to `mobile` when it is the mobile of exactly one resident file with a portal account.
	The answer is the same whether or not it is (no probing who lives here)."""
	from frappe.core.doctype.sms_settings.sms_settings import send_sms

	from property_crm.protected_fields import find_by_value

	token, _data = _pending()
	if not isinstance(mobile, str) or not re.fullmatch(r"\+?[0-9 -]{6,20}", mobile.strip()):
		frappe.throw(_("Please enter a valid mobile number."), frappe.ValidationError)
	mobile = mobile.strip()
	found = []
	for name in find_by_value("Property Owner", "mobile", mobile):
		user = frappe.db.get_value("Property Owner", name, "user")
		account = user and frappe.db.get_value("User", user, ["enabled", "user_type"], as_dict=True)
		if account and account.enabled and account.user_type == "Website User":
			found.append((name, user))
	if len(found) == 1:
		code = f"{secrets.randbelow(10**6):06d}"
		resident, user = found[0]
		frappe.cache.set(
			frappe.cache.make_key(CODE_KEY + token),
			json.dumps({"resident": resident, "user": user, "hash": _code_hash(token, code), "attempts": 0}),
			ex=STATE_TTL,
		)
		send_sms(
			[mobile],
			_("Your code to bind WeChat to your resident file is {0}. It is valid for 10 minutes.").format(
				code
			),
			success_msg=False,
		)
	return {"message": _("If this number is on a resident file, a code has been sent to it.")}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@limited("wechat_sms_code")
def confirm_code(code: str) -> dict:
	"""The code sent by `send_code`: the resident is logged in and their openid bound. Five wrong tries and
	the code is void."""
	token, pending = _pending()
	key = frappe.cache.make_key(CODE_KEY + token)
	raw = frappe.cache.get(key)
	if not raw:
		raise OAuthError(_("The code has expired. Please ask for a new one."))
	data = json.loads(raw)
	data["attempts"] += 1
	if not isinstance(code, str) or not secrets.compare_digest(_code_hash(token, code.strip()), data["hash"]):
		if data["attempts"] >= CODE_ATTEMPTS:
			frappe.cache.delete(key)
		else:
			frappe.cache.set(key, json.dumps(data), keepttl=True)
		raise OAuthError(_("The code is not right."))
	frappe.cache.delete(key)
	frappe.cache.delete(frappe.cache.make_key(PENDING_KEY + token))
	frappe.local.cookie_manager.delete_cookie(PENDING_COOKIE)
	account = frappe.db.get_value("User", data["user"], ["enabled", "user_type"], as_dict=True)
	if not account or not account.enabled or account.user_type != "Website User":
		raise OAuthError(_("The code has expired. Please ask for a new one."))
	bind(pending["openid"], data["resident"], data["user"])
	frappe.local.login_manager.login_as(data["user"])
	return {"redirect": safe_next(pending.get("next")) or HOME}
