"""Customer care (客户关怀) and data quality: pure rules, no frappe.

- periodic return visits: how often a household is visited (an estate's policy: a default interval and
  shorter ones for tags such as "elderly living alone"), when a visit is due, an even plan across staff,
  retrying unreachable households and then flagging them;
- the care calendar: birthdays and move-in anniversaries of a day (29 February is celebrated on
  28 February in common years), Chinese holidays, and who may be greeted how (marketing consent first);
- data quality: why a resident file is stale, and which files are likely duplicates;
- self-service: which changes a resident makes at once and which wait for staff.
"""

import heapq
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from property_crm.errors import DomainError
from property_crm.masks import is_masked
from property_crm.property_households.rules.contact import normalize_email, normalize_mobile


class CareError(DomainError):
	"""A broken care rule; its templates are listed in CARE_MESSAGES."""


# ------------------------------------------------------------------ periodic visits
FREQUENCIES = {"Monthly": 1, "Bimonthly": 2, "Quarterly": 3, "Half-yearly": 6, "Yearly": 12}
DEFAULT_FREQUENCY = "Quarterly"
UNREACHABLE_RETRIES = 2  # attempts after the first before a household is flagged
RETRY_AFTER_DAYS = 3

POLICY_FREQUENCY = "Frequency: {0} is not one of Monthly, Bimonthly, Quarterly, Half-yearly, Yearly."
NO_VISITORS = "No customer-service staff to plan the return visits of estate {0}: add staff to its policy."


def months_of(frequency: str) -> int:
	if frequency not in FREQUENCIES:
		raise CareError(POLICY_FREQUENCY, frequency, field="frequency")
	return FREQUENCIES[frequency]


def add_months(day: date, months: int) -> date:
	"""The same day `months` later, the month's last day when it has no such day (31 Jan + 1 = 28/29 Feb)."""
	month_index = day.month - 1 + months
	year, month = day.year + month_index // 12, month_index % 12 + 1
	last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
	return date(year, month, min(day.day, last))


def interval_months(tags: set[str] | frozenset[str], default: str, rules: dict[str, str]) -> int:
	"""The shortest interval among the default and the rules whose tag the household carries."""
	months = [months_of(default or DEFAULT_FREQUENCY)]
	months += [months_of(frequency) for tag, frequency in rules.items() if tag in tags]
	return min(months)


def visit_due(last_visit: date | None, months: int, today: date, open_visit: bool = False) -> bool:
	"""A household is due when it has no open visit and its last one (done or planned) is `months` old."""
	if open_visit:
		return False
	return last_visit is None or add_months(last_visit, months) <= today


def first_visit_anchor(key: str, months: int, start: date) -> date:
	"""A household never visited: a stand-in "last visit" that makes its first visit due on a day of the
	first interval after `start` chosen by its key, so that a new policy spreads its first round evenly."""
	import zlib

	offset = zlib.crc32(key.encode()) % max(months * 30, 1)
	return add_months(start + timedelta(days=offset), -months)


def plan(households: list[str], staff: list[str], load: dict[str, int] | None = None) -> dict[str, str]:
	"""Each household to one member of staff, always the least loaded so far (ties by name): every
	household planned exactly once, and from equal loads no one gets more than one more than another."""
	if not households:
		return {}
	if not staff:
		raise CareError(NO_VISITORS, "", field="staff")
	load = load or {}
	heap = [(load.get(person, 0), person) for person in sorted(set(staff))]
	heapq.heapify(heap)
	out = {}
	for household in sorted(set(households)):
		count, person = heapq.heappop(heap)
		out[household] = person
		heapq.heappush(heap, (count + 1, person))
	return out


def after_unreachable(
	attempts: int, today: date, retries: int = UNREACHABLE_RETRIES
) -> tuple[str, date | None]:
	"""After the `attempts`-th unreachable call: ("retry", when) or ("flag", None)."""
	if attempts <= retries:
		return "retry", today + timedelta(days=RETRY_AFTER_DAYS)
	return "flag", None


# ------------------------------------------------------------------ care calendar
def anniversary_in(anchor: date, year: int) -> date:
	"""The anchor's day in `year`: 29 February falls on 28 February in a common year."""
	try:
		return anchor.replace(year=year)
	except ValueError:
		return date(year, 2, 28)


