"""The demo company's service orders (pure generator) and the install defaults."""

import csv
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from property_crm.demo.generate import orders as demo_orders
from property_crm.demo.generate.orders import (
	CategoryInfo,
	UnitInfo,
	add_service_hours,
	make_orders,
	name_orders,
)
from property_crm.property_service.rules.defaults import CATEGORY_TREE, category_rows, chinese_names, leaves
from property_crm.property_service.rules.service import RESIDENT_WORDS, STATES, resident_status

ZH = {
	row[0]: row[1]
	for row in csv.reader(
		(Path(__file__).resolve().parents[2] / "property_crm" / "translations" / "zh.csv").open(
			encoding="utf-8"
		)
	)
	if row
}
TARGETS = {"Urgent": (0.5, 4), "High": (2, 24), "Medium": (4, 48), "Low": (8, 96)}
NOW = datetime(2026, 11, 23, 15, 0)
OPEN, CLOSE = time(8, 30), time(17, 30)


def service_hours_between(start: datetime, end: datetime) -> float:
	total, day = 0.0, start.date()
	while day <= end.date():
		lo = max(start, datetime.combine(day, OPEN))
		hi = min(end, datetime.combine(day, CLOSE))
		total += max(0.0, (hi - lo).total_seconds() / 3600)
		day += timedelta(days=1)
	return total


@given(
	st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)),
	st.floats(min_value=0.05, max_value=200),
)
def test_service_hours_count_only_the_service_day(start, hours):
	end = add_service_hours(start, hours)
	assert end >= start
	assert OPEN <= end.time() <= CLOSE
	assert abs(service_hours_between(start, end) - hours) < 1e-6


def test_service_hours_examples():
	assert add_service_hours(datetime(2026, 7, 1, 9, 0), 2) == datetime(2026, 7, 1, 11, 0)
	# filed at night: the clock starts at 08:30 the next morning
	assert add_service_hours(datetime(2026, 7, 1, 22, 0), 1) == datetime(2026, 7, 2, 9, 30)
	# 4 hours from 16:30: one today, three tomorrow
	assert add_service_hours(datetime(2026, 7, 1, 16, 30), 4) == datetime(2026, 7, 2, 11, 30)


def sample(n=3000, seed=1):
	rng = random.Random(seed)
	categories = [
		CategoryInfo(leaf.name, leaf.priority, leaf.chargeable, leaf.return_visit_policy, leaf.season,
			[f"t{i}@x" for i in range(3)], leaf.response_hours or 0, leaf.resolution_hours or 0)
		for leaf in leaves()
	]  # fmt: skip
	units = [UnitInfo(f"A01-1-{i}", "A01", "A01-1", f"P{i}", date(2025, 6, 1)) for i in range(50)]
	return make_orders(rng, n, units, categories, TARGETS, NOW), {c.name: c for c in categories}


def test_orders_in_every_state_even_when_few():
	orders, _ = sample(n=len(STATES))
	assert {o["status"] for o in orders} == set(STATES)
	orders, _ = sample(n=40, seed=5)
	assert set(STATES) <= {o["status"] for o in orders}


def test_orders_are_consistent():
	orders, categories = sample()
	assert [o["creation"] for o in orders] == sorted(o["creation"] for o in orders)
	assert min(o["creation"] for o in orders) >= NOW - timedelta(days=732)
	for o in orders:
		assert o["creation"] <= NOW
		finished = o["status"] in ("Completed", "Closed")
		assert bool(o["completed_on"]) == finished, o
		if finished:
			assert o["creation"] <= o["first_responded_on"] <= o["completed_on"] <= NOW
			met = o["completed_on"] <= o["sla_resolution_by"] and o["first_responded_on"] <= o["response_by"]
			assert o["agreement_status"] == ("Fulfilled" if met else "Failed")
		else:
			assert not o["rating"] and not o["return_visit"]
		if o["rating"]:
			assert 1 <= o["rating"] <= 5 and o["rated_on"] >= o["completed_on"]
		# a requester only once they lived there (move-in 2025-06-01)
		assert (o["requester"] is None) == (o["creation"].date() < date(2025, 6, 1))
		policy = categories[o["service_category"]].return_visit_policy
		if finished:
			expected = policy == "Always" or (policy == "Only if unrated" and not o["rating"])
			assert bool(o["return_visit"]) == expected
		if o["status"] in ("Dispatched", "In Progress", "Completed", "Closed"):
			assert o["technician"] in categories[o["service_category"]].technicians
		if o["materials"]:
			assert categories[o["service_category"]].chargeable and finished
	statuses = Counter(o["agreement_status"] for o in orders)
	assert statuses["Fulfilled"] > statuses["Failed"] > 0, "SLAs mostly met, some breached"
	assert any(o["escalation_level"] == 2 for o in orders) and any(o["escalation_level"] == 1 for o in orders)
	ratings = Counter(o["rating"] for o in orders if o["rating"])
	assert ratings[5] > ratings[3] > 0 and ratings[1] > 0
	visits = Counter(
		o["return_visit"]["outcome"] for o in orders if o["return_visit"] and o["return_visit"].get("outcome")
	)
	assert visits["Satisfied"] > visits["Unsatisfied"] > 0 and visits["Unreachable"] > 0


