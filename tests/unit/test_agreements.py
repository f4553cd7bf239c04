"""Confidentiality agreements and retention rules (property_privacy/rules/agreements.py), without Frappe."""

from datetime import date

from property_crm.property_privacy.rules import agreements as rules

DAY = date(2026, 12, 2)


def test_status_by_dates():
	assert rules.status(date(2026, 1, 1), date(2027, 6, 1), DAY, 30) == rules.CURRENT
	assert rules.status(date(2026, 1, 1), date(2026, 12, 20), DAY, 30) == rules.EXPIRING
	assert rules.status(date(2026, 1, 1), DAY, DAY, 30) == rules.EXPIRING  # its last day still counts
	assert rules.status(date(2025, 1, 1), date(2026, 12, 1), DAY, 30) == rules.EXPIRED
	assert rules.status(date(2026, 12, 3), date(2027, 12, 3), DAY, 30) == rules.NOT_YET_VALID
	assert rules.status(date(2026, 1, 1), date(2026, 12, 20), DAY, 0) == rules.CURRENT


def test_current_includes_expiring_and_last_day():
	assert rules.is_current(date(2026, 1, 1), DAY, DAY)
	assert not rules.is_current(date(2026, 1, 1), date(2026, 12, 1), DAY)
	assert not rules.is_current(date(2026, 12, 3), date(2027, 1, 1), DAY)


def test_dates_in_order():
	assert rules.dates_in_order(date(2026, 1, 1), date(2026, 1, 2))
	assert not rules.dates_in_order(date(2026, 1, 2), date(2026, 1, 2))
	assert not rules.dates_in_order(date(2026, 1, 2), date(2026, 1, 1))
	assert rules.future_dates([date(2026, 12, 3), DAY, None], DAY) == [date(2026, 12, 3)]


def test_only_newly_granted_personal_data_roles_are_asked_about():
	assert rules.roles_needing_agreement(set(), {"Property Customer Service", "Desk User"}) == [
		"Property Customer Service"
	]
	assert rules.roles_needing_agreement({"Property Technician"}, {"Property Technician"}) == []
	assert rules.roles_needing_agreement(set(), {"System Manager", "Property Resident"}) == []
	assert rules.roles_needing_agreement(
		{"Property Manager"}, {"Property Manager", "Property Accountant"}
	) == ["Property Accountant"]


def test_reminder_thresholds_parsed():
	assert rules.reminder_thresholds("30,7") == [30, 7]
	assert rules.reminder_thresholds("7， 30, 7, x, -1, 0") == [30, 7]
	assert rules.reminder_thresholds(None) == []
	assert rules.reminder_thresholds(14) == [14]


def test_each_threshold_once_and_never_an_earlier_one_late():
	until = date(2026, 12, 27)  # 25 days left
	assert rules.due_threshold(until, DAY, [30, 7], set()) == 30
	assert rules.due_threshold(until, DAY, [30, 7], {30}) is None
	assert rules.due_threshold(date(2027, 2, 1), DAY, [30, 7], set()) is None  # not yet
	# first seen 5 days before: only the 7-day reminder
	assert rules.due_threshold(date(2026, 12, 7), DAY, [30, 7], set()) == 7
	assert rules.due_threshold(date(2026, 12, 7), DAY, [30, 7], {7, 30}) is None
	assert rules.due_threshold(date(2026, 12, 1), DAY, [30, 7], set()) is None  # expired: nothing


def test_retention_cutoff_and_who_is_past_it():
	assert rules.retention_cutoff(DAY, 3) == date(2023, 12, 2)
	assert rules.retention_cutoff(date(2028, 2, 29), 3) == date(2025, 2, 28)
	assert rules.retention_cutoff(DAY, 0) is None
	cutoff = date(2023, 12, 2)
	gone = rules.Stay(date(2015, 1, 1), date(2022, 6, 1))
	assert rules.past_retention([gone], cutoff)
	assert not rules.past_retention([gone, rules.Stay(date(2022, 6, 2), None)], cutoff)  # lives elsewhere
	assert not rules.past_retention([rules.Stay(date(2015, 1, 1), date(2025, 6, 1))], cutoff)
	assert not rules.past_retention([], cutoff)  # never lived anywhere: no date to judge by
	assert not rules.past_retention([gone], None)


def test_anonymous_token():
	token = rules.anonymous_token("DA-2020-00001")
	assert token == rules.anonymous_token("DA-2020-00001") != rules.anonymous_token("DA-2020-00002")
	assert token.startswith("已匿名 #") and len(token) == len("已匿名 #") + 8
	assert rules.is_anonymised(token) and not rules.is_anonymised("张三") and not rules.is_anonymised(None)
