from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.domain.errors import DomainError
from property_crm.domain.occupancy import (
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


def test_codes():
	assert validate_code("a01", "estate_code", "Estate Code") == "A01"
	for bad in ("", "A 01", "A-01", "小区", "X" * 21):
		with pytest.raises(DomainError) as caught:
			validate_code(bad, "estate_code", "Estate Code")
		assert str(caught.value).startswith("Estate Code:")


@given(st.floats(0.01, 10_000), st.floats(0.0, 1.0))
def test_inner_area_up_to_built_up_area_is_fine(built, share):
	validate_areas(built, built * share)


@given(st.floats(0.01, 10_000), st.floats(1.0001, 10))
def test_inner_area_above_built_up_area_is_refused(built, factor):
	with pytest.raises(DomainError) as caught:
		validate_areas(built, built * factor)
	assert caught.value.field == "inner_area"


@pytest.mark.parametrize("built", [None, 0, -5])
def test_built_up_area_required_positive(built):
	with pytest.raises(DomainError) as caught:
		validate_areas(built, None)
	assert caught.value.field == "built_up_area"


def test_negative_inner_area():
	with pytest.raises(DomainError):
		validate_areas(80, -1)


def test_floors():
	validate_floor(12, 30)
	validate_floor(-2, 30)
	validate_floor(40, None)
	for floor, top in ((0, 30), (-11, 30), (31, 30), (None, 30)):
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


def test_same_person_twice_only_for_separate_periods():
	with pytest.raises(DomainError, match="rows 1 and 2"):
		validate_occupants([row(1, "P1"), row(2, "P1", "Tenant", move_in=D(2022, 1, 1))])
	validate_occupants([row(1, "P1", move_out=D(2021, 12, 31)), row(2, "P1", move_in=D(2022, 1, 1))])


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


@given(
	st.dates(D(2000, 1, 1), D(2030, 1, 1)),
	st.integers(0, 2000),
	st.dates(D(2000, 1, 1), D(2030, 1, 1)),
	st.integers(0, 2000),
)
def test_primary_overlap_is_symmetric_and_matches_interval_arithmetic(a_in, a_len, b_in, b_len):
	from datetime import timedelta

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
