"""E-mail intake: where an e-mailed request belongs, from the resident files that carry the sender's address.

No Frappe here: the caller looks up the files and their current units and asks `place` what to fill in.
"""

import html
import re
from typing import NamedTuple

# Why an e-mailed order could not be placed by itself (customer service completes it).
UNKNOWN_SENDER = "unknown sender"
SEVERAL_FILES = "several files"
NO_CURRENT_UNIT = "no current unit"
SEVERAL_UNITS = "several units"


class Placement(NamedTuple):
	requester: str | None
	unit: str | None
	reason: str | None  # None when both are known
	units: tuple[str, ...] = ()  # the sender's current units, for customer service to choose from
	files: tuple[str, ...] = ()  # the resident files that carry the sender's address


def place(units_by_file: dict[str, list[str]]) -> Placement:
	"""Requester and unit of an e-mailed request.

	`units_by_file`: each resident file with the sender's address → the units it occupies today.
	One file → it is the requester; its unit too when it occupies exactly one. Several files (a
	household sharing an address) → no requester, but their unit when they all share exactly one.
	"""
	files = tuple(sorted(units_by_file))
	units = tuple(sorted({unit for found in units_by_file.values() for unit in found}))
	unit = units[0] if len(units) == 1 else None
	if not files:
		return Placement(None, None, UNKNOWN_SENDER)
	if len(files) > 1:
		return Placement(None, unit, SEVERAL_FILES, units, files)
	if not units:
		return Placement(files[0], None, NO_CURRENT_UNIT, units, files)
	if unit is None:
		return Placement(files[0], None, SEVERAL_UNITS, units, files)
	return Placement(files[0], unit, None, units, files)


_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def body_as_html(content: str | None) -> str:
	"""A mail body for a Text Editor field: HTML stays HTML; plain text is escaped, paragraphs kept.

	(Frappe stores a plain-text mail with its line breaks doubled: blank lines separate paragraphs.)"""
	content = (content or "").strip()
	if not content or _TAG.search(content):
		return content
	paragraphs = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
	return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
