"""Fee arithmetic (domain/fees.py): amounts per basis, periods, proration, payers, late fees, ageing, ladder."""

import csv
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from property_crm.property_fees.rules import fees
from property_crm.property_fees.rules.fees import Override, Period

D = Decimal
money_st = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
days_st = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


# ------------------------------------------------------------------ amounts per basis
def test_quantity_per_basis():
	assert fees.quantity("Built-up Area", built_up_area=98.456) == D("98.46")
	assert fees.quantity("Inner Area", built_up_area=98.5, inner_area=80.2) == D("80.20")
	assert fees.quantity("Fixed per Unit") == D("1.00")
	assert fees.quantity("Per Parking Space", spaces=2) == D("2.00")
	assert fees.quantity("Metered", consumption=12.5) == D("12.50")
	assert fees.quantity("Inner Area", built_up_area=98.5) == D("0.00")  # no inner area: nothing to bill
	with pytest.raises(ValueError):
		fees.quantity("Per Window")


def test_line_amount_rounds_half_up_to_the_fen():
	assert fees.line_amount(D("98.50"), D("2.35")) == D("231.48")  # 231.475
	assert fees.line_amount(D("1"), "0.005") == D("0.01")
	with pytest.raises(fees.FeeError) as e:
		fees.line_amount(D("1"), -1)
	assert e.value.message == fees.RATE_NEGATIVE


def test_overrides():
	qty = D("100.00")
	assert fees.charge(qty, D("2.5")) == (qty, D("2.5"), D("250.00"))
	assert fees.charge(qty, D("2.5"), Override("Rate", D("2"))) == (qty, D("2"), D("200.00"))
	assert fees.charge(qty, D("2.5"), Override("Discount %", D("10")))[2] == D("225.00")
	assert fees.charge(qty, D("2.5"), Override("Fixed Amount", D("180")))[2] == D("180.00")
	assert fees.charge(qty, D("2.5"), Override("Exempt"))[2] == D("0")
	with pytest.raises(fees.FeeError):
		fees.validate_override("Discount %", 120)
	with pytest.raises(fees.FeeError):
		fees.validate_override("Rate", -1)
	fees.validate_override("Exempt", 0)


@given(qty=st.decimals(min_value=0, max_value=1000, places=2), rate=money_st, pct=st.integers(0, 100))
def test_a_discount_never_costs_more(qty, rate, pct):
	full = fees.charge(qty, rate)[2]
	discounted = fees.charge(qty, rate, Override("Discount %", D(pct)))[2]
	assert D(0) <= discounted <= full


# ------------------------------------------------------------------ periods
def test_billed_period_prepaid_and_postpaid():
	march = date(2026, 3, 17)
	assert fees.billed_period(march, "Monthly", "Prepaid") == Period(date(2026, 3, 1), date(2026, 3, 31))
	assert fees.billed_period(march, "Monthly", "Postpaid") == Period(date(2026, 2, 1), date(2026, 2, 28))
	assert fees.billed_period(march, "Quarterly", "Prepaid") is None
	april = fees.billed_period(date(2026, 4, 1), "Quarterly", "Prepaid")
	assert (april.start, april.end, april.key) == (date(2026, 4, 1), date(2026, 6, 30), "2026-Q2")
	q1 = fees.billed_period(date(2026, 4, 1), "Quarterly", "Postpaid")
	assert (q1.start, q1.end, q1.key) == (date(2026, 1, 1), date(2026, 3, 31), "2026-Q1")
	last_year = fees.billed_period(date(2026, 1, 5), "Yearly", "Postpaid")
	assert (last_year.start, last_year.end, last_year.key) == (date(2025, 1, 1), date(2025, 12, 31), "2025")
	assert fees.billed_period(date(2026, 2, 1), "Yearly", "Prepaid") is None
	assert fees.billed_period(date(2026, 1, 1), "Monthly", "Postpaid").key == "2025-12"


@given(day=days_st, frequency=st.sampled_from(fees.FREQUENCIES), timing=st.sampled_from(fees.TIMINGS))
def test_every_month_of_a_period_is_billed_exactly_once(day, frequency, timing):
	"""Over consecutive runs, the periods billed for a line tile the calendar without gaps or overlaps."""
	billed = [fees.billed_period(fees.add_months(day, i), frequency, timing) for i in range(24)]
	periods = [p for p in billed if p]
	assert len(periods) == 24 // fees.MONTHS_PER[frequency]
	for a, b in pairwise(periods):
		assert b.start == a.end + timedelta(days=1)
	assert len({p.key for p in periods}) == len(periods)


