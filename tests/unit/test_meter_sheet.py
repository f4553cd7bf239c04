"""Bulk meter-reading entry (domain/meter_sheet.py): the sheet's rows and order, typed numbers, and which
rows create, update, leave unchanged or skip a reading."""

import csv
import re
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_fees.rules import meter_sheet
from property_crm.property_fees.rules.meter_sheet import SheetError

D = Decimal


def unit(name, floor, number):
	return {"name": name, "floor": floor, "unit_number": number}


def sheet_row(name, reading=None, current=None, previous=100.0, **kwargs):
	row = {
		"unit": name,
		"meter_no": kwargs.pop("meter_no", ""),
		"previous_reading": previous,
		"reading": reading,
		"current_reading": current,
		"meter_change": 0,
		"old_meter_final_reading": None,
		"rollover": 0,
		"meter_digits": None,
	}
	return row | kwargs


# ------------------------------------------------------------------ arguments
def test_month_of_accepts_a_month_or_any_day_of_it():
	assert meter_sheet.month_of("2026-03") == date(2026, 3, 1)
	assert meter_sheet.month_of("2026-03-17") == date(2026, 3, 1)
	assert meter_sheet.month_of(" 2026-3 ") == date(2026, 3, 1)
	assert meter_sheet.month_of(date(2026, 2, 28)) == date(2026, 2, 1)
	assert meter_sheet.month_of(datetime(2026, 12, 31, 23, 59)) == date(2026, 12, 1)


@pytest.mark.parametrize("value", ["", None, "March", "2026-13", "2026-02-30", "26-03"])
def test_month_of_refuses_what_is_not_a_month(value):
	with pytest.raises(SheetError) as e:
		meter_sheet.month_of(value)
	assert e.value.message == meter_sheet.SHEET_MONTH and e.value.field == "period"


def test_meter_type_is_one_of_the_three():
	assert [meter_sheet.meter_type_of(t) for t in ("Water", "Electricity", "Gas")] == list(
		meter_sheet.METER_TYPES
	)
	with pytest.raises(SheetError) as e:
		meter_sheet.meter_type_of("water")
	assert e.value.message == meter_sheet.SHEET_METER_TYPE and e.value.params == ("water",)


# ------------------------------------------------------------------ the sheet
def test_sheet_in_walking_order_with_previous_and_this_months_reading():
	units = [
		unit("B-1-1203", 12, "1203"),
		unit("B-1-201", 2, "201"),
		unit("B-1-1001", 10, "1001"),
		unit("B-1-202", 2, "202"),
		unit("B-1-B101", -1, "B101"),
		unit("B-1-X", None, "X"),
		unit("B-1-210", 2, "210"),
	]
	before = {
		"B-1-201": {"period": date(2026, 2, 1), "current_reading": 120.5, "meter_no": "W-201"},
		"B-1-202": {"period": date(2025, 11, 1), "current_reading": 88.0, "meter_no": "W-202"},
		"B-1-1001": {"period": date(2026, 2, 1), "current_reading": 10.0, "meter_no": "W-OLD"},
	}
	this_month = {
		"B-1-201": {"name": "MR-1", "current_reading": 130.0, "previous_reading": 120.5, "consumption": 9.5,
			"meter_no": "W-201", "meter_change": 0, "rollover": 0, "meter_digits": 5},
		"B-1-1001": {"name": "MR-2", "current_reading": 3.0, "previous_reading": 10.0, "consumption": 5.0,
			"meter_no": "", "meter_change": 1, "old_meter_final_reading": 12.0, "rollover": 0},
	}  # fmt: skip
	rows = meter_sheet.assemble(units, this_month, before)
	assert [r["unit"] for r in rows] == [
		"B-1-B101", "B-1-201", "B-1-202", "B-1-210", "B-1-1001", "B-1-1203", "B-1-X",
	]  # fmt: skip
	by = {r["unit"]: r for r in rows}
	assert by["B-1-201"] | {} == {
		"unit": "B-1-201", "floor": 2, "unit_number": "201", "meter_no": "W-201", "previous_reading": 120.5,
		"previous_period": date(2026, 2, 1), "first": 0, "reading": "MR-1", "current_reading": 130.0,
		"consumption": 9.5, "meter_change": 0, "old_meter_final_reading": None, "rollover": 0, "meter_digits": None,
	}  # fmt: skip
	# not read this month: the last reading, however old, and its meter number as a suggestion
	assert (by["B-1-202"]["previous_reading"], by["B-1-202"]["reading"], by["B-1-202"]["meter_no"]) == (
		88.0,
		None,
		"W-202",
	)
	# an entered reading shows its own meter number, even blank, and its meter change
	assert by["B-1-1001"]["meter_no"] == "" and by["B-1-1001"]["old_meter_final_reading"] == 12.0
	# never read: nothing to measure from, so the row takes a starting reading
	assert by["B-1-1203"]["previous_reading"] is None and by["B-1-1203"]["current_reading"] is None
	assert [r["unit"] for r in rows if r["first"]] == ["B-1-B101", "B-1-210", "B-1-1203", "B-1-X"]


