"""Bulk meter-reading entry for a building (抄表录入), without Frappe.

Staff walk a building with a clipboard and type one month's readings of one kind of meter for every unit
at once. These rules build the sheet they see (units in floor and door order, each with its meter number,
the reading this month's consumption is measured from, and the reading already entered for the month)
and decide, row by row, what the typed sheet asks for:

- a row whose current reading is empty is **skipped** (the unit was not read, or not yet);
- a row of a unit without a reading this month **creates** one;
- a row of a unit with a reading this month **updates** it when anything typed differs from it, and is
  **unchanged** otherwise (no save, no version entry);
- a meter never read before (no reading before the month) has no previous reading to measure from: its row
  takes a **starting reading** (what the meter showed when it was fitted or taken over; empty is 0). A
  meter read before is always measured from its last reading, so a starting reading typed for it is a
  problem;
- a row that cannot be read (not a unit of the building, listed twice, a value that is not a number) is a
  **problem** naming its unit. Whether a reading is plausible (lower than the previous one without a meter
  change or rollover…) is the Property Meter Reading's own rule (`fees.consumption`), applied on save.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from property_crm.errors import DomainError

METER_TYPES = ("Water", "Electricity", "Gas")
# what a row may set on a reading; the rest (unit, meter, month, date) comes from the sheet
EDITABLE = (
	"current_reading",
	"meter_no",
	"meter_change",
	"old_meter_final_reading",
	"rollover",
	"meter_digits",
)

# Message templates (English, translated on the Frappe side; every one is in translations/zh.csv).
SHEET_METER_TYPE = "Meter: {0} is not a kind of meter (Water, Electricity or Gas)."
SHEET_MONTH = "Month: {0} is not a month (use e.g. 2026-03, or any date in the month)."
SHEET_NOT_A_UNIT = "{0} is not a unit of this building."
SHEET_TWICE = "{0}: the unit is listed more than once."
SHEET_NOT_A_NUMBER = "{0}: {1} is not a number."
SHEET_READ_BEFORE = "{0}: the meter was last read in {1}; its consumption is measured from that reading, not from a starting reading."
SHEET_MESSAGES = (
	SHEET_METER_TYPE,
	SHEET_MONTH,
	SHEET_NOT_A_UNIT,
	SHEET_TWICE,
	SHEET_NOT_A_NUMBER,
	SHEET_READ_BEFORE,
)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


class SheetError(DomainError):
	"""A sheet that cannot be opened (unknown meter type or month); templates in SHEET_MESSAGES."""


# ------------------------------------------------------------------ arguments
def meter_type_of(value) -> str:
	if value not in METER_TYPES:
		raise SheetError(SHEET_METER_TYPE, str(value), field="meter_type")
	return value


def month_of(value) -> date:
	"""The first day of the month of `value`: a date, a datetime, "2026-03" or "2026-03-17"."""
	if isinstance(value, datetime):
		return value.date().replace(day=1)
	if isinstance(value, date):
		return value.replace(day=1)
	found = _MONTH.match(str(value or "").strip())
	try:
		if not found:
			raise ValueError
		year, month, day = int(found[1]), int(found[2]), int(found[3] or 1)
		date(year, month, day)  # a real day of a real month
		return date(year, month, 1)
	except ValueError:
		raise SheetError(SHEET_MONTH, str(value), field="period") from None


# ------------------------------------------------------------------ the sheet
def _natural(text: str) -> tuple:
	"""'2' before '10', '1203A' after '1203': digits compare as numbers."""
	return tuple(
		(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", text)
	)


def order_key(floor, unit_number, name: str = "") -> tuple:
	"""Walking order: by floor (basements first, units without a floor last), then door number."""
	return (floor is None, floor or 0, _natural(str(unit_number or "")), name)


def assemble(units: list[dict], this_month: dict[str, dict], before: dict[str, dict]) -> list[dict]:
	"""The sheet's rows, one per unit in walking order.

	`units`: name, floor, unit_number. `this_month`: the month's reading per unit (name, current_reading,
	previous_reading, consumption, meter_no, meter_change, old_meter_final_reading, rollover, meter_digits).
	`before`: per unit, the last reading before the month (period, current_reading, meter_no), as
	`last_reading()` finds it. The previous reading shown is the one the month's consumption is measured
	from: the stored one of a reading already entered, else the last reading before the month. `first`: the
	meter was never read before the month, so its row takes a starting reading. The meter number: an entered
	reading's own, else the last one's (a suggestion for the new reading)."""
	rows = []
	for unit in sorted(units, key=lambda u: order_key(u.get("floor"), u.get("unit_number"), u["name"])):
		now, last = this_month.get(unit["name"]) or {}, before.get(unit["name"]) or {}
		previous = now.get("previous_reading") or last.get("current_reading")
		rows.append(
			{
				"unit": unit["name"],
				"floor": unit.get("floor"),
				"unit_number": unit.get("unit_number"),
				# a new reading starts from the last meter number; an entered one shows its own
				"meter_no": (now.get("meter_no") if now else last.get("meter_no")) or "",
				"previous_reading": previous,
				"previous_period": last.get("period"),
				"first": int(not last),
				"reading": now.get("name"),
				"current_reading": now.get("current_reading"),
				"consumption": now.get("consumption"),
				"meter_change": int(bool(now.get("meter_change"))),
				"old_meter_final_reading": now.get("old_meter_final_reading")
				if now.get("meter_change")
				else None,
				"rollover": int(bool(now.get("rollover"))),
				"meter_digits": now.get("meter_digits") if now.get("rollover") else None,
			}
		)
	return rows


# ------------------------------------------------------------------ what was typed
def number(value) -> Decimal | None:
	"""A typed number, or None when empty. Full-width digits (１２３．５) and thousands separators are
	accepted; anything else raises ValueError."""
	if value is None:
		return None
	if isinstance(value, bool):
		raise ValueError(value)
	if isinstance(value, int | float | Decimal):
		result = Decimal(str(value))
	else:
		text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace(" ", "").strip()
		if not text:
			return None
		try:
			result = Decimal(text)
		except InvalidOperation:
			raise ValueError(value) from None
	if not result.is_finite():
		raise ValueError(value)
	return result


def flag(value) -> bool:
	if isinstance(value, str):
		return value.strip().lower() in ("1", "true", "yes", "on")
	return bool(value)


@dataclass(frozen=True)
class Problem:
	unit: str
	message: str  # a template of SHEET_MESSAGES
	params: tuple = ()


@dataclass(frozen=True)
class Change:
	unit: str
	reading: str | None  # the month's reading to update; None: create one
	values: dict  # EDITABLE fields: Decimal numbers, 0/1 flags, str meter number, int digits


@dataclass
class Plan:
	creates: list[Change] = field(default_factory=list)
	updates: list[Change] = field(default_factory=list)
	unchanged: list[str] = field(default_factory=list)
	skipped: list[str] = field(default_factory=list)
	problems: list[Problem] = field(default_factory=list)

	def counts(self) -> dict[str, int]:
		return {
			"created": len(self.creates),
			"updated": len(self.updates),
			"unchanged": len(self.unchanged),
			"skipped": len(self.skipped),
		}


def _values(row: dict, first: bool = False) -> dict:
	"""The EDITABLE values of a typed row (numbers parsed; raises ValueError naming the bad value).
	The old meter's reading counts only with a meter change, the digits only with a rollover; the starting
	reading only for a meter never read before (`first`; empty is 0)."""
	change, rollover = flag(row.get("meter_change")), flag(row.get("rollover"))
	digits = number(row.get("meter_digits")) if rollover else None
	if digits is not None and digits != digits.to_integral_value():
		raise ValueError(row.get("meter_digits"))
	start = {"previous_reading": number(row.get("previous_reading")) or Decimal(0)} if first else {}
	return start | {
		"current_reading": number(row.get("current_reading")),
		"meter_no": str(row.get("meter_no") or "").strip(),
		"meter_change": int(change),
		"old_meter_final_reading": number(row.get("old_meter_final_reading")) if change else None,
		"rollover": int(rollover),
		"meter_digits": int(digits) if digits is not None else None,
	}


def _same(a, b) -> bool:
	if a in (None, "") or b in (None, ""):
		return a in (None, "") and b in (None, "")
	if isinstance(a, str) or isinstance(b, str):
		return str(a) == str(b)
	return Decimal(str(a)) == Decimal(str(b))


def differs(sheet_row: dict, values: dict) -> bool:
	"""Whether typed values change the month's reading shown in `sheet_row`."""
	stored = {
		"current_reading": sheet_row.get("current_reading"),
		"meter_no": sheet_row.get("meter_no") or "",
		"meter_change": int(bool(sheet_row.get("meter_change"))),
		"old_meter_final_reading": sheet_row.get("old_meter_final_reading")
		if sheet_row.get("meter_change")
		else None,
		"rollover": int(bool(sheet_row.get("rollover"))),
		"meter_digits": sheet_row.get("meter_digits") if sheet_row.get("rollover") else None,
		"previous_reading": sheet_row.get("previous_reading") or 0,
	}
	return any(not _same(stored[key], value) for key, value in values.items())


