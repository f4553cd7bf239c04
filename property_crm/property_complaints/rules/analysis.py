"""Complaint Analysis: what the report's groupings, period and figures mean (no frappe import).

The report aggregates in the database; `figures` is the same arithmetic on plain rows, so the integration
test can hold the database's figures against it, and the rules are read in one place:
- a complaint belongs to the period by `received_on`;
- open: not Resolved, Closed or Withdrawn (`property_complaints.rules.complaint.OPEN_STATES`);
- minutes to acknowledge: acknowledged_on − received_on; hours to close: closed_on − received_on (medians
  of the complaints that have them);
- reopen rate: complaints reopened at least once (reopen_count > 0) out of all;
- repeat complainants: people with more than one complaint in the group and period — a person is their
  resident file, else their mobile; an anonymous complaint's person is on its confidential identity (counted,
  never shown, and only for those who may read identities: for everyone else an anonymous complaint has no
  person, and groups under MIN_GROUP_FOR_PERSONS complaints show no repeat complainants);
- hotline replies on time: of the hotline cases whose reply can be judged (replied, or unreplied past the
  deadline), those replied by the deadline;
- complaints per 100 households per month: households are the units someone lives in (an occupant by their
  move-in and move-out dates) on the period's last day, parking spaces and storerooms excluded — not
  Property Unit.status, which is refreshed only when a unit is saved and says nothing of a past period;
  a group by building has its building's households, by estate its estate's, others all of them."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from property_crm.property_complaints.rules.complaint import (
	OPEN_STATES,
	is_hotline,
	months_between,
	per_100_households,
	rate,
	repeat_complainants,
)

# grouping: (first dimension, also by building)
GROUPINGS = {
	"Category x Building": ("complaint_category", True),
	"Root Cause x Building": ("root_cause", True),
	"Estate": ("estate", False),
	"Month": ("month", False),
	"Category": ("complaint_category", False),
}
DEFAULT_GROUPING = "Category x Building"
DEFAULT_MONTHS = 12
NOT_HOUSEHOLDS = ("Parking", "Storage")  # unit usages that are no household
# Below Property Manager (who may read complaints' confidential identities) the report never joins an
# anonymous complaint to its identity, so an anonymous complaint has no person and never counts among the
# repeat complainants; and a group of fewer than K complaints shows no per-person figure at all (with two or
# three complaints, "one repeat complainant" says that these complaints came from one person).
MIN_GROUP_FOR_PERSONS = 5
PER_PERSON_FIGURES = ("repeat_complainants",)


def hide_small_groups(rows: list[dict], k: int = MIN_GROUP_FOR_PERSONS) -> list[dict]:
	"""Blank the per-person figures of groups with fewer than `k` complaints (rows changed in place)."""
	for row in rows:
		if (row.get("complaints") or 0) < k:
			for field in PER_PERSON_FIGURES:
				row[field] = None
	return rows


def grouping(value: str | None) -> str:
	return value if value in GROUPINGS else DEFAULT_GROUPING


def period(from_date: date | None, to_date: date | None, today: date) -> tuple[date, date]:
	"""The report's period: the dates given; by default up to today and from the first day of the twelfth
	calendar month back (this month included); never reversed."""
	end = to_date or today
	back = end.year * 12 + end.month - 1 - (DEFAULT_MONTHS - 1)
	start = from_date or date(back // 12, back % 12 + 1, 1)
	if start > end:
		start, end = end, start
	return start, end


def households_on(end: date, today: date) -> date:
	"""The day households are counted on: the period's last day, or today for a period not over yet."""
	return min(end, today)


def months_of(grouping_label: str, start: date, end: date) -> int:
	"""Months a group's complaints spread over: one for a month's row, else the period's calendar months."""
	if GROUPINGS[grouping(grouping_label)][0] == "month":
		return 1
	return period_months(start, end)


def period_months(start: date, end: date) -> int:
	"""Calendar months the period touches."""
	return months_between(datetime(start.year, start.month, 1), datetime(end.year, end.month, 1))


def hotline_judged(deadline: datetime | None, replied_on: datetime | None, now: datetime) -> bool:
	"""Can the reply be judged: replied, or not replied and the deadline has passed."""
	return bool(deadline) and (bool(replied_on) or deadline < now)


def hotline_in_time(deadline: datetime | None, replied_on: datetime | None) -> bool:
	return bool(deadline and replied_on and replied_on <= deadline)


def median(values: Iterable[float | None]) -> float | None:
	present = [v for v in values if v is not None]
	return statistics.median(present) if present else None


def minutes(start: datetime | None, end: datetime | None) -> float | None:
	return (end - start).total_seconds() / 60 if start and end else None


@dataclass
class Facts:
	"""What the report reads of one complaint (`person`: its complainant's file or mobile, or None)."""

	received_on: datetime
	status: str = "Registered"
	acknowledged_on: datetime | None = None
	closed_on: datetime | None = None
	reopen_count: int = 0
	person: str | None = None
	channel: str | None = None
	hotline_reply_deadline: datetime | None = None
	hotline_replied_on: datetime | None = None


def figures(rows: list[Facts], households: int, months: int, now: datetime) -> dict:
	"""A group's row of the report."""
	hotline = [r for r in rows if is_hotline(r.channel)]
	judged = [r for r in hotline if hotline_judged(r.hotline_reply_deadline, r.hotline_replied_on, now)]
	acknowledge = median(minutes(r.received_on, r.acknowledged_on) for r in rows)
	close = median(minutes(r.received_on, r.closed_on) for r in rows)
	return {
		"complaints": len(rows),
		"open": sum(1 for r in rows if r.status in OPEN_STATES),
		"median_acknowledge_minutes": round(acknowledge, 1) if acknowledge is not None else None,
		"median_close_hours": round(close / 60, 1) if close is not None else None,
		"reopened": sum(1 for r in rows if (r.reopen_count or 0) > 0),
		"reopen_rate": rate(sum(1 for r in rows if (r.reopen_count or 0) > 0), len(rows)),
		"repeat_complainants": repeat_complainants(r.person for r in rows),
		"hotline_cases": len(hotline),
		"hotline_on_time": rate(
			sum(1 for r in judged if hotline_in_time(r.hotline_reply_deadline, r.hotline_replied_on)),
			len(judged),
		)
		if judged
		else None,
		"households": households,
		"per_100_households": per_100_households(len(rows), households, months) if households else None,
	}
