import random
from datetime import date

import pytest

from property_crm.domain import demo
from property_crm.domain.contact import normalize_mobile
from property_crm.domain.identity import normalize_id_number

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
		name, gender = demo.chinese_name(rng)
		assert 2 <= len(name) <= 3 and gender in ("Male", "Female")


def test_same_seed_same_data():
	assert [demo.mobile(random.Random(7)) for _ in range(3)] == [
		demo.mobile(random.Random(7)) for _ in range(3)
	]


def test_estate_codes_unique_at_scale():
	estates = demo.estate_names(random.Random(1), 400)
	assert len({code for code, _ in estates}) == 400
	assert len({name for _, name in estates}) == 400


def test_unit_numbers():
	units = demo.unit_numbers(3, 2)
	assert units == [(1, "101"), (1, "102"), (2, "201"), (2, "202"), (3, "301"), (3, "302")]
	assert demo.unit_numbers(12, 4)[-1] == (12, "1204")


def test_plates():
	rng = random.Random(3)
	plates = [demo.plate_number(rng) for _ in range(200)]
	assert all(len(p) in (7, 8) for p in plates)
	assert any(len(p) == 8 for p in plates)
