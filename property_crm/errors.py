"""The one error type of the domain rules.

A rule that fails raises DomainError with an English message template (placeholders {0}, {1}…) that
names the field; the Frappe side translates the template with `_()` and formats it with the params.
Every template is listed in MESSAGES, so the translation catalogue can be checked for completeness.
"""


class DomainError(ValueError):
	def __init__(self, message: str, *params, field: str | None = None):
		super().__init__(message.format(*params))
		self.message = message
		self.params = params
		self.field = field


MOBILE_INVALID = (
	"Mobile: {0} is not a valid mainland China mobile number (11 digits starting with 13–19) "
	"or an international number with its country code (+ and 7–15 digits)."
)
EMAIL_INVALID = "Email: {0} is not a valid email address."
ID_TYPE_UNKNOWN = "ID Type: {0} is not a known type of ID document."
ID_FORMAT = "ID Number: {0} does not have the format of a {1}."
ID_PROVINCE = "ID Number: {0} does not start with a valid province code."
ID_BIRTH_DATE = "ID Number: {0} does not contain a valid date of birth."
ID_CHECK_DIGIT = "ID Number: the check digit of {0} is wrong; please check the number for typing errors."
ID_DOB_MISMATCH = "Date of Birth: {0} does not match the date of birth in the ID number ({1})."
CODE_INVALID = "{0}: {1} may contain only letters and digits (at most 20)."
UNIT_PART_MISSING = "{0} is required to name the unit."
BUILT_UP_AREA = "Built-up Area (m²): must be greater than 0."
INNER_AREA = "Inner Area (m²): must be greater than 0 and not more than the built-up area ({0} m²)."
FLOOR_INVALID = "Floor: {0} is not a valid floor (use -1 to -10 for basements; there is no floor 0)."
FLOOR_TOO_HIGH = "Floor: {0} is above the top floor of the building ({1})."
OCCUPANT_RELATION = "Occupants, row {0}: {1} is not a valid relation."
OCCUPANT_PERSON = "Occupants, row {0}: choose the resident."
OCCUPANT_MOVE_IN = "Occupants, row {0}: enter the move-in date before the move-out date."
OCCUPANT_DATES = "Occupants, row {0}: the move-out date {1} is before the move-in date {2}."
OCCUPANT_TWICE = "Occupants, rows {0} and {1}: the same resident is listed twice for overlapping periods."
OCCUPANT_PRIMARY = "Occupants, rows {0} and {1}: only one primary contact at a time; their periods overlap."

MESSAGES = (
	MOBILE_INVALID,
	EMAIL_INVALID,
	ID_TYPE_UNKNOWN,
	ID_FORMAT,
	ID_PROVINCE,
	ID_BIRTH_DATE,
	ID_CHECK_DIGIT,
	ID_DOB_MISMATCH,
	CODE_INVALID,
	UNIT_PART_MISSING,
	BUILT_UP_AREA,
	INNER_AREA,
	FLOOR_INVALID,
	FLOOR_TOO_HIGH,
	OCCUPANT_RELATION,
	OCCUPANT_PERSON,
	OCCUPANT_MOVE_IN,
	OCCUPANT_DATES,
	OCCUPANT_TWICE,
	OCCUPANT_PRIMARY,
)


class Conflict(Exception):
	"""A change based on a version of a record that has changed since (the phone's queued action after
	someone else saved the order): Frappe answers HTTP 409 (`http_status_code`) with the JSON the raiser put in
	`frappe.local.response`, and rolls back whatever the request wrote."""

	http_status_code = 409
