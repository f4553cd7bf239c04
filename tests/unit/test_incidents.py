"""The breach register's rules (property_privacy.rules.incidents), without Frappe."""

from datetime import datetime

from property_crm.property_privacy.rules import incidents as rules
from property_crm.property_privacy.rules.incidents import Row

FOUND = datetime(2026, 12, 1, 9, 30)


def test_regulator_deadline_defaults_to_72_hours():
	assert rules.regulator_deadline(FOUND, None) == datetime(2026, 12, 4, 9, 30)
	assert rules.regulator_deadline(FOUND, 0) == datetime(2026, 12, 4, 9, 30)
	assert rules.regulator_deadline(FOUND, 24) == datetime(2026, 12, 2, 9, 30)


def test_deadline_passed_only_until_reported():
	deadline = rules.regulator_deadline(FOUND, 72)
	assert not rules.deadline_passed(deadline, datetime(2026, 12, 4, 9, 29))
	assert rules.deadline_passed(deadline, datetime(2026, 12, 4, 9, 31))
	assert not rules.deadline_passed(deadline, datetime(2026, 12, 9), reported_on=datetime(2026, 12, 5))
	assert not rules.deadline_passed(None, datetime(2026, 12, 9))


def test_notice_language():
	assert rules.notice_language("en") == "en"
	assert rules.notice_language("en-US") == "en"
	assert rules.notice_language("zh") == "zh"
	assert rules.notice_language(None) == "zh"


def test_only_pending_rows_are_sent_again():
	rows = [
		Row("A", rules.SENT),
		Row("B", rules.PENDING),
		Row("C", rules.CALL_TASK),
		Row("D", rules.UNREACHABLE),
	]
	assert rules.to_send(rows) == ["B"]


def test_residents_notified_needs_a_notice_or_a_reason_for_everyone():
	rows = [
		Row("A", rules.SENT),
		Row("B", rules.CALL_TASK),
		Row("C", rules.CALL_TASK, "reached by phone on 2 Dec"),
		Row("D", rules.UNREACHABLE, " "),
	]
	problems = rules.step_problems("Residents Notified", rows, 1, None, None)
	assert problems == [(rules.NEEDS_NOTICE, ["B", "D"])]
	assert rules.step_problems("Contained", rows, 1, None, None) == []
	assert rules.step_problems("Residents Notified", [], 1, None, None) == []


def test_later_steps_need_the_earlier_ones():
	rows = [Row("A", rules.SENT)]
	assert rules.step_problems("Contained", rows, 0, None, None) == [(rules.NEEDS_CONTAINMENT, [])]
	assert rules.step_problems("Reported to Regulator", rows, 1, None, None) == [
		(rules.NEEDS_REGULATOR_DATE, [])
	]
	assert rules.step_problems("Closed", rows, 1, "", FOUND) == [(rules.NEEDS_LESSONS, [])]
	assert rules.step_problems("Closed", rows, 1, "Rotate the export account", FOUND) == []
	assert rules.step_problems("Reported", [], 0, None, None) == []
