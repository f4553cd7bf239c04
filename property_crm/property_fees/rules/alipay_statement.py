"""Alipay's daily trade statement (对账单, bill_type "trade"), parsed without Frappe.

`alipay.data.dataservice.bill.downloadurl.query` answers a URL of a zip holding two GBK CSV files: the
business detail (`…_业务明细.csv`) and its summary (`…_业务明细(汇总).csv`). The detail file opens and ends
with `#` comment lines; between them a header row (支付宝交易号,商户订单号,业务类型,…,订单金额（元）,商家实收（元）,
…,退款批次号/请求号,…) and one row per trade (业务类型 交易) or refund (退款, amounts negative). Alipay pads
values with tabs (so spreadsheets keep long numbers as text): every cell is stripped.

The result is plain tuples the platform turns into `platforms.StatementLine`: a payment line per 交易 row
(the order amount), a refund line per 退款 row (the refunded amount, positive, with our refund number).
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

TRADE_NO = "支付宝交易号"
OUT_TRADE_NO = "商户订单号"
KIND = "业务类型"
FINISHED = "完成时间"
CREATED = "创建时间"
ORDER_AMOUNT = "订单金额（元）"
RECEIVED = "商家实收（元）"
REFUND_NO = "退款批次号/请求号"

PAYMENT_KINDS = ("交易",)
REFUND_KINDS = ("退款",)
DETAIL_MARK = "业务明细"
SUMMARY_MARK = "汇总"


class StatementFormatError(ValueError):
	"""The file is not an Alipay trade statement in the documented layout."""


@dataclass(frozen=True)
class Row:
	kind: str  # "payment" | "refund"
	out_trade_no: str
	transaction_id: str | None
	amount: Decimal  # positive
	out_refund_no: str | None
	happened_at: datetime | None


def _money(text: str) -> Decimal:
	cleaned = (text or "").strip().replace(",", "")
	try:
		return Decimal(cleaned or "0").quantize(Decimal("0.01"))
	except InvalidOperation:
		raise StatementFormatError(f"not an amount: {text!r}")


def _moment(text: str) -> datetime | None:
	text = (text or "").strip()
	if not text:
		return None
	for layout in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"):
		try:
			return datetime.strptime(text, layout)
		except ValueError:
			continue
	return None


def decode(data: bytes) -> str:
	"""GBK (Alipay's encoding; GB18030 is its superset), or UTF-8 with or without BOM."""
	if data.startswith(b"\xef\xbb\xbf"):
		return data[3:].decode("utf-8")
	try:
		return data.decode("gb18030")
	except UnicodeDecodeError:
		return data.decode("utf-8")


def parse_detail(text: str) -> list[Row]:
	"""The rows of a 业务明细 CSV's text (already decoded)."""
	lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
	if not lines:
		return []
	reader = csv.reader(io.StringIO("\n".join(lines)))
	header = [cell.strip() for cell in next(reader)]
	missing = [name for name in (OUT_TRADE_NO, KIND, ORDER_AMOUNT) if name not in header]
	if missing:
		raise StatementFormatError("missing columns: " + ", ".join(missing))
	at = {name: index for index, name in enumerate(header)}

	def cell(values, name):
		index = at.get(name)
		return values[index].strip() if index is not None and index < len(values) else ""

	rows = []
	for values in reader:
		if not any(value.strip() for value in values):
			continue
		kind = cell(values, KIND)
		if kind in PAYMENT_KINDS:
			line_kind = "payment"
		elif kind in REFUND_KINDS:
			line_kind = "refund"
		else:
			continue  # other business types (e.g. 冻结) are not payments of ours
		amount = _money(cell(values, ORDER_AMOUNT))
		if line_kind == "refund":
			received = _money(cell(values, RECEIVED)) if RECEIVED in at else Decimal("0.00")
			amount = abs(received) if received else abs(amount)
		rows.append(
			Row(
				kind=line_kind,
				out_trade_no=cell(values, OUT_TRADE_NO),
				transaction_id=cell(values, TRADE_NO) or None,
				amount=abs(amount),
				out_refund_no=(cell(values, REFUND_NO) or None) if line_kind == "refund" else None,
				happened_at=_moment(cell(values, FINISHED)) or _moment(cell(values, CREATED)),
			)
		)
	return rows


def parse_zip(data: bytes) -> list[Row]:
	"""The rows of the downloaded zip: its 业务明细 file, not the 汇总 (summary) one."""
	try:
		archive = zipfile.ZipFile(io.BytesIO(data))
	except zipfile.BadZipFile:
		raise StatementFormatError("the statement is not a zip file")
	with archive:
		details = []
		for info in archive.infolist():
			name = info.filename
			if not info.flag_bits & 0x800:  # no UTF-8 flag: zip names from Chinese tools are GBK
				try:
					name = name.encode("cp437").decode("gb18030")
				except (UnicodeEncodeError, UnicodeDecodeError):
					pass
			if name.lower().endswith(".csv") and DETAIL_MARK in name and SUMMARY_MARK not in name:
				details.append(info)
		if not details:
			raise StatementFormatError("no 业务明细 file in the statement")
		rows = []
		for info in details:
			rows.extend(parse_detail(decode(archive.read(info))))
		return rows


def render_detail(rows: list[dict], account: str, day: str) -> str:
	"""A 业务明细 CSV's text in Alipay's layout (the stand-in serves it; the tests read it back).

	`rows`: dicts with trade_no, out_trade_no, kind (交易/退款), subject, created, finished, amount (signed
	string), out_request_no."""
	header = [
		TRADE_NO, OUT_TRADE_NO, KIND, "商品名称", CREATED, FINISHED, "门店编号", "门店名称", "操作员", "终端号",
		"对方账户", ORDER_AMOUNT, RECEIVED, "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）",
		"券核销金额（元）", "券名称", "商家红包消费金额（元）", "卡消费金额（元）", REFUND_NO, "服务费（元）",
		"分润（元）", "备注",
	]  # fmt: skip
	out = io.StringIO()
	out.write("#支付宝业务明细查询\n")
	out.write(f"#账号：[{account}]\n")
	out.write(f"#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]\n")
	out.write(
		"#-----------------------------------------业务明细列表----------------------------------------\n"
	)
	writer = csv.writer(out, lineterminator="\n")
	writer.writerow(header)
	for row in rows:
		values = [
			row.get("trade_no", ""), row.get("out_trade_no", ""), row.get("kind", "交易"),
			row.get("subject", ""), row.get("created", ""), row.get("finished", ""), "", "", "", "",
			"buyer@example.com", row.get("amount", "0.00"), row.get("amount", "0.00"), "0.00", "0.00",
			"0.00", "0.00", "0.00", "", "0.00", "0.00", row.get("out_request_no", ""), "0.00", "0.00", "",
		]  # fmt: skip
		writer.writerow([f"{value}\t" for value in values])
	out.write(
		"#-----------------------------------------业务明细列表结束------------------------------------\n"
	)
	payments = sum(1 for row in rows if row.get("kind", "交易") in PAYMENT_KINDS)
	out.write(f"#交易合计：{payments}笔，退款合计：{len(rows) - payments}笔\n")
	out.write(f"#导出时间：[{day} 23:59:59]\n")
	return out.getvalue()