def test_in_effect():
	march = fees.period_starting(date(2026, 3, 1), "Monthly")
	assert fees.in_effect(march, None, None)
	assert fees.in_effect(march, date(2026, 3, 31), None)
	assert not fees.in_effect(march, date(2026, 4, 1), None)
	assert not fees.in_effect(march, None, date(2026, 2, 28))


# ------------------------------------------------------------------ proration
def test_prorate_by_days():
	march = fees.period_starting(date(2026, 3, 1), "Monthly")
	assert fees.prorate(D("310"), march, date(2026, 3, 1), date(2026, 3, 31)) == D("310.00")
	assert fees.prorate(D("310"), march, date(2026, 3, 17), date(2026, 4, 30)) == D("150.00")
	assert fees.prorate(D("100"), march, date(2026, 3, 1), date(2026, 3, 1)) == D("3.22")  # 3.2258 down
	assert fees.prorate(D("100"), march, date(2026, 4, 1), date(2026, 4, 2)) == D("0")


@given(
	amount=money_st,
	start=days_st,
	frequency=st.sampled_from(fees.FREQUENCIES),
	cuts=st.lists(st.integers(1, 365), max_size=5),
)
def test_proration_parts_never_exceed_the_whole(amount, start, frequency, cuts):
	period = fees.period_starting(start.replace(day=1), frequency)
	edges = sorted({period.start} | {period.start + timedelta(days=c) for c in cuts if c < period.days})
	parts = [
		fees.prorate(
			amount, period, s, (edges[i + 1] - timedelta(days=1)) if i + 1 < len(edges) else period.end
		)
		for i, s in enumerate(edges)
	]
	assert sum(parts) <= money(amount)
	assert money(amount) - sum(parts) < D("0.01") * len(parts)  # at most a fen lost per part
	assert all(p >= 0 for p in parts)


def money(value):
	return fees.money(value)


# ------------------------------------------------------------------ who pays
def row(resident, relation="Owner", move_in=None, move_out=None, primary=0):
	return {
		"resident": resident,
		"relation": relation,
		"move_in": move_in,
		"move_out": move_out,
		"primary_contact": primary,
	}


MARCH = fees.period_starting(date(2026, 3, 1), "Monthly")


def test_owner_pays_the_whole_month():
	shares = fees.payer_shares(MARCH, [row("OWN", move_in=date(2020, 1, 1))])
	assert shares == [fees.Share("OWN", date(2026, 3, 1), date(2026, 3, 31))]


def test_tenant_pays_their_days_when_the_unit_says_so():
	occupants = [
		row("OWN", move_in=date(2020, 1, 1)),
		row("TEN", "Tenant", move_in=date(2026, 3, 11)),
	]
	assert [(s.resident, s.days) for s in fees.payer_shares(MARCH, occupants, "Tenant")] == [
		("OWN", 10),
		("TEN", 21),
	]
	assert [(s.resident, s.days) for s in fees.payer_shares(MARCH, occupants, "Owner")] == [("OWN", 31)]


def test_owner_sells_mid_month_and_vacant_days_are_not_billed():
	occupants = [
		row("OLD", move_in=date(2020, 1, 1), move_out=date(2026, 3, 9)),
		row("NEW", move_in=date(2026, 3, 20)),
	]
	shares = fees.payer_shares(MARCH, occupants)
	assert [(s.resident, s.start.day, s.end.day) for s in shares] == [("OLD", 1, 9), ("NEW", 20, 31)]


def test_primary_owner_pays_among_co_owners():
	occupants = [
		row("CO", "Co-owner", move_in=date(2020, 1, 1)),
		row("OWN", move_in=date(2020, 1, 1)),
		row("FAM", "Family Member", move_in=date(2020, 1, 1), primary=1),
	]
	assert fees.payer_on(date(2026, 3, 5), occupants) == "OWN"
	occupants[0]["primary_contact"] = 1
	assert fees.payer_on(date(2026, 3, 5), occupants) == "CO"
	assert fees.payer_on(date(2026, 3, 5), [row("FAM", "Family Member")]) is None