def test_previous_is_the_stored_one_of_an_entered_reading():
	rows = meter_sheet.assemble(
		[unit("U", 1, "101")],
		{"U": {"name": "MR-9", "current_reading": 50, "previous_reading": 40}},
		{"U": {"period": date(2026, 2, 1), "current_reading": 45}},
	)
	assert rows[0]["previous_reading"] == 40
	# a stored 0 is "not set": the doctype measures from the last reading again on save
	rows = meter_sheet.assemble(
		[unit("U", 1, "101")],
		{"U": {"name": "MR-9", "current_reading": 50, "previous_reading": 0}},
		{"U": {"period": date(2026, 2, 1), "current_reading": 45}},
	)
	assert rows[0]["previous_reading"] == 45


# ------------------------------------------------------------------ typed numbers
@pytest.mark.parametrize(
	"typed, value",
	[
		(None, None),
		("", None),
		("   ", None),
		("123", D("123")),
		(" 1,234.5 ", D("1234.5")),
		("１２３．５", D("123.5")),
		(12, D("12")),
		(12.25, D("12.25")),
		(D("7.10"), D("7.10")),
	],
)
def test_number(typed, value):
	assert meter_sheet.number(typed) == value


@pytest.mark.parametrize("typed", ["abc", "12a", "NaN", "Infinity", "1.2.3", True])
def test_number_refuses(typed):
	with pytest.raises(ValueError):
		meter_sheet.number(typed)


@pytest.mark.parametrize(
	"typed, value",
	[(1, True), ("1", True), ("true", True), (0, False), ("0", False), (None, False), ("", False)],
)
def test_flag(typed, value):
	assert meter_sheet.flag(typed) is value


# ------------------------------------------------------------------ the plan
SHEET = [
	sheet_row("U1"),
	sheet_row("U2", reading="MR-2", current=130.0, meter_no="W2"),
	sheet_row(
		"U3", reading="MR-3", current=5.0, meter_no="W3", meter_change=1, old_meter_final_reading=140.0
	),
	sheet_row("U4"),
]


def test_plan_sorts_rows_into_create_update_unchanged_skip():
	plan = meter_sheet.plan(
		SHEET,
		[
			{"unit": "U4", "current_reading": "", "meter_no": "W4"},
			{"unit": "U3", "current_reading": "5", "meter_no": "W3", "meter_change": 1,
				"old_meter_final_reading": "140"},
			{"unit": "U2", "current_reading": "131", "meter_no": "W2"},
			{"unit": "U1", "current_reading": "112.5", "meter_no": " W1 "},
		],
	)  # fmt: skip
	assert plan.problems == []
	assert [c.unit for c in plan.creates] == ["U1"]
	assert plan.creates[0] == meter_sheet.Change(
		"U1",
		None,
		{"current_reading": D("112.5"), "meter_no": "W1", "meter_change": 0, "old_meter_final_reading": None,
			"rollover": 0, "meter_digits": None},
	)  # fmt: skip
	assert [(c.unit, c.reading, c.values["current_reading"]) for c in plan.updates] == [
		("U2", "MR-2", D("131"))
	]
	assert plan.unchanged == ["U3"] and plan.skipped == ["U4"]
	assert plan.counts() == {"created": 1, "updated": 1, "unchanged": 1, "skipped": 1}


def test_any_typed_difference_updates():
	base = {
		"unit": "U3",
		"current_reading": "5.0",
		"meter_no": "W3",
		"meter_change": "1",
		"old_meter_final_reading": 140,
	}
	assert meter_sheet.plan(SHEET, [base]).unchanged == ["U3"]
	for change in (
		{"meter_no": "W3-NEW"},
		{"old_meter_final_reading": "141"},
		{"meter_change": 0},
		{"rollover": 1, "meter_digits": 5},
	):
		assert [c.unit for c in meter_sheet.plan(SHEET, [base | change]).updates] == ["U3"], change


def test_what_does_not_count_is_ignored():
	"""Digits without a rollover and an old meter's reading without a meter change are not kept."""
	plan = meter_sheet.plan(
		SHEET,
		[
			{
				"unit": "U2",
				"current_reading": 130,
				"meter_no": "W2",
				"meter_digits": 5,
				"old_meter_final_reading": 9,
			}
		],
	)
	assert plan.unchanged == ["U2"]
	(create,) = meter_sheet.plan(
		SHEET, [{"unit": "U1", "current_reading": 1, "meter_digits": "x", "old_meter_final_reading": "y"}]
	).creates
	assert create.values["meter_digits"] is None and create.values["old_meter_final_reading"] is None


