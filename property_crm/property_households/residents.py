"""Questions about a resident and a unit that orders, complaints and surveys all ask."""

import frappe
from frappe import _

# Archive numbers come from a naming series: the counter only grows, so a number is never reused.
# (The DocType's own autoname stays empty on purpose: Frappe reverts a series counter when the last
# document of a DocType-level series is deleted, which would hand the same number out again.)
ARCHIVE_SERIES = "DA-.YYYY.-.#####"


def check_occupant(person: str | None, unit: str | None, label: str) -> None:
	"""Refuse `person` for `unit` unless they are (or were) one of its occupants; `label` names the field."""
	if (
		person
		and unit
		and not frappe.db.exists(
			"Property Unit Occupant", {"parent": unit, "parenttype": "Property Unit", "resident": person}
		)
	):
		frappe.throw(
			_("{0}: {1} is not an occupant of unit {2}.").format(_(label), person, unit),
			title=_("Please correct this value"),
		)
