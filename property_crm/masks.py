"""Masks of personal values for people who have no need of the full value (pure, no Frappe).

A mobile keeps its first 3 and last 4 characters (138****5678); an ID document number its first 4 and last
4 (1101**********1234) when it is long enough for that to leave most of it hidden, else fewer. A mask always
contains "*", which no valid mobile or ID number does: that is how a masked value is told from a plain one.
"""

STAR = "*"


def _mask(value: str, keep_start: int, keep_end: int) -> str:
	hidden = len(value) - keep_start - keep_end
	return value[:keep_start] + STAR * hidden + (value[-keep_end:] if keep_end else "")


def mask_mobile(value: str | None) -> str:
	"""138****5678; +85****5678 for an international number; a short number mostly stars."""
	value = (value or "").strip()
	if not value or is_masked(value):
		return value
	n = len(value)
	if n >= 9:
		return _mask(value, 3, 4)
	if n >= 5:
		return _mask(value, 0, 2)
	return STAR * n


def mask_id(value: str | None) -> str:
	"""1101**********1234 (mainland ID card, 18); a passport or permit (8–11) keeps 1 and 2
	(E******78); shorter numbers keep at most their last character: never more than half of an ID shown."""
	value = (value or "").strip()
	if not value or is_masked(value):
		return value
	n = len(value)
	if n >= 12:
		return _mask(value, 4, 4)
	if n >= 8:
		return _mask(value, 1, 2)
	if n >= 4:
		return _mask(value, 0, 1)
	return STAR * n


MASKS = {"mobile": mask_mobile, "id": mask_id}


def mask(kind: str, value: str | None) -> str:
	return MASKS[kind](value)


def is_masked(value: str | None) -> bool:
	"""True for a value produced by a mask (it holds a "*"), False for a plain value or nothing."""
	return bool(value) and STAR in value
