"""The field staff's phone pages in the portal shell (hooks `portal_pages`): my jobs, one job, and what
makes them an installable web app that works without signal — the service worker and the manifest.

Who: Property Technician (and dispatchers — Property Manager, Property Customer Service — who see their own
assignments here; their board is /field/board). A guest is sent to log in, anybody else gets 403, a job
the user may not read is a 404, as REST answers."""

import json
from pathlib import Path
from urllib.parse import quote

from werkzeug.wrappers import Response

import frappe
from frappe import _

from property_crm.property_service.field import jobs as field_jobs

TECHNICIAN = "Property Technician"
DISPATCHERS = ("Property Manager", "Property Customer Service")
FIELD_ROLES = (TECHNICIAN, *DISPATCHERS)
STATIC = Path(__file__).resolve().parent / "static"
ICONS = Path(__file__).resolve().parents[2] / "public" / "images"
ICON_SIZES = ("192", "512")
THEME = "#2c5cc5"
# the service worker and the offline queue's script, read once per process
_files: dict[str, str] = {}


def _plain(response: Response, policy: str = "default-src 'none'") -> Response:
	"""A body that is no page (worker, manifest, icon): the shell's headers, a policy of its own (the
	worker's policy is the one its own fetches obey: this site only)."""
	response.headers.update(
		{
			"Content-Security-Policy": f"{policy}; frame-ancestors 'self'; base-uri 'none'; object-src 'none'",
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options": "SAMEORIGIN",
			"Referrer-Policy": "same-origin",
		}
	)
	return response


def _static(name: str) -> str:
	if name not in _files or frappe.conf.developer_mode:
		_files[name] = (STATIC / name).read_text(encoding="utf-8")
	return _files[name]


def _field_user() -> set:
	"""The current user's roles, once he may use the field pages: a guest is sent to log in (and back),
	somebody without a field role gets 403."""
	if frappe.session.user == "Guest":
		path = frappe.local.request.path if getattr(frappe.local, "request", None) else "/field"
		frappe.local.flags.redirect_location = "/login?redirect-to=" + quote(path, safe="/")
		raise frappe.Redirect
	roles = set(frappe.get_roles())
	if not roles & set(FIELD_ROLES):
		frappe.throw(_("The field pages are for technicians and dispatchers."), frappe.PermissionError)
	return roles


def _common(roles: set) -> dict:
	return {
		"is_dispatcher": bool(roles & set(DISPATCHERS)),
		"session_user": frappe.session.user,
		"theme_color": THEME,
		# the phone's queue: the script is shared by both pages, embedded under the page's nonce
		"queue_js": _static("queue.js"),
		"csp_extra": "worker-src 'self'; manifest-src 'self'",
	}


def jobs():
	roles = _field_user()
	tab = frappe.form_dict.get("tab")
	tab = tab if tab in field_jobs.TABS else "today"
	rows, counts = field_jobs.jobs_and_counts(tab)
	return "field_jobs.html", _common(roles) | {
		"title": _("My Jobs"),
		"tab": tab,
		"tabs": [("today", _("Today")), ("week", _("This Week")), ("done", _("Done"))],
		"counts": counts,
		"jobs": rows,
	}


def job(name: str):
	roles = _field_user()
	data = field_jobs.job(name)
	doc = data["doc"]
	return "field_job.html", _common(roles) | data | {
		"title": doc.subject or doc.name,
		"action_labels": {action: _(action) for action in field_jobs.FIELD_ACTIONS},
		"steps": field_jobs.workflow_steps(),
		"parents": [{"route": "/field", "title": _("My Jobs")}],
	}


def service_worker():
	"""/field/sw.js: may control all of /field (header Service-Worker-Allowed), never cached by the browser
	itself (a new version is picked up at once)."""
	response = Response(_static("sw.js"), mimetype="application/javascript")
	response.headers["Service-Worker-Allowed"] = "/field"
	response.headers["Cache-Control"] = "no-cache"
	return _plain(response, "default-src 'self'")


def manifest():
	"""/field/manifest.webmanifest: the app a technician installs on his home screen."""
	body = {
		"name": _("Jobs"),
		"short_name": _("Jobs"),
		"lang": frappe.local.lang or "zh",
		"start_url": "/field",
		"scope": "/field",
		"display": "standalone",
		"background_color": "#f5f7fa",
		"theme_color": THEME,
		"icons": [
			{"src": f"/field/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png"}
			for size in ICON_SIZES
		],
	}
	response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
	response.headers["Cache-Control"] = "no-cache"
	return _plain(response)


def icon(size: str):
	"""/field/icon-192.png, /field/icon-512.png: the app's icons (property_crm/public/images), served here so
	the app does not depend on the bench's built assets."""
	if size not in ICON_SIZES:
		raise frappe.PageDoesNotExistError
	response = Response((ICONS / f"field-{size}.png").read_bytes(), mimetype="image/png")
	response.headers["Cache-Control"] = "public, max-age=86400"
	return _plain(response)
