"""The field staff's day of the demo (demo.generate.field), without Frappe: every staffer gets today's
jobs in his own categories, at homes whose requester lives there, each kind the phone shows once."""

import random
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from property_crm.demo.generate import field as demo_field
from property_crm.demo.generate.orders import CategoryInfo, UnitInfo, name_orders
from property_crm.property_service.rules import field as field_rules
from property_crm.property_service.rules.defaults import leaves
from property_crm.property_service.rules.service import REPEAT_WINDOW_DAYS

TARGETS = {"Urgent": (0.5, 4), "High": (2, 24), "Medium": (4, 48), "Low": (8, 96)}
CATEGORIES = [
	CategoryInfo(leaf.name, leaf.priority, leaf.chargeable, leaf.return_visit_policy, leaf.season, [],
		leaf.response_hours or 0, leaf.resolution_hours or 0)
	for leaf in leaves()
]  # fmt: skip


def units() -> list[UnitInfo]:
	out = []
	for estate in ("A01", "A02"):
		for building in (1, 2, 3):
			for n in range(1, 9):
				moved_in = date(2026, 12, 20) if n == 8 else date(2020, 5, 1)  # n 8: moving in later
				out.append(
					UnitInfo(
						f"{estate}-{building}-{n:02d}",
						estate,
						f"{estate}-{building}",
						f"P{estate}{building}{n}",
						moved_in,
					)
				)
		out.append(UnitInfo(f"{estate}-9-01", estate, f"{estate}-9", None, None))  # empty
	return out  # fmt: skip


def staff(count: int = 5, in_progress=()) -> list:
	rng = random.Random(count)
	return [(f"t{i}@x", rng.sample(CATEGORIES, 3), f"t{i}@x" in in_progress) for i in range(count)]


def day(now: datetime, count: int = 5, in_progress=(), seed: int = 1) -> list[dict]:
	orders = demo_field.today_jobs(random.Random(seed), staff(count, in_progress), units(), TARGETS, now)
	name_orders(orders, {})
	demo_field.link_repeats(orders)
	return orders


def phone_row(order: dict) -> dict:
	return {**order, "resolution_by": order["sla_resolution_by"]}


NOW = datetime(2026, 12, 3, 10, 17)


def test_every_staffer_gets_each_kind_of_job_today():
	orders = day(NOW, in_progress={"t1@x"})
	people = {u.name: u for u in units()}
	for user, categories, in_progress in staff(5, {"t1@x"}):
		mine = [o for o in orders if o["technician"] == user]
		today = [o for o in mine if o.get("preferred_time")]
		assert all(o["preferred_time"].date() == NOW.date() for o in today)
		assert len(today) >= demo_field.TO_START + 2
		assert {o["service_category"] for o in mine} <= {c.name for c in categories}
		open_ = [o for o in mine if o["status"] != "Closed"]
		statuses = [o["status"] for o in open_]
		assert statuses.count("Dispatched") >= 3
		assert statuses.count("In Progress") == (0 if in_progress else 1)
		states = {field_rules.sla_state(NOW, o["sla_resolution_by"]) for o in open_}
		assert states & {field_rules.BREACHED, field_rules.DUE_SOON_STATE}, states
		# every open job is on the phone's "today" tab
		assert {field_rules.tab_of(phone_row(o), NOW) for o in open_} == {"today"}
		# the repeat repair: his own visit of a few weeks ago, closed, same unit and category
		repeats = [o for o in open_ if o.get("repeat_of")]
		assert len(repeats) == 1
		first = next(o for o in orders if o["name"] == repeats[0]["repeat_of"])
		assert (first["status"], first["technician"]) == ("Closed", user)
		assert (first["unit"], first["service_category"]) == (
			repeats[0]["unit"],
			repeats[0]["service_category"],
		)
		assert (
			timedelta(days=14)
			< repeats[0]["creation"] - first["creation"]
			< timedelta(days=REPEAT_WINDOW_DAYS)
		)
		# the occupancy rule: the requester is the unit's primary contact, living there already
		for order in mine:
			unit = people[order["unit"]]
			assert order["requester"] == unit.requester and unit.requester_since <= order["creation"].date()
			assert order["estate"] == unit.estate and order["building"] == unit.building
			assert order["first_responded_on"] and order["creation"] <= order["first_responded_on"] <= NOW
			assert order["creation"] < NOW


def test_breached_and_nearly_breached_alternate():
	orders = day(NOW, count=4)
	for index in range(4):
		open_ = [o for o in orders if o["technician"] == f"t{index}@x" and o["status"] != "Closed"]
		breached = [o for o in open_ if o["sla_resolution_by"] <= NOW]
		soon = [o for o in open_ if NOW < o["sla_resolution_by"] <= NOW + timedelta(hours=2)]
		assert (len(breached), len(soon)) == ((1, 0) if index % 2 else (0, 1))
		assert all(o["agreement_status"] == "Failed" for o in breached)
		assert all(o["escalation_level"] >= 1 for o in breached + soon)


def test_preferred_times_are_on_half_hours_and_to_come_when_the_day_allows():
	for now in (
		datetime(2026, 12, 3, 0, 30),
		NOW,
		datetime(2026, 12, 3, 18, 10),
		datetime(2026, 12, 3, 23, 50),
	):
		slots = demo_field.today_slots(random.Random(2), now, 5)
		assert len(slots) == len(set(slots)) == 5 and slots == sorted(slots)
		assert all(s.date() == now.date() and s.minute in (0, 30) for s in slots)
		if now.hour < 17:
			assert all(s > now for s in slots)


def test_staff_without_categories_or_homes_get_nothing():
	assert demo_field.today_jobs(random.Random(1), [("t@x", [], False)], units(), TARGETS, NOW) == []
	assert demo_field.today_jobs(random.Random(1), staff(2), [], TARGETS, NOW) == []


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)))
def test_any_moment_gives_a_consistent_day(seed, now):
	now = now.replace(microsecond=0)
	orders = day(now, count=3, seed=seed)
	assert [o["creation"] for o in orders] == sorted(o["creation"] for o in orders)
	assert len({o["name"] for o in orders}) == len(orders)
	for order in orders:
		assert order["creation"] <= now
		if order["status"] != "Closed":
			assert order["preferred_time"].date() == now.date()
			assert field_rules.tab_of(phone_row(order), now) == "today"