def is_anniversary(anchor: date | None, day: date, min_years: int = 0) -> bool:
	if anchor is None or anchor > day or day.year - anchor.year < min_years:
		return False
	return anniversary_in(anchor, day.year) == day


def birthdays(people: list[tuple[str, date | None]], day: date) -> list[tuple[str, int]]:
	"""(person, age) of those born on this day (their birthday today)."""
	return [(key, day.year - born.year) for key, born in people if born and is_anniversary(born, day)]


def move_in_anniversaries(stays: list[tuple[str, date | None]], day: date) -> list[tuple[str, int]]:
	"""(key, years) of stays that began on this day at least a year ago."""
	return [(key, day.year - since.year) for key, since in stays if since and is_anniversary(since, day, 1)]


# Gregorian dates of the lunar holidays (from the official calendars); fixed-date holidays by rule.
LUNAR_HOLIDAYS = {
	"Spring Festival": {
		2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
		2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
	},
	"Dragon Boat Festival": {
		2024: date(2024, 6, 10), 2025: date(2025, 5, 31), 2026: date(2026, 6, 19), 2027: date(2027, 6, 9),
		2028: date(2028, 5, 28), 2029: date(2029, 6, 16), 2030: date(2030, 6, 5),
	},
	"Mid-Autumn Festival": {
		2024: date(2024, 9, 17), 2025: date(2025, 10, 6), 2026: date(2026, 9, 25), 2027: date(2027, 9, 15),
		2028: date(2028, 10, 3), 2029: date(2029, 9, 22), 2030: date(2030, 9, 12),
	},
}  # fmt: skip
FIXED_HOLIDAYS = {"New Year": (1, 1), "National Day": (10, 1)}
HOLIDAYS = ("Spring Festival", "Dragon Boat Festival", "Mid-Autumn Festival", "National Day", "New Year")
HOLIDAY_UNKNOWN = "Holiday: the date of {0} in {1} is not known; enter the sending date yourself."


def holiday_date(holiday: str, year: int) -> date:
	if holiday in FIXED_HOLIDAYS:
		return date(year, *FIXED_HOLIDAYS[holiday])
	found = LUNAR_HOLIDAYS.get(holiday, {}).get(year)
	if not found:
		raise CareError(HOLIDAY_UNKNOWN, holiday, year, field="holiday")
	return found


# ------------------------------------------------------------------ greetings and consent
AUTOMATIC_CHANNELS = ("Email", "SMS", "Portal")  # sent by the system
CALL_CHANNELS = ("Phone", "WeChat")  # a task for customer service


@dataclass(frozen=True)
class Greeting:
	action: str  # "send", "task" or "skip"
	channel: str | None
	reason: str


def greeting_for(
	marketing_consent: bool,
	preferred: str | None,
	mobile: str | None = None,
	email: str | None = None,
	user: str | None = None,
	sms_gateway: bool = False,
) -> Greeting:
	"""How to greet a resident: never without marketing consent; by their preferred channel when it reaches
	them, else a call by customer service when there is a number, else nothing."""
	if not marketing_consent:
		return Greeting("skip", None, "No marketing consent")
	reach = {
		"Email": bool(email),
		"SMS": bool(mobile) and sms_gateway,
		"Portal": bool(user),
		"Phone": bool(mobile),
		"WeChat": bool(mobile),
	}
	channel = preferred or "Phone"
	if reach.get(channel):
		return Greeting("send" if channel in AUTOMATIC_CHANNELS else "task", channel, "Preferred channel")
	if mobile:
		return Greeting("task", "Phone", "Preferred channel unavailable")
	return Greeting("skip", None, "No way to reach")


# ------------------------------------------------------------------ stale files
STALE_NOT_VERIFIED = "Not verified"
STALE_NO_CONSENT = "Missing consent"
STALE_NO_CONTACT = "Missing contact"
STALE_BAD_MOBILE = "Invalid mobile"
STALE_BAD_EMAIL = "Invalid email"
STALE_DUPLICATE = "Possible duplicate"
STALE_NO_FILE = "Occupant without a file"
STALE_REASONS = (
	STALE_NOT_VERIFIED,
	STALE_NO_CONSENT,
	STALE_NO_CONTACT,
	STALE_BAD_MOBILE,
	STALE_BAD_EMAIL,
	STALE_DUPLICATE,
	STALE_NO_FILE,
)


def _valid(rule, value: str) -> bool:
	try:
		rule(value)
	except DomainError:
		return False
	return True


