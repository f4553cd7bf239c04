"""ID documents: mainland resident ID cards (GB 11643-1999) and the other documents by format."""

import re
import unicodedata
from datetime import date

from property_crm.errors import (
	ID_BIRTH_DATE,
	ID_CHECK_DIGIT,
	ID_DOB_MISMATCH,
	ID_FORMAT,
	ID_PROVINCE,
	ID_TYPE_UNKNOWN,
	DomainError,
)

MAINLAND = "Mainland ID Card"
ID_TYPES = (MAINLAND, "Passport", "Hong Kong/Macau Permit", "Taiwan Permit", "Other")

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# the province-level codes of GB/T 2260, plus 71 Taiwan, 81 Hong Kong, 82 Macau, 83 residence permits
PROVINCES = frozenset(
	(11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54)
) | frozenset((61, 62, 63, 64, 65, 71, 81, 82, 83))
# ASCII only ([0-9], not \d, which also matches full-width and other scripts' digits)
FORMATS = {
	MAINLAND: re.compile(r"[0-9]{17}[0-9X]"),
	"Passport": re.compile(r"[A-Z0-9]{5,20}"),
	"Hong Kong/Macau Permit": re.compile(r"[HM][0-9]{8}([0-9]{2})?"),
	"Taiwan Permit": re.compile(r"[0-9]{8}([0-9]{2})?"),
	"Other": re.compile(r"[A-Z0-9-]{1,30}"),
}


def mainland_check_digit(first17: str) -> str:
	return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date_from_mainland_id(number: str) -> date:
	return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def normalize_id_number(
	id_type: str, number: str, date_of_birth: date | None = None, today: date | None = None
) -> str:
	"""The stored form (upper case, no spaces, ASCII), or DomainError naming what is wrong.

	Full-width characters (１１０１…Ｘ) count as their ASCII forms.
	"""
	if id_type not in ID_TYPES:
		raise DomainError(ID_TYPE_UNKNOWN, id_type, field="id_type")
	value = re.sub(r"\s", "", unicodedata.normalize("NFKC", number or ""))
	if not value:
		return ""
	# ASCII before upper-casing, so that e.g. "ß" cannot become "SS"
	if not value.isascii() or not FORMATS[id_type].fullmatch(value := value.upper()):
		raise DomainError(ID_FORMAT, number, id_type, field="id_number")
	if id_type == MAINLAND:
		_check_mainland(value, date_of_birth, today or date.today())
	return value


def _check_mainland(value: str, date_of_birth: date | None, today: date) -> None:
	if int(value[:2]) not in PROVINCES:
		raise DomainError(ID_PROVINCE, value, field="id_number")
	try:
		born = birth_date_from_mainland_id(value)
	except ValueError:
		raise DomainError(ID_BIRTH_DATE, value, field="id_number") from None
	if born > today or born < date(1900, 1, 1):
		raise DomainError(ID_BIRTH_DATE, value, field="id_number")
	if mainland_check_digit(value[:17]) != value[17]:
		raise DomainError(ID_CHECK_DIGIT, value, field="id_number")
	if date_of_birth and date_of_birth != born:
		raise DomainError(ID_DOB_MISMATCH, date_of_birth.isoformat(), born.isoformat(), field="date_of_birth")


def mask_id_number(number: str) -> str:
	"""For display to staff who may not read ID numbers: 110105********002X (mainland), E******78."""
	if not number:
		return ""
	keep_start, keep_end = (6, 4) if FORMATS[MAINLAND].fullmatch(number) else (1, 2)
	if len(number) <= keep_start + keep_end:
		return "*" * len(number)
	return number[:keep_start] + "*" * (len(number) - keep_start - keep_end) + number[-keep_end:]
