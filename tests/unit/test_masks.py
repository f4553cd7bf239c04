"""Masks of mobiles and ID numbers (property_crm/masks.py)."""

import pytest

from property_crm.masks import is_masked, mask, mask_id, mask_mobile


def test_mainland_mobile_keeps_3_and_4():
	assert mask_mobile("13812345678") == "138****5678"


def test_international_mobile_keeps_3_and_4():
	assert mask_mobile("+85291234567") == "+85*****4567"


@pytest.mark.parametrize(("value", "masked"), [("12345678", "******78"), ("1234", "****"), ("", "")])
def test_short_numbers_are_mostly_stars(value, masked):
	assert mask_mobile(value) == masked


def test_mainland_id_card_keeps_4_and_4():
	assert mask_id("110101199003071234") == "1101**********1234"
	assert mask_id("11010119900307123X") == "1101**********123X"


@pytest.mark.parametrize(
	("value", "masked"),
	[
		("E12345678", "E******78"),  # passport
		("H1234567801", "H********01"),  # Hong Kong/Macau permit, 11
		("12345678", "1*****78"),  # Taiwan permit, 8
		("AB12", "***2"),
		("X1", "**"),
	],
)
def test_other_documents_show_less(value, masked):
	assert mask_id(value) == masked


@pytest.mark.parametrize("value", ["110101199003071234", "E12345678", "13812345678", "12345678"])
def test_id_never_more_than_half_shown(value):
	masked = mask_id(value)
	assert sum(1 for c in masked if c != "*") <= len(value) / 2
	assert len(masked) == len(value)


def test_masking_is_idempotent_and_recognised():
	once = mask_id("110101199003071234")
	assert is_masked(once)
	assert mask_id(once) == once
	assert mask("mobile", "138****5678") == "138****5678"
	assert not is_masked("13812345678")
	assert not is_masked("")
	assert not is_masked(None)
