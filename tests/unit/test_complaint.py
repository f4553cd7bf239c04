"""Complaint rules (property_complaints.rules.complaint), without Frappe."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_complaints.rules import complaint as rules

NOW = datetime(2026, 6, 10, 10, 0)


def test_every_state_has_a_residents_word_and_the_sla_sets_are_states():
	assert set(rules.RESIDENT_WORDS) == set(rules.STATES)
	assert set(rules.FULFILLED_STATES) <= set(rules.STATES)
	assert set(rules.FINISHED_STATES) <= set(rules.FULFILLED_STATES)
	assert "Reopened" in rules.OPEN_STATES and "Escalated" in rules.OPEN_STATES
	# a resident never reads the desk's word "Escalated"
	assert rules.resident_status("Escalated") == rules.resident_status("Investigating")


def test_severity_sets_the_sla_priority():
	assert rules.priority_of("Critical") == "Urgent"
	assert rules.priority_of("Low") == "Low"
	assert rules.priority_of(None) == "Medium"
	assert rules.priority_of("nonsense") == "Medium"


def test_standard_targets_are_stricter_for_graver_complaints():
	targets = rules.targets_for()
	order = ["Urgent", "High", "Medium", "Low"]
	responses = [targets[p][0] for p in order]
	resolutions = [targets[p][1] for p in order]
	assert responses == sorted(responses) and resolutions == sorted(resolutions)
	assert all(r <= s for r, s in targets.values())


@given(
	st.floats(min_value=0.25, max_value=48, allow_nan=False),
	st.floats(min_value=1, max_value=480, allow_nan=False),
)
def test_a_categorys_targets_are_its_medium_targets_in_the_standards_proportions(response, resolution):
	targets = rules.targets_for(response, resolution)
	assert targets["Medium"] == (round(response, 4), round(resolution, 4))
	standard = rules.targets_for()
	for priority, (r, s) in targets.items():
		ratio_r = standard[priority][0] / standard["Medium"][0]
		assert abs(r - response * ratio_r) < 1e-3
		assert targets["Urgent"][1] <= s <= targets["Low"][1]


def test_without_own_targets_a_category_uses_the_standard():
	assert rules.targets_for(None, 10) == rules.targets_for()


def test_acknowledgement_by_the_preferred_channel_when_it_reaches():
	assert rules.acknowledgement_channel("Email", "a@b.cn", "13800138000", False, False) == "Email"
	assert rules.acknowledgement_channel("SMS", "a@b.cn", "13800138000", False, False) == "SMS"
	assert rules.acknowledgement_channel("Phone", None, "13800138000", False, False) == "SMS"
	# preferred e-mail but no address: the next channel that reaches them
	assert rules.acknowledgement_channel("Email", None, "13800138000", False, False) == "SMS"
	assert rules.acknowledgement_channel("Portal", None, None, True, False) == "Portal"
	assert rules.acknowledgement_channel(None, None, None, False, False) is None


def test_a_portal_complaint_is_acknowledged_on_the_page_or_by_the_preferred_message():
	assert rules.acknowledgement_channel(None, "a@b.cn", None, True, True) == "Portal"
	assert rules.acknowledgement_channel("Email", "a@b.cn", None, True, True) == "Email"
	assert rules.acknowledgement_channel("Email", None, None, True, True) == "Portal"


def test_resolving_needs_a_root_cause_and_a_resolution():
	assert len(rules.resolve_problems(None, " ")) == 2
	assert len(rules.resolve_problems("Process", "")) == 1
	assert rules.resolve_problems("Process", "已整改") == []


def test_closing_needs_feedback_or_the_waiting_days():
	resolved = NOW - timedelta(days=3)
	assert rules.close_problems("Satisfied", resolved, NOW, 7, "Phone", None) == []
	assert len(rules.close_problems(None, resolved, NOW, 7, "Phone", None)) == 1
	assert rules.close_problems(None, NOW - timedelta(days=7), NOW, 7, "Phone", None) == []
	# not satisfied: reopen, never close
	assert len(rules.close_problems("Not Satisfied", NOW - timedelta(days=30), NOW, 7, "Phone", None)) == 1


def test_a_hotline_case_closes_only_after_its_reply_to_the_hotline():
	resolved = NOW - timedelta(days=30)
	assert len(rules.close_problems("Satisfied", resolved, NOW, 7, "12345 Hotline", None)) == 1
	assert rules.close_problems("Satisfied", resolved, NOW, 7, "12345 Hotline", NOW) == []
	assert rules.is_hotline("Other External") and not rules.is_hotline("Portal")


def test_feedback_closes_or_reopens():
	assert rules.feedback_action("Satisfied") == "Close"
	assert rules.feedback_action("Not Satisfied") == "Reopen"
	assert rules.feedback_action(None) is None


def test_hotline_on_time():
	deadline = NOW
	assert rules.hotline_on_time(deadline, NOW - timedelta(hours=1)) is True
	assert rules.hotline_on_time(deadline, NOW + timedelta(minutes=1)) is False
	assert rules.hotline_on_time(deadline, None) is None
	assert rules.hotline_on_time(None, NOW) is None


def test_rates():
	assert rules.per_100_households(30, 1000, 3) == 1.0
	assert rules.per_100_households(5, 0, 3) == 0.0
	assert rules.months_between(datetime(2025, 11, 30), datetime(2026, 1, 1)) == 3
	assert rules.months_between(NOW, NOW) == 1
	assert rules.rate(1, 3) == 33.3 and rules.rate(1, 0) == 0.0


@given(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=30))
def test_repeat_complainants_counts_people_not_complaints(people):
	expected = sum(1 for p in {"a", "b", "c"} if people.count(p) > 1)
	assert rules.repeat_complainants(people) == expected


def test_the_identity_fields_are_what_names_a_complainant():
	assert {"complainant", "complainant_name", "unit", "contact_mobile", "complainant_email"} <= set(
		rules.IDENTITY_FIELDS
	)
	assert "estate" not in rules.IDENTITY_FIELDS  # the estate decides who may handle it


def test_the_complaint_workflow():
	import json
	from pathlib import Path

	app = Path(__file__).resolve().parents[2] / "property_crm"
	workflow = json.loads((app / "property_complaints" / "workflow" / "complaint.json").read_text())
	states = {s["state"] for s in workflow["states"]}
	assert states == set(rules.STATES)
	fixture_states = {s["name"] for s in json.loads((app / "fixtures" / "workflow_state.json").read_text())}
	fixture_actions = {
		a["name"] for a in json.loads((app / "fixtures" / "workflow_action_master.json").read_text())
	}
	assert states <= fixture_states
	assert {t["action"] for t in workflow["transitions"]} <= fixture_actions
	edges = {(t["state"], t["next_state"]) for t in workflow["transitions"]}
	reachable, frontier = {"Registered"}, ["Registered"]
	while frontier:
		here = frontier.pop()
		for a, b in edges:
			if a == here and b not in reachable:
				reachable.add(b)
				frontier.append(b)
	assert reachable == states
	# closing only from Resolved; reopened complaints are investigated again; withdrawn is final
	assert {a for a, b in edges if b == "Closed"} == {"Resolved"}
	assert ("Reopened", "Investigating") in edges and ("Resolved", "Reopened") in edges
	assert not any(a == "Withdrawn" for a, _b in edges)
	# an escalated complaint is the managers'
	assert {t["allowed"] for t in workflow["transitions"] if t["state"] == "Escalated"} == {
		"Property Manager"
	}
	assert workflow["workflow_state_field"] == "status" and workflow["document_type"] == "Complaint"


def test_an_anonymous_complaint_keeps_only_a_building_that_names_nobody():
	assert rules.keeps_building(120) and rules.keeps_building(rules.MIN_UNITS_TO_KEEP_BUILDING)
	assert not rules.keeps_building(1) and not rules.keeps_building(rules.MIN_UNITS_TO_KEEP_BUILDING - 1)


def test_wechat_acknowledgement_only_with_a_bound_wechat():
	assert (
		rules.acknowledgement_channel("WeChat", "a@b.cn", "13800138000", False, False, wechat=True)
		== "WeChat"
	)
	assert rules.acknowledgement_channel("WeChat", "a@b.cn", "13800138000", False, False) == "SMS"
	assert rules.acknowledgement_channel("WeChat", "a@b.cn", None, False, False) == "Email"
	assert rules.acknowledgement_channel("WeChat", None, None, True, True, wechat=True) == "WeChat"
	assert rules.acknowledgement_channel("Email", "a@b.cn", None, False, False, wechat=True) == "Email"
