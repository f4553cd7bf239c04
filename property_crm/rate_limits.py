"""Rate limits of the portal's writes and of everything a guest reaches, by Frappe's own
`frappe.rate_limiter.rate_limit` (counters in Redis, HTTP 429 with a translated message).

Each limit counts per signed-in user (per IP address for a guest) and per action, within a window. The
numbers are far above what a real resident does (a household files a few requests a month) and bound what a
flood can cost: every request or complaint filed notifies customer service, so a limit of 20 a day is also
the most e-mails a resident can trigger. A site may change a limit in its site config:
`"property_crm_rate_limits": {"service_request": 50}`.
"""

from collections.abc import Callable
from functools import wraps

import frappe
from frappe.rate_limiter import rate_limit

HOUR = 60 * 60
DAY = 24 * HOUR

# action: (requests allowed, within seconds) — per user, or per IP address for a guest
RATE_LIMITS = {
	"service_request": (20, DAY),  # new service requests (each one e-mails customer service)
	"complaint": (20, DAY),  # new complaints (each one e-mails customer service and the responsible)
	"portal_action": (60, HOUR),  # cancel or rate a request, answer a complaint, event sign-ups
	"profile_change": (20, HOUR),  # the resident's own contact details, vehicles and family
	"survey_answer": (30, HOUR),  # survey answers (signed in, or a guest's e-mailed link per IP)
	"language": (30, HOUR),  # the portal's language switch
	"token_page": (60, HOUR),  # a guest opening an e-mailed survey link, per IP
	"upload": (300, HOUR),  # files uploaded through Frappe's upload_file (desk attachments, portal photos)
	"data_change_request": (30, HOUR),  # four-eyes requests (each one assigns the other managers)
	"reveal": (60, HOUR),  # a masked mobile or ID number shown in full (property_privacy.reveal), logged
	"payment": (30, HOUR),  # online payment orders: a new attempt, a retry (each one calls the platform)
	"payment_status": (1200, HOUR),  # the order page polling its status (at most one platform query per 5 s)
	# the payment platforms' notifications, per platform IP: retries and duplicates are normal, never throttled
	# in practice (each is verified before anything is written)
	"payment_notification": (100_000, HOUR),
	# a one-time SMS code to bind WeChat (sent, or tried), per IP: each one costs an SMS (wechat.binding)
	"wechat_sms_code": (10, HOUR),
	# WeChat's message callbacks, per WeChat server IP (each signed and checked before anything is written)
	"wechat_callback": (100_000, HOUR),
	# the field app (property_service.field.api), per technician: completion photos (at most 12 an order),
	# one-time codes SMS'd to residents to confirm a job (each one costs an SMS), codes typed in
	"field_photo": (150, HOUR),
	"field_code": (20, HOUR),
	"field_code_try": (60, HOUR),
}

# the form_dict entry Frappe's rate_limit reads its key from (set by `limited`, never taken from the client)
IDENTITY = "property_crm_rate_identity"


def limit_of(action: str) -> int:
	configured = frappe.conf.get("property_crm_rate_limits") or {}
	return int(configured.get(action) or RATE_LIMITS[action][0])


def identity(action: str) -> str:
	"""Who is counted: the signed-in user, or a guest's IP address."""
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Guest"
	who = f"ip:{frappe.local.request_ip}" if user == "Guest" else f"user:{user}"
	return f"{action}:{who}"


def limited(action: str) -> Callable:
	"""Decorator: at most RATE_LIMITS[action] calls per user (guest: per IP) in the window; over it, Frappe's
	RateLimitExceededError (HTTP 429). Outside a web request (jobs, console) nothing is counted."""
	_count, seconds = RATE_LIMITS[action]

	def decorator(fn: Callable) -> Callable:
		checked = rate_limit(key=IDENTITY, limit=lambda: limit_of(action), seconds=seconds, ip_based=False)(
			fn
		)

		@wraps(fn)
		def wrapper(*args, **kwargs):
			if getattr(frappe.local, "request", None):
				frappe.form_dict[IDENTITY] = identity(action)
			return checked(*args, **kwargs)

		wrapper.rate_limit = action  # what the tests check every portal write and guest method carries
		return wrapper

	return decorator


def reset_counters() -> None:
	"""Forget every rate-limit counter of this site (Frappe keeps them as `rl:<cmd>:<identity>`)."""
	frappe.cache.delete_keys("rl:")
