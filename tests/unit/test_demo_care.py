"""The demo's care generator (demo.generate.care), without Frappe."""

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from property_crm.demo.generate import care as demo_care

TODAY = date(2026, 6, 10)


def test_file_updates_leave_a_share_stale_and_are_seeded():
	names = [f"DA-{n}" for n in range(4000)]
	first = demo_care.file_updates(names, TODAY, random.Random(1))
	assert first == demo_care.file_updates(names, TODAY, random.Random(1))
	stale = [u for u in first if u.last_verified_on is None or (TODAY - u.last_verified_on).days > 365]
	assert 0.08 < len(stale) / len(names) < 0.16
	assert 0.40 < sum(u.marketing_consent for u in first) / len(names) < 0.50
	assert 0.02 < sum(u.privacy_consent_date is None for u in first) / len(names) < 0.08
	assert all(u.last_verified_on is None or u.last_verified_on < TODAY for u in first)


def test_elderly_alone():
	homes = {
		"u1": [("old", date(1950, 1, 1))],
		"u2": [("old2", date(1950, 1, 1)), ("young", date(1990, 1, 1))],
		"u3": [("mid", date(1970, 1, 1))],
		"u4": [("unknown", None)],
	}
	assert demo_care.elderly_alone(homes, TODAY) == ["old"]


def test_notices_current_and_expired_per_estate():
	rows = demo_care.notices({"A01": ["1", "2"], "B01": ["1"]}, TODAY, random.Random(3))
	assert {r["estate"] for r in rows} == {"A01", "B01"}
	assert sum(1 for r in rows if r["valid_to"] < TODAY) == 2
	for r in rows:
		assert r["valid_from"] <= r["valid_to"]
		assert "{" not in r["title"] and "{" not in r["body"]


@given(st.integers(0, 10_000))
def test_sign_ups_never_exceed_capacity(seed):
	rng = random.Random(seed)
	for event in demo_care.events(["A01", "B01"], TODAY, rng):
		chosen = demo_care.sign_ups(event, [f"R{n}" for n in range(300)], rng)
		assert sum(c["attendees"] for c in chosen) <= (event["capacity"] or 50)
		assert len({c["resident"] for c in chosen}) == len(chosen)
		if event["status"] == "Planned":
			assert not any(c["attended"] for c in chosen) and event["starts_on"].date() >= TODAY
