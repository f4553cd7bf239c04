"""WeChat Pay's small rules (property_fees/rules/wechat_pay.py): fen, RFC 3339, description, PEM, clock."""

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_fees.rules import wechat_pay as rules


def test_yuan_to_fen_is_exact():
	assert rules.to_fen(Decimal("0.01")) == 1
	assert rules.to_fen(Decimal("350.00")) == 35000
	assert rules.to_fen(Decimal("1234.56")) == 123456
	assert isinstance(rules.to_fen(Decimal("19.99")), int)
	for bad in (Decimal("0.001"), Decimal("0"), Decimal("-1.00")):
		with pytest.raises(ValueError):
			rules.to_fen(bad)


def test_money_from_a_document():
	assert rules.money(128.5) == Decimal("128.50")
	assert rules.money(0.1 + 0.2) == Decimal("0.30")
	assert rules.money("12.345") == Decimal("12.345")
	assert rules.to_fen(rules.money(0.1 + 0.2)) == 30
	with pytest.raises(ValueError):
		rules.to_fen(rules.money("12.345"))


@given(st.integers(min_value=1, max_value=10**10))
def test_fen_round_trip(fen):
	assert rules.to_fen(rules.to_yuan(fen)) == fen


def test_to_yuan_wants_an_integer():
	assert rules.to_yuan(12345) == Decimal("123.45")
	for bad in ("100", 1.5, True, None):
		with pytest.raises(ValueError):
			rules.to_yuan(bad)


def test_rfc3339_in_china_time():
	assert (
		rules.rfc3339(datetime(2026, 12, 2, 20, 15, 7, 999), "Asia/Shanghai") == "2026-12-02T20:15:07+08:00"
	)
	assert rules.rfc3339(datetime(2026, 12, 2, 12, 15), "UTC") == "2026-12-02T20:15:00+08:00"


def test_success_time_to_the_site_time_zone():
	assert rules.site_datetime("2026-12-02T20:15:00+08:00", "Asia/Shanghai") == datetime(2026, 12, 2, 20, 15)
	assert rules.site_datetime("2026-12-02T20:15:00+08:00", "UTC") == datetime(2026, 12, 2, 12, 15)
	assert rules.site_datetime(None, "UTC") is None
	assert rules.china_to_site(datetime(2026, 12, 2, 8, 0), "UTC") == datetime(2026, 12, 2, 0, 0)


def test_description_is_cut_at_127_bytes_on_a_character():
	short = "物业费 PPO-2026-00001"
	assert rules.description(short) == short
	long = "物业费" * 60
	cut = rules.description(long)
	assert len(cut.encode()) <= 127
	assert long.startswith(cut)
	assert len(cut) == 42  # 42 × 3 bytes = 126


PEM = (
	"-----BEGIN PRIVATE KEY-----\n" + "\n".join(["A" * 64] * 3 + ["B" * 10]) + "\n-----END PRIVATE KEY-----\n"
)


@pytest.mark.parametrize(
	"pasted",
	[
		PEM,
		PEM.replace("\n", " "),  # a password box: one line
		PEM.replace("\n", ""),
		PEM.replace("\n", "\\n"),  # copied out of a JSON config
		"  " + PEM.replace("\n", "\r\n") + "  ",
	],
)
def test_pem_pasted_on_one_line_is_rewrapped(pasted):
	assert rules.normalise_pem(pasted) == PEM
	assert rules.pem_body(pasted) == "A" * 192 + "B" * 10


def test_bare_base64_and_nothing():
	assert rules.normalise_pem(" AAAA\nBBBB ") == "AAAABBBB"
	assert rules.normalise_pem(None) == ""


def test_apiv3_key_is_32_bytes():
	assert rules.valid_apiv3_key("0123456789abcdef0123456789abcdef")
	assert not rules.valid_apiv3_key("0123456789abcdef")
	assert not rules.valid_apiv3_key("")
	assert not rules.valid_apiv3_key("密" * 32)


def test_notification_clock_window():
	now = 1_800_000_000
	assert rules.fresh(str(now), now)
	assert rules.fresh(str(now - 300), now)
	assert rules.fresh(str(now + 300), now)
	assert not rules.fresh(str(now - 301), now)
	assert not rules.fresh(str(now + 3600), now)
	assert not rules.fresh("yesterday", now)
	assert not rules.fresh(None, now)


def test_states():
	assert rules.trade_state("SUCCESS") == "paid"
	assert rules.trade_state("NOTPAY") == "pending"
	assert rules.trade_state("USERPAYING") == "pending"
	assert rules.trade_state("CLOSED") == "closed"
	assert rules.trade_state("REVOKED") == "closed"
	assert rules.trade_state("PAYERROR") == "failed"
	assert rules.trade_state("SOMETHING_NEW") == "pending"
	assert rules.refund_state("SUCCESS") == "refunded"
	assert rules.refund_state("PROCESSING") == "processing"
	assert rules.refund_state("ABNORMAL") == "failed"
	assert rules.refund_state("CLOSED") == "failed"
