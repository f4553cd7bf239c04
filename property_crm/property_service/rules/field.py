"""Field staff's phone (`/field`): the pure rules behind the job list and the write endpoints.

SLA state and time left of a job (from ERPNext's response_by / resolution_by), the order the jobs are listed
in, the tab a job belongs to (today / this week / done), and the checks of what the phone sends: a drawn
signature (a PNG data URL), the materials used, the `modified` stamp a change was based on (Frappe's
conflict check) and the phone's client id (replays). No Frappe here: templates are English with {0}
placeholders, translated by the caller (`validation.apply_rule`).
"""

import base64
import binascii
import hmac
import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from property_crm.errors import DomainError

# ------------------------------------------------------------------ states
FULFILLED = ("Completed", "Closed", "Cancelled")
PAUSED = ("On Hold", "Awaiting Parts", "Awaiting Resident")
PRIORITY_RANK = {"Urgent": 0, "High": 1, "Medium": 2, "Low": 3}
UNKNOWN_PRIORITY = 4
# a deadline this close is "due soon" (amber on the phone); past it, "breached" (red)
DUE_SOON = timedelta(hours=2)

BREACHED = "breached"
DUE_SOON_STATE = "due soon"
OK = "ok"
NO_SLA = ""

TABS = ("today", "week", "done")


class FieldError(DomainError):
	"""What the phone sent breaks a rule; its templates are listed in FIELD_MESSAGES."""


def as_datetime(value) -> datetime | None:
	"""A datetime from a datetime or Frappe's "YYYY-MM-DD HH:MM:SS[.ffffff]" string; None when empty or bad."""
	if value in (None, ""):
		return None
	if isinstance(value, datetime):
		return value.replace(tzinfo=None)
	try:
		return datetime.fromisoformat(str(value).strip()).replace(tzinfo=None)
	except ValueError:
		return None


def sla_due(response_by=None, resolution_by=None, first_responded_on=None) -> datetime | None:
	"""The deadline that counts now: the response time until someone responded, then the resolution time."""
	response, resolution = as_datetime(response_by), as_datetime(resolution_by)
	if response and not as_datetime(first_responded_on):
		return min(response, resolution) if resolution else response
	return resolution


def sla_state(now: datetime, due, fulfilled: bool = False, soon: timedelta = DUE_SOON) -> str:
	""" "breached" (past due), "due soon" (within `soon`), "ok", or "" (no deadline, or the job is done)."""
	due = as_datetime(due)
	if fulfilled or due is None:
		return NO_SLA
	if now >= due:
		return BREACHED
	return DUE_SOON_STATE if due - now <= soon else OK


