"""The shapes a document's values must have before Frappe builds it (property_crm.field_values)."""

from property_crm.field_values import problems, wrong

FIELDS = {
	"unit": {"fieldtype": "Link", "length": None, "options": "Property Unit"},
	"floors": {"fieldtype": "Int"},
	"area": {"fieldtype": "Float"},
	"moved_in": {"fieldtype": "Date"},
	"starts_on": {"fieldtype": "Datetime"},
	"opens": {"fieldtype": "Time"},
	"notes": {"fieldtype": "Small Text"},
	"story": {"fieldtype": "Long Text"},
	"code": {"fieldtype": "Data", "length": 20},
	"occupants": {"fieldtype": "Table", "options": "Occupant"},
}
CHILDREN = {
	"Occupant": {
		"resident": {"fieldtype": "Link", "options": "Property Owner"},
		"since": {"fieldtype": "Date"},
	}
}


def test_what_fits_passes():
	values = {"unit": "A01-1-101", "floors": "30", "area": 89.5, "moved_in": "2026-01-31",
		"starts_on": "2026-01-31 09:30:00", "opens": "08:30:00", "notes": "漏水", "story": "x" * 200_000,
		"code": "A" * 20, "occupants": [{"resident": "DA-2026-00001", "since": "2026-01-01"}], "unknown": [1],
		"area_empty": None}  # fmt: skip
	assert problems(FIELDS, values, CHILDREN) == []
	assert problems(FIELDS, {"floors": "", "moved_in": "", "unit": None}, CHILDREN) == []


def test_wrong_shapes_are_named():
	found = problems(FIELDS, {"unit": ["x"], "floors": "abc", "area": "1e999", "moved_in": "2026-13-45",
		"starts_on": 20260101, "opens": "noon", "code": "A" * 21, "occupants": "not a list"}, CHILDREN)  # fmt: skip
	assert {name for name, _i, _w in found} == {"unit", "floors", "area", "moved_in", "starts_on", "opens",
		"code", "occupants"}  # fmt: skip


def test_rows_are_checked_one_by_one():
	found = problems(FIELDS, {"occupants": [{"resident": "DA-1"}, "row?", {"since": "yesterday"}]}, CHILDREN)
	assert found == [("occupants", 1, "a row"), ("occupants.since", 2, "a date (YYYY-MM-DD)")]


def test_numbers_and_text_limits():
	assert wrong("Int", None, 2**31) == "a whole number"
	assert wrong("Int", None, 1.5) == "a whole number"
	assert wrong("Check", None, True) is None
	assert wrong("Currency", None, float("nan")) == "a number"
	assert wrong("Currency", None, "1,234.50") is None
	assert wrong("Small Text", None, "字" * 30_000) == ("at most {0} bytes", 65_535)
	assert wrong("Data", None, "x" * 141) == ("at most {0} characters", 140)
	assert wrong("Data", None, {"a": 1}) == "text"


def test_names_and_options_are_text():
	assert wrong("Select", None, 7) == "text"
	assert wrong("Link", None, 12) == "text"
	assert wrong("Data", None, 12) is None
