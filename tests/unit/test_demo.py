import random
import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.demo.generate import people as demo
from property_crm.property_households.rules.contact import is_mainland_mobile, normalize_mobile
from property_crm.property_households.rules.identity import birth_date_from_mainland_id, normalize_id_number

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("seed", range(5))
def test_generated_people_pass_the_validators(seed):
	rng = random.Random(seed)
	for _ in range(500):
		born = demo.birth_date(rng, 1, 90, TODAY)
		number = demo.mainland_id(rng, born)
		assert normalize_id_number("Mainland ID Card", number, born, TODAY) == number
		mobile = demo.mobile(rng)
		assert normalize_mobile(mobile) == mobile
		assert is_mainland_mobile(mobile)
		name, gender = demo.chinese_name(rng)
		assert 2 <= len(name) <= 3 and gender in ("Male", "Female")
		assert name[0] in demo.SURNAMES and all(ch in demo.GIVEN for ch in name[1:])


def test_word_lists_are_large_and_distinct():
	assert len(set(demo.SURNAMES)) == len(demo.SURNAMES) >= 60
	assert len(set(demo.GIVEN)) == len(demo.GIVEN) >= 150
	assert len(set(demo.REGIONS)) == len(demo.REGIONS) >= 30
	assert all(re.fullmatch(r"[1-8][0-9]{5}", region) for region in demo.REGIONS)
	assert all(re.fullmatch(r"1[3-9][0-9]", prefix) for prefix in demo.MOBILE_PREFIXES)


def test_names_are_unique_enough_for_a_demo_estate():
	rng = random.Random(11)
	names = [demo.chinese_name(rng)[0] for _ in range(5000)]
	assert len(set(names)) >= 0.95 * len(names)
	assert {len(name) for name in names} == {2, 3}


@given(
	st.integers(0, 2**32), st.integers(0, 60), st.integers(0, 130), st.sampled_from(["Male", "Female", None])
)
def test_ids_match_birth_region_and_gender(seed, min_age, extra, gender):
	rng = random.Random(seed)
	born = demo.birth_date(rng, min_age, min_age + extra, TODAY)
	assert date(1900, 1, 1) <= born <= TODAY
	region = rng.choice(demo.REGIONS)
	number = demo.mainland_id(rng, born, region, gender=gender)
	assert normalize_id_number("Mainland ID Card", number, born, TODAY) == number
	assert number.startswith(region) and birth_date_from_mainland_id(number) == born
	if gender:
		assert int(number[16]) % 2 == (gender == "Male")


def test_birth_dates_fall_in_the_age_range():
	rng = random.Random(5)
	for _ in range(1000):
		born = demo.birth_date(rng, 18, 85, TODAY)
		age_days = (TODAY - born).days
		assert 18 * 365 <= age_days <= 85 * 365


def test_same_seed_same_data():
	assert [demo.mobile(random.Random(7)) for _ in range(3)] == [
		demo.mobile(random.Random(7)) for _ in range(3)
	]


@pytest.mark.parametrize("n", [1, 200, 400])
def test_estate_codes_and_names_unique(n):
	estates = demo.estate_names(random.Random(1), n)
	assert len(estates) == n
	assert len({code for code, _ in estates}) == n
	assert len({name for _, name in estates}) == n
	assert estates[0][0] == "A01"
	assert all(re.fullmatch(r"A[0-9]{2,}", code) for code, _ in estates)


def test_unit_numbers():
	units = demo.unit_numbers(3, 2)
	assert units == [(1, "101"), (1, "102"), (2, "201"), (2, "202"), (3, "301"), (3, "302")]
	assert demo.unit_numbers(12, 4)[-1] == (12, "1204")


def test_plates():
	rng = random.Random(3)
	plates = [demo.plate_number(rng) for _ in range(200)]
	assert all(len(p) in (7, 8) for p in plates)
	assert any(len(p) == 8 for p in plates)
	ordinary = re.compile(r"[京沪粤浙苏川鄂湘鲁豫闽皖津渝][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5}")
	new_energy = re.compile(r"[京沪粤浙苏川鄂湘鲁豫闽皖津渝][A-HJ-NP-Z][DF][0-9]{5}")
	assert all(ordinary.fullmatch(p) or new_energy.fullmatch(p) for p in plates)  # no I or O


def test_many_people_are_fast():
	"""The seed command makes 40,000 residents; the generators must not be the slow part."""
	import time

	rng = random.Random(2)
	start = time.perf_counter()
	for _ in range(40_000):
		born = demo.birth_date(rng, 18, 85, TODAY)
		demo.mainland_id(rng, born)
		demo.mobile(rng)
		demo.chinese_name(rng)
	assert time.perf_counter() - start < 5
