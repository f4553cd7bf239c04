"""The demo company's complaints (pure generator): believable, and consistent with the complaint rules."""

import random
from collections import Counter
from datetime import date, datetime, timedelta

from property_crm.demo.generate.complaints import (
	CATEGORIES,
	CategoryInfo,
	link_repeats,
	make_complaints,
	name_complaints,
	person_of,
)
from property_crm.demo.generate.orders import UnitInfo
from property_crm.property_complaints.rules.complaint import (
	ANONYMOUS,
	FULFILLED_STATES,
	REPEAT_WINDOW_DAYS,
	STATES,
	close_problems,
	is_hotline,
	priority_of,
	resolve_problems,
)
from property_crm.property_complaints.rules.defaults import COMPLAINT_CATEGORIES

NOW = datetime(2026, 11, 23, 15, 0)
HANDLERS = {"A01": ["a01.cs@x", "a01.manager@x"], "B02": ["b02.cs@x"]}


def sample(n=3000, seed=1, units=None):
	rng = random.Random(seed)
	categories = [CategoryInfo(c.name, c.severity, c.department) for c in COMPLAINT_CATEGORIES]
	units = units or [
		UnitInfo(f"{e}-1-{i}", e, f"{e}-1", f"P{e}{i}", date(2025, 6, 1))
		for e in ("A01", "B02")
		for i in range(60)
	]
	complaints = make_complaints(rng, n, units, categories, NOW, HANDLERS)
	name_complaints(complaints, {"CMP-2025-": 4})
	link_repeats(complaints)
	return complaints


def test_every_state_even_when_few():
	assert {c["status"] for c in sample(n=len(STATES))} == set(STATES)
	assert set(STATES) <= {c["status"] for c in sample(n=30, seed=4)}


def test_every_default_category_has_words():
	assert {c.name for c in COMPLAINT_CATEGORIES} == set(CATEGORIES)


def test_complaints_follow_the_rules():
	complaints = sample()
	assert [c["creation"] for c in complaints] == sorted(c["creation"] for c in complaints)
	assert min(c["received_on"] for c in complaints) >= NOW - timedelta(days=732)
	for c in complaints:
		assert c["creation"] == c["received_on"] <= c["modified"] <= NOW, c
		assert c["priority"] == priority_of(c["severity"])
		assert c["received_on"] <= c["response_by"] <= c["sla_resolution_by"]
		if c["acknowledged_on"]:
			assert c["received_on"] <= c["acknowledged_on"] <= NOW and c["acknowledged_via"]
		if c["status"] in ("Resolved", "Closed", "Reopened"):
			assert not resolve_problems(c["root_cause"], c["resolution"]), c
			assert c["received_on"] <= c["first_responded_on"] <= c["resolved_on"] <= NOW
		else:
			assert c["resolved_on"] is None and c["root_cause"] is None
		if c["status"] == "Closed":
			resolved = c["resolved_on"]
			problems = close_problems(c["feedback"], resolved, c["closed_on"], 7, c["channel"],
				c["hotline_replied_on"])  # fmt: skip
			assert not problems, (problems, c)
			assert resolved <= c["closed_on"] <= NOW
		else:
			assert c["closed_on"] is None
		if c["status"] == "Reopened":
			assert c["feedback"] == "Not Satisfied" and c["reopen_count"] == 1
		if c["reopen_count"]:
			assert c["status"] in ("Reopened", "Closed")
		if c["status"] in FULFILLED_STATES:
			assert c["agreement_status"] in ("Fulfilled", "Failed")
		if is_hotline(c["channel"]):
			assert c["external_reference"] and c["hotline_reply_deadline"] > c["received_on"]
		else:
			assert not (c["external_reference"] or c["hotline_reply_deadline"] or c["hotline_replied_on"])
		if c["hotline_replied_on"]:
			assert c["received_on"] <= c["hotline_replied_on"] <= NOW and c["hotline_reply"]
		assert c["responsible_person"] in HANDLERS[c["estate"]]
		assert c["building"].startswith(c["estate"])


def test_anonymous_complaints_keep_their_complainant_apart():
	complaints = sample()
	anonymous = [c for c in complaints if c["is_anonymous"]]
	assert 0.07 < len(anonymous) / len(complaints) < 0.13
	for c in anonymous:
		assert c["complainant_name"] == ANONYMOUS
		assert not (c["complainant"] or c["unit"] or c["contact_mobile"] or c["repeat_of"])
		assert c["identity"]["name"] == c["name"]
		assert c["identity"]["unit"] and (c["identity"]["complainant"] or c["identity"]["complainant_name"])
		assert c["estate"] and c["building"], "a big building stays: the report groups by it"
	assert all(c["identity"] is None for c in complaints if not c["is_anonymous"])


