"""A survey link's token must not stay at rest: what of a sent mail is kept (no Frappe here).

Frappe keeps every queued mail whole in Email Queue.message (MIME, its text parts quoted-printable or
base64) after sending it. Only the token's hash is meant to be stored, so once the mail is sent the link's
token is cut out of each text part; the rest of the mail (who, when, subject, wording) stays for the
record."""

import email
import email.policy
import re

LINK = re.compile(r"(/property/s/)[A-Za-z0-9]{17,}")
# the first header of a stored mail whose links have been redacted (so that it is read only once)
MARK = "X-Property-CRM-Redacted:"
REDACTED = r"\1redacted"


def redact_text(text: str) -> str:
	return LINK.sub(REDACTED, text or "")


def redact_message(message: str) -> str:
	"""The MIME message with every survey link's token replaced, each text part re-encoded as it was."""
	if not message or "/property/s/" not in _decoded(message):
		return message
	parsed = email.message_from_string(message, policy=email.policy.compat32)
	for part in parsed.walk():
		if part.get_content_maintype() != "text" or part.is_multipart():
			continue
		charset = part.get_content_charset() or "utf-8"
		payload = part.get_payload(decode=True)
		if payload is None:
			continue
		text = payload.decode(charset, errors="replace")
		redacted = redact_text(text)
		if redacted == text:
			continue
		encoding = (part.get("Content-Transfer-Encoding") or "").lower()
		del part["Content-Transfer-Encoding"]
		part.set_payload(redacted.encode(charset).decode(charset), charset=_charset(charset, encoding))
	return redact_text(parsed.as_string())


def _charset(name: str, encoding: str):
	from email import charset as charsets

	charset = charsets.Charset(name)
	charset.body_encoding = {"base64": charsets.BASE64, "quoted-printable": charsets.QP}.get(
		encoding, charset.body_encoding
	)
	return charset


def _decoded(message: str) -> str:
	"""The message with its text parts decoded (a token may be split by quoted-printable soft breaks)."""
	parsed = email.message_from_string(message, policy=email.policy.compat32)
	texts = [message]
	for part in parsed.walk():
		if part.get_content_maintype() == "text" and not part.is_multipart():
			payload = part.get_payload(decode=True)
			if payload:
				texts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
	return "\n".join(texts)


def mark_redacted(message: str) -> str:
	"""The message redacted, with MARK as its first header."""
	redacted = redact_message(message or "")
	newline = "\r\n" if "\r\n" in redacted[:2000] else "\n"
	return f"{MARK} 1{newline}{redacted}"
