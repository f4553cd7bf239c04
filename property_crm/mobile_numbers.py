"""Mobiles of residents for the code that sends to them or matches on them.

A resident's mobile is protected (`protected_fields.py`): the column holds the mask (138****5678), the number
itself only its ciphertext. Whatever shows a mobile shows the column; whatever must reach the phone (an SMS
gateway) asks here for the full number, which is decrypted in memory and handed to the gateway only. What
Frappe keeps of a sent SMS (the SMS Log) holds masks again.
"""

import re
import unicodedata

from property_crm.masks import is_masked, mask_mobile
from property_crm.protected_fields import find_by_value, kind_of, plain_value_of

OWNER = "Property Owner"
_SEPARATORS = re.compile(r"[\s\-.()\u2010-\u2015]")
_MAINLAND = re.compile(r"1[3-9][0-9]{9}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def full_mobile(name: str | None, doctype: str = OWNER) -> str | None:
	"""The full mobile of a resident file (or of another document with a protected mobile), or None."""
	return (plain_value_of(doctype, name, "mobile") or None) if name else None


def files_of(doc) -> list[str]:
	"""The resident files a document is about: itself, or those its links to Property Owner point at (not a
	mere suggestion: an e-mailed order's `suggested_requester` is nobody's until confirmed)."""
	if doc.doctype == OWNER:
		return [doc.name] if doc.name else []
	names = []
	for df in doc.meta.get_link_fields():
		if df.options != OWNER or df.fieldname.startswith("suggested_"):
			continue
		if (value := doc.get(df.fieldname)) and value not in names:
			names.append(value)
	return names


def full_numbers(doc, numbers: list[str]) -> list[str]:
	"""`numbers` as a gateway needs them. A resident's mobile copied onto a document (an order's or a
	complaint's contact mobile) is the mask: it becomes the full number of the resident file the document
	links to whose number has that mask. A mask that none of them has is dropped — no phone answers to it.
	Plain numbers (a walk-in's, a staff member's) are kept as they are."""
	masked = {n for n in numbers if is_masked(n)}
	if not masked:
		return list(numbers)
	full = {}
	for name in files_of(doc):
		number = full_mobile(name)
		if number and mask_mobile(number) in masked:
			full.setdefault(mask_mobile(number), number)
	out = []
	for number in numbers:
		number = full.get(number) if is_masked(number) else number
		if number and number not in out:
			out.append(number)
	return out


def mask_sms_log(doc, method=None) -> None:
	"""doc_events SMS Log before_insert: Frappe logs every SMS with the numbers it went to; the log keeps the
	masks, so the full numbers live only in the resident files' ciphertext."""
	for field in ("requested_numbers", "sent_to"):
		value = doc.get(field)
		if value:
			doc.set(field, "\n".join(mask_mobile(n.strip()) for n in str(value).splitlines() if n.strip()))


def as_stored(text: str | None) -> str | None:
	"""A typed phone number in the form mobiles are stored in (11 digits, or E.164), else None: what a
	search box receives is a number only when it reads as one."""
	if not isinstance(text, str):
		return None
	number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip())
	if number.startswith("00"):
		number = "+" + number[2:]
	for prefix in ("+86", "86"):
		if number.startswith(prefix) and _MAINLAND.fullmatch(number[len(prefix) :]):
			number = number[len(prefix) :]
	return number if _MAINLAND.fullmatch(number) or _E164.fullmatch(number) else None


def search_by_mobile(doctype: str, txt: str, filters):
	"""Link search (the phone desk types the caller's number into a Resident field): the column holds only
	the mask, so a full number typed into the search of a doctype whose mobile is protected finds its
	records through the keyed hash. Returns (txt, filters) to search with; the user's permissions apply
	to the search as before."""
	number = as_stored(txt) if kind_of(doctype, "mobile") else None
	if not number:
		return txt, filters
	names = find_by_value(doctype, "mobile", number) or [""]
	if isinstance(filters, dict):
		filters = [
			[doctype, field, *(value if isinstance(value, list | tuple) else ("=", value))]
			for field, value in filters.items()
		]
	return "", [*(filters or []), [doctype, "name", "in", names]]
