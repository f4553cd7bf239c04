"""Estates, buildings and units: codes, names, areas, floors and who lives where, when."""

import math
import re
import unicodedata
from datetime import date
from itertools import combinations

from property_crm.errors import (
	BUILT_UP_AREA,
	CODE_INVALID,
	FLOOR_INVALID,
	FLOOR_TOO_HIGH,
	INNER_AREA,
	OCCUPANT_DATES,
	OCCUPANT_MOVE_IN,
	OCCUPANT_PERSON,
	OCCUPANT_PRIMARY,
	OCCUPANT_RELATION,
	OCCUPANT_TWICE,
	UNIT_PART_MISSING,
	DomainError,
)

OCCUPANT_RELATIONS = ("Owner", "Co-owner", "Tenant", "Family Member")
UNIT_STATUSES = ("Vacant", "Occupied", "Rented", "Renovating")
_CODE = re.compile(r"[A-Z0-9]{1,20}")


def validate_code(value: str, field: str, label: str) -> str:
	"""Estate codes, building and unit numbers: ASCII letters and digits, upper-cased ("-" separates them).

	Full-width characters (Ａ０１) count as their ASCII forms.
	"""
	code = unicodedata.normalize("NFKC", value or "").strip()
	# ASCII before upper-casing, so that e.g. "ß" cannot become "SS"
	if not code.isascii() or not _CODE.fullmatch(code := code.upper()):
		raise DomainError(CODE_INVALID, label, value, field=field)
	return code


def unit_name(estate_code: str, building_no: str, unit_no: str) -> str:
	"""A01 + 2 + 1203 -> A01-2-1203."""
	parts = []
	for value, field, label in (
		(estate_code, "estate", "Estate Code"),
		(building_no, "building", "Building No."),
		(unit_no, "unit_number", "Unit No."),
	):
		if not (value or "").strip():
			raise DomainError(UNIT_PART_MISSING, label, field=field)
		parts.append(validate_code(value, field, label))
	return "-".join(parts)


def validate_areas(built_up_area: float | None, inner_area: float | None) -> None:
	if built_up_area is None or not 0 < built_up_area < math.inf:  # also refuses NaN
		raise DomainError(BUILT_UP_AREA, field="built_up_area")
	if inner_area and not 0 < inner_area <= built_up_area:  # 0 or None: not given
		raise DomainError(INNER_AREA, built_up_area, field="inner_area")


def validate_floor(floor: int, floors_in_building: int | None) -> None:
	if floor is None or floor == 0 or floor < -10:
		raise DomainError(FLOOR_INVALID, floor, field="floor")
	if floors_in_building and floor > floors_in_building:
		raise DomainError(FLOOR_TOO_HIGH, floor, floors_in_building, field="floor")


def _period(row: dict) -> tuple[date, date]:
	return row.get("move_in") or date.min, row.get("move_out") or date.max


def _overlap(a: dict, b: dict) -> bool:
	(a_in, a_out), (b_in, b_out) = _period(a), _period(b)
	return a_in <= b_out and b_in <= a_out


def validate_occupants(rows: list[dict]) -> None:
	"""Each row: idx, owner (the person), relation, move_in, move_out, primary_contact."""
	for row in rows:
		if row.get("relation") not in OCCUPANT_RELATIONS:
			raise DomainError(OCCUPANT_RELATION, row["idx"], row.get("relation") or "", field="occupants")
		if not row.get("owner"):
			raise DomainError(OCCUPANT_PERSON, row["idx"], field="occupants")
		if row.get("move_out") and not row.get("move_in"):
			raise DomainError(OCCUPANT_MOVE_IN, row["idx"], field="occupants")
		if row.get("move_out") and row["move_out"] < row["move_in"]:
			raise DomainError(
				OCCUPANT_DATES,
				row["idx"],
				row["move_out"].isoformat(),
				row["move_in"].isoformat(),
				field="occupants",
			)
	for a, b in combinations(rows, 2):
		if a["owner"] == b["owner"] and _overlap(a, b):
			raise DomainError(OCCUPANT_TWICE, a["idx"], b["idx"], field="occupants")
	primaries = [row for row in rows if row.get("primary_contact")]
	for a, b in combinations(primaries, 2):
		if _overlap(a, b):
			raise DomainError(OCCUPANT_PRIMARY, a["idx"], b["idx"], field="occupants")


def current_occupants(rows: list[dict], on: date) -> list[dict]:
	return [row for row in rows if _period(row)[0] <= on <= _period(row)[1]]


def unit_status_from_occupants(rows: list[dict], on: date, current_status: str) -> str:
	if current_status == "Renovating":
		return current_status
	active = current_occupants(rows, on)
	if any(row.get("relation") == "Tenant" for row in active):
		return "Rented"
	return "Occupied" if active else "Vacant"
