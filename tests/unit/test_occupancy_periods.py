"""The occupancy-period rule: who sees which of a unit's records (property_households.rules.occupancy_periods)."""

from datetime import date, datetime, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from property_crm.property_households.rules.occupancy_periods import Reach, Window, lives_there, reach, window

D = date
TODAY = D(2025, 3, 15)
UNITS = ("A01-2-1203", "A01-2-1204", "B02-1-101")
PEOPLE = ("DA-A", "DA-B", "DA-C")


def stay(unit, move_in, move_out=None):
	return {"unit": unit, "move_in": move_in, "move_out": move_out}


def at(day: date, hour: int = 12, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
	return datetime.combine(day, time(hour, minute, second, micro))


def sees(who: str, rows, unit, requester, created, on=TODAY) -> bool:
	return reach(who, rows, on).sees(unit, requester, created)


# --- the case and the decisions, by example --------------------------------------------------

U = UNITS[0]


def test_new_owner_does_not_see_previous_tenants_orders():
	tenant_c = [stay(U, D(2023, 1, 1), D(2024, 12, 31))]
	owner_a = [stay(U, D(2025, 1, 1))]
	c_order = (U, "DA-C", at(D(2024, 6, 10)))
	a_order = (U, "DA-A", at(D(2025, 2, 1)))
	assert not sees("DA-A", owner_a, *c_order)
	assert sees("DA-A", owner_a, *a_order)
	# C moved out: keeps their own order, loses the unit's (A's order) …
	assert sees("DA-C", tenant_c, *c_order)
	assert not sees("DA-C", tenant_c, *a_order)
	# … and also the records of the unit from their own time that someone else filed
	assert not sees("DA-C", tenant_c, U, None, at(D(2024, 6, 11)))
	assert not sees("DA-C", tenant_c, U, "DA-X", at(D(2024, 6, 11)))
	# while C lived there, C saw the household's records of their time, not older ones
	on = D(2024, 7, 1)
	assert sees("DA-C", tenant_c, U, "DA-X", at(D(2024, 6, 11)), on=on)
	assert sees("DA-C", tenant_c, U, None, at(D(2023, 1, 1), 0, 0), on=on)
	assert not sees("DA-C", tenant_c, U, "DA-X", at(D(2022, 12, 31), 23, 59, 59, 999_999), on=on)


def test_people_living_there_at_the_same_time_share_the_household_records():
	owner = [stay(U, D(2020, 1, 1))]
	spouse = [stay(U, D(2020, 1, 1))]
	child = [stay(U, D(2023, 9, 1))]  # joined later
	spouse_order = (U, "DA-B", at(D(2024, 5, 5)))
	assert sees("DA-A", owner, *spouse_order)
	assert sees("DA-C", child, *spouse_order)
	assert sees("DA-B", spouse, U, "DA-C", at(D(2024, 1, 1)))  # the child's order, seen by the spouse
	older = (U, "DA-B", at(D(2022, 5, 5)))  # before the child moved in
	assert sees("DA-A", owner, *older)
	assert not sees("DA-C", child, *older)
	# another unit's records are never shared
	assert not sees("DA-A", owner, UNITS[1], "DA-B", at(D(2024, 5, 5)))


def test_same_day_move_out_and_move_in_the_handover_day_belongs_to_both():
	leaving = [stay(U, D(2023, 1, 1), D(2024, 12, 31))]
	arriving = [stay(U, D(2024, 12, 31))]
	handover = D(2024, 12, 31)
	for created in (at(handover, 0, 0), at(handover, 9), at(handover, 23, 59, 59, 999_999)):
		assert sees("DA-A", arriving, U, "DA-C", created)  # the leaving tenant's record of that day
		assert sees("DA-C", leaving, U, "DA-A", created, on=handover)  # and the other way, that day
	assert not sees("DA-A", arriving, U, "DA-C", at(handover - timedelta(days=1), 23, 59, 59, 999_999))
	# the next day the leaving tenant no longer lives there: only their own records remain
	assert not sees("DA-C", leaving, U, "DA-A", at(handover, 9))
	assert sees("DA-C", leaving, U, "DA-C", at(handover, 9))


def test_open_ended_and_scheduled_move_out():
	open_ended = reach("DA-A", [stay(U, D(2020, 1, 1))], TODAY)
	assert open_ended.windows == (Window(U, datetime(2020, 1, 1), None),)
	assert open_ended.sees(U, "DA-X", at(TODAY + timedelta(days=3650)))
	# a move-out still ahead: living there today, the window closes at the end of the move-out day
	leaving = reach("DA-A", [stay(U, D(2020, 1, 1), D(2025, 6, 30))], TODAY)
	assert leaving.windows == (Window(U, datetime(2020, 1, 1), datetime(2025, 7, 1)),)
	assert leaving.sees(U, "DA-X", at(D(2025, 6, 30), 23, 59))
	assert not leaving.sees(U, "DA-X", at(D(2025, 7, 1), 0, 0))
	# the move-out day itself is still a day of living there
	assert reach("DA-A", [stay(U, D(2020, 1, 1), TODAY)], TODAY).units == (U,)
	assert reach("DA-A", [stay(U, D(2020, 1, 1), TODAY - timedelta(days=1))], TODAY).units == ()


def test_future_move_in_opens_nothing_yet():
	moving_in = [stay(U, TODAY + timedelta(days=1))]
	assert reach("DA-A", moving_in, TODAY).windows == ()
	assert not sees("DA-A", moving_in, U, "DA-X", at(TODAY + timedelta(days=1)))
	assert reach("DA-A", moving_in, TODAY + timedelta(days=1)).units == (U,)


def test_no_move_in_shares_nothing_of_the_unit_but_own_records_stay():
	rows = [stay(U, None)]
	assert lives_there(None, None, TODAY)  # still counts as living there (may file requests)
	assert window(U, None, None) is None
	r = reach("DA-A", rows, TODAY)
	assert r.windows == () and r.units == ()
	assert not r.sees(U, "DA-B", at(TODAY))
	assert r.sees(U, "DA-A", at(D(2001, 1, 1)))


def test_own_records_need_a_requester_and_unknown_dates_share_nothing():
	r = reach("DA-A", [stay(U, D(2020, 1, 1))], TODAY)
	assert not r.sees(U, None, None)
	assert not r.sees(U, "", at(D(2019, 1, 1)))
	assert r.sees(UNITS[2], "DA-A", None)  # filed by the resident: no date needed
	assert r.sees(U, None, D(2020, 1, 1))  # a plain date counts as the start of that day


def test_two_units_and_a_former_stay_in_the_same_unit():
	rows = [
		stay(U, D(2015, 1, 1), D(2018, 12, 31)),  # lived there before
		stay(U, D(2024, 1, 1)),  # and again now
		stay(UNITS[1], D(2022, 1, 1)),
	]
	r = reach("DA-A", rows, TODAY)
	assert r.units == (U, UNITS[1])
	assert not r.sees(U, "DA-X", at(D(2017, 1, 1)))  # the former stay's records went with the move-out
	assert not r.sees(U, "DA-X", at(D(2020, 1, 1)))  # someone else's time
	assert r.sees(U, "DA-X", at(D(2024, 1, 1), 0, 0))
	assert r.sees(UNITS[1], "DA-X", at(D(2022, 1, 1)))
	assert reach("DA-A", [*rows, rows[1]], TODAY).windows == r.windows  # a repeated row adds nothing


# --- properties: the windows (what the list query uses) agree with the rule in days ------------------

days = st.dates(D(2018, 1, 1), D(2027, 12, 31))
moments = st.datetimes(datetime(2018, 1, 1), datetime(2027, 12, 31, 23, 59, 59, 999_999))


@st.composite
def stays(draw, ended: bool = False):
	unit = draw(st.sampled_from(UNITS))
	move_in = days if ended else st.none() | days
	move_in = draw(move_in)
	move_out = None
	if move_in is not None and (ended or draw(st.booleans())):
		move_out = move_in + timedelta(days=draw(st.integers(0, 2000)))
	return stay(unit, move_in, move_out)


def reference(resident, rows, on, unit, requester, created: datetime) -> bool:
	"""The rule as the issue states it, day by day."""
	if requester == resident:
		return True
	for row in rows:
		if row["unit"] != unit or row["move_in"] is None:
			continue
		last_day = row["move_out"] or D.max
		lives_today = row["move_in"] <= on <= last_day
		filed_during_stay = row["move_in"] <= created.date() <= last_day
		if lives_today and filed_during_stay:
			return True
	return False


@given(
	st.lists(stays(), max_size=4),
	days,
	st.sampled_from(UNITS),
	st.sampled_from((*PEOPLE, None)),
	moments,
)
def test_reach_agrees_with_the_rule_in_days(rows, on, unit, requester, created):
	assert sees("DA-A", rows, unit, requester, created, on=on) == reference(
		"DA-A", rows, on, unit, requester, created
	)


@given(st.lists(stays(), max_size=4), days, st.sampled_from(UNITS), moments)
def test_own_records_are_always_visible(rows, on, unit, created):
	assert sees("DA-A", rows, unit, "DA-A", created, on=on)
	assert sees("DA-A", [], unit, "DA-A", created, on=on)


@given(
	st.lists(stays(ended=True), min_size=1, max_size=4), st.sampled_from(UNITS), moments, st.integers(1, 3000)
)
def test_after_moving_out_only_own_records_remain(rows, unit, created, days_after):
	on = max(row["move_out"] for row in rows) + timedelta(days=days_after)
	r = reach("DA-A", rows, on)
	assert r.windows == ()
	assert not r.sees(unit, "DA-B", created)
	assert not r.sees(unit, None, created)
	assert r.sees(unit, "DA-A", created)


@given(days, st.integers(0, 2000), st.integers(0, 2000), st.integers(-400, 400), moments)
def test_overlapping_stays_share_exactly_the_common_days(a_in, a_len, b_len, b_offset, created):
	"""A and B in one unit, both still living there: a record of the unit filed by a third person is
	seen by each for their own stay; B sees A's record only if it was filed during B's stay."""
	b_in = a_in + timedelta(days=b_offset)
	on = max(a_in, b_in)
	a = [stay(U, a_in, a_in + timedelta(days=a_len + max(0, b_offset)))]
	b = [stay(U, b_in, b_in + timedelta(days=b_len + max(0, -b_offset)))]
	assume(lives_there(a_in, a[0]["move_out"], on) and lives_there(b_in, b[0]["move_out"], on))
	day = created.date()
	in_a = a_in <= day <= a[0]["move_out"]
	in_b = b_in <= day <= b[0]["move_out"]
	assert sees("DA-A", a, U, "DA-C", created, on=on) == in_a
	assert sees("DA-B", b, U, "DA-C", created, on=on) == in_b
	assert sees("DA-B", b, U, "DA-A", created, on=on) == in_b  # the household's records, during B's stay
	assert sees("DA-A", a, U, "DA-A", created, on=on)


@given(days, st.none() | st.integers(0, 2000), moments)
def test_window_bounds_are_whole_days(move_in, length, created):
	move_out = None if length is None else move_in + timedelta(days=length)
	w = window(U, move_in, move_out)
	assert w.holds(U, created) == (move_in <= created.date() <= (move_out or D.max))
	assert not w.holds(UNITS[1], created)
	assert w.since.time() == time.min and (w.before is None or w.before.time() == time.min)


def test_reach_is_a_value():
	r = reach("DA-A", [stay(U, D(2020, 1, 1))], TODAY)
	assert r == Reach("DA-A", (Window(U, datetime(2020, 1, 1), None),))
	assert hash(r) == hash(Reach("DA-A", (Window(U, datetime(2020, 1, 1), None),)))
