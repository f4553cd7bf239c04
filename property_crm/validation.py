"""Glue between the pure rules (each module's `rules/`) and Frappe: translated, user-facing errors."""

import datetime
import inspect
import json
import re
from collections.abc import Callable
from typing import TypeVar

import frappe
from frappe import _
from frappe.utils import getdate

from property_crm.errors import DomainError

T = TypeVar("T")


def apply_rule(rule: Callable[..., T], *args, **kwargs) -> T:
	"""Run a pure domain rule; a broken rule becomes a translated ValidationError naming the field."""
	try:
		return rule(*args, **kwargs)
	except DomainError as e:
		# string params are field labels or entered values: a label gets its translation, a value stays
		params = [_(p) if isinstance(p, str) else p for p in e.params]
		frappe.throw(_(e.message).format(*params), title=_("Please correct this value"))


def json_argument(value, label: str, expected: type = list):
	"""A whitelisted method's structured argument: a JSON string (form posts) or the value already parsed
	(JSON bodies). Anything else is the caller's mistake: a translated ValidationError (HTTP 417) naming
	the field, never a 500."""
	if isinstance(value, str | bytes):
		try:
			value = json.loads(value)
		except (ValueError, RecursionError):
			frappe.throw(
				_("{0}: the data sent is not valid JSON.").format(_(label)),
				title=_("Please correct this value"),
			)
	if not isinstance(value, expected):
		message = _("{0}: a record is expected.") if expected is dict else _("{0}: a list is expected.")
		frappe.throw(message.format(_(label)), title=_("Please correct this value"))
	return value


def report_filters(filters, dates: tuple[str, ...] = (), numbers: tuple[str, ...] = ()) -> frappe._dict:
	"""A script report's filters, checked by type before any query: one plain value per filter (a list or a
	record where one value is expected is refused), real dates (years 1900–2199) and whole numbers where
	the report reads them. A wrong filter is a translated ValidationError (HTTP 417), never a 500."""
	filters = json_argument(filters, "Filters", dict) if filters else {}
	for key, value in filters.items():
		if not (value is None or isinstance(value, str | int | float | bool | datetime.date)):
			frappe.throw(
				_("{0}: choose one value.").format(_(key.replace("_", " ").title())),
				title=_("Please correct this value"),
			)
	for key in dates:
		if filters.get(key):
			try:
				date = getdate(filters[key])
			except Exception:
				date = None
			if not date or not 1900 <= date.year < 2200:
				frappe.throw(
					_("{0}: {1} is not a valid date.").format(_(key.replace("_", " ").title()), filters[key]),
					title=_("Please correct this value"),
				)
			filters[key] = date.isoformat()
	for key in numbers:
		value = filters.get(key)
		if value not in (None, "") and not str(value).strip().lstrip("-").isdigit():
			frappe.throw(
				_("{0}: {1} is not a whole number.").format(_(key.replace("_", " ").title()), value),
				title=_("Please correct this value"),
			)
	return frappe._dict(filters)


METHOD_PATH = re.compile(r"^/api/(?:v[12]/)?method/([\w.]+)/?$")


NESTING_CHECKED_ABOVE = 500  # brackets in a value before it is worth decoding it to see


def refuse_json_nested_too_deep() -> None:
	"""Frappe sanitises a guest method's arguments by first trying each as JSON (`is_json`), which catches a
	ValueError but not the RecursionError of a value nested thousands of brackets deep: a 500. Such a value is
	refused here with a 417 (what it would get as bad input); only values with many brackets are decoded."""
	for value in frappe.form_dict.values():
		if not isinstance(value, str) or value.count("[") + value.count("{") < NESTING_CHECKED_ABOVE:
			continue
		try:
			json.loads(value)
		except RecursionError:
			frappe.throw(_("A value is nested too deeply."), title=_("Please correct this value"))
		except ValueError:
			pass


def check_required_arguments() -> None:
	"""`before_request` hook: a call of one of our whitelisted methods (or of Frappe's we override) that leaves
	out a required argument is refused with a translated ValidationError (HTTP 417) naming it — Frappe would
	call the function anyway and answer the TypeError with a 500. Only for methods the caller may call at all (a guest learns nothing
	of a method not open to guests: Frappe refuses that call as before)."""
	found = METHOD_PATH.match(frappe.request.path if getattr(frappe.local, "request", None) else "")
	if not found:
		return
	method = found.group(1)
	method = (frappe.get_hooks("override_whitelisted_methods").get(method) or [method])[-1]
	if not method.startswith("property_crm."):
		return
	try:
		fn = frappe.get_attr(method)
	except Exception:
		return  # not a function of ours: Frappe answers as usual
	if fn not in frappe.whitelisted or (frappe.session.user == "Guest" and fn not in frappe.guest_methods):
		return
	if fn in frappe.guest_methods:
		refuse_json_nested_too_deep()
	for parameter in inspect.signature(fn).parameters.values():
		if (
			parameter.default is inspect.Parameter.empty
			and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
			and parameter.name not in frappe.form_dict
		):
			label = parameter.name.replace("_", " ").capitalize()
			frappe.throw(_("{0} is required").format(_(label)), title=_("Please correct this value"))
