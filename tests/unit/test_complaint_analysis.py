"""Complaint Analysis: the period, the groupings and a group's figures (pure)."""

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_complaints.rules import analysis
from property_crm.property_complaints.rules.analysis import Facts, figures

NOW = datetime(2026, 11, 23, 15, 0)
T0 = datetime(2026, 10, 1, 9, 0)


def test_default_period_is_twelve_calendar_months_up_to_today():
	assert analysis.period(None, None, date(2026, 11, 23)) == (date(2025, 12, 1), date(2026, 11, 23))
	assert analysis.period(None, None, date(2026, 1, 5)) == (date(2025, 2, 1), date(2026, 1, 5))
	assert analysis.period_months(*analysis.period(None, None, date(2026, 11, 23))) == 12


def test_period_given_and_never_reversed():
	assert analysis.period(date(2026, 3, 1), date(2026, 3, 31), date(2026, 11, 23)) == (
		date(2026, 3, 1),
		date(2026, 3, 31),
	)
	assert analysis.period(date(2026, 5, 1), date(2026, 3, 1), date(2026, 11, 23)) == (
		date(2026, 3, 1),
		date(2026, 5, 1),
	)
	assert analysis.period(date(2026, 5, 1), None, date(2026, 11, 23))[1] == date(2026, 11, 23)


def test_households_are_counted_on_the_last_day_not_in_the_future():
	assert analysis.households_on(date(2027, 1, 1), date(2026, 11, 23)) == date(2026, 11, 23)
	assert analysis.households_on(date(2026, 3, 31), date(2026, 11, 23)) == date(2026, 3, 31)


def test_months_of_a_group():
	start, end = date(2026, 1, 15), date(2026, 3, 2)
	assert analysis.months_of("Estate", start, end) == 3
	assert analysis.months_of("Category x Building", start, end) == 3
	assert analysis.months_of("Month", start, end) == 1, "a month's row is one month"
	assert analysis.months_of("unknown", start, end) == 3


def test_groupings():
	assert set(analysis.GROUPINGS) == {
		"Category x Building",
		"Root Cause x Building",
		"Estate",
		"Month",
		"Category",
	}
	assert analysis.grouping(None) == analysis.grouping("x") == analysis.DEFAULT_GROUPING
	assert analysis.grouping("Month") == "Month"


def test_hotline_judged_and_in_time():
	deadline = NOW - timedelta(days=1)
	assert analysis.hotline_judged(deadline, None, NOW), "unanswered past the deadline: late"
	assert not analysis.hotline_judged(NOW + timedelta(days=1), None, NOW), "not due yet"
	assert analysis.hotline_judged(NOW + timedelta(days=1), NOW, NOW), "answered early"
	assert not analysis.hotline_judged(None, NOW, NOW)
	assert analysis.hotline_in_time(deadline, deadline)
	assert not analysis.hotline_in_time(deadline, deadline + timedelta(seconds=1))
	assert not analysis.hotline_in_time(deadline, None)


def test_a_groups_figures():
	rows = [
		Facts(T0, "Closed", T0 + timedelta(minutes=10), T0 + timedelta(hours=24), 1, "P1"),
		Facts(T0, "Investigating", T0 + timedelta(minutes=30), None, 0, "P1"),
		Facts(
			T0, "Resolved", T0 + timedelta(minutes=20), None, 0, "P2", "12345 Hotline", T0 + timedelta(3), T0
		),
		Facts(T0, "Registered", None, None, 0, None, "12345 Hotline", T0 + timedelta(days=3)),
		Facts(T0, "Registered", None, None, 0, "P3", "Other External", NOW + timedelta(days=1)),
		Facts(T0, "Closed", None, T0 + timedelta(hours=48), 2, "P2"),
	]
	out = figures(rows, households=40, months=2, now=NOW)
	assert out == {
		"complaints": 6,
		"open": 3,
		"median_acknowledge_minutes": 20.0,
		"median_close_hours": 36.0,
		"reopened": 2,
		"reopen_rate": 33.3,
		"repeat_complainants": 2,
		"hotline_cases": 3,
		"hotline_on_time": 50.0,  # one on time, one late, one not due
		"households": 40,
		"per_100_households": 7.5,
	}


def test_figures_of_nothing():
	out = figures([], households=0, months=1, now=NOW)
	assert out["complaints"] == 0 and out["reopen_rate"] == 0.0
	assert out["median_acknowledge_minutes"] is None and out["hotline_on_time"] is None
	assert out["per_100_households"] is None, "no households: no rate"


@given(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=30))
def test_repeat_complainants_count_people_not_complaints(people):
	rows = [Facts(T0, person=p) for p in people]
	expected = len({p for p in people if p and people.count(p) > 1})
	assert figures(rows, 1, 1, NOW)["repeat_complainants"] == expected
