"""What a resident may see of a unit's records: one rule, for every portal page and method.

A resident sees
- every record they filed themselves (requester == the resident), wherever and whenever, for good;
- a unit's other records only while they live there, and only those created during their stay:
  from the move-in day to the move-out day, both days included, open-ended without a move-out.
  People who live in a unit at the same time therefore share the household's records, and a new
  occupant never sees what an earlier occupant filed before the newcomer moved in.

Decisions:
- **Moving out ends the unit's share.** Only an occupancy current today (move-in <= today <= move-out)
  opens the unit's records; after the move-out day the resident keeps their own records and loses the
  unit's, including those of their own time there (the household's records stay with the household).
- **Same-day move-out and move-in.** Day bounds are inclusive, so a record created on the handover day
  belongs to both stays: the leaving tenant (while still living there, i.e. that same day) and the
  arriving owner both see it. We only know days, not hours, of a move, and what is filed on the
  handover day (keys, meters, damage) is the business of both.
- **No move-in date.** The resident still counts as living there (they may file requests, as
  `occupancy.current_occupants` says), but nothing of the unit's history is shared with them: without a
  start we cannot tell their time from an earlier occupant's, so privacy wins. They see what they file
  themselves; staff fill in the move-in date to open the rest. (The form refuses a move-out without a
  move-in, so such a stay is always open-ended.)

The rule serves lists and single records alike: `reach()` turns the resident's occupancy rows into
`Window`s (unit + half-open creation interval) that a query builder translates into
`requester = me OR (unit = X AND creation >= since AND creation < before) OR …`, and `Reach.sees()` is
the same test for one record. The same rule applies to invoices shown per unit and, later, to
complaints and survey answers."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


def _start_of(day: date) -> datetime:
	return datetime.combine(day, time.min)


def _as_datetime(value: date | datetime) -> datetime:
	return value if isinstance(value, datetime) else _start_of(value)


@dataclass(frozen=True)
class Window:
	"""A unit's records created in [since, before); `before` None: no end (still living there)."""

	unit: str
	since: datetime
	before: datetime | None

	def holds(self, unit: str | None, created: date | datetime) -> bool:
		created = _as_datetime(created)
		return unit == self.unit and self.since <= created and (self.before is None or created < self.before)


@dataclass(frozen=True)
class Reach:
	"""What one resident may see: their own records and the records inside `windows`."""

	resident: str
	windows: tuple[Window, ...]

	@property
	def units(self) -> tuple[str, ...]:
		"""Units whose records are shared with the resident today (each once, in order)."""
		return tuple(dict.fromkeys(w.unit for w in self.windows))

	def sees(self, unit: str | None, requester: str | None, created: date | datetime | None) -> bool:
		"""The rule for one record: filed by the resident, or in a unit during the resident's stay."""
		if requester and requester == self.resident:
			return True
		if created is None:
			return False
		return any(window.holds(unit, created) for window in self.windows)


def lives_there(move_in: date | None, move_out: date | None, on: date) -> bool:
	"""An occupancy current on `on` (inclusive days; no move-out: open-ended; no move-in: since always)."""
	return (move_in is None or move_in <= on) and (move_out is None or on <= move_out)


def window(unit: str, move_in: date | None, move_out: date | None) -> Window | None:
	"""The records of a stay: created on move_in … move_out (both days whole); none without a move-in."""
	if move_in is None:
		return None
	return Window(unit, _start_of(move_in), _start_of(move_out + timedelta(days=1)) if move_out else None)


def reach(resident: str, rows: Iterable[dict], on: date) -> Reach:
	"""The resident's reach on day `on` from the resident's own occupancy rows (unit, move_in, move_out)."""
	windows = []
	for row in rows:
		move_in, move_out = row.get("move_in"), row.get("move_out")
		if not lives_there(move_in, move_out, on):
			continue  # moved out (or not yet in): the unit's records are no longer theirs
		stay = window(row["unit"], move_in, move_out)
		if stay and stay not in windows:
			windows.append(stay)
	return Reach(resident, tuple(windows))