def time_left(now: datetime, due) -> tuple[int, bool]:
	"""Whole minutes to the deadline (or past it, when breached), and whether it is breached.
	Minutes left round down (59.9 left shows 59), minutes overdue round up (a second late is 1 minute)."""
	due = as_datetime(due)
	if due is None:
		return 0, False
	seconds = (due - now).total_seconds()
	if seconds > 0:
		return int(seconds // 60), False
	return math.ceil(-seconds / 60), True


LEFT_MINUTES = "{0} min left"
LEFT_HOURS = "{0} h {1} min left"
LEFT_DAYS = "{0} d {1} h left"
OVERDUE_MINUTES = "{0} min overdue"
OVERDUE_HOURS = "{0} h {1} min overdue"
OVERDUE_DAYS = "{0} d {1} h overdue"
TIME_LEFT_TEMPLATES = (LEFT_MINUTES, LEFT_HOURS, LEFT_DAYS, OVERDUE_MINUTES, OVERDUE_HOURS, OVERDUE_DAYS)


def time_left_text(minutes: int, breached: bool) -> tuple[str, tuple[int, ...]]:
	"""The English template and its numbers for `time_left`'s answer: "3 h 5 min left", "2 d 1 h overdue"…
	The page translates the template (`_(template).format(*params)`)."""
	minutes = max(0, int(minutes))
	days, rest = divmod(minutes, 24 * 60)
	hours, mins = divmod(rest, 60)
	if days:
		return (OVERDUE_DAYS if breached else LEFT_DAYS), (days, hours)
	if hours:
		return (OVERDUE_HOURS if breached else LEFT_HOURS), (hours, mins)
	return (OVERDUE_MINUTES if breached else LEFT_MINUTES), (mins,)


# ------------------------------------------------------------------ listing
def row_due(row: dict) -> datetime | None:
	"""A job row's SLA deadline: fields response_by, first_responded_on and the resolution time, named
	`sla_resolution_by` on a Service Order (ERPNext's custom field) or `resolution_by`; missing ones = none."""
	resolution = row.get("sla_resolution_by") or row.get("resolution_by")
	return sla_due(row.get("response_by"), resolution, row.get("first_responded_on"))


def is_done(row: dict) -> bool:
	return row.get("status") in FULFILLED


def job_sort_key(row: dict, now: datetime) -> tuple:
	"""Open jobs first; then by priority (Urgent, High, Medium, Low, none); then the earliest deadline
	(jobs without one after those with one); then the order's name. Done jobs: most recently changed first."""
	if is_done(row):
		changed = as_datetime(row.get("completed_on")) or as_datetime(row.get("modified")) or datetime.min
		return (1, 0, 0, -changed.timestamp() if changed != datetime.min else 0.0, row.get("name") or "")
	due = row_due(row)
	rank = PRIORITY_RANK.get(row.get("priority") or "", UNKNOWN_PRIORITY)
	return (0, rank, 0 if due else 1, due.timestamp() if due else 0.0, row.get("name") or "")


def job_day(row: dict) -> datetime | None:
	"""When a job is meant to be done: the agreed visit (scheduled_time), else the resident's preferred time,
	else the SLA deadline."""
	return as_datetime(row.get("scheduled_time")) or as_datetime(row.get("preferred_time")) or row_due(row)


def tab_of(row: dict, now: datetime) -> str:
	""" "done" for a completed, closed or cancelled job; "today" for an open job meant for today or earlier
	(overdue), without any date, already in progress, or whose deadline is breached; "week" for the other open jobs (later this
	week and beyond: nothing open is hidden)."""
	if is_done(row):
		return "done"
	if row.get("status") == "In Progress":  # work begun stays on today's list, whatever the deadline says
		return "today"
	when = job_day(row)
	if when is None or when.date() <= now.date():
		return "today"
	due = row_due(row)
	if due is not None and due <= now:
		return "today"
	return "week"


def sorted_jobs(rows: Iterable[dict], now: datetime, tab: str | None = None) -> list[dict]:
	"""The rows of `tab` (all when None) in list order."""
	chosen = [row for row in rows if tab is None or tab_of(row, now) == tab]
	return sorted(chosen, key=lambda row: job_sort_key(row, now))


# ------------------------------------------------------------------ signature
SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_BYTES = 200 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SIGNATURE_MISSING = "Signature: the resident has not signed yet."
SIGNATURE_NOT_PNG = "Signature: the drawing must be sent as a PNG picture."
SIGNATURE_TOO_LARGE = "Signature: the drawing is larger than {0} KB."


def check_signature(data_url, max_bytes: int = SIGNATURE_MAX_BYTES) -> bytes:
	"""The PNG bytes of a signature drawn on the phone (`data:image/png;base64,…`), or DomainError.
	The size is checked before decoding; the content must start with PNG's signature (an SVG or HTML
	payload labelled as PNG is refused)."""
	if not isinstance(data_url, str) or not data_url.strip():
		raise FieldError(SIGNATURE_MISSING, field="signature")
	data_url = data_url.strip()
	if not data_url.startswith(SIGNATURE_PREFIX):
		raise FieldError(SIGNATURE_NOT_PNG, field="signature")
	encoded = data_url[len(SIGNATURE_PREFIX) :]
	if len(encoded) > (max_bytes + 2) // 3 * 4 + 4:
		raise FieldError(SIGNATURE_TOO_LARGE, max_bytes // 1024, field="signature")
	try:
		content = base64.b64decode(encoded, validate=True)
	except (binascii.Error, ValueError):
		raise FieldError(SIGNATURE_NOT_PNG, field="signature") from None
	if len(content) > max_bytes:
		raise FieldError(SIGNATURE_TOO_LARGE, max_bytes // 1024, field="signature")
	if not content.startswith(PNG_MAGIC) or len(content) < len(PNG_MAGIC) + 12:
		raise FieldError(SIGNATURE_NOT_PNG, field="signature")
	return content


SIGNER_NAME_MAX = 140


def signer_name(value) -> str:
	"""Who signed, as typed (one line, at most 140 characters); empty when not given."""
	text = " ".join(str(value or "").split())
	return text[:SIGNER_NAME_MAX]


# ------------------------------------------------------------------ materials
MAX_MATERIAL_ROWS = 30
MAX_QTY = 999

MATERIALS_NOT_LIST = "Materials: a list of items with quantities is expected."
MATERIALS_TOO_MANY = "Materials: at most {0} different items per order."
MATERIAL_ITEM_MISSING = "Materials, row {0}: choose an item."
MATERIAL_QTY_INVALID = "Materials, row {0}: the quantity must be a number greater than 0."
MATERIAL_QTY_TOO_LARGE = "Materials: {0} × {1} is more than {2}; check the quantity."
MATERIAL_UNKNOWN = "Materials: {0} is not an item that can be used on an order."


def _quantity(value) -> float | None:
	if isinstance(value, bool):
		return None
	try:
		qty = float(value)
	except (TypeError, ValueError):
		return None
	if not math.isfinite(qty) or qty <= 0:
		return None
	return qty


def check_materials(rows, known: Iterable[str] | None = None) -> list[dict]:
	"""The materials the phone sends, `[{"item": code, "qty": n}]`, checked and with duplicates merged
	(the same item twice is one row with the quantities added, in first-seen order). Each quantity > 0 and,
	merged, at most 999; at most 30 items. `known`: the item codes that may be used (others refused)."""
	if rows in (None, ""):
		return []
	if not isinstance(rows, list | tuple):
		raise FieldError(MATERIALS_NOT_LIST, field="materials")
	merged: dict[str, float] = {}
	for index, row in enumerate(rows, start=1):
		if not isinstance(row, dict):
			raise FieldError(MATERIALS_NOT_LIST, field="materials")
		item = row.get("item")
		item = item.strip() if isinstance(item, str) else ""
		if not item:
			raise FieldError(MATERIAL_ITEM_MISSING, index, field="materials")
		qty = _quantity(row.get("qty"))
		if qty is None:
			raise FieldError(MATERIAL_QTY_INVALID, index, field="materials")
		merged[item] = merged.get(item, 0.0) + qty
	if len(merged) > MAX_MATERIAL_ROWS:
		raise FieldError(MATERIALS_TOO_MANY, MAX_MATERIAL_ROWS, field="materials")
	for item, qty in merged.items():
		if qty > MAX_QTY:
			raise FieldError(MATERIAL_QTY_TOO_LARGE, item, _number(qty), MAX_QTY, field="materials")
	if known is not None:
		allowed = set(known)
		for item in merged:
			if item not in allowed:
				raise FieldError(MATERIAL_UNKNOWN, item, field="materials")
	return [{"item": item, "qty": qty} for item, qty in merged.items()]


def _number(qty: float) -> str:
	return str(int(qty)) if qty == int(qty) else f"{qty:g}"


LABOUR_HOURS_INVALID = "Labour Hours: give the hours worked, from 0 to {0}."
MAX_LABOUR_HOURS = 200


def check_labour_hours(value) -> float | None:
	"""Hours worked as sent (None when not sent); 0 to 200, a number."""
	if value in (None, ""):
		return None
	if isinstance(value, bool):
		raise FieldError(LABOUR_HOURS_INVALID, MAX_LABOUR_HOURS, field="labour_hours")
	try:
		hours = float(value)
	except (TypeError, ValueError):
		raise FieldError(LABOUR_HOURS_INVALID, MAX_LABOUR_HOURS, field="labour_hours") from None
	if not math.isfinite(hours) or not 0 <= hours <= MAX_LABOUR_HOURS:
		raise FieldError(LABOUR_HOURS_INVALID, MAX_LABOUR_HOURS, field="labour_hours")
	return hours


NOTES_MAX = 5000
NOTES_TOO_LONG = "Completion Notes: at most {0} characters."


def check_notes(value) -> str | None:
	"""Completion notes as sent (None when not sent), at most 5,000 characters."""
	if value is None:
		return None
	text = str(value).strip()
	if len(text) > NOTES_MAX:
		raise FieldError(NOTES_TOO_LONG, NOTES_MAX, field="completion_notes")
	return text


# ------------------------------------------------------------------ conflicts and replays
MODIFIED_MISSING = "The version of the order this change is based on is missing; reload the order."
CLIENT_ID_INVALID = "The phone's change id is not valid."
CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{7,63}")


def same_version(client_modified, server_modified) -> bool:
	"""Whether the phone's `modified` stamp is the order's current one (Frappe's own check, compared as
	timestamps so "2026-12-02 10:00:00.5" and "2026-12-02T10:00:00.500000" agree)."""
	if client_modified in (None, ""):
		raise FieldError(MODIFIED_MISSING, field="modified")
	client, server = as_datetime(client_modified), as_datetime(server_modified)
	if client is None or server is None:
		return str(client_modified).strip() == str(server_modified).strip()
	return client == server


def is_conflict(client_modified, server_modified) -> bool:
	"""A change based on an older (or different) version of the order: refused with 409, nothing written."""
	return not same_version(client_modified, server_modified)


def check_client_id(value) -> str | None:
	"""The phone's id of one queued change (a uuid): None when not sent; 8–64 letters, digits, - and _."""
	if value in (None, ""):
		return None
	if not isinstance(value, str) or not CLIENT_ID.fullmatch(value):
		raise FieldError(CLIENT_ID_INVALID, field="client_id")
	return value


CONFLICT_WHAT = (
	"{0} changed this order at {1} (now: {2}). Your change was not saved; check the order and try again."
)

# ------------------------------------------------------------------ one-time code
CODE_LENGTH = 6
CODE_TRIES = 5
CODE_MINUTES = 10
CODE_WRONG = "The code is not right. {0} tries left."
CODE_LOCKED = "Too many wrong codes: send a new code to the resident."
CODE_EXPIRED = "No valid code: send a code to the resident first (a code is valid for {0} minutes)."


def code_matches(expected: str | None, given) -> bool:
	"""Whether the typed code is the one sent (digits only, spaces ignored); constant-time compare."""
	if not expected or given is None:
		return False
	typed = re.sub(r"\s+", "", str(given))
	return len(typed) == len(expected) and hmac.compare_digest(typed.encode(), expected.encode())


FIELD_MESSAGES = (
	*TIME_LEFT_TEMPLATES,
	SIGNATURE_MISSING,
	SIGNATURE_NOT_PNG,
	SIGNATURE_TOO_LARGE,
	MATERIALS_NOT_LIST,
	MATERIALS_TOO_MANY,
	MATERIAL_ITEM_MISSING,
	MATERIAL_QTY_INVALID,
	MATERIAL_QTY_TOO_LARGE,
	MATERIAL_UNKNOWN,
	LABOUR_HOURS_INVALID,
	NOTES_TOO_LONG,
	MODIFIED_MISSING,
	CLIENT_ID_INVALID,
	CONFLICT_WHAT,
	CODE_WRONG,
	CODE_LOCKED,
	CODE_EXPIRED,
)