def test_anonymous_complaints_from_a_small_building_do_not_name_it():
	units = [UnitInfo(f"A01-{b}-1", "A01", f"A01-{b}", f"P{b}", date(2025, 6, 1)) for b in range(1, 9)]
	complaints = sample(n=400, units=units)
	anonymous = [c for c in complaints if c["is_anonymous"]]
	assert anonymous and all(c["building"] is None and c["estate"] == "A01" for c in anonymous)
	assert all(c["building"] for c in complaints if not c["is_anonymous"])


def test_a_believable_mix():
	complaints = sample()
	channels = Counter(c["channel"] for c in complaints)
	assert channels["12345 Hotline"] > 0.1 * len(complaints)
	hotline = [c for c in complaints if c["hotline_replied_on"] and c["status"] == "Closed"]
	on_time = sum(c["hotline_replied_on"] <= c["hotline_reply_deadline"] for c in hotline)
	assert 0.7 < on_time / len(hotline) < 0.95, "most hotline replies on time, some late"
	agreements = Counter(c["agreement_status"] for c in complaints)
	assert agreements["Fulfilled"] > agreements["Failed"] > 0
	feedback = Counter(c["feedback"] for c in complaints if c["status"] == "Closed")
	assert feedback["Satisfied"] > feedback[None] > 0, "most answer; some closed after seven silent days"
	assert sum(1 for c in complaints if c["status"] == "Closed" and c["reopen_count"]) > 0
	assert any(c["compensation"] for c in complaints)
	assert any(c["escalation_level"] == 2 for c in complaints)
	minutes = sorted(
		(c["acknowledged_on"] - c["received_on"]).total_seconds() / 60
		for c in complaints
		if c["acknowledged_on"]
	)
	assert 1 < minutes[len(minutes) // 2] < 15, "acknowledged minutes later"
	closed = [c for c in complaints if c["status"] == "Closed"]
	assert len(closed) > 0.8 * sum(1 for c in complaints if NOW - c["received_on"] > timedelta(days=30))


def test_summer_noise():
	complaints = sample(n=6000)

	def share(category, months):
		inside = [c for c in complaints if c["received_on"].month in months]
		return sum(c["complaint_category"] == category for c in inside) / len(inside)

	assert share("Noise", (6, 7, 8)) > 1.4 * share("Noise", (3, 4, 10, 11))
	assert share("Fees and Charges", (12, 1)) > 1.3 * share("Fees and Charges", (5, 6, 9))


def test_repeats_are_linked_within_the_window():
	complaints = sample()
	by_name = {c["name"]: c for c in complaints}
	repeats = [c for c in complaints if c["repeat_count"]]
	assert len(repeats) > 0.1 * len(complaints), "some households complain again and again"
	for c in repeats:
		link = (c["identity"] or c)["repeat_of"]
		earlier = by_name[link]
		assert person_of(earlier) == person_of(c)
		assert timedelta(0) <= c["creation"] - earlier["creation"] <= timedelta(days=REPEAT_WINDOW_DAYS)
		assert earlier["status"] != "Withdrawn"
	people = Counter(person_of(c) for c in complaints if person_of(c))
	assert people.most_common(1)[0][1] >= 5


def test_names_follow_the_naming_series():
	complaints = sample(n=300)
	names = [c["name"] for c in complaints]
	assert len(set(names)) == len(names)
	assert all(n.startswith(f"CMP-{c['creation'].year}-") for n, c in zip(names, complaints, strict=True))
	first_2025 = next(c["name"] for c in complaints if c["creation"].year == 2025)
	assert first_2025 == "CMP-2025-00005"


def test_no_residents_yet_callers_are_named():
	units = [UnitInfo("A01-1-1", "A01", "A01-1", "P1", date(2030, 1, 1))]
	complaints = sample(n=50, units=units)
	for c in complaints:
		who = c["identity"] or c
		assert who["complainant"] is None and who["complainant_name"] and who["complainant_name"] != ANONYMOUS


def test_nothing_to_make():
	assert make_complaints(random.Random(1), 0, [], [], NOW) == []
