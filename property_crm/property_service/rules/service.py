"""Service-order rules: SLA escalation, return-visit policy, auto-closing, repeat repairs, ratings."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

# Workflow states of a Service Order (the `status` field) and what ERPNext's SLA engine does with them.
STATES = (
	"Draft",
	"Accepted",
	"Dispatched",
	"In Progress",
	"On Hold",
	"Awaiting Parts",
	"Awaiting Resident",
	"Completed",
	"Closed",
	"Cancelled",
	"Reopened",
)
PAUSED_STATES = ("On Hold", "Awaiting Parts", "Awaiting Resident")
FULFILLED_STATES = ("Completed", "Closed", "Cancelled")
OPEN_STATES = tuple(s for s in STATES if s not in FULFILLED_STATES)
RETURN_VISIT_POLICIES = ("Never", "Only if unrated", "Always")

# What a resident reads for each state: the words of the person waiting, never the desk's workflow
# names (a new request is "submitted", not a "Draft"). Distinct English sources, so that their Chinese
# (已提交, 已受理, 已派单, 处理中, 已完工 …) does not change the desk's own translations.
RESIDENT_WORDS = {
	"Draft": "Request submitted",
	"Accepted": "Request received",
	"Dispatched": "Technician assigned",
	"In Progress": "Being handled",
	"On Hold": "Paused for now",
	"Awaiting Parts": "Waiting for parts",
	"Awaiting Resident": "Waiting for your reply",
	"Completed": "Work completed",
	"Closed": "Request closed",
	"Cancelled": "Request cancelled",
	"Reopened": "Being handled again",
}


def resident_status(status: str) -> str:
	"""The resident's word (English source, translated by the page) for a Service Order status."""
	return RESIDENT_WORDS.get(status, "Being handled")


def escalation_level(
	now: datetime,
	start: datetime,
	due: datetime | None,
	warn_at_percent: float,
	second_level_after: timedelta,
) -> int:
	"""0: on track; 1: `warn_at_percent` of the allowed time used, or overdue; 2: overdue by more than
	`second_level_after`. Works for any record with a start and a due time (orders, complaints)."""
	if not due or due <= start:
		return 0
	if now >= due + second_level_after:
		return 2
	used = (now - start) / (due - start) * 100
	return 1 if used >= warn_at_percent else 0


def needs_return_visit(policy: str, rated: bool) -> bool:
	if policy == "Always":
		return True
	if policy == "Only if unrated":
		return not rated
	return False


def due_for_auto_close(completed_on: datetime | None, rated: bool, days: int, now: datetime) -> bool:
	"""Completed and not rated for `days` days: the order closes by itself (0 days: never)."""
	return bool(completed_on) and not rated and days > 0 and now - completed_on >= timedelta(days=days)


REPEAT_WINDOW_DAYS = 90


def is_repeat(earlier_opened: datetime, opened: datetime, window_days: int = REPEAT_WINDOW_DAYS) -> bool:
	"""An order repeats an earlier one of the same unit and category opened at most `window_days` before."""
	return timedelta(0) <= opened - earlier_opened <= timedelta(days=window_days)


@dataclass(frozen=True)
class Job:
	name: str
	unit: str
	category: str
	opened: datetime


def repeat_repairs(jobs: Iterable[Job], window_days: int = REPEAT_WINDOW_DAYS) -> set[str]:
	"""Orders that repeat an earlier one: same unit and category opened within `window_days` after it."""
	by_key: dict[tuple[str, str], list[Job]] = {}
	for job in jobs:
		by_key.setdefault((job.unit, job.category), []).append(job)
	repeats = set()
	for group in by_key.values():
		group.sort(key=lambda j: (j.opened, j.name))
		for earlier, later in pairwise(group):
			if is_repeat(earlier.opened, later.opened, window_days):
				repeats.add(later.name)
	return repeats


def rating_summary(ratings: Iterable[int | float | None]) -> dict:
	"""Average (1 decimal), count and share of 4–5 stars of the given ratings; unrated ones ignored."""
	given = [r for r in ratings if r]
	if not given:
		return {"count": 0, "average": None, "satisfied_percent": None}
	return {
		"count": len(given),
		"average": round(sum(given) / len(given), 1),
		"satisfied_percent": round(100 * sum(1 for r in given if r >= 4) / len(given), 1),
	}


def median_hours(durations: Iterable[timedelta | None]) -> float | None:
	values = [d.total_seconds() / 3600 for d in durations if d is not None]
	return round(median(values), 2) if values else None
