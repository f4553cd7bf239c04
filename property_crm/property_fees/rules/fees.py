"""Fees and arrears (物业费 / 水电费 / 停车费): the arithmetic, without Frappe.

Amounts are `Decimal` in yuan, rounded to the fen (0.01). ERPNext keeps every amount that is billed
(Sales Invoice, Payment Entry, outstanding amounts); these rules only decide what to bill and when.

Decisions (where a property company's accountant would expect them):
- **Quantity × rate.** Area-based fees bill the area (m², 2 decimals) as the invoice line's quantity and the
  price per m² as its rate; the line amount is quantity × rate rounded half-up to the fen, as ERPNext rounds
  a line. Fixed fees bill 1 × rate; parking bills the number of spaces; metered fees bill the consumption.
- **Periods.** A run is for a month. A prepaid line bills the period that *starts* in that month; a postpaid
  line bills the period that *ended* just before it (last month's water, last quarter's…). Quarterly and
  yearly lines therefore bill only in their first month (Jan/Apr/Jul/Oct; January).
- **Proration by days.** Someone who pays for only part of a period (moved in or out in it) pays
  amount × days / days-in-period, rounded *down* to the fen, so the parts of a period never add up to more
  than the whole. A whole period is billed exactly. Metered fees are not prorated: they bill the reading.
- **Who pays** each day of a period: a tenant living there, when the unit's payer is "Tenant"; otherwise the
  primary owner (the owner row marked primary contact, else the first owner or co-owner) living there that
  day. Days with neither are not billed (a vacant unit without an owner on file).
- **Late fee (滞纳金)** on an invoice: for every day after the due date plus the grace period, the daily rate
  on what was still outstanding at the end of that day (a payment made on a day counts for that day), summed
  exactly, rounded half-up once, and capped (at most `cap_ratio` × the principal). A partial payment can
  therefore only lower it, never raise it.
- **Ageing** by days past the due date: Not Due, 0–30, 31–60, 61–90, 90+.
- **Reminder ladder**: friendly reminder → formal notice → final notice, by days overdue and a minimum gap
  after the previous notice.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from property_crm.errors import DomainError

BASES = ("Built-up Area", "Inner Area", "Fixed per Unit", "Per Parking Space", "Metered")
FREQUENCIES = ("Monthly", "Quarterly", "Yearly")
TIMINGS = ("Prepaid", "Postpaid")
OVERRIDE_KINDS = ("Rate", "Discount %", "Fixed Amount", "Exempt")
PAYER_CHOICES = ("Owner", "Tenant")
OWNER_RELATIONS = ("Owner", "Co-owner")
BUCKETS = ("Not Due", "0-30", "31-60", "61-90", "90+")
LEVELS = ("Friendly Reminder", "Formal Notice", "Final Notice")
MONTHS_PER = {"Monthly": 1, "Quarterly": 3, "Yearly": 12}

CENT = Decimal("0.01")
ZERO = Decimal("0")

# Message templates (English, translated on the Frappe side; every one is in translations/zh.csv).
METER_LOWER = (
	"Current Reading: {0} is lower than the previous reading {1}; mark the row as a meter change or a "
	"rollover if the meter was replaced or turned over."
)
METER_ROLLOVER_DIGITS = "Meter Digits: a rollover needs the number of digits of the meter (1 to 12)."
METER_NEGATIVE = "{0}: a meter reading cannot be negative."
RATE_NEGATIVE = "Rate: {0} cannot be negative."
OVERRIDE_KIND = "Kind: choose one of {0}."
DISCOUNT_RANGE = "Value: a discount is a percentage between 0 and 100, not {0}."
DATES_ORDER = "{0}: the end date {1} is before the start date {2}."
FEE_MESSAGES = (
	OVERRIDE_KIND,
	METER_LOWER,
	METER_ROLLOVER_DIGITS,
	METER_NEGATIVE,
	RATE_NEGATIVE,
	DISCOUNT_RANGE,
	DATES_ORDER,
)


class FeeError(DomainError):
	"""A broken fee rule; its templates are listed in FEE_MESSAGES."""


def money(value) -> Decimal:
	"""Round half-up to the fen, as ERPNext rounds an invoice line."""
	return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _dec(value) -> Decimal:
	return value if isinstance(value, Decimal) else Decimal(str(value or 0))


# ------------------------------------------------------------------ periods
@dataclass(frozen=True)
class Period:
	start: date
	end: date  # inclusive
	frequency: str = "Monthly"

	@property
	def days(self) -> int:
		return (self.end - self.start).days + 1

	@property
	def key(self) -> str:
		"""2026-03, 2026-Q2, 2026: the period's name on invoice lines and in the no-double-billing key."""
		if self.frequency == "Quarterly":
			return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
		if self.frequency == "Yearly":
			return f"{self.start.year}"
		return f"{self.start.year}-{self.start.month:02d}"


