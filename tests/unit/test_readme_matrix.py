"""The README's permission matrix lists every doctype of ours that is not a child table or a single, so a new
doctype cannot ship without its row (tests/test_permission_matrix.py then proves each cell on a live site)."""

import json
from pathlib import Path

from property_crm.tests import readme_matrix

APP = Path(__file__).resolve().parents[2] / "property_crm"


def our_doctypes() -> set[str]:
	names = set()
	for path in APP.glob("*/doctype/*/*.json"):
		if path.stem != path.parent.name:
			continue
		doc = json.loads(path.read_text(encoding="utf-8"))
		if doc.get("doctype") == "DocType" and not doc.get("istable") and not doc.get("issingle"):
			names.add(doc["name"])
	return names


def test_every_doctype_of_ours_has_a_row():
	listed = set(readme_matrix.matrix())
	missing = our_doctypes() - listed
	assert not missing, f"add these doctypes to the README's permission matrix: {sorted(missing)}"
	assert len(our_doctypes()) > 20


def test_every_cell_parses():
	for cells in readme_matrix.matrix().values():
		for cell in cells.values():
			readme_matrix.parse_cell(cell)  # raises on an unknown letter


def test_cell_notation():
	assert readme_matrix.parse_cell("RWCDEPr") == (
		{"read", "write", "create", "delete", "export", "print", "report"},
		set(),
	)
	assert readme_matrix.parse_cell("C own:RWDr") == ({"create"}, {"read", "write", "delete", "report"})
	assert readme_matrix.parse_cell("RWCDPr³") == (
		{"read", "write", "create", "delete", "print", "report"},
		set(),
	)
	assert readme_matrix.parse_cell("—") == (set(), set())