def stale_reasons(file: dict, today: date, months: int = 12) -> list[str]:
	"""Why a resident file needs attention. `file`: last_verified_on, privacy_consent_date, mobile, email."""
	reasons = []
	verified = file.get("last_verified_on")
	if not verified or add_months(verified, months) <= today:
		reasons.append(STALE_NOT_VERIFIED)
	if not file.get("privacy_consent_date"):
		reasons.append(STALE_NO_CONSENT)
	mobile, email = (file.get("mobile") or "").strip(), (file.get("email") or "").strip()
	if not mobile and not email:
		reasons.append(STALE_NO_CONTACT)
	# a masked mobile (138****5678) is a protected one, checked when it was stored
	if mobile and not is_masked(mobile) and not _valid(normalize_mobile, mobile):
		reasons.append(STALE_BAD_MOBILE)
	if email and not _valid(normalize_email, email):
		reasons.append(STALE_BAD_EMAIL)
	return reasons


def _name_key(name: str | None) -> str:
	return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).casefold()


def _mobile_key(mobile: str | None) -> str:
	try:
		return normalize_mobile(mobile or "")
	except DomainError:
		return ""


def likely_duplicates(files: list[dict]) -> dict[str, list[str]]:
	"""Each file (name, full_name, mobile, mobile_hash, date_of_birth) to the others that look like the same
	person: the same mobile (by its keyed hash where the mobile is protected), or the same name and date of
	birth."""
	groups = defaultdict(set)
	for f in files:
		if key := (f.get("mobile_hash") or _mobile_key(f.get("mobile"))):
			groups["m:" + key].add(f["name"])
		if f.get("date_of_birth") and (name := _name_key(f.get("full_name"))):
			groups[f"n:{name}:{f['date_of_birth']}"].add(f["name"])
	out = defaultdict(set)
	for names in groups.values():
		if len(names) > 1:
			for name in names:
				out[name] |= names - {name}
	return {name: sorted(others) for name, others in out.items()}


def members_without_file(members: list[dict], files: list[dict]) -> list[dict]:
	"""Family members (member_name, date_of_birth, parent) who have no resident file of their own: no file
	of the same name (and the same birth date, when both are known)."""
	by_name = defaultdict(list)
	for f in files:
		by_name[_name_key(f.get("full_name"))].append(f.get("date_of_birth"))
	out = []
	for m in members:
		births = by_name.get(_name_key(m.get("member_name")))
		if births is None:
			out.append(m)
		elif m.get("date_of_birth") and all(b and b != m["date_of_birth"] for b in births):
			out.append(m)
	return out


def sample(names: list[str], size: int, seed: int) -> list[str]:
	"""A reproducible sample of files for a verification round (the stalest are passed first)."""
	import random

	names = list(dict.fromkeys(names))
	if size >= len(names):
		return names
	return sorted(random.Random(seed).sample(names, size), key=names.index)


# ------------------------------------------------------------------ self-service
SENSITIVE_FIELDS = ("mobile", "email")  # staff confirm them: they carry logins, bills and notices
SELF_SERVICE_FIELDS = ("mobile", "email", "vehicles", "family_members")


def needs_confirmation(field: str) -> bool:
	return field in SENSITIVE_FIELDS


# ------------------------------------------------------------------ notices and events
def notice_visible(valid_from: date | None, valid_to: date | None, today: date) -> bool:
	return (valid_from is None or valid_from <= today) and (valid_to is None or today <= valid_to)


EVENT_FULL = "This event is full ({0} places)."
EVENT_CLOSED = "Sign-up for this event is closed."
ATTENDEES = "Number of people: give 1 to {0}."


def check_sign_up(capacity: int, taken: int, attendees: int, open_: bool, max_party: int = 6) -> None:
	"""Refuse a sign-up when closed, when `attendees` is out of range or would exceed the capacity."""
	if not open_:
		raise CareError(EVENT_CLOSED, field="event")
	if not 1 <= attendees <= max_party:
		raise CareError(ATTENDEES, max_party, field="attendees")
	if capacity and taken + attendees > capacity:
		raise CareError(EVENT_FULL, capacity, field="event")


CARE_MESSAGES = (POLICY_FREQUENCY, NO_VISITORS, HOLIDAY_UNKNOWN, EVENT_FULL, EVENT_CLOSED, ATTENDEES)
