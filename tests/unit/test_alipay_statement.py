"""Alipay's trade statement (rules/alipay_statement.py) and key normalisation (rules/alipay_keys.py)."""

import base64
import io
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from property_crm.property_fees.rules import alipay_keys, alipay_statement
from property_crm.property_fees.rules.alipay_statement import StatementFormatError

# Alipay's documented 业务明细 layout: comment lines around a header and rows whose values carry a tab
SAMPLE = """#支付宝业务明细查询
#账号：[20881234567890120156]
#起始日期：[2026年12月01日 00:00:00]   终止日期：[2026年12月02日 00:00:00]
#-----------------------------------------业务明细列表----------------------------------------
支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注
2026120122001404681400000001\t,PPO-2026-00001\t,交易\t,物业费 PPO-2026-00001\t,2026-12-01 10:14:30\t,2026-12-01 10:14:31\t,\t,\t,\t,\t,abc***@example.com\t,"1,280.50"\t,1280.50\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,\t,-7.68\t,0.00\t,\t
2026120122001404681400000002\t,PPO-2026-00002\t,交易\t,物业费 PPO-2026-00002\t,2026-12-01 11:00:00\t,2026-12-01 11:00:05\t,\t,\t,\t,\t,def***@example.com\t,88.00\t,88.00\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,\t,-0.53\t,0.00\t,\t
2026120122001404681400000002\t,PPO-2026-00002\t,退款\t,物业费 PPO-2026-00002\t,2026-12-01 15:20:00\t,2026-12-01 15:20:01\t,\t,\t,\t,\t,def***@example.com\t,-20.00\t,-20.00\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,PPR-2026-00001\t,0.12\t,0.00\t,\t
2026120122001404681400000003\t,FROZEN-1\t,冻结\t,押金\t,2026-12-01 16:00:00\t,2026-12-01 16:00:00\t,\t,\t,\t,\t,x\t,10.00\t,10.00\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,\t
#-----------------------------------------业务明细列表结束------------------------------------
#交易合计：2笔，退款合计：1笔
#导出时间：[2026年12月02日 09:56:30]
"""


class GbkName(zipfile.ZipInfo):
	"""A member named in GBK without the UTF-8 flag, as Chinese zip tools (and Alipay) write them."""

	def _encodeFilenameFlags(self):
		return self.filename.encode("cp437"), self.flag_bits & ~0x800


def zipped(files: dict[str, bytes], utf8_names=True) -> bytes:
	buffer = io.BytesIO()
	with zipfile.ZipFile(buffer, "w") as archive:
		for name, data in files.items():
			info = zipfile.ZipInfo(name) if utf8_names else GbkName(name.encode("gbk").decode("cp437"))
			archive.writestr(info, data)
	return buffer.getvalue()


def test_payments_and_refunds_of_the_detail_file():
	rows = alipay_statement.parse_detail(SAMPLE)
	assert [(r.kind, r.out_trade_no, r.amount, r.out_refund_no) for r in rows] == [
		("payment", "PPO-2026-00001", Decimal("1280.50"), None),
		("payment", "PPO-2026-00002", Decimal("88.00"), None),
		("refund", "PPO-2026-00002", Decimal("20.00"), "PPR-2026-00001"),
	]
	assert rows[0].transaction_id == "2026120122001404681400000001"
	assert rows[0].happened_at == datetime(2026, 12, 1, 10, 14, 31)
	assert all(r.amount > 0 for r in rows)


def test_the_zip_is_read_in_gbk_and_its_summary_file_ignored():
	summary = "#支付宝业务汇总查询\n门店编号,门店名称,交易订单总笔数\n,,2\n".encode("gbk")
	for utf8_names in (True, False):
		data = zipped(
			{
				"20881234567890120156_20261201_业务明细.csv": SAMPLE.encode("gbk"),
				"20881234567890120156_20261201_业务明细(汇总).csv": summary,
			},
			utf8_names=utf8_names,
		)
		rows = alipay_statement.parse_zip(data)
		assert len(rows) == 3
		assert rows[0].out_trade_no == "PPO-2026-00001"


def test_the_stand_ins_rendering_reads_back():
	text = alipay_statement.render_detail(
		[
			{
				"trade_no": "T1",
				"out_trade_no": "PPO-1",
				"kind": "交易",
				"finished": "2026-12-01 10:00:00",
				"amount": "5.00",
			},
			{
				"trade_no": "T1",
				"out_trade_no": "PPO-1",
				"kind": "退款",
				"finished": "2026-12-01 11:00:00",
				"amount": "-1.50",
				"out_request_no": "PPR-1",
			},
		],
		"2088000000000000156",
		"2026-12-01",
	)
	rows = alipay_statement.parse_zip(zipped({"x_20261201_业务明细.csv": text.encode("gbk")}))
	assert [(r.kind, r.amount, r.out_refund_no) for r in rows] == [
		("payment", Decimal("5.00"), None),
		("refund", Decimal("1.50"), "PPR-1"),
	]


def test_an_empty_day_and_broken_files():
	assert alipay_statement.parse_detail("#支付宝业务明细查询\n#导出时间：[2026年12月02日 09:56:30]\n") == []
	with pytest.raises(StatementFormatError):
		alipay_statement.parse_zip(b"not a zip")
	with pytest.raises(StatementFormatError):
		alipay_statement.parse_zip(zipped({"readme.txt": b"x"}))
	with pytest.raises(StatementFormatError):
		alipay_statement.parse_detail("a,b,c\n1,2,3\n")
	with pytest.raises(StatementFormatError):
		alipay_statement.parse_detail(SAMPLE.replace("88.00\t,88.00", "abc\t,88.00"))


@pytest.fixture(scope="module")
def key():
	return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_private_keys_however_pasted(key):
	pkcs8 = key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()
	pkcs1 = key.private_bytes(
		serialization.Encoding.PEM,
		serialization.PrivateFormat.TraditionalOpenSSL,
		serialization.NoEncryption(),
	).decode()
	body = alipay_keys.key_body(pkcs8)
	for text in (
		pkcs8,
		pkcs8.replace("\n", ""),  # a one-line desk input drops the line breaks
		pkcs8.replace("\n", " "),
		body,  # Alipay's key tool: bare base64 (PKCS#8 for Java)
		alipay_keys.key_body(pkcs1),  # … or PKCS#1
		pkcs1.replace("\n", ""),
		"\n  " + pkcs8 + "\n",
	):
		pem = alipay_keys.private_key_pem(text)
		assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
		assert alipay_keys.key_body(pem) == body
		assert max(len(line) for line in pem.splitlines()) <= 64


def test_public_keys_however_pasted(key):
	public = key.public_key()
	spki = public.public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	).decode()
	pkcs1 = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
	for text in (spki, spki.replace("\n", ""), alipay_keys.key_body(spki), base64.b64encode(pkcs1).decode()):
		assert alipay_keys.public_key_pem(text) == spki


def test_what_is_no_usable_key(key):
	small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
	small_pem = small.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()
	spki = (
		key.public_key()
		.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
		.decode()
	)
	for text in ("", "   ", "not base64!", "MIIEvQIBADANBgkq", small_pem, spki):
		with pytest.raises(alipay_keys.KeyFormatError) as caught:
			alipay_keys.private_key_pem(text)
		assert alipay_keys.key_body(small_pem)[:30] not in str(caught.value)
	for text in ("", "bm9wZQ==", small_pem):
		with pytest.raises(alipay_keys.KeyFormatError):
			alipay_keys.public_key_pem(text)
