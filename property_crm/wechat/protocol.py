"""The WeChat Official Account (微信公众号) message protocol — pure: the standard library and `cryptography`,
no Frappe, so the unit tier checks it against WeChat's own published sample (WXBizMsgCrypt).

- **Signatures.** URL verification and plain-mode callbacks: ``signature`` = SHA1 of the sorted
  concatenation of (token, timestamp, nonce). Safe mode: ``msg_signature`` = SHA1 of the sorted
  (token, timestamp, nonce, Encrypt). Compared in constant time.
- **Safe mode (安全模式).** The 43-character EncodingAESKey + "=" base64-decodes to a 32-byte AES-256 key; the
  IV is its first 16 bytes; CBC; PKCS#7 padding to 32-byte blocks (WeChat's, not AES's 16). The plaintext is
  16 random bytes + the message length (4 bytes, big-endian) + the message (UTF-8 XML) + the appid. The
  appid at the end must be ours.
- **XML.** Messages are flat ``<xml>`` documents. ``parse_xml`` refuses more than ``MAX_XML_BYTES``, any
  ``<!DOCTYPE``/``<!ENTITY`` (no DTD, no entity expansion: billion laughs, XXE) and anything but a flat
  ``<xml>`` of text children (nested elements such as ``<ScanCodeInfo>`` are flattened one level). Replies
  are built by ``build_xml`` with CDATA, never by string formatting of user text.

Every failure raises ``ProtocolError`` with a short English reason (no secret in it); the endpoint answers
4xx for it.
"""

import base64
import hashlib
import hmac
import os
import re
import struct
import time
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_XML_BYTES = 64 * 1024  # WeChat's messages are a few KB; anything larger is refused unread
BLOCK_SIZE = 32  # WeChat pads to 32-byte blocks (PKCS#7 with k = 32)
AES_KEY_LENGTH = 43
AES_KEY_PATTERN = re.compile(r"^[A-Za-z0-9+/]{43}$")
MAX_FIELD_CHARS = 8192  # one element's text


class ProtocolError(ValueError):
	"""A message or signature WeChat would not have produced: refused (the reason holds no secret)."""


# ---------------------------------------------------------------- signatures


def signature(token: str, timestamp: str, nonce: str, *extra: str) -> str:
	"""SHA1 hex of the sorted concatenation of token, timestamp, nonce (and, for msg_signature, Encrypt)."""
	parts = sorted(str(p) for p in (token, timestamp, nonce, *extra))
	return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
	"""Safe mode's msg_signature over the Encrypt element."""
	return signature(token, timestamp, nonce, encrypt)


def check_signature(token: str, timestamp: str, nonce: str, given: str, *extra: str) -> bool:
	"""Whether ``given`` is the signature (constant-time comparison); False for missing parts."""
	if not (token and timestamp and nonce and given):
		return False
	return hmac.compare_digest(signature(token, timestamp, nonce, *extra), str(given).lower())


def verify_url(token: str, signature_: str, timestamp: str, nonce: str, echostr: str) -> str:
	"""URL verification (GET): the echostr to answer when the signature is right, else ProtocolError."""
	if not check_signature(token, timestamp, nonce, signature_):
		raise ProtocolError("bad signature")
	return echostr


def fresh(timestamp: str, now: float | None = None, window: int = 300) -> bool:
	"""Whether a callback's timestamp is within ±window seconds of now (replay window)."""
	try:
		value = int(str(timestamp))
	except (TypeError, ValueError):
		return False
	return abs((time.time() if now is None else now) - value) <= window


def valid_aes_key(key: str | None) -> bool:
	"""An EncodingAESKey: exactly 43 characters of the base64 alphabet (without "=")."""
	return bool(key) and bool(AES_KEY_PATTERN.match(key))


# ---------------------------------------------------------------- safe mode


def _pad(data: bytes) -> bytes:
	amount = BLOCK_SIZE - len(data) % BLOCK_SIZE
	return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
	if not data:
		raise ProtocolError("empty message")
	amount = data[-1]
	if not 1 <= amount <= BLOCK_SIZE or amount > len(data) or data[-amount:] != bytes([amount]) * amount:
		raise ProtocolError("bad padding")
	return data[:-amount]


