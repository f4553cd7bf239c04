"""Glue between the pure rules (each module's `rules/`) and Frappe: translated, user-facing errors."""

from collections.abc import Callable
from typing import TypeVar

import frappe
from frappe import _

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
