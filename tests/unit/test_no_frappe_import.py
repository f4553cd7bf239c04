"""The unit tier's promise: the pure rules import no Frappe at all — each module's `rules/` package, the
core's `errors` and `images`, and the demo's generators (`demo/generate/`)."""

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from property_crm import errors

APP = Path(errors.__file__).parent
MODULES = ("property_households", "property_service", "property_complaints", "property_surveys",
	"property_fees", "property_care")  # fmt: skip
# each pure package, by its dotted name: a module's rules, the demo's generators
PURE = {f"property_crm.{m}.rules": APP / m / "rules" for m in MODULES} | {
	"property_crm.demo.generate": APP / "demo" / "generate"
}

# the core's pure modules: the domain error, the picture checks of uploads (Pillow only)
CORE_PURE = ("errors.py", "images.py")

# Runs in a fresh interpreter. A finder placed first on sys.meta_path records every attempt to import
# frappe (or erpnext), so the check holds whether or not Frappe is installed here and even if a module
# wraps its import in try/except ImportError.
PROBE = """
import importlib, sys
tried = []
class Watch:
	def find_spec(self, name, path=None, target=None):
		if name.split(".")[0] in ("frappe", "erpnext"):
			tried.append(name)
			raise ImportError("blocked: " + name)
		return None
sys.meta_path.insert(0, Watch())
import property_crm
for module in sys.argv[1:]:
	importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("frappe", "erpnext"))
assert not tried and not loaded, (tried, loaded)
print("ok", len(sys.argv) - 1)
"""


def pure_files() -> list[Path]:
	return [
		*(APP / name for name in CORE_PURE),
		*(p for folder in PURE.values() for p in sorted(folder.glob("*.py"))),
	]


def pure_modules(package: str) -> list[str]:
	return [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(PURE[package])])]


def test_every_module_has_pure_rules():
	for package in PURE:
		assert pure_modules(package), f"{package} holds no rules"


@pytest.mark.parametrize("package", sorted(PURE))
def test_pure_rules_do_not_import_frappe(package):
	"""Module by module: importing every rule of a module (and what it imports) loads no Frappe."""
	modules = [f"property_crm.{name[:-3]}" for name in CORE_PURE] + pure_modules(package)
	result = subprocess.run(
		[sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, cwd=APP.parent
	)
	assert result.returncode == 0 and result.stdout.strip() == f"ok {len(modules)}", result.stderr


def test_the_probe_would_notice_a_guarded_frappe_import(tmp_path):
	"""The probe itself works: a module that only tries to import frappe is caught."""
	(tmp_path / "sneaky.py").write_text("try:\n\timport frappe\nexcept ImportError:\n\tpass\n")
	result = subprocess.run(
		[sys.executable, "-c", PROBE, "sneaky"],
		capture_output=True,
		text=True,
		cwd=APP.parent,
		env={"PYTHONPATH": f"{tmp_path}:{APP.parent}", "PATH": ""},
	)
	assert result.returncode != 0 and "frappe" in result.stderr


def test_no_import_statement_names_frappe():
	for path in pure_files():
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if isinstance(node, ast.Import):
				names = [alias.name for alias in node.names]
			elif isinstance(node, ast.ImportFrom):
				names = [node.module or ""]
			else:
				continue
			assert not any(n.split(".")[0] in ("frappe", "erpnext") for n in names), path.name


def test_every_message_template_is_listed():
	"""Templates are module constants in errors.py; every one used by a rule is in MESSAGES."""
	used = set()
	for path in pure_files():
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if not isinstance(node, ast.Call):
				continue
			called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
			if called != "DomainError":
				continue
			first = node.args[0]
			if isinstance(first, ast.Constant):  # a literal template right in the call
				used.add(first.value)
				continue
			assert isinstance(first, ast.Name), f"{path.name}: use a template constant from errors.py"
			assert hasattr(errors, first.id), f"{path.name}: {first.id} is not a template in errors.py"
			used.add(getattr(errors, first.id))
	assert used and used <= set(errors.MESSAGES), used - set(errors.MESSAGES)
	assert len(set(errors.MESSAGES)) == len(errors.MESSAGES)
	assert 15 <= len(errors.MESSAGES) <= 25
	# the templates are plain literals in errors.py, so a catalogue tool can read them from the source
	source = ast.parse((APP / "errors.py").read_text(encoding="utf-8"))
	literals = {
		node.value.value
		for node in source.body
		if isinstance(node, ast.Assign)
		and isinstance(node.value, ast.Constant)
		and isinstance(node.value.value, str)
	}
	assert set(errors.MESSAGES) <= literals
	for template in errors.MESSAGES:
		# the English text starts by naming the field ("Mobile: …", "{0}: …" for a label passed in)
		assert re.match(r"^(\{0\}|[A-Z][\w\s(),.²-]*)[:\s]", template), template
		placeholders = sorted({int(n) for n in re.findall(r"\{(\d+)\}", template)})
		assert placeholders == list(range(len(placeholders))), template  # {0}, {1}… without gaps


def test_domain_error():
	e = errors.DomainError(errors.OCCUPANT_DATES, 3, "2021-01-01", "2021-02-01", field="occupants")
	assert isinstance(e, ValueError)
	assert e.message == errors.OCCUPANT_DATES
	assert e.params == (3, "2021-01-01", "2021-02-01")
	assert e.field == "occupants"
	assert str(e) == "Occupants, row 3: the move-out date 2021-01-01 is before the move-in date 2021-02-01."
	assert errors.DomainError(errors.BUILT_UP_AREA).field is None