def plan(sheet: list[dict], rows: list[dict]) -> Plan:
	"""What saving the typed `rows` (unit + EDITABLE values, as typed) does to the month's readings of the
	`sheet` (rows of `assemble`). Rows come back in the sheet's order; problems too."""
	by_unit = {row["unit"]: row for row in sheet}
	position = {row["unit"]: i for i, row in enumerate(sheet)}
	result, seen = Plan(), set()
	typed = sorted(rows, key=lambda r: position.get(str(r.get("unit") or ""), len(position)))
	for row in typed:
		unit = str(row.get("unit") or "")
		if unit not in by_unit:
			result.problems.append(Problem(unit, SHEET_NOT_A_UNIT, (unit,)))
			continue
		if unit in seen:
			result.problems.append(Problem(unit, SHEET_TWICE, (unit,)))
			continue
		seen.add(unit)
		current = by_unit[unit]
		try:
			values = _values(row, bool(current.get("first")))
			start = None if current.get("first") else number(row.get("previous_reading"))
		except ValueError as e:
			result.problems.append(
				Problem(unit, SHEET_NOT_A_NUMBER, (unit, str(e.args[0] if e.args else "")))
			)
			continue
		if start is not None and not _same(start, current.get("previous_reading")):
			period = current.get("previous_period")
			result.problems.append(
				Problem(unit, SHEET_READ_BEFORE, (unit, period.strftime("%Y-%m") if period else ""))
			)
			continue
		if values["current_reading"] is None:
			result.skipped.append(unit)
		elif not current.get("reading"):
			result.creates.append(Change(unit, None, values))
		elif differs(current, values):
			result.updates.append(Change(unit, current["reading"], values))
		else:
			result.unchanged.append(unit)
	return result
