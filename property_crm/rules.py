"""Glue between the pure rules in `property_crm.domain` and Frappe: translated, user-facing errors."""

from collections.abc import Callable
from typing import TypeVar

import frappe
from frappe import _

from property_crm.domain.errors import DomainError

T = TypeVar("T")


def apply_rule(rule: Callable[..., T], *args, **kwargs) -> T:
	"""Run a pure domain rule; a broken rule becomes a translated ValidationError naming the field."""
	try:
		return rule(*args, **kwargs)
	except DomainError as e:
		frappe.throw(_(e.message).format(*e.params), title=_("Please correct this value"))
