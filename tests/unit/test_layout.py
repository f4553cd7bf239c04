"""The layout's promises, checked on the source (no Frappe): one folder per capability, imports that run
from the modules to the shared core and never in a circle, and no module reaching into another's internals.

Run it as a script to print the import graph between the parts of the app (the README's picture):
	python tests/unit/test_layout.py
"""

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "property_crm"
MODULES = {  # Module Def -> folder: one per capability
	"Property Households": "property_households",
	"Property Service": "property_service",
	"Property Complaints": "property_complaints",
	"Property Surveys": "property_surveys",
	"Property Fees": "property_fees",
	"Property Care": "property_care",
	"Property Privacy": "property_privacy",  # customer-data protection (issue 19)
}
CORE_MODULE = "Property CRM"  # settings and the manager's landing workspace
# A module's internals: what only Frappe (by path) or the module itself calls. Another module may import
# its pure rules (`rules/`) and the services at the top of its folder, never these.
INTERNAL = {
	"doctype",
	"report",
	"page",
	"print_format",
	"notification",
	"number_card",
	"dashboard_chart",
	"workspace",
	"workflow",
	"module_profile",
	"api",
	"portal",
	"tests",
	"templates",
}

# the stand-ins of the payment platforms (tests' own servers), which the demo and a bench command also run
STANDINS = "property_crm.property_fees.tests.standins"


def part_of(dotted: str) -> str | None:
	"""Which part of the app a dotted module name belongs to: a module folder, 'demo', 'core', or None."""
	parts = dotted.split(".")
	if parts[0] != "property_crm":
		return None
	if len(parts) > 1 and parts[1] in MODULES.values():
		return parts[1]
	if len(parts) > 1 and parts[1] in ("demo", "patches", "commands"):
		# the demo and the patches may call any module's public functions; the bench commands run the demo
		return parts[1]
	return "core"


def is_test(path: Path) -> bool:
	return (
		path.name.startswith("test_") or "tests" in path.relative_to(APP).parts or path.name == "conftest.py"
	)


def dotted_of(path: Path) -> str:
	rel = path.relative_to(APP.parent).with_suffix("")
	parts = list(rel.parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


def imports_of(path: Path) -> list[tuple[str, str | None, int]]:
	"""(module, imported name or None, line) of every import in a file, also those inside functions."""
	found = []
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
		if isinstance(node, ast.Import):
			found += [(alias.name, None, node.lineno) for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
			for alias in node.names:
				# `from package import module` names a module; `from module import name` a name
				candidate = f"{node.module}.{alias.name}"
				is_module = (APP.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
					APP.parent / candidate.replace(".", "/")
				).is_dir()
				found.append(
					(candidate, None, node.lineno) if is_module else (node.module, alias.name, node.lineno)
				)
	return found


def source_files():
	return [p for p in APP.rglob("*.py") if not is_test(p)]


def edges() -> list[tuple[str, str, str, str | None, str]]:
	"""(from part, to part, target module, name, where) of every import between two parts of the app."""
	out = []
	for path in source_files():
		here = part_of(dotted_of(path))
		for target, name, line in imports_of(path):
			there = part_of(target)
			if there and there != here:
				out.append((here, there, target, name, f"{path.relative_to(APP.parent)}:{line}"))
	return out


def graph() -> dict[str, set[str]]:
	g = defaultdict(set)
	for here, there, *_ in edges():
		g[here].add(there)
	return g


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
	found, state = [], {}

	def visit(node, stack):
		state[node] = "open"
		for nxt in sorted(g.get(node, ())):
			if state.get(nxt) == "open":
				found.append([*stack[stack.index(nxt) :], nxt] if nxt in stack else [node, nxt])
			elif nxt not in state:
				visit(nxt, [*stack, nxt])
		state[node] = "done"

	for node in sorted(g):
		if node not in state:
			visit(node, [node])
	return found


def test_one_folder_per_module_and_modules_txt_lists_them():
	listed = (APP / "modules.txt").read_text(encoding="utf-8").split("\n")
	assert {m for m in listed if m} == {CORE_MODULE, *MODULES}
	for module, folder in MODULES.items():
		assert (APP / folder / "__init__.py").exists(), folder
		assert (APP / folder / "doctype").is_dir(), f"{module} has no doctypes"


def test_every_json_record_names_the_module_of_its_folder():
	"""A doctype, report, workspace… belongs to the module whose folder it is in (Frappe syncs by folder)."""
	folder_module = {folder: module for module, folder in MODULES.items()} | {"property_crm": CORE_MODULE}
	for folder, module in folder_module.items():
		for path in (APP / folder).glob("*/*/*.json"):
			if path.stem != path.parent.name:
				continue
			record = json.loads(path.read_text(encoding="utf-8"))
			if "module" in record:
				assert record["module"] == module, f"{path.relative_to(APP)} says {record['module']}"


def test_the_core_imports_no_module():
	"""hooks.py wires the modules in by dotted strings; no core code imports a module or the demo."""
	wrong = [e for e in edges() if e[0] == "core"]
	assert not wrong, "\n".join(f"{w}: {t}" for *_, t, _n, w in wrong)


def test_no_module_imports_the_demo_or_a_patch():
	wrong = [e for e in edges() if e[1] in ("demo", "patches") and e[0] not in ("patches", "commands")]
	assert not wrong, wrong


def test_no_circle_between_parts():
	assert not cycles(graph()), cycles(graph())


def test_no_module_reaches_into_another_modules_internals():
	"""Across modules (and from the demo) only the rules and the services at the top of a module's folder,
	and only names without a leading underscore."""
	wrong = []
	for here, there, target, name, where in edges():
		if there in ("core",) or there == here:
			continue
		if here in ("demo", "commands") and target.startswith(STANDINS):
			continue  # the demo and `property-crm-payment-standins` serve the payment platforms' stand-ins
		inner = target.split(".")[2:3]
		if (
			(inner and inner[0] in INTERNAL)
			or (name or "").startswith("_")
			or target.split(".")[-1].startswith("_")
		):
			wrong.append(f"{where}: {target} {name or ''}")
	assert not wrong, "\n".join(wrong)


def test_the_demo_is_one_package_without_circles():
	"""One module per step (households, company, orders, complaints, fees, care, surveys), run in order by
	`demo.run`; shared helpers in `demo.common`; no step imports a step that imports it back."""
	g = defaultdict(set)
	for path in (APP / "demo").rglob("*.py"):
		here = dotted_of(path)
		for target, _name, _line in imports_of(path):
			if target.startswith("property_crm.demo.") and target != here:
				g[here].add(target)
	assert not cycles(g), cycles(g)
	steps = {"households", "company", "orders", "complaints", "fees", "care", "surveys", "field"}
	assert {f"property_crm.demo.{s}" for s in steps} <= g["property_crm.demo.run"]


def test_the_checks_would_notice_a_circle():
	assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})
	assert not cycles({"a": {"b"}, "b": {"c"}})


if __name__ == "__main__":
	g = graph()
	order = ["commands", "demo", "patches", *MODULES.values(), "core"]
	print("Imports between the parts of property_crm (an arrow: 'imports public functions of'):")
	for node in order:
		targets = [t for t in order if t in g.get(node, ())]
		print(f"  {node:22} -> {', '.join(targets) or '(nothing)'}")
	sys.exit(1 if cycles(g) else 0)
