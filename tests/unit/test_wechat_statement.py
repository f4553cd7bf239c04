"""WeChat Pay's trade bill (交易账单) parsed without Frappe (property_fees/rules/wechat_statement.py)."""

from datetime import datetime
from decimal import Decimal

import pytest

from property_crm.property_fees.rules.wechat_statement import (
	BillFormatError,
	format_trade_bill,
	parse_trade_bill,
)

# WeChat Pay's documented layout (bill_type=ALL): a header, backticked rows, then the two summary lines
SAMPLE = (
	"\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
	"货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
	"商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
	"`2026-12-01 09:15:02,`wxd678efh567hg6787,`1900000109,`0,`,`4200002026120112345678,`PPO-2026-00001,"
	"`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`JSAPI,`SUCCESS,`OTHERS,`CNY,`350.00,`0.00,`0,`0,`0.00,`0.00,`,`,"
	"`物业费 PPO-2026-00001,`,`2.10000,`0.60%,`350.00,`0.00,`\r\n"
	"`2026-12-01 10:01:44,`wxd678efh567hg6787,`1900000109,`0,`,`4200002026120187654321,`PPO-2026-00002,"
	"`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`CMB_DEBIT,`CNY,`95.50,`5.00,`0,`0,`0.00,`0.00,`,`,"
	"`物业费 PPO-2026-00002,`,`0.57000,`0.60%,`100.50,`0.00,`\r\n"
	"`2026-12-01 16:40:09,`wxd678efh567hg6787,`1900000109,`0,`,`4200002026113011112222,`PPO-2026-00000,"
	"`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`H5,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300020261201000001,`RF-2026-00001,"
	"`120.00,`0.00,`ORIGINAL,`SUCCESS,`物业费 PPO-2026-00000,`,`-0.72000,`0.60%,`200.00,`120.00,`\r\n"
	"`2026-12-01 17:00:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200002026120133334444,`PPO-2026-00003,"
	"`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`REVOKED,`OTHERS,`CNY,`0.00,`0.00,`0,`0,`0.00,`0.00,`,`,"
	"`物业费 PPO-2026-00003,`,`0.00000,`0.60%,`80.00,`0.00,`\r\n"
	"总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
	"`4,`445.50,`120.00,`0.00,`1.95000,`530.50,`120.00\r\n"
)


def test_payments_and_refunds_of_the_documented_layout():
	rows = parse_trade_bill(SAMPLE.encode("utf-8"))
	assert [(r.kind, r.out_trade_no, r.amount) for r in rows] == [
		("payment", "PPO-2026-00001", Decimal("350.00")),
		("payment", "PPO-2026-00002", Decimal("100.50")),  # 订单金额: what the payer was asked for
		("refund", "PPO-2026-00000", Decimal("120.00")),
	]
	assert rows[0].transaction_id == "4200002026120112345678"
	assert rows[0].happened_at == datetime(2026, 12, 1, 9, 15, 2)
	assert rows[0].out_refund_no is None
	assert rows[2].out_refund_no == "RF-2026-00001"
	assert rows[2].transaction_id == "4200002026113011112222"


def test_revoked_rows_and_the_summary_are_no_money():
	rows = parse_trade_bill(SAMPLE)
	assert "PPO-2026-00003" not in {r.out_trade_no for r in rows}
	assert all(r.amount > 0 for r in rows)


def test_settlement_amount_when_there_is_no_order_amount_column():
	header, *rest = SAMPLE.lstrip("\ufeff").split("\r\n")
	names = header.split(",")
	keep = [i for i, name in enumerate(names) if name != "订单金额"]

	def cut(line):
		fields = line.split(",")
		return ",".join(fields[i] for i in keep) if len(fields) == len(names) else line

	text = "\r\n".join([cut(header), *[cut(line) for line in rest]])
	rows = parse_trade_bill(text)
	assert rows[1].amount == Decimal("95.50")


def test_an_empty_day_and_garbage():
	header_only = SAMPLE.split("\r\n")[0] + "\r\n总交易单数,应结订单总金额\r\n`0,`0.00\r\n"
	assert parse_trade_bill(header_only) == []
	with pytest.raises(BillFormatError):
		parse_trade_bill("")
	with pytest.raises(BillFormatError):
		parse_trade_bill("<html>not a bill</html>")
	broken = SAMPLE.replace("`350.00,`0.00,`0,`0", "`3x0.00,`0.00,`0,`0").replace(
		"`350.00,`0.00,`\r\n", "`3y,`0.00,`\r\n"
	)
	with pytest.raises(BillFormatError):
		parse_trade_bill(broken)


def test_what_the_stand_in_serves_reads_back():
	rows = [
		{"time": "2026-12-02 08:00:00", "transaction_id": "4200A", "out_trade_no": "PPO-1", "state": "SUCCESS",
			"total": Decimal("12.30"), "description": "物业费, PPO-1"},
		{"time": "2026-12-02 09:00:00", "transaction_id": "4200A", "out_trade_no": "PPO-1", "state": "REFUND",
			"total": Decimal("12.30"), "refund": Decimal("2.30"), "refund_id": "5030X", "out_refund_no": "RF-1"},
	]  # fmt: skip
	text = format_trade_bill(rows, appid="wx1", mchid="1900000109")
	assert text.splitlines()[-2].startswith("总交易单数")
	parsed = parse_trade_bill(text)
	assert [(r.kind, r.amount, r.out_refund_no) for r in parsed] == [
		("payment", Decimal("12.30"), None),
		("refund", Decimal("2.30"), "RF-1"),
	]
