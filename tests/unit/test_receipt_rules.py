"""Receipts (电子收据): the amount in Chinese capitals (大写), as the People's Bank's rules write it."""

from decimal import Decimal

import pytest

from property_crm.property_fees.rules.receipts import capitals, mode_word


@pytest.mark.parametrize(
	"amount, words",
	[
		("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
		(Decimal("0"), "零元整"),
		(None, "零元整"),
		(100, "壹佰元整"),
		(10, "壹拾元整"),
		(15, "壹拾伍元整"),
		(1005, "壹仟零伍元整"),
		(1050, "壹仟零伍拾元整"),
		(1500, "壹仟伍佰元整"),
		(10005, "壹万零伍元整"),
		(10100, "壹万零壹佰元整"),
		(100000, "壹拾万元整"),
		(107000, "壹拾万柒仟元整"),
		(100001, "壹拾万零壹元整"),
		(1000000, "壹佰万元整"),
		(100000000, "壹亿元整"),
		(100010000, "壹亿零壹万元整"),
		(100000001, "壹亿零壹元整"),
		(100001000, "壹亿零壹仟元整"),
		("6007.14", "陆仟零柒元壹角肆分"),
		("1409.50", "壹仟肆佰零玖元伍角"),
		("325.04", "叁佰贰拾伍元零肆分"),
		("1680.32", "壹仟陆佰捌拾元叁角贰分"),
		("0.5", "伍角"),
		("0.56", "伍角陆分"),
		("0.06", "陆分"),
		("7227.84", "柒仟贰佰贰拾柒元捌角肆分"),
		(300.0, "叁佰元整"),
		("2.005", "贰元零壹分"),  # rounded half-up to the fen
		("-50", "负伍拾元整"),
	],
)
def test_capitals(amount, words):
	assert capitals(amount) == words


def test_too_large_is_refused():
	with pytest.raises(ValueError):
		capitals(10**16)


def test_mode_words():
	assert mode_word("Wire Transfer") == "Bank Transfer"
	assert mode_word("Credit Card") == "Bank Card"
	assert mode_word("WeChat Pay") == "WeChat Pay"
	assert mode_word("Cheque") == "Cheque"
	assert mode_word(None) == ""


# ------------------------------------------------------------------ the channel a device pays by
WECHAT = (
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
	"Mobile/15E148 MicroMessenger/8.0.42(0x18002a2f) NetType/WIFI Language/zh_CN"
)
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
COMPUTER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


@pytest.mark.parametrize(
	"agent, wechat, alipay",
	[
		(WECHAT, "jsapi", None),
		(PHONE, "h5", "wap"),
		(COMPUTER, "native", "page"),
		(None, "native", "page"),
	],
)
def test_channel_for_device(agent, wechat, alipay):
	from property_crm.property_fees.rules.pay_channels import channel_for

	assert channel_for("WeChat Pay", agent) == wechat
	assert channel_for("Alipay", agent) == alipay
