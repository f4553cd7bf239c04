"""The resident's side: who is asking, which units are theirs, and what of their homes' records they may see.

Every portal page and portal method goes through these functions; a resident's reach is decided here,
on the server, from the Property Owner linked to their user and the units they occupy — and when:
`property_households.rules.occupancy_periods` is the one rule (own records always, a unit's only for the time one lives
there)."""

from urllib.parse import quote

import frappe
from frappe import _
from frappe.translate import get_all_translations
from frappe.utils import getdate, today

from property_crm.property_households.rules import occupancy_periods
from property_crm.property_households.rules.occupancy import current_occupants
from property_crm.property_households.rules.occupancy_periods import Reach

PAGE_SIZE = 20


def current_resident(required: bool = True) -> str | None:
	user = frappe.session.user
	resident = None if user == "Guest" else frappe.db.get_value("Property Owner", {"user": user}, "name")
	if required and not resident:
		if user == "Guest":
			# the path quoted: a CR/LF or other odd character in it never reaches the Location header
			frappe.local.flags.redirect_location = "/login?redirect-to=" + quote(
				frappe.local.request.path if frappe.request else "/property", safe="/"
			)
			raise frappe.Redirect
		frappe.throw(
			_("Your account is not linked to a resident file. Please contact the service desk."),
			frappe.PermissionError,
		)
	return resident


def my_units(resident: str) -> list[dict]:
	"""Units the resident occupies today (one query)."""
	unit = frappe.qb.DocType("Property Unit")
	row = frappe.qb.DocType("Property Unit Occupant")
	rows = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.select(unit.name, unit.estate, unit.building, unit.status, row.relation, row.move_in, row.move_out,
			row.primary_contact, row.resident.as_("owner"), row.idx)
		.where((row.parenttype == "Property Unit") & (row.resident == resident))
		.orderby(unit.name)
		.run(as_dict=True)
	)  # fmt: skip
	return current_occupants(rows, getdate(today()))


def reach_of(resident: str, units: list[dict] | None = None) -> Reach:
	"""What the resident may see today (`property_households.rules.occupancy_periods`): their own orders, and their current
	units' orders created since they moved in. Pass `units` (rows of `my_units(resident)`) when the page
	already has them, so that no query is added."""
	rows = my_units(resident) if units is None else units
	return occupancy_periods.reach(
		resident,
		[{"unit": row.name, "move_in": row.move_in, "move_out": row.move_out} for row in rows],
		getdate(today()),
	)


def visible_to(reach: Reach, table):
	"""The query-builder condition of `Reach.sees` on `table` (unit, requester, creation): the same rule
	for lists that `order_of_resident` applies to one record. Values are bound parameters, never SQL text."""
	if not isinstance(reach, Reach):
		# a list of unit names is how this used to be called: it would ignore who lived there when
		raise TypeError("Pass property_households.resident_portal.reach_of(resident), not unit names.")
	condition = table.requester == reach.resident
	for window in reach.windows:
		stay = (table.unit == window.unit) & (table.creation >= window.since)
		if window.before is not None:
			stay &= table.creation < window.before
		condition |= stay
	return condition


def status_history(order: str, doctype: str = "Service Order") -> list[dict]:
	"""When the order (or a complaint) reached each status, from Frappe's own version history (one query)."""
	history = []
	states = status_by_label(doctype)
	for version in frappe.get_all(
		"Version",
		filters={"ref_doctype": doctype, "docname": order},
		fields=["data", "creation"],
		order_by="creation asc",
	):
		data = frappe.parse_json(version.data or "{}")
		for field, _old, new in data.get("changed") or []:
			if field == "status":
				history.append({"status": states.get(new, new), "on": version.creation})
	return history


def status_by_label(doctype: str) -> dict[str, str]:
	"""Frappe's version history keeps a Select value as it was shown to whoever saved it — translated
	(已处理 for Resolved when the clerk works in Chinese): each state by its labels, back to the state."""
	options = [o for o in (frappe.get_meta(doctype).get_field("status").options or "").split("\n") if o]
	states = {option: option for option in options}
	for lang in {"zh", "en", frappe.get_system_settings("language") or "en"}:
		translations = get_all_translations(lang)
		states.update({translations[o]: o for o in options if translations.get(o)})
	return states
