from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.errors import DomainError
from property_crm.property_households.rules.occupancy import (
	OCCUPANT_RELATIONS,
	current_occupants,
	unit_name,
	unit_status_from_occupants,
	validate_areas,
	validate_code,
	validate_floor,
	validate_occupants,
)

D = date
SINCE_2020 = D(2020, 1, 1)


def row(idx, owner, relation="Owner", move_in=SINCE_2020, move_out=None, primary=0):
	return {
		"idx": idx,
		"owner": owner,
		"relation": relation,
		"move_in": move_in,
		"move_out": move_out,
		"primary_contact": primary,
	}


def test_unit_names():
	assert unit_name("A01", "2", "1203") == "A01-2-1203"
	assert unit_name(" a01 ", "b3", "0101") == "A01-B3-0101"
	for parts, field in (
		(("", "2", "1"), "estate"),
		(("A01", "", "1"), "building"),
		(("A01", "2", " "), "unit_number"),
	):
		with pytest.raises(DomainError) as caught:
			unit_name(*parts)
		assert caught.value.field == field
	with pytest.raises(DomainError, match="letters and digits"):
		unit_name("A01", "2-3", "1203")
	with pytest.raises(DomainError, match=r"Unit No\.") as caught:
		unit_name("A01", "2", "12 03")
	assert caught.value.field == "unit_number"
	assert unit_name("Ａ０１", "２", "１２０３") == "A01-2-1203"  # full-width input


@given(
	st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
	st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
	st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True),
)
def test_unit_name_round_trips(estate, building, unit):
	name = unit_name(f" {estate}", building, f"{unit} ")
	assert name.split("-") == [estate.upper(), building.upper(), unit.upper()]
	assert unit_name(*name.split("-")) == name


def test_codes():
	assert validate_code("a01", "estate_code", "Estate Code") == "A01"
	assert validate_code(" 7 ", "building_no", "Building No.") == "7"
	assert validate_code("X" * 20, "estate_code", "Estate Code") == "X" * 20
	assert validate_code("ｂ３", "building_no", "Building No.") == "B3"  # full-width input
	for bad in ("", "A 01", "A-01", "A_01", "小区", "X" * 21, "ß", "A٠1", None):
		with pytest.raises(DomainError) as caught:
			validate_code(bad, "estate_code", "Estate Code")
		assert str(caught.value).startswith("Estate Code:")
		assert caught.value.field == "estate_code"
		assert caught.value.params[0] == "Estate Code"  # the label is a parameter, translated by the caller


@given(st.floats(0.01, 10_000), st.floats(0.0, 1.0))
def test_inner_area_up_to_built_up_area_is_fine(built, share):
	validate_areas(built, built * share)


@given(st.floats(0.01, 10_000), st.floats(1.0001, 10))
def test_inner_area_above_built_up_area_is_refused(built, factor):
	with pytest.raises(DomainError) as caught:
		validate_areas(built, built * factor)
	assert caught.value.field == "inner_area"


def test_areas_examples():
	validate_areas(89.5, None)
	validate_areas(89.5, 0)  # an empty Float field arrives as 0: not given
	validate_areas(89.5, 89.5)
	validate_areas(0.01, 0.01)


@pytest.mark.parametrize("built", [None, 0, -5, float("nan")])
def test_built_up_area_required_positive(built):
	with pytest.raises(DomainError) as caught:
		validate_areas(built, None)
	assert caught.value.field == "built_up_area"


@pytest.mark.parametrize("inner", [-1, -0.01, float("nan"), 80.01])
def test_bad_inner_area(inner):
	with pytest.raises(DomainError) as caught:
		validate_areas(80, inner)
	assert caught.value.field == "inner_area"
	assert "80" in str(caught.value)


def test_floors():
	validate_floor(12, 30)
	validate_floor(-2, 30)
	validate_floor(40, None)
	validate_floor(30, 30)
	validate_floor(-10, 30)
	validate_floor(1, 0)  # an empty Int field arrives as 0: not given
	for floor, top in ((0, 30), (-11, 30), (31, 30), (None, 30), (0, None), (-11, None)):
		with pytest.raises(DomainError) as caught:
			validate_floor(floor, top)
		assert caught.value.field == "floor"


