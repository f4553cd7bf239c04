"""Breach register (应急预案) rules, without Frappe: the regulator deadline, the notice language, what a
notice attempt leaves on the resident's row, and what each workflow step needs before it is taken."""

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_REGULATOR_HOURS = 72
STATES = ("Reported", "Contained", "Residents Notified", "Reported to Regulator", "Closed")

# a resident's notice on the incident (Data Incident Resident.notice_status)
PENDING, SENT, CALL_TASK, UNREACHABLE = "Pending", "Sent", "Call Task", "No Way to Reach"
NOTICE_STATUSES = (PENDING, SENT, CALL_TASK, UNREACHABLE)
# what the resident's channel decision ("send", "task", "skip") leaves on their row
OUTCOME = {"send": SENT, "task": CALL_TASK, "skip": UNREACHABLE}

# the problems `step_problems` reports (the controller translates them)
NEEDS_NOTICE = "Residents without a notice"
NEEDS_REGULATOR_DATE = "Reported to Regulator On is needed"
NEEDS_LESSONS = "Lessons Learned is needed"
NEEDS_CONTAINMENT = "At least one containment step is needed"


@dataclass(frozen=True)
class Row:
	resident: str
	notice_status: str
	reason: str = ""


def regulator_deadline(found_on: datetime, hours: int | None) -> datetime:
	"""The time by which the regulator must be told: `hours` after the incident was found (72 by default;
	0 or empty means the default, a register without a deadline is no plan)."""
	return found_on + timedelta(hours=hours if hours and hours > 0 else DEFAULT_REGULATOR_HOURS)


def deadline_passed(deadline: datetime | None, now: datetime, reported_on: datetime | None = None) -> bool:
	"""Overdue: the deadline is behind us and the regulator has not been told."""
	return bool(deadline) and not reported_on and now > deadline


def notice_language(language: str | None) -> str:
	"""The notice template of a resident's language: English for an English-speaking file, else Chinese."""
	return "en" if (language or "").lower().startswith("en") else "zh"


def unnotified(rows: list[Row]) -> list[str]:
	"""Residents that have neither a sent notice nor an explicit reason why not (e.g. reached by phone)."""
	return [r.resident for r in rows if r.notice_status != SENT and not (r.reason or "").strip()]


def to_send(rows: list[Row]) -> list[str]:
	"""The residents a send run still has to notify: only pending rows, so a second run sends nothing twice."""
	return [r.resident for r in rows if r.notice_status == PENDING]


def step_problems(
	state: str,
	rows: list[Row],
	steps: int,
	lessons_learned: str | None,
	regulator_reported_on: datetime | None,
) -> list[tuple[str, list[str]]]:
	"""What is missing before an incident may be in `state` (each later state needs the earlier ones' too)."""
	if state not in STATES:
		return []
	at = STATES.index(state)
	problems = []
	if at >= STATES.index("Contained") and steps < 1:
		problems.append((NEEDS_CONTAINMENT, []))
	if at >= STATES.index("Residents Notified"):
		missing = unnotified(rows)
		if missing:
			problems.append((NEEDS_NOTICE, missing))
	if at >= STATES.index("Reported to Regulator") and not regulator_reported_on:
		problems.append((NEEDS_REGULATOR_DATE, []))
	if at >= STATES.index("Closed") and not (lessons_learned or "").strip():
		problems.append((NEEDS_LESSONS, []))
	return problems
