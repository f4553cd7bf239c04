"""Integration Request logging for the payment platforms — without committing, without secrets.

Frappe's ``create_request_log`` commits; a notification's exactly-once section must not commit half-way, so
the payment code logs through ``log_request`` here (an insert in the current transaction). Everything logged
goes through ``redact`` first: signatures, keys, tokens, certificates never reach a log.
"""

import json
from decimal import Decimal

import frappe

# keys (lower-case, "-" and "_" equivalent) whose values are never logged
SECRET_KEYS = frozenset(
	{
		"authorization",
		"sign",
		"signature",
		"wechatpay-signature",
		"wechatpay_signature",
		"paysign",
		"private_key",
		"app_private_key",
		"alipay_public_key",
		"public_key",
		"apiv3_key",
		"api_v3_key",
		"api_key",
		"key",
		"secret",
		"password",
		"token",
		"access_token",
		"cert",
		"certificate",
		"ciphertext",
		"associated_data",
		"nonce",
		"cookie",
		"set-cookie",
		"x-frappe-csrf-token",
	}
)
REDACTED = "***"


def _is_secret(key) -> bool:
	k = str(key).lower().replace("_", "-")
	return k in SECRET_KEYS or k.replace("-", "_") in SECRET_KEYS


def redact(value):
	"""A copy of ``value`` (dict/list/str/...) with secret-looking keys' values replaced."""
	if isinstance(value, dict):
		return {k: (REDACTED if _is_secret(k) else redact(v)) for k, v in value.items()}
	if isinstance(value, list | tuple):
		return [redact(v) for v in value]
	if isinstance(value, Decimal):
		return str(value)
	if isinstance(value, bytes):
		value = value.decode("utf-8", "replace")
	if isinstance(value, str):
		stripped = value.strip()
		if stripped[:1] in ("{", "["):
			try:
				return json.dumps(redact(json.loads(stripped)), ensure_ascii=False, indent=1, default=str)
			except ValueError:
				pass
		if "-----BEGIN" in value:
			return REDACTED
		return value
	return value


def _as_text(value):
	if value is None:
		return None
	value = redact(value)
	if isinstance(value, str):
		return value
	return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def log_request(
	service: str,
	action: str,
	data,
	output=None,
	error=None,
	headers=None,
	reference=None,
	status: str = "Completed",
	remote: bool = False,
):
	"""Insert an Integration Request (no commit). ``reference``: a doc, or (doctype, name), or None.

	``remote`` = an inbound call (a notification). Returns the Integration Request's name, or None when the
	log itself failed (logging never breaks a payment)."""
	ref_doctype = ref_name = None
	if reference is not None:
		if isinstance(reference, tuple | list):
			ref_doctype, ref_name = reference
		else:
			ref_doctype, ref_name = reference.doctype, reference.name
	try:
		doc = frappe.get_doc(
			{
				"doctype": "Integration Request",
				"integration_request_service": service,
				"request_description": (action or "")[:140],
				"status": status,
				"is_remote_request": 1 if remote else 0,
				"request_headers": _as_text(headers),
				"data": _as_text(data),
				"output": _as_text(output),
				"error": _as_text(error),
				"reference_doctype": ref_doctype,
				"reference_docname": ref_name,
			}
		)
		doc.insert(ignore_permissions=True)
		return doc.name
	except Exception:
		frappe.log_error(title=f"{service}: Integration Request not logged", message=frappe.get_traceback())
		return None