class MessageCrypt:
	"""WXBizMsgCrypt: encrypt replies and decrypt messages of one Official Account (token, key, appid)."""

	def __init__(self, token: str, encoding_aes_key: str, appid: str):
		if not valid_aes_key(encoding_aes_key):
			raise ProtocolError("the EncodingAESKey must be 43 characters of the base64 alphabet")
		self.token = token
		self.appid = appid
		self.key = base64.b64decode(encoding_aes_key + "=")
		self.iv = self.key[:16]

	def _cipher(self):
		return Cipher(algorithms.AES(self.key), modes.CBC(self.iv))

	def encrypt(self, text: str, random16: bytes | None = None) -> str:
		"""The base64 Encrypt value of a message (UTF-8 XML text)."""
		body = text.encode("utf-8")
		random16 = random16 if random16 is not None else os.urandom(16)
		plain = random16 + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
		encryptor = self._cipher().encryptor()
		return base64.b64encode(encryptor.update(_pad(plain)) + encryptor.finalize()).decode("ascii")

	def decrypt(self, encrypt: str) -> str:
		"""The message inside an Encrypt value; ProtocolError for bad base64/padding/length or another appid."""
		try:
			raw = base64.b64decode(encrypt, validate=True)
		except (ValueError, TypeError) as error:
			raise ProtocolError("bad base64") from error
		if not raw or len(raw) % 16 or len(raw) > MAX_XML_BYTES * 2:
			raise ProtocolError("bad ciphertext length")
		decryptor = self._cipher().decryptor()
		plain = _unpad(decryptor.update(raw) + decryptor.finalize())
		if len(plain) < 20:
			raise ProtocolError("message too short")
		(length,) = struct.unpack(">I", plain[16:20])
		if 20 + length > len(plain):
			raise ProtocolError("bad message length")
		body, appid = plain[20 : 20 + length], plain[20 + length :]
		if not hmac.compare_digest(appid, self.appid.encode("utf-8")):
			raise ProtocolError("message for another appid")
		try:
			return body.decode("utf-8")
		except UnicodeDecodeError as error:
			raise ProtocolError("message is not UTF-8") from error

	def decrypt_message(self, body: bytes | str, msg_signature_: str, timestamp: str, nonce: str) -> dict:
		"""A safe-mode POST body → the decrypted message as a dict (msg_signature checked first)."""
		outer = parse_xml(body)
		encrypt = outer.get("Encrypt")
		if not encrypt:
			raise ProtocolError("no Encrypt element")
		if not check_signature(self.token, timestamp, nonce, msg_signature_, encrypt):
			raise ProtocolError("bad msg_signature")
		return parse_xml(self.decrypt(encrypt))

	def encrypt_reply(self, reply_xml: str, timestamp: str | None = None, nonce: str | None = None) -> str:
		"""A safe-mode reply: <xml> with Encrypt, MsgSignature, TimeStamp, Nonce."""
		timestamp = str(timestamp or int(time.time()))
		nonce = str(nonce or int.from_bytes(os.urandom(4), "big"))
		encrypt = self.encrypt(reply_xml)
		return build_xml(
			{
				"Encrypt": encrypt,
				"MsgSignature": msg_signature(self.token, timestamp, nonce, encrypt),
				"TimeStamp": timestamp,
				"Nonce": nonce,
			},
			cdata=("Encrypt", "MsgSignature", "Nonce"),
		)

	def encrypt_message(self, message_xml: str, timestamp: str, nonce: str) -> tuple[str, str]:
		"""What WeChat POSTs in safe mode: (body <xml><ToUserName/><Encrypt/></xml>, msg_signature)."""
		inner = parse_xml(message_xml)
		encrypt = self.encrypt(message_xml)
		body = build_xml({"ToUserName": inner.get("ToUserName", ""), "Encrypt": encrypt})
		return body, msg_signature(self.token, timestamp, nonce, encrypt)


# ---------------------------------------------------------------- XML

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(body: bytes | str, max_bytes: int = MAX_XML_BYTES) -> dict:
	"""A flat WeChat ``<xml>`` → {tag: text}. Children of a nested element are added under their own tag
	when not already present (e.g. ScanCodeInfo/ScanResult). Refuses: too large, DOCTYPE/ENTITY, not
	well-formed, a root other than <xml>, a field longer than MAX_FIELD_CHARS."""
	data = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
	if len(data) > max_bytes:
		raise ProtocolError("message too large")
	if not data.strip():
		raise ProtocolError("empty message")
	if _DTD.search(data):
		raise ProtocolError("DOCTYPE and ENTITY are refused")
	try:
		root = ET.fromstring(data)
	except ET.ParseError as error:
		raise ProtocolError("not well-formed XML") from error
	if root.tag != "xml":
		raise ProtocolError("the root element is not <xml>")
	out: dict[str, str] = {}
	for child in root:
		if len(child):
			for grandchild in child:
				if len(grandchild) == 0:
					out.setdefault(grandchild.tag, (grandchild.text or "").strip())
			continue
		text = child.text or ""
		if len(text) > MAX_FIELD_CHARS:
			raise ProtocolError("a field is too long")
		out[child.tag] = text.strip() if child.tag != "Content" else text
	return out


def _cdata(text: str) -> str:
	return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def build_xml(fields: dict, cdata: tuple | None = None) -> str:
	"""A flat ``<xml>``: numbers as they are, text in CDATA (``]]>`` split safely). ``cdata`` = which fields
	get CDATA (default: every non-numeric value). Tags must be plain names."""
	parts = ["<xml>"]
	for tag, value in fields.items():
		if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", tag):
			raise ProtocolError("bad tag")
		value = "" if value is None else value
		numeric = isinstance(value, int) and not isinstance(value, bool)
		use_cdata = (tag in cdata) if cdata is not None else not numeric
		parts.append(f"<{tag}>{_cdata(value) if use_cdata else _escape(str(value))}</{tag}>")
	parts.append("</xml>")
	return "".join(parts)


def _escape(text: str) -> str:
	return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_reply(to_user: str, from_user: str, content: str, create_time: int | None = None) -> str:
	"""A passive text reply (被动回复文本消息) to the sender ``to_user`` from our account ``from_user``."""
	return build_xml(
		{
			"ToUserName": to_user,
			"FromUserName": from_user,
			"CreateTime": int(create_time or time.time()),
			"MsgType": "text",
			"Content": content,
		}
	)
