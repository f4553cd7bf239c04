from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.domain.errors import DomainError
from property_crm.domain.identity import (
	ID_TYPES,
	PROVINCES,
	birth_date_from_mainland_id,
	mainland_check_digit,
	mask_id_number,
	normalize_id_number,
)

TODAY = date(2026, 11, 23)
MAINLAND = "Mainland ID Card"


@st.composite
def mainland_ids(draw):
	province = draw(st.sampled_from(sorted(PROVINCES)))
	rest_of_region = draw(st.integers(0, 9999))
	born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
	sequence = draw(st.integers(0, 999))
	first17 = f"{province:02d}{rest_of_region:04d}{born:%Y%m%d}{sequence:03d}"
	return first17 + mainland_check_digit(first17), born


def test_standard_example():
	# the example of GB 11643-1999 itself
	assert normalize_id_number(MAINLAND, "11010519491231002X", today=TODAY) == "11010519491231002X"
	assert normalize_id_number(MAINLAND, "11010519491231002x", today=TODAY) == "11010519491231002X"
	assert normalize_id_number(MAINLAND, " 110105 19491231 002X ", today=TODAY) == "11010519491231002X"
	assert birth_date_from_mainland_id("11010519491231002X") == date(1949, 12, 31)


@given(mainland_ids())
def test_generated_valid_ids_are_accepted(case):
	number, born = case
	assert normalize_id_number(MAINLAND, number, born, TODAY) == number


@given(mainland_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(case, position, shift):
	number, _born = case
	changed_digit = str((int(number[position]) + shift) % 10)
	changed = number[:position] + changed_digit + number[position + 1 :]
	with pytest.raises(DomainError) as caught:
		normalize_id_number(MAINLAND, changed, today=TODAY)
	assert caught.value.field == "id_number"


@given(mainland_ids())
def test_wrong_check_digit_is_rejected(case):
	number, _born = case
	for wrong in "0123456789X":
		if wrong != number[17]:
			with pytest.raises(DomainError, match="check digit"):
				normalize_id_number(MAINLAND, number[:17] + wrong, today=TODAY)


@given(mainland_ids(), st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_date_of_birth_must_match(case, other):
	number, born = case
	if other != born:
		with pytest.raises(DomainError) as caught:
			normalize_id_number(MAINLAND, number, other, TODAY)
		assert caught.value.field == "date_of_birth"
		assert other.isoformat() in str(caught.value)


@pytest.mark.parametrize(
	"number, fragment",
	[
		("1101051949123100", "format"),  # too short
		("11010519491231002Y", "format"),
		("99010519491231002X", "province"),
		("110105" + "19990230" + "123", "date of birth"),  # 30 February (check digit appended below)
		("110105" + "20991231" + "123", "date of birth"),  # in the future
		("110105" + "18991231" + "123", "date of birth"),  # before 1900
	],
)
def test_invalid_mainland_ids(number, fragment):
	if len(number) == 17:
		number += mainland_check_digit(number)
	with pytest.raises(DomainError, match=fragment):
		normalize_id_number(MAINLAND, number, today=TODAY)


@pytest.mark.parametrize(
	"id_type, good, stored, bad",
	[
		("Passport", "e1234567 8", "E12345678", "E12-34"),
		("Hong Kong/Macau Permit", "h12345678", "H12345678", "X12345678"),
		("Hong Kong/Macau Permit", "M1234567890", "M1234567890", "M123456789"),
		("Taiwan Permit", "12345678", "12345678", "T1234567"),
		("Other", "abc-123", "ABC-123", "abc_123"),
	],
)
def test_other_documents_by_format(id_type, good, stored, bad):
	assert normalize_id_number(id_type, good, today=TODAY) == stored
	with pytest.raises(DomainError, match="format"):
		normalize_id_number(id_type, bad, today=TODAY)


def test_unknown_type_and_empty_number():
	with pytest.raises(DomainError) as caught:
		normalize_id_number("Driving Licence", "123", today=TODAY)
	assert caught.value.field == "id_type"
	assert all(normalize_id_number(t, "  ", today=TODAY) == "" for t in ID_TYPES)


def test_mask():
	assert mask_id_number("11010519491231002X") == "110105********002X"
	assert mask_id_number("E12345678") == "E******78"
	assert mask_id_number("") == ""
	assert mask_id_number("AB") == "**"
