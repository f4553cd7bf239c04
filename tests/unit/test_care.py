"""Customer care and data-quality rules (property_care.rules.care), without Frappe."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.errors import DomainError
from property_crm.property_care.rules import care

TODAY = date(2026, 6, 10)


# ------------------------------------------------------------------ visit policy and planner
def test_add_months_keeps_the_day_or_takes_the_months_last():
	assert care.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
	assert care.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
	assert care.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
	assert care.add_months(date(2026, 12, 31), 12) == date(2027, 12, 31)


def test_policy_quarterly_by_default_monthly_for_elderly_living_alone():
	rules = {"Elderly Living Alone": "Monthly", "VIP": "Bimonthly"}
	assert care.interval_months(set(), "Quarterly", rules) == 3
	assert care.interval_months({"Elderly Living Alone"}, "Quarterly", rules) == 1
	assert care.interval_months({"VIP", "Children"}, "Quarterly", rules) == 2
	# a rule never lengthens the default
	assert care.interval_months({"VIP"}, "Monthly", rules) == 1
	with pytest.raises(DomainError):
		care.interval_months(set(), "Weekly", {})


def test_visit_due():
	assert care.visit_due(None, 3, TODAY)
	assert care.visit_due(date(2026, 3, 10), 3, TODAY)
	assert not care.visit_due(date(2026, 3, 11), 3, TODAY)
	assert not care.visit_due(None, 3, TODAY, open_visit=True)
	assert care.visit_due(date(2026, 5, 10), 1, TODAY)


def test_first_visits_are_spread_over_the_first_interval():
	start = date(2026, 1, 1)
	keys = [f"A01-1-{n}" for n in range(900)]
	first_due = [care.add_months(care.first_visit_anchor(k, 3, start), 3) for k in keys]
	assert all(start <= d < start + timedelta(days=91) for d in first_due)
	per_month = [sum(1 for d in first_due if d.month == m) for m in (1, 2, 3)]
	assert min(per_month) > 200  # roughly a third each month, not everyone on day one
	assert care.first_visit_anchor("A01-1-1", 3, start) == care.first_visit_anchor("A01-1-1", 3, start)


def test_plan_needs_staff():
	assert care.plan([], []) == {}
	with pytest.raises(DomainError):
		care.plan(["A01-1-101"], [])


households = st.lists(st.text("ABC0123456789-", min_size=1, max_size=8), max_size=200, unique=True)
staff_lists = st.lists(st.sampled_from([f"cs{i}@x" for i in range(12)]), min_size=1, max_size=12, unique=True)


@given(households, staff_lists)
def test_plan_is_fair_and_plans_every_due_household_exactly_once(due, staff):
	planned = care.plan(due, staff)
	assert sorted(planned) == sorted(due)
	assert set(planned.values()) <= set(staff)
	counts = [list(planned.values()).count(person) for person in staff]
	assert max(counts) - min(counts) <= 1


@given(households, staff_lists, st.data())
def test_plan_evens_out_existing_loads(due, staff, data):
	load = {person: data.draw(st.integers(0, 20)) for person in staff}
	planned = care.plan(due, staff, load)
	final = {person: load[person] + list(planned.values()).count(person) for person in staff}
	spread_before = max(load.values()) - min(load.values())
	assert max(final.values()) - min(final.values()) <= max(1, spread_before)
	# nobody above the least loaded gets work while someone else could take it more evenly
	if planned:
		assert max(final.values()) - min(final.values()) <= max(spread_before, 1)


def test_plan_is_deterministic():
	due = [f"U{i}" for i in range(10)]
	assert care.plan(due, ["b", "a"]) == care.plan(list(reversed(due)), ["a", "b"])


def test_unreachable_is_retried_then_flagged():
	assert care.after_unreachable(1, TODAY) == ("retry", TODAY + timedelta(days=3))
	assert care.after_unreachable(2, TODAY)[0] == "retry"
	assert care.after_unreachable(3, TODAY) == ("flag", None)


# ------------------------------------------------------------------ calendar
def test_birthdays_and_29_february():
	people = [("a", date(1950, 6, 10)), ("b", date(1988, 2, 29)), ("c", None), ("d", date(2026, 6, 11))]
	assert care.birthdays(people, TODAY) == [("a", 76)]
	assert care.birthdays(people, date(2027, 2, 28)) == [("b", 39)]  # common year: on 28 February
	assert care.birthdays(people, date(2028, 2, 28)) == []  # leap year: on the day itself
	assert care.birthdays(people, date(2028, 2, 29)) == [("b", 40)]
	assert care.birthdays(people, date(2027, 3, 1)) == []


def test_move_in_anniversaries_from_the_first_year():
	stays = [("x", date(2016, 6, 10)), ("y", date(2026, 6, 10)), ("z", date(2020, 2, 29))]
	assert care.move_in_anniversaries(stays, TODAY) == [("x", 10)]
	assert care.move_in_anniversaries(stays, date(2021, 2, 28)) == [("z", 1)]


@given(st.dates(date(1920, 1, 1), date(2030, 12, 31)), st.integers(1990, 2040))
def test_everyone_has_exactly_one_birthday_a_year(born, year):
	days = [d for d in (date(year, 1, 1) + timedelta(n) for n in range(366)) if d.year == year]
	hits = [d for d in days if care.is_anniversary(born, d)]
	assert len(hits) == (1 if year >= born.year else 0)


def test_holiday_dates():
	assert care.holiday_date("Spring Festival", 2026) == date(2026, 2, 17)
	assert care.holiday_date("Mid-Autumn Festival", 2026) == date(2026, 9, 25)
	assert care.holiday_date("National Day", 2031) == date(2031, 10, 1)
	with pytest.raises(DomainError):
		care.holiday_date("Spring Festival", 2099)


# ------------------------------------------------------------------ consent
@given(
	st.booleans(),
	st.sampled_from(["Phone", "SMS", "Email", "WeChat", "Portal", None]),
	st.booleans(),
	st.booleans(),
	st.booleans(),
	st.booleans(),
)
def test_no_greeting_of_any_kind_without_marketing_consent(consent, preferred, mobile, email, user, sms):
	greeting = care.greeting_for(
		consent,
		preferred,
		"13800138000" if mobile else None,
		"a@b.cn" if email else None,
		"u" if user else None,
		sms,
	)
	if not consent:
		assert greeting.action == "skip" and greeting.channel is None
	elif greeting.action == "send":
		assert greeting.channel == preferred and greeting.channel in care.AUTOMATIC_CHANNELS
	elif greeting.action == "task":
		assert mobile


def test_greeting_by_preferred_channel():
	assert care.greeting_for(True, "Email", email="a@b.cn") == care.Greeting(
		"send", "Email", "Preferred channel"
	)
	assert care.greeting_for(True, "SMS", mobile="13800138000").action == "task"  # no SMS gateway: a call
	assert care.greeting_for(True, "SMS", mobile="13800138000", sms_gateway=True).channel == "SMS"
	assert care.greeting_for(True, "Phone", mobile="13800138000").action == "task"
	assert care.greeting_for(True, "Email").action == "skip"


# ------------------------------------------------------------------ stale files
def test_stale_reasons():
	fresh = {
		"last_verified_on": date(2026, 1, 1),
		"privacy_consent_date": date(2025, 1, 1),
		"mobile": "13800138000",
		"email": "a@example.com",
	}
	assert care.stale_reasons(fresh, TODAY) == []
	assert care.stale_reasons(fresh | {"last_verified_on": date(2025, 6, 10)}, TODAY) == [
		care.STALE_NOT_VERIFIED
	]
	assert care.stale_reasons(fresh | {"last_verified_on": None}, TODAY, 6) == [care.STALE_NOT_VERIFIED]
	assert care.stale_reasons(fresh | {"privacy_consent_date": None}, TODAY) == [care.STALE_NO_CONSENT]
	assert care.stale_reasons(fresh | {"mobile": "", "email": ""}, TODAY) == [care.STALE_NO_CONTACT]
	assert care.stale_reasons(fresh | {"mobile": "12345"}, TODAY) == [care.STALE_BAD_MOBILE]
	assert care.stale_reasons(fresh | {"email": "not-mail"}, TODAY) == [care.STALE_BAD_EMAIL]
	# a protected mobile's column holds its mask: checked when stored, not "invalid" now
	assert care.stale_reasons(fresh | {"mobile": "138****8000"}, TODAY) == []


def test_likely_duplicates_by_mobile_or_name_and_birth_date():
	files = [
		{"name": "A", "full_name": "王 芳", "mobile": "138 0013 8000", "date_of_birth": date(1980, 1, 1)},
		{"name": "B", "full_name": "李雷", "mobile": "+8613800138000", "date_of_birth": None},
		{"name": "C", "full_name": "王芳", "mobile": "13900139000", "date_of_birth": date(1980, 1, 1)},
		{"name": "D", "full_name": "王芳", "mobile": "13700137000", "date_of_birth": date(1990, 1, 1)},
		{"name": "E", "full_name": "赵六", "mobile": "bad", "date_of_birth": None},
		{"name": "F", "full_name": "钱七", "mobile": "bad", "date_of_birth": None},
	]
	assert care.likely_duplicates(files) == {"A": ["B", "C"], "B": ["A"], "C": ["A"]}


def test_likely_duplicates_of_protected_mobiles_by_their_hash():
	"""Masks alike are not the same number; the keyed hash of the full number decides."""
	files = [
		{"name": "A", "full_name": "甲", "mobile": "138****8000", "mobile_hash": "h1"},
		{"name": "B", "full_name": "乙", "mobile": "138****8000", "mobile_hash": "h2"},
		{"name": "C", "full_name": "丙", "mobile": "139****9000", "mobile_hash": "h1"},
	]
	assert care.likely_duplicates(files) == {"A": ["C"], "C": ["A"]}


def test_family_members_without_a_file():
	files = [
		{"full_name": "王芳", "date_of_birth": date(1980, 1, 1)},
		{"full_name": "李雷", "date_of_birth": None},
	]
	members = [
		{"member_name": "王芳", "date_of_birth": date(1980, 1, 1)},
		{"member_name": "王芳", "date_of_birth": date(2010, 1, 1)},  # a namesake child
		{"member_name": "李雷", "date_of_birth": date(2001, 1, 1)},  # the file has no birth date: same person
		{"member_name": "韩梅梅", "date_of_birth": None},
	]
	assert [m["member_name"] for m in care.members_without_file(members, files)] == ["王芳", "韩梅梅"]


def test_sample_is_reproducible_and_keeps_priority_order():
	names = [f"F{i}" for i in range(50)]
	first = care.sample(names, 10, seed=7)
	assert first == care.sample(names, 10, seed=7) and len(set(first)) == 10
	assert first == sorted(first, key=names.index)
	assert care.sample(names[:3], 10, seed=1) == names[:3]


# ------------------------------------------------------------------ self-service, notices, events
def test_sensitive_changes_wait_for_staff():
	assert care.needs_confirmation("mobile") and care.needs_confirmation("email")
	assert not care.needs_confirmation("vehicles") and not care.needs_confirmation("family_members")


def test_notice_validity():
	assert care.notice_visible(None, None, TODAY)
	assert care.notice_visible(TODAY, TODAY, TODAY)
	assert not care.notice_visible(TODAY + timedelta(1), None, TODAY)
	assert not care.notice_visible(None, TODAY - timedelta(1), TODAY)


def test_sign_up_rules():
	care.check_sign_up(10, 8, 2, True)
	care.check_sign_up(0, 500, 3, True)  # no capacity: unlimited
	for args in ((10, 9, 2, True), (10, 0, 0, True), (10, 0, 7, True), (10, 0, 1, False)):
		with pytest.raises(DomainError):
			care.check_sign_up(*args)


def test_messages_listed():
	assert care.EVENT_FULL in care.CARE_MESSAGES and care.HOLIDAY_UNKNOWN in care.CARE_MESSAGES


def test_messages_are_translated():
	import csv
	from pathlib import Path

	path = Path(care.__file__).resolve().parents[2] / "translations" / "zh.csv"
	with open(path, encoding="utf-8", newline="") as fh:
		zh = {row[0]: row[1] for row in csv.reader(fh) if row}
	assert not [m for m in care.CARE_MESSAGES if not zh.get(m)]