occupancy_st = st.lists(
	st.tuples(
		st.sampled_from(["A", "B", "C"]),
		st.sampled_from(["Owner", "Co-owner", "Tenant", "Family Member"]),
		st.integers(-40, 40),
		st.integers(0, 60),
		st.booleans(),
	),
	max_size=5,
)


@given(occupancy=occupancy_st, choice=st.sampled_from(fees.PAYER_CHOICES), amount=money_st)
def test_shares_cover_each_day_at_most_once_and_never_bill_more_than_the_period(occupancy, choice, amount):
	occupants = [
		row(
			r, rel, MARCH.start + timedelta(days=a), MARCH.start + timedelta(days=a + length) if out else None
		)
		for r, rel, a, length, out in occupancy
	]
	shares = fees.payer_shares(MARCH, occupants, choice)
	days = [s.start + timedelta(days=i) for s in shares for i in range(s.days)]
	assert len(days) == len(set(days)) <= MARCH.days
	for s in shares:
		assert (
			fees.payer_on(s.start, occupants, choice) == s.resident == fees.payer_on(s.end, occupants, choice)
		)
	assert sum(fees.prorate(amount, MARCH, s.start, s.end) for s in shares) <= money(amount)


# ------------------------------------------------------------------ late fees
DUE = date(2026, 3, 15)


def test_late_fee_day_by_day_with_grace_and_partial_payment():
	# 1,000 due 15 March, 万分之五 a day, 5 days' grace: charged from 21 March
	assert fees.late_fee(1000, DUE, date(2026, 3, 20), [], D("0.0005"), 5).amount == D("0")
	assert fees.late_fee(1000, DUE, date(2026, 3, 21), [], D("0.0005"), 5) == fees.LateFee(
		D("0.50"), 1, False
	)
	# 10 days on 1,000 (21–30 March), then 600 paid on 31 March: 11 days (31 March – 10 April) on 400
	fee = fees.late_fee(1000, DUE, date(2026, 4, 10), [(date(2026, 3, 31), 600)], D("0.0005"), 5)
	assert fee == fees.LateFee(D("7.20"), 21, False)  # 10 × 0.5 + 11 × 0.2
	# paid in full on 25 March: 4 days, nothing after
	fee = fees.late_fee(1000, DUE, date(2026, 12, 31), [(date(2026, 3, 25), 1000)], D("0.0005"), 5)
	assert fee == fees.LateFee(D("2.00"), 4, False)
	# a payment before the grace ends counts from the start
	fee = fees.late_fee(1000, DUE, date(2026, 3, 21), [(date(2026, 3, 16), 500)], D("0.0005"), 5)
	assert fee.amount == D("0.25")


def test_late_fee_cap():
	fee = fees.late_fee(100, DUE, date(2036, 3, 15), [], D("0.01"), 0)
	assert fee == fees.LateFee(D("100.00"), fee.days, True)
	assert fees.late_fee(100, DUE, date(2036, 3, 15), [], D("0.01"), 0, cap_ratio=D("0.3")).amount == D(
		"30.00"
	)
	assert fees.late_fee(100, DUE, date(2027, 3, 15), [], D("0.01"), 0, cap_ratio=None).amount == D("365.00")


payments_st = st.lists(
	st.tuples(st.integers(-10, 200), st.decimals(min_value=D("0.01"), max_value=D("2000"), places=2)),
	max_size=6,
)


@settings(max_examples=300)
@given(
	principal=money_st,
	payments=payments_st,
	extra=st.tuples(st.integers(-10, 200), st.decimals(min_value=D("0.01"), max_value=D("2000"), places=2)),
	grace=st.integers(0, 30),
	rate=st.decimals(min_value=0, max_value=D("0.01"), places=5),
	horizon=st.integers(0, 400),
	cap=st.sampled_from([None, D("1"), D("0.3")]),
)
def test_a_partial_payment_never_makes_the_late_fee_larger(
	principal, payments, extra, grace, rate, horizon, cap
):
	as_of = DUE + timedelta(days=horizon)
	paid = [(DUE + timedelta(days=d), a) for d, a in payments]
	before = fees.late_fee(principal, DUE, as_of, paid, rate, grace, cap)
	after = fees.late_fee(
		principal, DUE, as_of, [*paid, (DUE + timedelta(days=extra[0]), extra[1])], rate, grace, cap
	)
	assert after.amount <= before.amount
	# and waiting longer never lowers it
	later = fees.late_fee(principal, DUE, as_of + timedelta(days=1), paid, rate, grace, cap)
	assert later.amount >= before.amount