def month_start(day: date) -> date:
	return day.replace(day=1)


def add_months(day: date, months: int) -> date:
	"""The first day of the month `months` after `day`'s month."""
	index = day.year * 12 + day.month - 1 + months
	return date(index // 12, index % 12 + 1, 1)


def period_starting(start: date, frequency: str) -> Period:
	end = add_months(start, MONTHS_PER[frequency]) - timedelta(days=1)
	return Period(start, end, frequency)


def billed_period(run_month: date, frequency: str, timing: str) -> Period | None:
	"""The period a run for `run_month` bills for a line, or None when the line is not due that month."""
	if frequency not in MONTHS_PER or timing not in TIMINGS:
		raise ValueError(f"unknown frequency/timing {frequency}/{timing}")
	month = month_start(run_month)
	step = MONTHS_PER[frequency]
	if (month.month - 1) % step:
		return None  # quarterly and yearly lines bill in the first month of their period only
	start = month if timing == "Prepaid" else add_months(month, -step)
	return period_starting(start, frequency)


def in_effect(period: Period, effective_from: date | None, effective_to: date | None) -> bool:
	"""A schedule line applies to a period when its effective dates overlap it."""
	return (effective_from is None or effective_from <= period.end) and (
		effective_to is None or period.start <= effective_to
	)


# ------------------------------------------------------------------ amounts
def quantity(
	basis: str,
	built_up_area: float | None = None,
	inner_area: float | None = None,
	spaces: int | None = None,
	consumption: float | None = None,
) -> Decimal:
	"""The invoice line's quantity for a basis (m², 1, spaces, consumption), 2 decimals."""
	value = {
		"Built-up Area": built_up_area,
		"Inner Area": inner_area,
		"Fixed per Unit": 1,
		"Per Parking Space": spaces,
		"Metered": consumption,
	}.get(basis, None)
	if basis not in BASES:
		raise ValueError(f"unknown basis {basis}")
	return money(value or 0)


def line_amount(qty: Decimal, rate) -> Decimal:
	if _dec(rate) < 0:
		raise FeeError(RATE_NEGATIVE, str(rate), field="rate")
	return money(_dec(qty) * _dec(rate))


@dataclass(frozen=True)
class Override:
	"""A unit-level change of one fee: a different rate, a discount, a fixed amount, or no fee at all."""

	kind: str
	value: Decimal = ZERO


def validate_override(kind: str, value) -> None:
	if kind not in OVERRIDE_KINDS:
		raise FeeError(OVERRIDE_KIND, ", ".join(OVERRIDE_KINDS), field="kind")
	value = _dec(value)
	if kind == "Discount %" and not ZERO <= value <= 100:
		raise FeeError(DISCOUNT_RANGE, str(value), field="value")
	if kind in ("Rate", "Fixed Amount") and value < 0:
		raise FeeError(RATE_NEGATIVE, str(value), field="value")


def charge(qty: Decimal, rate, override: Override | None = None) -> tuple[Decimal, Decimal, Decimal]:
	"""(qty, rate, amount) of a full period after the unit's override, if any."""
	rate = _dec(rate)
	if override is None:
		return qty, rate, line_amount(qty, rate)
	if override.kind == "Exempt":
		return qty, ZERO, ZERO
	if override.kind == "Rate":
		return qty, _dec(override.value), line_amount(qty, override.value)
	if override.kind == "Fixed Amount":
		return Decimal(1), money(override.value), money(override.value)
	# Discount %: the discounted amount, rounded half-up; the rate shown is the amount per unit of qty
	amount = money(line_amount(qty, rate) * (100 - _dec(override.value)) / 100)
	return qty, rate, amount


def prorate(amount, period: Period, start: date, end: date) -> Decimal:
	"""The share of a full period's amount for the days start…end (inclusive) inside it, rounded down."""
	start, end = max(start, period.start), min(end, period.end)
	if end < start:
		return ZERO
	days = (end - start).days + 1
	if days == period.days:
		return money(amount)
	return (_dec(amount) * days / period.days).quantize(CENT, ROUND_DOWN)


# ------------------------------------------------------------------ who pays
@dataclass(frozen=True)
class Share:
	"""Who pays which days of a period."""

	resident: str
	start: date
	end: date

	@property
	def days(self) -> int:
		return (self.end - self.start).days + 1


def _lives(row: dict, day: date) -> bool:
	return (row.get("move_in") or date.min) <= day <= (row.get("move_out") or date.max)


def payer_on(day: date, occupants: list[dict], choice: str = "Owner") -> str | None:
	"""The resident who pays for `day`: a tenant living there if the unit's payer is Tenant, else the
	primary owner living there. `occupants`: rows with resident, relation, move_in, move_out, primary_contact,
	in the unit's order."""
	here = [row for row in occupants if _lives(row, day)]
	if choice == "Tenant":
		tenants = [row for row in here if row.get("relation") == "Tenant"]
		if tenants:
			return min(tenants, key=lambda r: r.get("move_in") or date.min)["resident"]
	owners = [row for row in here if row.get("relation") in OWNER_RELATIONS]
	if not owners:
		return None
	primary = [row for row in owners if row.get("primary_contact")]
	owners_first = [row for row in owners if row.get("relation") == "Owner"]
	return (primary or owners_first or owners)[0]["resident"]


def payer_shares(period: Period, occupants: list[dict], choice: str = "Owner") -> list[Share]:
	"""The period split into consecutive runs of days with the same payer (days nobody pays are left out).

	Only days where the occupancy changes are examined, so a yearly period costs no more than a month."""
	edges = {period.start}
	for row in occupants:
		for day in (row.get("move_in"), row.get("move_out") and row["move_out"] + timedelta(days=1)):
			if day and period.start < day <= period.end:
				edges.add(day)
	starts = sorted(edges)
	shares: list[Share] = []
	for i, start in enumerate(starts):
		end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else period.end
		resident = payer_on(start, occupants, choice)
		if resident is None:
			continue
		if shares and shares[-1].resident == resident and shares[-1].end + timedelta(days=1) == start:
			shares[-1] = Share(resident, shares[-1].start, end)
		else:
			shares.append(Share(resident, start, end))
	return shares


# ------------------------------------------------------------------ late fees
@dataclass(frozen=True)
class LateFee:
	amount: Decimal
	days: int  # days charged
	capped: bool


def late_fee(
	principal,
	due_date: date,
	as_of: date,
	payments: Iterable[tuple[date, object]],
	daily_rate,
	grace_days: int = 0,
	cap_ratio=Decimal(1),
) -> LateFee:
	"""The late fee of one invoice on `as_of`: Σ over each day d in (due + grace, as_of] of the amount still
	outstanding at the end of d × `daily_rate` (e.g. 0.0005 = 万分之五 a day), rounded half-up once and
	capped at `cap_ratio` × principal (None: no cap). Payments are (date, amount); credits of any kind
	count the same."""
	principal, rate = _dec(principal), _dec(daily_rate)
	if rate < 0:
		raise FeeError(RATE_NEGATIVE, str(daily_rate), field="daily_rate")
	first = due_date + timedelta(days=max(0, int(grace_days)) + 1)
	if as_of < first or principal <= 0:
		return LateFee(ZERO, 0, False)
	# outstanding changes only on payment days: sum over the stretches between them
	paid_by: dict[date, Decimal] = {}
	for day, amount in payments:
		paid_by[day] = paid_by.get(day, ZERO) + _dec(amount)
	outstanding = principal - sum((a for d, a in paid_by.items() if d < first), ZERO)
	total, days, day = ZERO, 0, first
	for change in sorted(d for d in paid_by if first <= d <= as_of):
		if change > day:  # the days before this payment day, at the current outstanding
			span = (change - day).days
			if outstanding > 0:
				total += outstanding * rate * span
				days += span
			day = change
		outstanding -= paid_by[change]  # a payment on a day counts for that day
	span = (as_of - day).days + 1
	if outstanding > 0 and span > 0:
		total += outstanding * rate * span
		days += span
	amount = money(total)
	if cap_ratio is not None:
		cap = (principal * _dec(cap_ratio)).quantize(CENT, ROUND_DOWN)
		if amount > cap:
			return LateFee(cap, days, True)
	return LateFee(amount, days, False)


def split(amount, weights: Sequence) -> list[Decimal]:
	"""`amount` (to the fen) over lines in proportion to `weights` (e.g. each unit's part of a bill), by
	largest remainder: the parts add up to the amount exactly and each is within a fen of its exact share.
	Weights that are all zero share alike."""
	amount = money(amount)
	weights = [max(_dec(w), ZERO) for w in weights]
	if not weights:
		return []
	total = sum(weights, ZERO)
	if total == 0:
		weights, total = [Decimal(1)] * len(weights), Decimal(len(weights))
	cents = int(amount / CENT)
	exact = [Decimal(cents) * w / total for w in weights]
	parts = [int(e) for e in exact]  # toward zero; the remainder's fen go to the largest fractions
	order = sorted(range(len(exact)), key=lambda i: (-(abs(exact[i] - parts[i])), i))
	step = 1 if cents >= 0 else -1
	for i in order[: abs(cents - sum(parts))]:
		parts[i] += step
	return [Decimal(p) * CENT for p in parts]


# ------------------------------------------------------------------ arrears
def sole(values: Sequence) -> str | None:
	"""The one value all of `values` are, or None when they differ, one is empty or there are none: an
	invoice's unit is the unit of every one of its lines (a bill of several units, or with a line of no
	unit, has none), and its building likewise."""
	found = set(values)
	return found.pop() if len(found) == 1 and None not in found and "" not in found else None


def ageing_bucket(due_date: date, as_of: date) -> str:
	overdue = (as_of - due_date).days
	if overdue <= 0:
		return "Not Due"
	if overdue <= 30:
		return "0-30"
	if overdue <= 60:
		return "31-60"
	if overdue <= 90:
		return "61-90"
	return "90+"


@dataclass(frozen=True)
class Ladder:
	"""Days overdue (oldest unpaid bill) that open each level, and the least days after the last notice."""

	starts: tuple[int, int, int] = (15, 45, 75)
	gap: int = 14


def reminder_level(
	days_overdue: int, last_level: int, days_since_last: int | None, ladder: Ladder = Ladder()
) -> int | None:
	"""The level (1 friendly, 2 formal, 3 final) of the notice due now, or None.

	One step at a time (a formal notice only after a friendly one), never twice the same level, never more
	often than `ladder.gap` days, never above the final notice."""
	level = last_level + 1
	if level > len(LEVELS) or days_overdue < ladder.starts[level - 1]:
		return None
	if last_level and days_since_last is not None and days_since_last < ladder.gap:
		return None
	return level


# ------------------------------------------------------------------ meters
def consumption(
	previous,
	current,
	meter_change: bool = False,
	rollover: bool = False,
	digits: int | None = None,
	old_meter_final=None,
) -> Decimal:
	"""What was used between two readings. Lower than before only for a meter change (the new meter counts
	from zero; the old meter's last reading, if given, adds what it counted since the previous reading) or
	a rollover (the meter passed 10^digits and started again)."""
	previous, current = _dec(previous), _dec(current)
	for label, value in (("Previous Reading", previous), ("Current Reading", current)):
		if value < 0:
			raise FeeError(METER_NEGATIVE, label, field="current_reading")
	if meter_change:
		before = _dec(old_meter_final) - previous if old_meter_final is not None else ZERO
		return money(max(before, ZERO) + current)
	if current >= previous:
		return money(current - previous)
	if rollover:
		if not digits or not 1 <= int(digits) <= 12:
			raise FeeError(METER_ROLLOVER_DIGITS, field="meter_digits")
		return money(Decimal(10) ** int(digits) - previous + current)
	raise FeeError(METER_LOWER, str(current), str(previous), field="current_reading")


def check_dates(label: str, start: date | None, end: date | None) -> None:
	if start and end and end < start:
		raise FeeError(DATES_ORDER, label, end.isoformat(), start.isoformat(), field="effective_to")


def days_in_month(day: date) -> int:
	return calendar.monthrange(day.year, day.month)[1]
