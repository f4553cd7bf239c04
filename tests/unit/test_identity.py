from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.errors import DomainError
from property_crm.property_households.rules.identity import (
	ID_TYPES,
	PROVINCES,
	birth_date_from_mainland_id,
	mainland_check_digit,
	mask_id_number,
	normalize_id_number,
)

TODAY = date(2026, 11, 23)
MAINLAND = "Mainland ID Card"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def mainland_ids(draw):
	province = draw(st.sampled_from(sorted(PROVINCES)))
	rest_of_region = draw(st.integers(0, 9999))
	born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
	sequence = draw(st.integers(0, 999))
	first17 = f"{province:02d}{rest_of_region:04d}{born:%Y%m%d}{sequence:03d}"
	return first17 + mainland_check_digit(first17), born


def test_id_types_are_the_select_options():
	assert ID_TYPES == ("Mainland ID Card", "Passport", "Hong Kong/Macau Permit", "Taiwan Permit", "Other")


def test_check_digit():
	assert mainland_check_digit("11010519491231002") == "X"
	# worked by hand: 28+36+0+15+0+16+2+9+54+0+0+9+0+5+0+0+2 = 176; 176 % 11 = 0 -> "1"
	assert mainland_check_digit("44030419900101001") == "1"
	assert {mainland_check_digit(f"1101051990010100{d}") for d in range(10)} <= set("0123456789X")


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
	assert normalize_id_number(MAINLAND, number, None, TODAY) == number
	assert (
		normalize_id_number(MAINLAND, normalize_id_number(MAINLAND, number, today=TODAY), today=TODAY)
		== number
	)
	assert birth_date_from_mainland_id(number) == born


@given(mainland_ids())
def test_lower_case_x_spaces_and_full_width_are_stored_in_ascii(case):
	number, born = case
	spaced = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
	assert normalize_id_number(MAINLAND, spaced, born, TODAY) == number
	assert normalize_id_number(MAINLAND, number.translate(FULL_WIDTH), born, TODAY) == number


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
		("110105194912310021X", "format"),  # too long
		("11010519491231002Y", "format"),
		("1101051949123100X2", "format"),  # X only as the last character
		("11010519491231002٣", "format"),  # an Arabic-Indic digit
		("110105491231002", "format"),  # the old 15-digit card is not accepted
		("00010519491231002X", "province"),
		("16010519491231002X", "province"),
		("72010519491231002X", "province"),
		("99010519491231002X", "province"),
		("110105" + "19990230" + "123", "date of birth"),  # 30 February (check digit appended below)
		("110105" + "19991301" + "123", "date of birth"),  # month 13
		("110105" + "20261124" + "123", "date of birth"),  # tomorrow
		("110105" + "20991231" + "123", "date of birth"),  # in the future
		("110105" + "18991231" + "123", "date of birth"),  # before 1900
	],
)
def test_invalid_mainland_ids(number, fragment):
	if len(number) == 17 and number.isdigit():
		number += mainland_check_digit(number)
	with pytest.raises(DomainError, match=fragment) as caught:
		normalize_id_number(MAINLAND, number, today=TODAY)
	assert caught.value.field == "id_number"


def test_every_province_code_of_the_brief_is_accepted():
	listed = [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55)]
	listed += [*range(61, 66), 71, 81, 82, 83]
	assert set(listed) == PROVINCES
	for province in listed:
		first17 = f"{province}0105" + "19800101" + "123"
		assert normalize_id_number(MAINLAND, first17 + mainland_check_digit(first17), today=TODAY)


def test_born_today_and_on_1900_01_01_are_accepted():
	for born in (TODAY, date(1900, 1, 1)):
		first17 = f"110105{born:%Y%m%d}123"
		number = first17 + mainland_check_digit(first17)
		assert normalize_id_number(MAINLAND, number, born, TODAY) == number


@pytest.mark.parametrize(
	"id_type, good, stored, bad",
	[
		("Passport", "e1234567 8", "E12345678", "E12-34"),
		("Passport", "G12345", "G12345", "E123"),  # 4 characters
		("Passport", "ＥＡ１２３４５６７", "EA1234567", "E" * 21),
		("Passport", "AB12345", "AB12345", "STRAßE1"),  # ß must not become SS
		("Hong Kong/Macau Permit", "h12345678", "H12345678", "X12345678"),
		("Hong Kong/Macau Permit", "M1234567890", "M1234567890", "M123456789"),
		("Hong Kong/Macau Permit", "M 1234 5678", "M12345678", "H1234567"),
		("Taiwan Permit", "12345678", "12345678", "T1234567"),
		("Taiwan Permit", "1234567890", "1234567890", "123456789"),
		("Other", "abc-123", "ABC-123", "abc_123"),
		("Other", "X", "X", "A" * 31),
		("Other", "军-1234", "", "军-1234"),  # letters are ASCII letters
	],
)
def test_other_documents_by_format(id_type, good, stored, bad):
	if stored:
		assert normalize_id_number(id_type, good, today=TODAY) == stored
		assert normalize_id_number(id_type, stored, today=TODAY) == stored
	with pytest.raises(DomainError, match="format") as caught:
		normalize_id_number(id_type, bad, today=TODAY)
	assert caught.value.field == "id_number"
	assert caught.value.params[1] == id_type  # the message names the document type


def test_other_documents_skip_the_mainland_rules():
	# a mainland-looking number with a wrong check digit is a fine "Other" document number
	assert normalize_id_number("Other", "110105194912310021", today=TODAY) == "110105194912310021"


def test_unknown_type_and_empty_number():
	with pytest.raises(DomainError) as caught:
		normalize_id_number("Driving Licence", "123", today=TODAY)
	assert caught.value.field == "id_type"
	assert all(normalize_id_number(t, "  ", today=TODAY) == "" for t in ID_TYPES)


def test_mask():
	assert mask_id_number("11010519491231002X") == "110105********002X"
	assert mask_id_number("E12345678") == "E******78"
	assert mask_id_number("E1234567890ABCDEFG") == "E" + "*" * 15 + "FG"  # 18 characters, not a mainland ID
	assert mask_id_number("H12345678") == "H******78"
	assert mask_id_number("") == ""
	assert mask_id_number("AB") == "**"
