"""Whether the values sent for a document fit its fields' types, before anything is built from them (no
Frappe here: the fields are described as plain dicts). Frappe builds a document from what a client sends
before any validation of ours runs, and some wrong shapes (a list where a link is expected, a string where a
table is, a date that is not one, an infinite number, a string longer than its column) end in a server error
deep inside it or in the database. `problems` names each such field, so the request is refused as bad input.
"""

import math
from datetime import date, datetime, time

TEXT = {
	"Data", "Link", "Dynamic Link", "Select", "Small Text", "Text", "Long Text", "Text Editor", "Phone",
	"Read Only", "Attach", "Attach Image", "Password", "Code", "HTML Editor", "Markdown Editor", "Color",
	"Barcode", "Signature", "Autocomplete", "Icon", "Duration", "Geolocation",
}  # fmt: skip
# MariaDB column sizes: varchar(length) for these, text (65,535 bytes) for the next, longtext for the rest
VARCHAR = {"Data", "Link", "Dynamic Link", "Select", "Phone", "Read Only", "Attach", "Attach Image",
	"Password", "Color", "Barcode", "Autocomplete", "Icon", "Duration"}  # fmt: skip
# a record's name or an option: text only (a number would reach Frappe's naming and selects as a number)
NAMES = {"Link", "Dynamic Link", "Select"}
TEXT_COLUMN = {"Small Text", "Text", "Text Editor", "Code"}
INTEGER = {"Int", "Check"}
DECIMAL = {"Float", "Currency", "Percent", "Rating"}
TABLES = {"Table", "Table MultiSelect"}
TEXT_BYTES = 65_535
INT_LIMIT = 2**31
# decimal(21,9) holds 12 digits before the point
DECIMAL_LIMIT = 10**12


def problems(fields: dict[str, dict], values: dict, children: dict[str, dict[str, dict]]) -> list[tuple]:
	"""[(fieldname, row index or None, what is wrong)] for `values` against `fields` ({fieldname: {"fieldtype",
	"length", "options"}}); `children` maps a table field's options (the child doctype) to its fields."""
	found = []
	for fieldname, value in values.items():
		field = fields.get(fieldname)
		if field is None or value is None:
			continue
		kind = field.get("fieldtype")
		if kind in TABLES:
			if not isinstance(value, list):
				found.append((fieldname, None, "a list of rows"))
				continue
			child_fields = children.get(field.get("options"), {})
			for index, row in enumerate(value):
				if not isinstance(row, dict):
					found.append((fieldname, index, "a row"))
					continue
				found += [
					(f"{fieldname}.{name}", index, what) for name, _i, what in problems(child_fields, row, {})
				]
			continue
		what = wrong(kind, field.get("length"), value)
		if what:
			found.append((fieldname, None, what))
	return found


def wrong(kind: str, length: int | None, value) -> str | tuple | None:
	"""What `value` should have been for a field of `kind` (a phrase, or a phrase with a {0} and its number),
	or None when it fits."""
	if kind in TEXT:
		if isinstance(value, bool) or not isinstance(value, str | int | float):
			return "text"
		if kind in NAMES and not isinstance(value, str):
			return "text"
		text = str(value)
		if kind in VARCHAR and len(text) > (length or 140):
			return ("at most {0} characters", length or 140)
		if kind in TEXT_COLUMN and len(text.encode("utf-8")) > TEXT_BYTES:
			return ("at most {0} bytes", TEXT_BYTES)
		return None
	if kind in INTEGER:
		number = _number(value)
		if number is None or number != int(number) or abs(number) >= INT_LIMIT:
			return "a whole number"
		return None
	if kind in DECIMAL:
		number = _number(value)
		if number is None or abs(number) >= DECIMAL_LIMIT:
			return "a number"
		return None
	if kind == "Date":
		return None if _parses(value, date) else "a date (YYYY-MM-DD)"
	if kind == "Datetime":
		return None if _parses(value, datetime) else "a date and time (YYYY-MM-DD HH:MM:SS)"
	if kind == "Time":
		return None if _parses(value, time) else "a time (HH:MM:SS)"
	return None


def _number(value) -> float | None:
	if isinstance(value, bool):
		return float(value)
	if isinstance(value, int | float):
		number = float(value)
	elif isinstance(value, str):
		text = value.strip().replace(",", "")
		if text == "":
			return 0.0
		try:
			number = float(text)
		except ValueError:
			return None
	else:
		return None
	return number if math.isfinite(number) else None


def _parses(value, kind) -> bool:
	if isinstance(value, kind) and not (kind is date and isinstance(value, datetime)):
		return True
	if kind is datetime and isinstance(value, date):
		return True
	if not isinstance(value, str):
		return False
	text = value.strip()
	if text == "":
		return True
	try:
		if kind is date:
			date.fromisoformat(text[:10])
			return len(text) == 10 or _parses(text, datetime)
		if kind is datetime:
			datetime.fromisoformat(text)
			return True
		time.fromisoformat(text)
		return True
	except ValueError:
		return False
