"""Phone numbers and email addresses."""

import re
import unicodedata

from property_crm.errors import EMAIL_INVALID, MOBILE_INVALID, DomainError

# ASCII digits only: Python's \d would also match full-width and other scripts' digits
MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_SEPARATORS = re.compile(r"[\s\-.()\u2010-\u2015]")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def normalize_mobile(value: str, field: str = "mobile") -> str:
	"""One stored form: mainland mobiles as their 11 digits, other numbers as E.164 (+ and digits).

	Spaces, dashes, dots and brackets are ignored; +86 / 0086 / 86 before a mainland mobile is dropped.
	Full-width characters typed with a Chinese input method (１３８, ＋, （）) count as their ASCII forms.
	"""
	raw = (value or "").strip()
	if not raw:
		return ""
	number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
	if number.startswith("00"):
		number = "+" + number[2:]
	if MAINLAND_MOBILE.fullmatch(number):
		return number
	for prefix in ("+86", "86"):
		if number.startswith(prefix):
			rest = number[len(prefix) :]
			if MAINLAND_MOBILE.fullmatch(rest):
				return rest
			if prefix == "+86":
				# +86 but not a mobile (a landline, a typo): this field holds mobiles
				raise DomainError(MOBILE_INVALID, raw, field=field)
	if E164.fullmatch(number):
		return number
	raise DomainError(MOBILE_INVALID, raw, field=field)


def is_mainland_mobile(value: str) -> bool:
	return bool(MAINLAND_MOBILE.fullmatch(value or ""))


def normalize_email(value: str, field: str = "email") -> str:
	"""Trimmed, domain lower-cased; the local part is kept as typed."""
	raw = (value or "").strip()
	if not raw:
		return ""
	if raw.count("@") != 1 or len(raw) > 254:
		raise DomainError(EMAIL_INVALID, raw, field=field)
	local, domain = raw.split("@")
	labels = domain.lower().split(".")
	if (
		not _EMAIL_LOCAL.fullmatch(local)
		or len(local) > 64
		or len(labels) < 2
		or not all(_EMAIL_LABEL.fullmatch(label) for label in labels)
		or not re.fullmatch(r"[a-z]{2,63}", labels[-1])
	):
		raise DomainError(EMAIL_INVALID, raw, field=field)
	return f"{local}@{'.'.join(labels)}"
