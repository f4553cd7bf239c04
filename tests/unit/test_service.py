from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_service.rules.service import (
	FULFILLED_STATES,
	OPEN_STATES,
	PAUSED_STATES,
	STATES,
	Job,
	due_for_auto_close,
	escalation_level,
	is_repeat,
	median_hours,
	needs_return_visit,
	rating_summary,
	repeat_repairs,
)

T0 = datetime(2026, 6, 8, 9, 0)
H = timedelta(hours=1)


def test_state_groups_partition_the_states():
	assert set(PAUSED_STATES) < set(OPEN_STATES)
	assert set(OPEN_STATES) | set(FULFILLED_STATES) == set(STATES)
	assert not set(OPEN_STATES) & set(FULFILLED_STATES)


@pytest.mark.parametrize(
	"now, level",
	[
		(T0 + 2 * H, 0),
		(T0 + 3.2 * H, 1),
		(T0 + 4 * H, 1),
		(T0 + 7.9 * H, 1),
		(T0 + 8 * H, 2),
		(T0 + 30 * H, 2),
	],
)
def test_escalation_ladder(now, level):
	assert escalation_level(now, T0, T0 + 4 * H, 80, 4 * H) == level


def test_escalation_without_a_due_time():
	assert escalation_level(T0 + 100 * H, T0, None, 80, H) == 0
	assert escalation_level(T0 + 100 * H, T0, T0, 80, H) == 0


@given(st.integers(0, 10_000), st.integers(1, 5_000), st.floats(1, 100))
def test_escalation_never_goes_down_as_time_passes(minutes, allowed, percent):
	due = T0 + timedelta(minutes=allowed)
	levels = [
		escalation_level(T0 + timedelta(minutes=m), T0, due, percent, 2 * H) for m in range(0, minutes, 97)
	]
	assert levels == sorted(levels)


@pytest.mark.parametrize(
	"policy, rated, expected",
	[
		("Never", False, False),
		("Always", True, True),
		("Only if unrated", False, True),
		("Only if unrated", True, False),
	],
)
def test_return_visit_policy(policy, rated, expected):
	assert needs_return_visit(policy, rated) is expected


def test_auto_close():
	now = T0 + timedelta(days=10)
	assert due_for_auto_close(T0, False, 7, now)
	assert not due_for_auto_close(T0, True, 7, now)
	assert not due_for_auto_close(T0, False, 0, now)
	assert not due_for_auto_close(T0 + timedelta(days=5), False, 7, now)
	assert not due_for_auto_close(None, False, 7, now)


def test_repeat_repairs_same_unit_and_category_within_90_days():
	jobs = [
		Job("SO-1", "A01-1-101", "Plumbing", T0),
		Job("SO-2", "A01-1-101", "Plumbing", T0 + timedelta(days=30)),  # repeat of SO-1
		Job("SO-3", "A01-1-101", "Electrical", T0 + timedelta(days=31)),  # other category
		Job("SO-4", "A01-1-102", "Plumbing", T0 + timedelta(days=2)),  # other unit
		Job("SO-5", "A01-1-101", "Plumbing", T0 + timedelta(days=200)),  # too late after SO-2
		Job("SO-6", "A01-1-101", "Plumbing", T0 + timedelta(days=290)),  # exactly 90 days after SO-5
	]
	assert repeat_repairs(jobs) == {"SO-2", "SO-6"}
	assert repeat_repairs(reversed(jobs)) == {"SO-2", "SO-6"}, "order of input does not matter"
	assert repeat_repairs(jobs, window_days=10) == set()


def test_is_repeat():
	assert is_repeat(T0, T0 + timedelta(days=90))
	assert not is_repeat(T0, T0 + timedelta(days=90, seconds=1))
	assert not is_repeat(T0 + H, T0), "an earlier order cannot repeat a later one"
	assert is_repeat(T0, T0 + timedelta(days=10), window_days=10)


def test_rating_summary():
	assert rating_summary([5, 4, None, 3, 0, 5]) == {"count": 4, "average": 4.2, "satisfied_percent": 75.0}
	assert rating_summary([]) == {"count": 0, "average": None, "satisfied_percent": None}


@given(st.lists(st.integers(1, 5), min_size=1, max_size=50))
def test_rating_average_within_bounds(ratings):
	summary = rating_summary(ratings)
	assert 1 <= summary["average"] <= 5 and summary["count"] == len(ratings)


def test_median_hours():
	assert median_hours([H, 3 * H, None, 2 * H]) == 2.0
	assert median_hours([None]) is None
