"""Alipay RSA keys as people paste them, turned into PEM the SDK loads (no Frappe).

Alipay's key tool hands out bare base64 (no BEGIN/END lines; the app private key PKCS#8 for Java or PKCS#1
otherwise, the Alipay public key a SubjectPublicKeyInfo), and a desk Password field is a one-line input
that drops the line breaks of a pasted PEM. Either way the DER behind the text is loaded with
`cryptography` and written back as a PEM with its line breaks: PKCS#8 for the private key, SubjectPublicKeyInfo
for the public key. Anything else raises KeyFormatError (its message never repeats the key).
"""

import base64
import binascii
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


class KeyFormatError(ValueError):
	"""The text is no RSA key of the expected kind."""


def _der(text: str) -> bytes:
	text = (text or "").strip()
	if not text:
		raise KeyFormatError("empty")
	match = PEM_BLOCK.search(text)
	body = match.group(2) if match else text
	body = re.sub(r"\s+", "", body)
	try:
		return base64.b64decode(body, validate=True)
	except (binascii.Error, ValueError):
		raise KeyFormatError("not base64")


def private_key_pem(text: str) -> str:
	"""The RSA private key in `text` (PEM on one or many lines, or bare base64 of PKCS#8 / PKCS#1) as PKCS#8 PEM."""
	try:
		key = serialization.load_der_private_key(_der(text), password=None)
	except (ValueError, TypeError):
		raise KeyFormatError("not an unencrypted private key")
	if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
		raise KeyFormatError("not an RSA key of 2048 bits or more")
	return key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()


def public_key_pem(text: str) -> str:
	"""The RSA public key in `text` (PEM on one or many lines, or bare base64) as SubjectPublicKeyInfo PEM."""
	der = _der(text)
	try:
		key = serialization.load_der_public_key(der)
	except (ValueError, TypeError):
		raise KeyFormatError("not a public key")
	if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
		raise KeyFormatError("not an RSA key of 2048 bits or more")
	return key.public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	).decode()


def key_body(pem: str) -> str:
	"""The base64 body of a PEM on one line (what a test searches logs for)."""
	match = PEM_BLOCK.search(pem)
	return re.sub(r"\s+", "", match.group(2) if match else pem)
