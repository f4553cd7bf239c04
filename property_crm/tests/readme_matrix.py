"""The README's permission matrix (Roles and permissions), parsed: pure Python, read by the unit tier (every
doctype of ours is listed) and by the integration tier (every cell holds on the live site)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = (
	"Property Manager",
	"Property Customer Service",
	"Property Technician",
	"Property Accountant",
	"Property Resident",
)
RIGHTS = {"R": "read", "W": "write", "C": "create", "D": "delete", "E": "export", "P": "print", "r": "report"}
HEADER = "| doctype | " + " | ".join(ROLES) + " |"
FOOTNOTES = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]")


def parse_cell(cell: str) -> tuple[set[str], set[str]]:
	"""`RWC own:Dr³` → ({read, write, create}, {delete, report}): rights on any record, rights on own ones."""
	text = FOOTNOTES.sub("", cell).strip()
	if text in ("—", "-", ""):
		return set(), set()
	general, _sep, own = text.partition("own:")
	for letters in (general, own):
		unknown = set(letters.strip()) - set(RIGHTS)
		if unknown:
			raise ValueError(f"unknown right letter(s) {sorted(unknown)} in matrix cell {cell!r}")
	return {RIGHTS[c] for c in general.strip()}, {RIGHTS[c] for c in own.strip()}


def footnotes(cell: str) -> set[str]:
	return set(FOOTNOTES.findall(cell))


def matrix(readme: str | Path = README) -> dict[str, dict[str, str]]:
	"""{doctype: {role: raw cell}} from the table whose header is HEADER."""
	lines = [line.strip() for line in Path(readme).read_text(encoding="utf-8").splitlines()]
	start = lines.index(HEADER)
	table = {}
	for line in lines[start + 2 :]:
		if not line.startswith("|"):
			break
		cells = [cell.strip() for cell in line.strip("|").split("|")]
		if len(cells) != len(ROLES) + 1:
			raise ValueError(f"matrix row with {len(cells)} cells: {line}")
		doctype, *rights = cells
		if doctype in table:
			raise ValueError(f"{doctype} is listed twice in the matrix")
		table[doctype] = dict(zip(ROLES, rights, strict=True))
	return table