def test_occupant_rules():
	validate_occupants([row(1, "P1", primary=1), row(2, "P2", "Family Member")])
	with pytest.raises(DomainError, match="row 1"):
		validate_occupants([row(1, "P1", "Landlord")])
	with pytest.raises(DomainError, match="row 2"):
		validate_occupants([row(1, "P1"), row(2, "")])
	with pytest.raises(DomainError, match="before the move-in"):
		validate_occupants([row(1, "P1", move_in=D(2021, 5, 1), move_out=D(2021, 4, 30))])
	with pytest.raises(DomainError, match="move-in date"):
		validate_occupants([row(1, "P1", move_in=None, move_out=D(2021, 4, 30))])
	validate_occupants([row(1, "P1", move_in=D(2021, 5, 1), move_out=D(2021, 5, 1))])  # same day is fine
	validate_occupants([])


@pytest.mark.parametrize(
	"rows, fragment, numbers",
	[
		([row(1, "P1"), row(2, "P2", "Landlord")], "not a valid relation", ("row 2",)),
		([row(1, "P1"), row(2, "P2", None)], "not a valid relation", ("row 2",)),
		([row(1, "P1"), row(2, "P2"), row(3, None)], "choose the resident", ("row 3",)),
		([row(7, "P1", move_in=None, move_out=D(2021, 1, 1))], "move-in date", ("row 7",)),
		([row(4, "P1", move_in=D(2021, 1, 2), move_out=D(2021, 1, 1))], "2021-01-01", ("row 4",)),
	],
)
def test_row_errors_name_the_row(rows, fragment, numbers):
	with pytest.raises(DomainError, match=fragment) as caught:
		validate_occupants(rows)
	assert caught.value.field == "occupants"
	assert all(n in str(caught.value) for n in numbers)
	assert str(caught.value).startswith("Occupants, row")


def test_every_relation_is_accepted():
	assert OCCUPANT_RELATIONS == ("Owner", "Co-owner", "Tenant", "Family Member")
	validate_occupants([row(i, f"P{i}", relation) for i, relation in enumerate(OCCUPANT_RELATIONS, 1)])


def test_same_person_twice_only_for_separate_periods():
	with pytest.raises(DomainError, match="rows 1 and 2"):
		validate_occupants([row(1, "P1"), row(2, "P1", "Tenant", move_in=D(2022, 1, 1))])
	validate_occupants([row(1, "P1", move_out=D(2021, 12, 31)), row(2, "P1", move_in=D(2022, 1, 1))])
	with pytest.raises(DomainError, match="rows 1 and 2"):  # moving out and back in on the same day
		validate_occupants([row(1, "P1", move_out=D(2021, 12, 31)), row(2, "P1", move_in=D(2021, 12, 31))])
	with pytest.raises(DomainError, match="rows 2 and 3"):  # missing move-in: since forever
		validate_occupants(
			[
				row(1, "P1"),
				row(2, "P2", move_in=None),
				row(3, "P2", move_in=D(1990, 1, 1), move_out=D(1990, 2, 1)),
			]
		)


def test_one_primary_contact_at_a_time():
	with pytest.raises(DomainError, match="rows 1 and 3") as caught:
		validate_occupants(
			[row(1, "P1", primary=1), row(2, "P2"), row(3, "P3", primary=1, move_in=D(2023, 1, 1))]
		)
	assert caught.value.field == "occupants"
	validate_occupants(
		[
			row(1, "P1", primary=1, move_out=D(2022, 12, 31)),
			row(2, "P3", primary=1, move_in=D(2023, 1, 1)),
		]
	)
	# open-ended: a primary contact without dates overlaps every other primary contact
	with pytest.raises(DomainError, match="rows 2 and 3"):
		validate_occupants(
			[
				row(1, "P1", primary=0),
				row(2, "P2", primary=1, move_in=None),
				row(3, "P3", primary=True, move_in=D(1990, 1, 1), move_out=D(1990, 1, 2)),
			]
		)


