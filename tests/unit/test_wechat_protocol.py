"""The WeChat Official Account protocol (property_crm/wechat/protocol.py), without Frappe: WeChat's own
published WXBizMsgCrypt sample reproduced (msg_signature and decryption), a round trip of our encryption, and
what a forger or a hostile XML body meets."""

import base64
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from property_crm.wechat import protocol
from property_crm.wechat.menu import default_menu
from property_crm.wechat.protocol import MessageCrypt, ProtocolError

# WeChat's sample (WXBizMsgCrypt, Sample.py of the official download)
TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"
TIMESTAMP = "1409735669"
NONCE = "1320562132"
MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
ENCRYPT = (
	"hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
	"JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VT"
	"jg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSU"
	"dUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9Ghgl"
	"F2PE="
)
FROM_XML = (
	"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
	"</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
	"</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[" + ENCRYPT + "]]></Encrypt></xml>"
)
# the sample's URL-verification signature (token, timestamp, nonce)
SIGNATURE = "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"


def crypt(appid: str = APPID) -> MessageCrypt:
	return MessageCrypt(TOKEN, AES_KEY, appid)


def raw_encrypt(plain: bytes) -> str:
	key = base64.b64decode(AES_KEY + "=")
	encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
	return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def test_the_published_sample_signatures():
	assert protocol.msg_signature(TOKEN, TIMESTAMP, NONCE, ENCRYPT) == MSG_SIGNATURE
	assert protocol.signature(TOKEN, TIMESTAMP, NONCE) == SIGNATURE
	assert protocol.verify_url(TOKEN, SIGNATURE, TIMESTAMP, NONCE, "shr5ch") == "shr5ch"


def test_the_published_sample_decrypts():
	message = crypt().decrypt_message(FROM_XML, MSG_SIGNATURE, TIMESTAMP, NONCE)
	assert message == {
		"ToUserName": "gh_10f6c3c3ac5a",
		"FromUserName": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
		"CreateTime": "1409735668",
		"MsgType": "text",
		"Content": "abcdteT",
		"MsgId": "6054768590064713728",
	}


def test_a_tampered_signature_is_refused():
	with pytest.raises(ProtocolError, match="signature"):
		crypt().decrypt_message(FROM_XML, "0" * 40, TIMESTAMP, NONCE)
	with pytest.raises(ProtocolError):  # the signature of another timestamp
		crypt().decrypt_message(FROM_XML, MSG_SIGNATURE, str(int(TIMESTAMP) + 1), NONCE)
	with pytest.raises(ProtocolError):
		protocol.verify_url(TOKEN, SIGNATURE[:-1] + "0", TIMESTAMP, NONCE, "x")
	assert not protocol.check_signature(TOKEN, TIMESTAMP, NONCE, "")
	# one changed character of the ciphertext no longer matches msg_signature
	tampered = FROM_XML.replace(ENCRYPT, "A" + ENCRYPT[1:])
	with pytest.raises(ProtocolError, match="signature"):
		crypt().decrypt_message(tampered, MSG_SIGNATURE, TIMESTAMP, NONCE)


def test_a_message_for_another_appid_is_refused():
	with pytest.raises(ProtocolError, match="appid"):
		crypt("wx0000000000000000").decrypt(ENCRYPT)


def test_bad_padding_and_lengths_are_refused():
	body = b"<xml></xml>"
	plain = b"r" * 16 + struct.pack(">I", len(body)) + body + APPID.encode()
	pad = 32 - len(plain) % 32
	assert crypt().decrypt(raw_encrypt(plain + bytes([pad]) * pad)) == "<xml></xml>"  # well-formed
	with pytest.raises(ProtocolError, match="padding"):
		crypt().decrypt(raw_encrypt(plain + bytes([pad - 1]) * (pad - 1) + bytes([pad])))
	with pytest.raises(ProtocolError, match="padding"):  # a pad byte over 32
		crypt().decrypt(raw_encrypt(plain[: len(plain) - len(plain) % 16] + b"\x00" * 15 + b"\x21"))
	lying = b"r" * 16 + struct.pack(">I", 10_000) + body + APPID.encode()
	pad = 32 - len(lying) % 32
	with pytest.raises(ProtocolError, match="length"):
		crypt().decrypt(raw_encrypt(lying + bytes([pad]) * pad))
	for junk in ("not base64!", base64.b64encode(b"short").decode(), ""):
		with pytest.raises(ProtocolError):
			crypt().decrypt(junk)


def test_our_encryption_round_trips_and_pads_to_32_bytes():
	c = crypt()
	for text in ("", "短", "<xml><Content><![CDATA[你好]]></Content></xml>", "x" * 31, "y" * 32, "z" * 1000):
		encrypted = c.encrypt(text)
		assert len(base64.b64decode(encrypted)) % 32 == 0
		assert c.decrypt(encrypted) == text
	assert c.encrypt("a", random16=b"0" * 16) == c.encrypt("a", random16=b"0" * 16)
	assert c.encrypt("a") != c.encrypt("a")  # the random prefix


