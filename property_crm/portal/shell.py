"""Routing and rendering of the portal pages (see the package docstring)."""

import re
import secrets
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

import frappe
from frappe import _
from frappe.website.page_renderers.base_renderer import BaseRenderer
from frappe.website.path_resolver import resolve_path as frappe_resolve_path

APP = Path(__file__).resolve().parent.parent
LANGUAGES = (("zh", "中文"), ("en", "English"))
# What the pages use and nothing more: their own inline scripts (each carries the request's nonce), inline
# styles, pictures from the site and QR codes as data: URIs, fetch() to the site's API, forms posted to it.
POLICY = (
	"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; "
	"object-src 'none'"
)


def template_folders() -> list[str]:
	"""The shell's own templates (base, macros), then each module's `templates/portal`."""
	return [str(APP / "templates" / "portal"), *sorted(str(p) for p in APP.glob("*/templates/portal"))]


@cache
def pages(site: str) -> tuple:
	"""(route pattern, page function "module.function") from the modules' `portal_pages` hooks; each page
	function returns (template, context). Compiled once per process and site."""
	return tuple((re.compile(pattern), function) for pattern, function in frappe.get_hooks("portal_pages"))


def match(path: str):
	path = path.strip("/ ")
	if not path.isprintable():  # a CR/LF (or other control character) is no page of ours: Frappe's 404
		return None
	for pattern, function in pages(frappe.local.site):
		found = pattern.fullmatch(path)
		if found:
			return function, found.groupdict()
	return None


def resolve_path(path: str) -> str:
	"""`website_path_resolver` hook: our routes as they are (no routing map to build), others as Frappe's."""
	if match(path):
		frappe.local.path = path.strip("/ ")
		return path.strip("/ ")
	return frappe_resolve_path(path)


@cache
def environment() -> Environment:
	"""Compiled once per process (Frappe's own environment is rebuilt per request)."""
	env = Environment(
		loader=FileSystemLoader(template_folders()),
		autoescape=select_autoescape(default=True),
		auto_reload=bool(frappe.conf.developer_mode),
		trim_blocks=True,
		lstrip_blocks=True,
	)
	# what the modules' templates call (`portal_template_functions` hooks: the resident's words for states)
	functions = frappe.get_hooks("portal_template_functions")
	env.globals.update({name: frappe.get_attr(paths[-1]) for name, paths in functions.items()})
	env.globals["languages"] = LANGUAGES
	return env


class PortalPage(BaseRenderer):
	def can_render(self):
		return bool(match(self.path))

	def render(self):
		# What a resident's page shows depends on who asks: never cached, and never remembered as "not
		# found" for everybody (Frappe keeps a site-wide list of 404 URLs, `website_404`, unless the request
		# says no_cache), which would hide a request from its own resident after a neighbour tried it.
		frappe.local.no_cache = 1
		function, arguments = match(self.path)
		result = frappe.get_attr(function)(**arguments)
		if isinstance(result, Response):  # a body that is no page (the field app's service worker, manifest)
			return result
		template, context = result
		nonce = secrets.token_urlsafe(18)
		html = environment().get_template(template).render(shell_context() | context | {"csp_nonce": nonce})
		response = self.build_response(html)
		response.headers["Cache-Control"] = "no-store, private"
		response.headers.update(security_headers(nonce, context.get("csp_extra")))
		return response


def security_headers(nonce: str, extra: str | None = None) -> dict:
	"""The portal page's policy: scripts only with this response's nonce; not framed by another site. A page
	may add directives (`csp_extra` in its context: the field pages allow their service worker, manifest)."""
	return {
		"Content-Security-Policy": POLICY.format(nonce=nonce) + (f"; {extra}" if extra else ""),
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "SAMEORIGIN",
		"Referrer-Policy": "same-origin",
	}


def shell_context() -> dict:
	"""What every page of the shell has: translation, language, CSRF token, formatting."""
	return {
		"_": _,
		"lang": frappe.local.lang or "en",
		"csrf_token": frappe.sessions.get_csrf_token(),
		"path": "/" + (frappe.local.path or "property"),
		"format_datetime": lambda value: (
			frappe.utils.format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""
		),
		"format_currency": format_currency,
	}


@cache
def _currency_symbol(site: str) -> str:
	"""The company currency's symbol (¥ for CNY), read once per process and site."""
	currency = frappe.db.get_default("currency") or "CNY"
	symbol = frappe.db.get_value("Currency", currency, "symbol")
	return symbol or {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€"}.get(currency) or currency + " "


def format_currency(value: float | None) -> str:
	return f"{_currency_symbol(frappe.local.site)}{value or 0:,.2f}"