@settings(max_examples=300)
@given(
	principal=money_st,
	payments=payments_st,
	rate=st.decimals(min_value=0, max_value=D("0.05"), places=5),
	horizon=st.integers(0, 2000),
	cap=st.sampled_from([D("1"), D("0.5"), D("0.1")]),
)
def test_the_cap_holds_and_matches_a_naive_day_by_day_sum(principal, payments, rate, horizon, cap):
	as_of = DUE + timedelta(days=horizon)
	paid = [(DUE + timedelta(days=d), a) for d, a in payments]
	fee = fees.late_fee(principal, DUE, as_of, paid, rate, 3, cap)
	assert fee.amount <= principal * cap
	# the stretch arithmetic equals the plain loop over every day
	total, day = D(0), DUE + timedelta(days=4)
	while day <= as_of:
		outstanding = principal - sum((a for d, a in paid if d <= day), D(0))
		total += max(outstanding, D(0)) * rate
		day += timedelta(days=1)
	assert fee.amount == min(money(total), (principal * cap).quantize(D("0.01"), rounding="ROUND_DOWN"))


# ------------------------------------------------------------------ ageing and the ladder
def test_an_invoice_has_a_unit_only_when_every_line_is_of_that_unit():
	assert fees.sole(["U-1", "U-1", "U-1"]) == "U-1"
	assert fees.sole(["U-1"]) == "U-1"
	assert fees.sole(["U-1", "U-2"]) is None  # a bill of two units
	assert fees.sole(["U-1", None]) is None  # a line of no unit: not all of it is the unit's
	assert fees.sole(["U-1", ""]) is None
	assert fees.sole([]) is None


@given(st.lists(st.sampled_from(["U-1", "U-2", None]), max_size=6))
def test_an_invoices_unit_is_every_lines_unit(units):
	one = fees.sole(units)
	assert (one is not None) == (
		len(units) > 0 and all(u == units[0] for u in units) and units[0] is not None
	)
	assert one is None or all(u == one for u in units)