def test_a_reply_is_signed_and_readable_by_wechat():
	c = crypt()
	reply = protocol.text_reply(
		"oyORnuP8q7ou2gfYjqLzSIWZf0rs", "gh_10f6c3c3ac5a", "已收到，单号 SO-0001 ]]> <x>"
	)
	wrapped = protocol.parse_xml(c.encrypt_reply(reply, "1409735670", "42"))
	assert set(wrapped) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
	assert protocol.check_signature(TOKEN, "1409735670", "42", wrapped["MsgSignature"], wrapped["Encrypt"])
	inner = protocol.parse_xml(c.decrypt(wrapped["Encrypt"]))
	assert inner["Content"] == "已收到，单号 SO-0001 ]]> <x>" and inner["MsgType"] == "text"
	# what WeChat posts in Safe mode, built by the simulated client, decrypts to the same fields
	body, signature = c.encrypt_message(reply, "1409735671", "7")
	assert c.decrypt_message(body, signature, "1409735671", "7")["Content"] == inner["Content"]


@pytest.mark.parametrize(
	"body",
	[
		'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
		'<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><Content>x</Content></xml>',
		'<xml><!ENTITY x SYSTEM "http://127.0.0.1/">' + "</xml>",
		"<!doctype xml><xml/>",
		"<! DOCTYPE xml><xml/>",
	],
)
def test_doctype_and_entities_are_refused(body):
	with pytest.raises(ProtocolError, match="DOCTYPE"):
		protocol.parse_xml(body)


def test_a_doctype_inside_the_encrypted_message_is_refused_too():
	c = crypt()
	evil = c.encrypt('<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>')
	outer = protocol.build_xml({"ToUserName": "gh", "Encrypt": evil})
	with pytest.raises(ProtocolError, match="DOCTYPE"):
		c.decrypt_message(outer, protocol.msg_signature(TOKEN, TIMESTAMP, NONCE, evil), TIMESTAMP, NONCE)


def test_size_limit_and_malformed_xml():
	big = "<xml><Content>" + "a" * protocol.MAX_XML_BYTES + "</Content></xml>"
	with pytest.raises(ProtocolError, match="too large"):
		protocol.parse_xml(big)
	with pytest.raises(ProtocolError, match="too long"):
		protocol.parse_xml("<xml><Content>" + "a" * (protocol.MAX_FIELD_CHARS + 1) + "</Content></xml>")
	for bad in ("", "   ", "<xml><a></xml>", "<html><a>1</a></html>", b"\xff\xfe<xml/>"):
		with pytest.raises(ProtocolError):
			protocol.parse_xml(bad)
	# nested fields (a scan event's ScanCodeInfo) are lifted one level
	assert protocol.parse_xml("<xml><ScanCodeInfo><ScanResult>1</ScanResult></ScanCodeInfo></xml>") == {
		"ScanResult": "1"
	}


def test_aes_key_and_freshness():
	assert protocol.valid_aes_key(AES_KEY)
	for bad in (None, "", AES_KEY[:-1], AES_KEY + "A", AES_KEY[:-1] + "=", AES_KEY[:-1] + "!"):
		assert not protocol.valid_aes_key(bad)
	with pytest.raises(ProtocolError):
		MessageCrypt(TOKEN, AES_KEY[:-1], APPID)
	now = time.time()
	assert protocol.fresh(str(int(now)), now)
	assert protocol.fresh(str(int(now) - 299), now)
	assert not protocol.fresh(str(int(now) - 301), now)
	assert not protocol.fresh(str(int(now) + 301), now)
	assert not protocol.fresh("yesterday", now)


def test_build_xml_refuses_bad_tags_and_escapes_cdata():
	with pytest.raises(ProtocolError):
		protocol.build_xml({"a b": "x"})
	text = protocol.build_xml({"Content": "]]><evil/>", "CreateTime": 1})
	assert protocol.parse_xml(text) == {"Content": "]]><evil/>", "CreateTime": "1"}


def test_default_menu_fits_wechat_limits():
	menu = default_menu("https://crm.example.com/")
	assert len(menu["button"]) <= 3
	names, urls = [], []
	for button in menu["button"]:
		assert len(button["name"].encode()) <= 16
		for item in button.get("sub_button", [button]):
			assert item["type"] == "view" and len(item.get("sub_button", [])) <= 5
			names.append(item["name"])
			urls.append(item["url"])
	assert set(names) == {"报修", "我的报修", "投诉", "缴费", "问卷", "通知"}
	assert all(u.startswith("https://crm.example.com/property/wechat?next=%2Fproperty%2F") for u in urls)


def test_the_protocol_imports_no_frappe():
	probe = (
		"import sys\nclass W:\n\tdef find_spec(self, n, p=None, t=None):\n"
		"\t\tif n.split('.')[0] in ('frappe', 'erpnext'): raise ImportError(n)\n"
		"sys.meta_path.insert(0, W())\nimport property_crm.wechat.protocol, property_crm.wechat.menu\nprint('ok')\n"
	)
	app = Path(protocol.__file__).resolve().parents[2]
	result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=app)
	assert result.stdout.strip() == "ok", result.stderr
