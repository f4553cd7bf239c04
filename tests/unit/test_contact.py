import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.domain.contact import is_mainland_mobile, normalize_email, normalize_mobile
from property_crm.domain.errors import DomainError

mainland = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "+86-"])


@st.composite
def decorated(draw, number):
	"""The number as people type it: separators sprinkled between the digits."""
	out = []
	for ch in number:
		out.append(ch)
		out.append(draw(st.sampled_from(["", "", "", " ", "-", "."])))
	return "".join(out)


@given(mainland, prefixes, st.data())
def test_mainland_mobiles_normalise_to_eleven_digits(number, prefix, data):
	typed = prefix + data.draw(decorated(number))
	assert normalize_mobile(typed) == number
	assert is_mainland_mobile(normalize_mobile(typed))


@given(st.from_regex(r"\+[1-7]\d{7,13}", fullmatch=True))
def test_e164_numbers_are_kept(number):
	if not number.startswith("+86"):
		assert normalize_mobile(number) == number
		assert normalize_mobile(normalize_mobile(number)) == number


@pytest.mark.parametrize(
	"typed, stored",
	[
		("138 0013 8000", "13800138000"),
		("(+86) 138-0013-8000", "13800138000"),
		("+852 9123 4567", "+85291234567"),
		("00852 9123 4567", "+85291234567"),
		("+1 (415) 555-0100", "+14155550100"),
		("", ""),
		("   ", ""),
	],
)
def test_examples(typed, stored):
	assert normalize_mobile(typed) == stored


@pytest.mark.parametrize(
	"bad",
	["12345678901", "1380013800", "138001380000", "abc", "+86 010 1234 5678", "+0123456789", "+123", "110"],
)
def test_rejected_numbers_name_the_field(bad):
	with pytest.raises(DomainError) as caught:
		normalize_mobile(bad, field="emergency_contact_phone")
	assert caught.value.field == "emergency_contact_phone"
	assert bad.strip() in str(caught.value)
	assert caught.value.message.startswith("Mobile:")


@pytest.mark.parametrize(
	"typed, stored",
	[
		("Li.Lei@Example.COM", "Li.Lei@example.com"),
		("  wang+bills@mail.qq.com ", "wang+bills@mail.qq.com"),
		("a@b.cn", "a@b.cn"),
		("", ""),
	],
)
def test_good_emails(typed, stored):
	assert normalize_email(typed) == stored
	assert normalize_email(normalize_email(typed)) == stored


@pytest.mark.parametrize(
	"bad",
	[
		"plainaddress",
		"a@b",
		"a@@b.com",
		"a..b@c.com",
		".a@b.com",
		"a@-b.com",
		"a@b.c",
		"a b@c.com",
		"a@b_c.com",
	],
)
def test_bad_emails(bad):
	with pytest.raises(DomainError, match="Email"):
		normalize_email(bad)