def test_a_meter_never_read_starts_from_its_starting_reading():
	new_meter = meter_sheet.assemble([unit("N", 1, "101")], {}, {})
	(create,) = meter_sheet.plan(
		new_meter, [{"unit": "N", "current_reading": "1,250", "previous_reading": "1,234.5"}]
	).creates
	assert (create.values["previous_reading"], create.values["current_reading"]) == (D("1234.5"), D("1250"))
	# no starting reading typed: the meter starts from 0
	(create,) = meter_sheet.plan(new_meter, [{"unit": "N", "current_reading": "12"}]).creates
	assert create.values["previous_reading"] == 0
	# entered: changing the starting reading updates the month's reading; the same one leaves it alone
	entered = meter_sheet.assemble(
		[unit("N", 1, "101")],
		{"N": {"name": "MR-1", "current_reading": 1250, "previous_reading": 1234.5}},
		{},
	)
	assert entered[0]["first"] and entered[0]["previous_reading"] == 1234.5
	same = {"unit": "N", "current_reading": "1250", "previous_reading": "1234.50"}
	assert meter_sheet.plan(entered, [same]).unchanged == ["N"]
	(update,) = meter_sheet.plan(entered, [same | {"previous_reading": "1230"}]).updates
	assert update.values["previous_reading"] == D("1230")


def test_a_meter_read_before_takes_no_starting_reading():
	read = meter_sheet.assemble(
		[unit("R", 1, "101")], {}, {"R": {"period": date(2026, 2, 1), "current_reading": 88.0}}
	)
	assert not read[0]["first"]
	plan = meter_sheet.plan(read, [{"unit": "R", "current_reading": "95", "previous_reading": "10"}])
	assert [(p.unit, p.message, p.params) for p in plan.problems] == [
		("R", meter_sheet.SHEET_READ_BEFORE, ("R", "2026-02"))
	]
	assert plan.creates == []
	# the last reading sent back as it was shown is no starting reading: measured from it, not stored as one
	(create,) = meter_sheet.plan(
		read, [{"unit": "R", "current_reading": "95", "previous_reading": "88"}]
	).creates
	assert "previous_reading" not in create.values


def test_problems_name_the_unit():
	plan = meter_sheet.plan(
		SHEET,
		[
			{"unit": "U1", "current_reading": "12o"},
			{"unit": "OTHER-1", "current_reading": "1"},
			{"unit": "U2", "current_reading": "131"},
			{"unit": "U2", "current_reading": "132"},
			{"unit": "U4", "current_reading": "1", "rollover": 1, "meter_digits": "5.5"},
			{"current_reading": "1"},
		],
	)
	assert [(p.unit, p.message, p.params) for p in plan.problems] == [
		("U1", meter_sheet.SHEET_NOT_A_NUMBER, ("U1", "12o")),
		("U2", meter_sheet.SHEET_TWICE, ("U2",)),
		("U4", meter_sheet.SHEET_NOT_A_NUMBER, ("U4", "5.5")),
		("OTHER-1", meter_sheet.SHEET_NOT_A_UNIT, ("OTHER-1",)),
		("", meter_sheet.SHEET_NOT_A_UNIT, ("",)),
	]
	assert [c.unit for c in plan.updates] == ["U2"]


@given(
	st.lists(
		st.tuples(
			st.sampled_from(["U1", "U2", "U3", "U4", "X"]),
			st.one_of(st.none(), st.just(""), st.decimals(min_value=0, max_value=10**6, places=2).map(str)),
		),
		max_size=8,
	)
)
def test_every_typed_row_is_counted_once(typed):
	plan = meter_sheet.plan(SHEET, [{"unit": u, "current_reading": v} for u, v in typed])
	total = sum(plan.counts().values()) + len(plan.problems)
	assert total == len(typed)
	touched = [c.unit for c in plan.creates + plan.updates] + plan.unchanged + plan.skipped
	assert len(touched) == len(set(touched))
	assert all(c.reading is None for c in plan.creates) and all(c.reading for c in plan.updates)


@given(
	st.lists(
		st.tuples(
			st.one_of(st.none(), st.integers(-3, 40)), st.from_regex(r"[0-9]{1,4}[A-B]?", fullmatch=True)
		),
		max_size=12,
	)
)
def test_walking_order_is_by_floor_then_number(units):
	rows = meter_sheet.assemble([unit(f"N{i}", f, n) for i, (f, n) in enumerate(units)], {}, {})
	keys = [(r["floor"] is None, r["floor"] or 0) for r in rows]
	assert keys == sorted(keys)
	for a, b in pairwise(rows):
		if a["floor"] == b["floor"] and a["unit_number"].isdigit() and b["unit_number"].isdigit():
			assert int(a["unit_number"]) <= int(b["unit_number"])


# ------------------------------------------------------------------ messages
def test_messages_are_translated_and_name_the_field():
	catalogue = Path(meter_sheet.__file__).resolve().parents[2] / "translations" / "zh.csv"
	with catalogue.open(encoding="utf-8", newline="") as fh:
		zh = {row[0]: row[1] for row in csv.reader(fh) if row}
	assert not [m for m in meter_sheet.SHEET_MESSAGES if not zh.get(m)]
	for template in meter_sheet.SHEET_MESSAGES:
		assert re.match(r"^(\{0\}|[A-Z][\w\s]*)[:\s]", template), template
		assert set(re.findall(r"\{\d\}", zh[template])) == set(re.findall(r"\{\d\}", template)), template