def test_ageing_buckets():
	as_of = date(2026, 6, 30)
	for days, bucket in ((-3, "Not Due"), (0, "Not Due"), (1, "0-30"), (30, "0-30"), (31, "31-60"),
		(60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+"), (900, "90+")):  # fmt: skip
		assert fees.ageing_bucket(as_of - timedelta(days=days), as_of) == bucket


def test_reminder_ladder_one_step_at_a_time():
	assert fees.reminder_level(10, 0, None) is None
	assert fees.reminder_level(15, 0, None) == 1
	assert fees.reminder_level(200, 0, None) == 1  # never skips the friendly reminder
	assert fees.reminder_level(50, 1, 5) is None  # too soon after the last notice
	assert fees.reminder_level(50, 1, 14) == 2
	assert fees.reminder_level(40, 1, 30) is None  # not overdue enough for a formal notice
	assert fees.reminder_level(80, 2, 20) == 3
	assert fees.reminder_level(500, 3, 100) is None  # the final notice is final


@given(days=st.lists(st.integers(0, 30), min_size=1, max_size=60))
def test_ladder_climbs_in_order_with_gaps(days):
	"""Run daily with some days' gaps: levels come 1, 2, 3 in order, at least `gap` days apart."""
	overdue, level, last, sent = 0, 0, None, []
	for step in days:
		overdue += step
		since = None if last is None else overdue - last
		new = fees.reminder_level(overdue, level, since)
		if new:
			sent.append((new, overdue))
			level, last = new, overdue
	assert [lvl for lvl, _ in sent] == list(range(1, len(sent) + 1))
	for (_, a), (_, b) in pairwise(sent):
		assert b - a >= fees.Ladder().gap


# ------------------------------------------------------------------ meters
def test_meter_consumption():
	assert fees.consumption(100, 130.5) == D("30.50")
	with pytest.raises(fees.FeeError) as e:
		fees.consumption(100, 90)
	assert e.value.message == fees.METER_LOWER and e.value.field == "current_reading"
	assert fees.consumption(9990, 15, rollover=True, digits=4) == D("25.00")
	with pytest.raises(fees.FeeError):
		fees.consumption(9990, 15, rollover=True)
	assert fees.consumption(9990, 15, meter_change=True) == D("15.00")
	assert fees.consumption(9990, 15, meter_change=True, old_meter_final=9995) == D("20.00")
	with pytest.raises(fees.FeeError):
		fees.consumption(-1, 5)


@given(previous=st.integers(0, 9999), used=st.integers(0, 9999))
def test_rollover_recovers_the_consumption(previous, used):
	current = (previous + used) % 10_000
	assert fees.consumption(previous, current, rollover=current < previous, digits=4) == D(used)


def test_fee_messages_are_translated():
	catalogue = Path(fees.__file__).resolve().parents[2] / "translations" / "zh.csv"
	with open(catalogue, encoding="utf-8", newline="") as fh:
		zh = {r[0]: r[1] for r in csv.reader(fh) if r}
	assert not [m for m in fees.FEE_MESSAGES if not zh.get(m)]


# ------------------------------------------------------------------ the demo's payment habits
def test_demo_payments_never_in_the_future_and_never_more_than_the_bill():
	import random

	from property_crm.demo.generate import fees as demo_fees

	rng = random.Random(7)
	today = date(2026, 11, 23)
	for month in range(24):
		posting = fees.add_months(date(2024, 12, 1), month)
		for habit in demo_fees.HABITS:
			paid = demo_fees.payments(rng, posting, posting + timedelta(days=15), today, habit)
			assert all(p.on <= today and p.on >= posting for p in paid)
			assert sum(p.share for p in paid) <= 1.0 + 1e-9
	assert demo_fees.payments(rng, date(2026, 11, 1), date(2026, 11, 16), today, "unpaid") == []


# ------------------------------------------------------------------ a late fee over a bill's units
def test_split_a_late_fee_over_units_in_proportion():
	# a bill of 300.00 for unit A and 100.00 for unit B: its 10.01 late fee is 7.51 + 2.50
	assert fees.split(Decimal("10.01"), [Decimal(300), Decimal(100)]) == [Decimal("7.51"), Decimal("2.50")]
	assert fees.split(Decimal("0.02"), [1, 1, 1]) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]
	assert fees.split(Decimal("5"), [0, 0]) == [Decimal("2.50"), Decimal("2.50")]
	assert fees.split(Decimal("5"), []) == []


@given(
	amount=st.decimals(min_value=-10000, max_value=10000, places=2),
	weights=st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=12),
)
def test_split_parts_add_up_exactly_and_stay_within_a_fen(amount, weights):
	parts = fees.split(amount, weights)
	assert len(parts) == len(weights)
	assert sum(parts, Decimal(0)) == amount
	total = sum(weights, Decimal(0))
	for part, weight in zip(parts, weights, strict=True):
		exact = amount * weight / total if total else amount / len(weights)
		assert abs(part - exact) < Decimal("0.01")
		assert part == part.quantize(Decimal("0.01"))


def test_demo_water_meters_run_on_from_month_to_month():
	from property_crm.demo.generate import fees as demo_fees

	rng = __import__("random").Random(7)
	months = [date(2025, m, 1) for m in range(1, 13)]
	rows = demo_fees.meter_months(rng, months, 3, D("1234.5"))
	assert [r[0] for r in rows] == months
	assert rows[0][1] == D("1234.5")
	for (_m, _prev, current, _used), (_n, previous, _cur, _u) in pairwise(rows):
		assert previous == current  # each month starts where the last ended
	assert all(cur - prev == used and used > 0 for _m, prev, cur, used in rows)
	# three people use more in July than in January, and an empty home next to nothing
	july, january = rows[6][3], rows[0][3]
	assert D("6.4") <= january <= D("9.8") and D("9.0") <= july <= D("13.5")
	empty = demo_fees.meter_months(rng, months, 0, D("0"))
	assert all(used <= D("0.6") for *_r, used in empty)


def test_the_demo_portal_residents_leave_the_last_three_months_to_pay_online():
	import random

	from property_crm.demo.generate import fees as demo_fees

	rng = random.Random(3)
	today = date(2026, 12, 2)
	unpaid = [
		month
		for month in range(25)
		if not demo_fees.payments(
			rng,
			fees.add_months(date(2024, 12, 1), month),
			fees.add_months(date(2024, 12, 16), month),
			today,
			demo_fees.BEHIND,
		)
	]
	# 2026-10 and 2026-11 overdue, 2026-12 not yet due: everything before paid
	assert unpaid == [22, 23, 24]
