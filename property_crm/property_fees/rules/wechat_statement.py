"""WeChat Pay's daily trade bill (交易账单, `GET /v3/bill/tradebill`, bill_type=ALL), parsed without Frappe.

The file WeChat Pay serves is a CSV in UTF-8 (sometimes with a byte-order mark):

- a header line of Chinese column names (交易时间,公众账号ID,商户号,…,交易状态,…,商户退款单号,退款金额,…);
- one line per transaction, every field prefixed with a backtick (`` ` ``) so that spreadsheet programs keep
  long numbers as text;
- two summary lines at the end: 总交易单数,应结订单总金额,… and their backticked values.

交易状态 SUCCESS is a payment (its amount: 订单金额, the order total the payer was asked for — the same
figure the notification's amount.total gives — else 应结订单金额); REFUND is a refund (商户退款单号,
退款金额); REVOKED (a cancelled payment-code trade) and anything else are not money and are skipped.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

SUMMARY_FIRST_COLUMN = "总交易单数"


class BillFormatError(ValueError):
	"""The file is not a WeChat Pay trade bill (no header, a row that does not fit it, a bad amount)."""


@dataclass(frozen=True)
class BillRow:
	kind: str  # "payment" | "refund"
	out_trade_no: str
	transaction_id: str | None
	amount: Decimal  # yuan, positive
	out_refund_no: str | None = None
	happened_at: datetime | None = None


def _clean(value: str) -> str:
	value = value.strip()
	if value.startswith("`"):
		value = value[1:]
	return value.strip()


def _money(value: str, column: str, line: int) -> Decimal:
	try:
		amount = Decimal(value or "0")
	except InvalidOperation as error:
		raise BillFormatError(f"line {line}: {column} is not an amount: {value!r}") from error
	return amount.quantize(Decimal("0.01"))


def _when(value: str) -> datetime | None:
	try:
		return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
	except ValueError:
		return None


def parse_trade_bill(text: str | bytes) -> list[BillRow]:
	"""The payments and refunds of a trade bill, in file order."""
	if isinstance(text, bytes):
		text = text.decode("utf-8-sig")
	text = text.lstrip("\ufeff")
	lines = [line for line in text.splitlines() if line.strip()]
	if not lines:
		raise BillFormatError("the bill is empty")
	header = [_clean(name) for name in next(csv.reader([lines[0]]))]
	for needed in ("交易状态", "商户订单号"):
		if needed not in header:
			raise BillFormatError(f"the bill has no column {needed}")
	position = {name: index for index, name in enumerate(header)}

	rows: list[BillRow] = []
	for number, fields in enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2):
		values = [_clean(field) for field in fields]
		if not values or values[0] == SUMMARY_FIRST_COLUMN:
			break  # the summary: its header line, then its values
		if len(values) < len(header):
			raise BillFormatError(f"line {number}: {len(values)} fields, the header has {len(header)}")

		def get(column: str, values=values) -> str:
			index = position.get(column)
			return values[index] if index is not None else ""

		state = get("交易状态").upper()
		base = {
			"out_trade_no": get("商户订单号"),
			"transaction_id": get("微信订单号") or None,
			"happened_at": _when(get("交易时间")),
		}
		if not base["out_trade_no"]:
			raise BillFormatError(f"line {number}: no 商户订单号")
		if state == "SUCCESS":
			total = get("订单金额") or get("应结订单金额")
			rows.append(BillRow(kind="payment", amount=_money(total, "订单金额", number), **base))
		elif state == "REFUND":
			rows.append(
				BillRow(
					kind="refund",
					amount=abs(_money(get("退款金额"), "退款金额", number)),
					out_refund_no=get("商户退款单号") or None,
					**base,
				)
			)
	return rows


def format_trade_bill(rows: list[dict], *, appid: str, mchid: str) -> str:
	"""A trade bill in WeChat Pay's layout (what the test stand-in serves), from rows with the keys
	time, transaction_id, out_trade_no, state ("SUCCESS"/"REFUND"), total (Decimal), refund (Decimal),
	refund_id, out_refund_no, description."""
	header = (
		"交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
		"货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
		"商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
	)
	out = [header]
	paid = refunded = Decimal("0")
	for row in rows:
		is_refund = row["state"] == "REFUND"
		total = Decimal(row["total"]).quantize(Decimal("0.01"))
		refund = Decimal(row.get("refund") or 0).quantize(Decimal("0.01"))
		if is_refund:
			refunded += refund
		else:
			paid += total
		fields = [
			row["time"],
			appid,
			mchid,
			"0",
			"",
			row["transaction_id"],
			row["out_trade_no"],
			row.get("openid", "oStandInPayer"),
			row.get("trade_type", "JSAPI"),
			row["state"],
			"OTHERS",
			"CNY",
			"0.00" if is_refund else f"{total}",
			"0.00",
			row.get("refund_id") or "0",
			row.get("out_refund_no") or "0",
			f"{refund}" if is_refund else "0.00",
			"0.00",
			"ORIGINAL" if is_refund else "",
			"SUCCESS" if is_refund else "",
			row.get("description", ""),
			"",
			"0.00000",
			"0.60%",
			f"{total}",
			f"{refund}" if is_refund else "0.00",
			"",
		]
		out.append(",".join("`" + field.replace(",", " ") for field in fields))
	out.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
	out.append(
		",".join(
			"`" + v
			for v in (str(len(rows)), f"{paid}", f"{refunded}", "0.00", "0.00000", f"{paid}", f"{refunded}")
		)
	)
	return "\r\n".join(out) + "\r\n"