@given(
	st.dates(D(2000, 1, 1), D(2030, 1, 1)),
	st.integers(0, 2000),
	st.dates(D(2000, 1, 1), D(2030, 1, 1)),
	st.integers(0, 2000),
)
def test_primary_overlap_is_symmetric_and_matches_interval_arithmetic(a_in, a_len, b_in, b_len):
	a = row(1, "P1", move_in=a_in, move_out=a_in + timedelta(days=a_len), primary=1)
	b = row(2, "P2", move_in=b_in, move_out=b_in + timedelta(days=b_len), primary=1)
	overlap = a["move_in"] <= b["move_out"] and b["move_in"] <= a["move_out"]
	for rows in ([a, b], [b, a]):
		if overlap:
			with pytest.raises(DomainError):
				validate_occupants(rows)
		else:
			validate_occupants(rows)


def test_current_occupants_and_status():
	on = D(2026, 6, 1)
	owner = row(1, "P1", primary=1)
	left = row(2, "P2", "Tenant", move_in=D(2019, 1, 1), move_out=D(2019, 12, 31))
	future = row(3, "P3", "Tenant", move_in=D(2027, 1, 1))
	assert current_occupants([owner, left, future], on) == [owner]
	assert unit_status_from_occupants([owner, left, future], on, "Vacant") == "Occupied"
	assert unit_status_from_occupants([left, future], on, "Occupied") == "Vacant"
	tenant = row(4, "P4", "Tenant", move_in=D(2026, 1, 1))
	assert unit_status_from_occupants([owner, tenant], on, "Occupied") == "Rented"
	assert unit_status_from_occupants([owner, tenant], on, "Renovating") == "Renovating"


def test_status_boundaries():
	stay = row(1, "P1", "Tenant", move_in=D(2026, 1, 1), move_out=D(2026, 6, 30))
	assert current_occupants([stay], D(2026, 1, 1)) == [stay]  # the move-in day counts
	assert current_occupants([stay], D(2026, 6, 30)) == [stay]  # so does the move-out day
	assert current_occupants([stay], D(2025, 12, 31)) == []
	assert current_occupants([stay], D(2026, 7, 1)) == []
	always = row(2, "P2", "Family Member", move_in=None)
	assert current_occupants([always], D(1900, 1, 1)) == [always]
	assert unit_status_from_occupants([], D(2026, 1, 1), "Occupied") == "Vacant"
	assert unit_status_from_occupants([], D(2026, 1, 1), "Renovating") == "Renovating"
	assert unit_status_from_occupants([always], D(2026, 1, 1), "Rented") == "Occupied"


@given(
	st.lists(
		st.tuples(
			st.sampled_from(OCCUPANT_RELATIONS),
			st.none() | st.dates(D(2015, 1, 1), D(2030, 1, 1)),
			st.none() | st.integers(0, 3000),
		),
		max_size=6,
	),
	st.dates(D(2015, 1, 1), D(2030, 1, 1)),
	st.sampled_from(["Vacant", "Occupied", "Rented"]),
)
def test_status_follows_the_active_rows(specs, on, current):
	rows = [
		row(
			i,
			f"P{i}",
			relation,
			move_in,
			move_in + timedelta(days=days) if move_in and days is not None else None,
		)
		for i, (relation, move_in, days) in enumerate(specs, 1)
	]
	active = current_occupants(rows, on)
	assert all((r["move_in"] or D.min) <= on <= (r["move_out"] or D.max) for r in active)
	assert len(active) == sum((r["move_in"] or D.min) <= on <= (r["move_out"] or D.max) for r in rows)
	status = unit_status_from_occupants(rows, on, current)
	expected = (
		"Rented" if any(r["relation"] == "Tenant" for r in active) else ("Occupied" if active else "Vacant")
	)
	assert status == expected
	assert unit_status_from_occupants(rows, on, "Renovating") == "Renovating"
