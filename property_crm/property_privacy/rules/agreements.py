"""Confidentiality agreements and retention, without Frappe: an agreement's status, who may hold a role that
reads personal data, which reminders are due, and which residents' files are past retention."""

import hashlib
from dataclasses import dataclass
from datetime import date

CURRENT = "Current"
EXPIRING = "Expiring"
EXPIRED = "Expired"
NOT_YET_VALID = "Not Yet Valid"

# the staff roles that read residents' personal data (README's roles table); System Manager is IT, the
# resident's own role reads only their own data
PERSONAL_DATA_ROLES = (
	"Property Manager",
	"Property Customer Service",
	"Property Technician",
	"Property Accountant",
)

OFF = "Off"
WARN = "Warn"
ENFORCE = "Enforce"
ENFORCEMENT_MODES = (OFF, WARN, ENFORCE)

ANONYMOUS_PREFIX = "已匿名 #"


def status(signed_on: date, valid_until: date, today: date, expiring_days: int) -> str:
	"""Current while `today` is within [signed_on, valid_until]; Expiring in its last `expiring_days` days."""
	if today < signed_on:
		return NOT_YET_VALID
	if today > valid_until:
		return EXPIRED
	if expiring_days > 0 and (valid_until - today).days < expiring_days:
		return EXPIRING
	return CURRENT


def is_current(signed_on: date, valid_until: date, today: date) -> bool:
	"""An Expiring agreement is still current: the role stays granted until valid_until has passed."""
	return signed_on <= today <= valid_until


def dates_in_order(signed_on: date, valid_until: date) -> bool:
	return valid_until > signed_on


def future_dates(dates: list[date], today: date) -> list[date]:
	"""Training dates that cannot be recorded yet: those after today."""
	return [d for d in dates if d and d > today]


def roles_needing_agreement(old_roles: set[str], new_roles: set[str]) -> list[str]:
	"""The personal-data roles being granted now (those already held are not asked about again)."""
	return sorted((set(new_roles) - set(old_roles)) & set(PERSONAL_DATA_ROLES))


def reminder_thresholds(setting: str | int | None) -> list[int]:
	"""'30, 7' -> [30, 7] (days before valid_until; descending, positive, unique). Bad parts are skipped."""
	out = set()
	for part in str(setting or "").replace("，", ",").split(","):
		part = part.strip()
		if part.isdigit() and int(part) > 0:
			out.add(int(part))
	return sorted(out, reverse=True)


def due_threshold(valid_until: date, today: date, thresholds: list[int], sent: set[int]) -> int | None:
	"""The smallest threshold reached today that was not yet sent (an agreement reaching 7 days without a
	30-day reminder gets only the 7-day one); None when nothing is due or it has expired."""
	left = (valid_until - today).days
	if left < 0:
		return None
	reached = [t for t in thresholds if left <= t]
	if not reached:
		return None
	smallest = min(reached)
	return None if smallest in sent else smallest


def retention_cutoff(today: date, years: int) -> date | None:
	"""Move-outs before this day are past retention; None when retention is off (0 years)."""
	if not years or years <= 0:
		return None
	try:
		return today.replace(year=today.year - years)
	except ValueError:  # 29 February
		return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class Stay:
	move_in: date | None
	move_out: date | None


def past_retention(stays: list[Stay], cutoff: date | None) -> bool:
	"""A person whose every stay has ended before `cutoff` (none open); a file with no stay is not judged."""
	if cutoff is None or not stays:
		return False
	return all(s.move_out is not None and s.move_out < cutoff for s in stays)


def anonymous_token(name: str) -> str:
	"""'已匿名 #1a2b3c4d': stable per record, reveals nothing of the person."""
	return ANONYMOUS_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:8]


def is_anonymised(full_name: str | None) -> bool:
	return bool(full_name) and full_name.startswith(ANONYMOUS_PREFIX)


def days_until(valid_until: date, today: date) -> int:
	return (valid_until - today).days