def test_the_season_shows():
	orders, categories = sample(n=6000)

	def share(season, months):
		in_months = [o for o in orders if o["creation"].month in months]
		return sum(categories[o["service_category"]].season == season for o in in_months) / len(in_months)

	assert share("summer", (6, 7, 8)) > 2 * share("summer", (12, 1, 2))
	assert share("winter", (12, 1, 2)) > 2 * share("winter", (6, 7, 8))
	per_month = Counter(o["creation"].month for o in orders)
	assert per_month[7] > per_month[4], "July is busier than April"


def test_names_follow_the_naming_series():
	orders, _ = sample(n=200)
	last = name_orders(orders, {"SO-2025-": 17})
	names = [o["name"] for o in orders]
	assert len(set(names)) == len(names)
	first_2025 = next(o for o in orders if o["creation"].year == 2025)
	assert first_2025["name"] == "SO-2025-00018", "continues after the series' current number"
	for prefix, number in last.items():
		assert f"{prefix}{number:05d}" in names


def test_default_category_tree():
	rows = category_rows()
	names = [r["category_name"] for r in rows]
	assert len(names) == len(set(names))
	groups = {r["category_name"] for r in rows if r["is_group"]}
	assert groups == {"Repair", "Cleaning", "Security", "Landscaping", "Other"}
	for row in rows:
		assert row["default_priority"] in TARGETS
		if not row["is_group"]:
			assert row["parent_category"] in groups
			assert row["response_hours"] <= row["resolution_hours"] or not row["resolution_hours"]
	zh = chinese_names()
	assert {
		"维修",
		"保洁",
		"安保",
		"绿化",
		"其他",
		"水电维修",
		"门窗维修",
		"电梯故障",
		"公共设施维修",
		"家电维修",
	} <= set(zh.values())
	for english, chinese in zh.items():
		assert ZH.get(english) == chinese, english
	assert len(CATEGORY_TREE) == 5
	assert set(demo_orders.SUBJECTS) == {leaf.name for leaf in leaves() if leaf.name != "Other Requests"}


def test_residents_read_residents_words():
	for state in STATES:
		word = resident_status(state)
		assert word != state, "never the desk's workflow name"
		assert word in ZH, word
	assert ZH[resident_status("Draft")] == "已提交"
	expected = {"Accepted": "已受理", "Dispatched": "已派单", "In Progress": "处理中", "Completed": "已完工",
		"Closed": "已关闭", "Cancelled": "已取消"}  # fmt: skip
	for state, chinese in expected.items():
		assert ZH[RESIDENT_WORDS[state]] == chinese


def test_every_technician_has_open_jobs_and_customer_service_new_requests():
	"""At any demo size beyond a handful, every role has live work: each pool technician two open jobs in
	his own categories, several new requests waiting to be accepted."""
	orders, categories = sample(n=300)
	technicians = {t for c in categories.values() for t in c.technicians}
	for technician in technicians:
		mine = [
			o
			for o in orders
			if o["technician"] == technician and o["status"] in ("Dispatched", "In Progress")
		]
		assert len(mine) >= 2, technician
		assert all(technician in categories[o["service_category"]].technicians for o in mine)
	assert sum(o["status"] == "Draft" for o in orders) >= 5
