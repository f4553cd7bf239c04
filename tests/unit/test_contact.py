import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.errors import DomainError
from property_crm.property_households.rules.contact import (
	is_mainland_mobile,
	normalize_email,
	normalize_mobile,
)

# [0-9], not \d: hypothesis would draw other scripts' digits for \d, and those are (rightly) refused
mainland = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "+86-", "(+86)", "＋８６ "])
FULL_WIDTH = str.maketrans("0123456789+-() ", "０１２３４５６７８９＋－（）\u3000")


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


@given(mainland, prefixes, st.data())
def test_full_width_input_is_stored_in_ascii(number, prefix, data):
	typed = (prefix + data.draw(decorated(number))).translate(FULL_WIDTH)
	assert normalize_mobile(typed) == number


@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True))
def test_e164_numbers_are_kept(number):
	if not number.startswith("+86"):
		assert normalize_mobile(number) == number
		assert normalize_mobile(normalize_mobile(number)) == number
		assert normalize_mobile("00" + number[1:]) == number
		assert not is_mainland_mobile(number)


@given(mainland)
def test_plus_86_landlines_and_bad_mobiles_are_refused(number):
	with pytest.raises(DomainError):
		normalize_mobile("+86" + number[:-1])  # 10 digits after +86
	with pytest.raises(DomainError):
		normalize_mobile("+86 0" + number[1:])  # a landline-like number


@pytest.mark.parametrize(
	"typed, stored",
	[
		("138 0013 8000", "13800138000"),
		("(+86) 138-0013-8000", "13800138000"),
		("+852 9123 4567", "+85291234567"),
		("00852 9123 4567", "+85291234567"),
		("+1 (415) 555-0100", "+14155550100"),
		("8613800138000", "13800138000"),
		("138–0013–8000", "13800138000"),  # en dashes
		("（＋86）138 0013 8000", "13800138000"),
		("１３８００１３８０００", "13800138000"),
		("", ""),
		("   ", ""),
	],
)
def test_examples(typed, stored):
	assert normalize_mobile(typed) == stored


@pytest.mark.parametrize(
	"bad",
	[
		"12345678901",  # 12 is not a mobile prefix
		"1380013800",  # too short
		"138001380000",  # too long
		"abc",
		"138001380OO",  # letters O for zeros
		"+86 010 1234 5678",  # a Beijing landline
		"0086 21 5555 6666",  # a Shanghai landline
		"+0123456789",
		"+123",
		"110",
		"13٨00138000",  # an Arabic-Indic digit
		"+85291234567890123",  # too long for E.164
		"86123",
	],
)
def test_rejected_numbers_name_the_field(bad):
	with pytest.raises(DomainError) as caught:
		normalize_mobile(bad, field="emergency_contact_phone")
	assert caught.value.field == "emergency_contact_phone"
	assert bad.strip() in str(caught.value)
	assert caught.value.message.startswith("Mobile:")


def test_is_mainland_mobile():
	assert is_mainland_mobile("13800138000")
	assert not is_mainland_mobile("+8613800138000")
	assert not is_mainland_mobile("12800138000")
	assert not is_mainland_mobile("13８00138000")
	assert not is_mainland_mobile("")


@pytest.mark.parametrize(
	"typed, stored",
	[
		("Li.Lei@Example.COM", "Li.Lei@example.com"),
		("  wang+bills@mail.qq.com ", "wang+bills@mail.qq.com"),
		("a@b.cn", "a@b.cn"),
		("Zhang_San-1@Sub-Domain.Example.Com.CN", "Zhang_San-1@sub-domain.example.com.cn"),
		("o'brien@example.ie", "o'brien@example.ie"),
		("", ""),
		("   ", ""),
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
		"a.@b.com",
		"a@b..com",
		"a@b.com.",
		"a@b-.com",
		"a@b.c1",
		"a@b@c.com",
		"@b.com",
		"a@",
		"张三@example.com",
	],
)
def test_bad_emails(bad):
	with pytest.raises(DomainError, match="Email") as caught:
		normalize_email(bad, field="notify_email")
	assert caught.value.field == "notify_email"


@given(
	st.from_regex(r"[A-Za-z0-9_+-]{1,10}(\.[A-Za-z0-9_+-]{1,10}){0,2}", fullmatch=True),
	st.from_regex(r"[A-Za-z0-9]{1,10}(\.[A-Za-z0-9]{1,10}){0,2}\.[A-Za-z]{2,6}", fullmatch=True),
)
def test_email_normalisation_is_idempotent_and_keeps_the_local_part(local, domain):
	stored = normalize_email(f"  {local}@{domain} ")
	assert stored == f"{local}@{domain.lower()}"
	assert normalize_email(stored) == stored
