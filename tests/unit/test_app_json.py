"""Integrity of the app's JSON (DocTypes, fixtures, workspace) and its Chinese translations, without Frappe."""

import ast
import csv
import json
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "property_crm"
# every module folder of the app (modules.txt): the core's and one per capability
MODULE_FOLDERS = [
	APP / name.lower().replace(" ", "_")
	for name in (APP / "modules.txt").read_text(encoding="utf-8").split("\n")
	if name.strip()
]
DOCTYPE_FILES = sorted(p for folder in MODULE_FOLDERS for p in folder.glob("doctype/*/*.json"))
WORKFLOW_FILES = sorted(p for folder in MODULE_FOLDERS for p in folder.glob("workflow/*.json"))
WORKSPACE_FILES = sorted(
	p for folder in MODULE_FOLDERS for p in folder.glob("workspace/*/*.json") if p.stem == p.parent.name
)
DOCTYPES = {
	json.loads(p.read_text())["name"]: json.loads(p.read_text())
	for p in DOCTYPE_FILES
	if p.stem == p.parent.name
}

# DocTypes of Frappe and ERPNext v15 that our Link/Table fields may point at.
HOST_DOCTYPES = {
	"Company",
	"User",
	"Holiday List",
	"Language",
	"Customer",
	"Contact",
	"Gender",
	"Item",
	"Issue Priority",
	"Sales Invoice",
	"Payment Entry",
	"Communication",
	"Assignment Rule",
	"Service Level Agreement",
	"DocType",
}
ROLES = {
	"Property Manager",
	"Property Customer Service",
	"Property Technician",
	"Property Accountant",
	"Property Resident",
}


def zh_catalogue() -> dict[str, str]:
	with open(APP / "translations" / "zh.csv", encoding="utf-8", newline="") as fh:
		return {row[0]: row[1] for row in csv.reader(fh) if row}


def test_doctypes_found():
	assert {"Property Estate", "Property Building", "Property Unit", "Property Owner"} <= set(DOCTYPES)


@pytest.mark.parametrize("name", sorted(DOCTYPES))
def test_doctype_folder_is_snake_case_with_controller(name):
	folder = next(p.parent for p in DOCTYPE_FILES if p.stem == name.lower().replace(" ", "_"))
	assert (folder / f"{folder.name}.json").exists()
	assert (folder / f"{folder.name}.py").exists()


@pytest.mark.parametrize("name", sorted(DOCTYPES))
def test_links_point_at_existing_doctypes(name):
	for field in DOCTYPES[name]["fields"]:
		if field["fieldtype"] in ("Link", "Table", "Table MultiSelect"):
			target = field["options"]
			assert target in DOCTYPES or target in HOST_DOCTYPES, f"{name}.{field['fieldname']} -> {target}"
		if field["fieldtype"] in ("Table", "Table MultiSelect"):
			assert DOCTYPES[field["options"]].get("istable"), f"{field['options']} must be a child table"


@pytest.mark.parametrize("name", sorted(DOCTYPES))
def test_field_order_and_names(name):
	meta = DOCTYPES[name]
	names = [f["fieldname"] for f in meta["fields"]]
	assert names == meta["field_order"]
	assert len(names) == len(set(names))
	for fieldname in names:
		assert re.fullmatch(r"[a-z][a-z0-9_]*", fieldname), fieldname
		assert fieldname not in {"owner", "name", "creation", "modified", "idx", "parent", "docstatus"}


@pytest.mark.parametrize("name", sorted(n for n, d in DOCTYPES.items() if not d.get("istable")))
def test_permissions_follow_the_role_matrix(name):
	meta = DOCTYPES[name]
	assert meta.get("track_changes") == 1
	perms = meta["permissions"]
	assert {p["role"] for p in perms} <= ROLES
	assert "Property Resident" not in {p["role"] for p in perms}, "residents have nothing in the desk"
	deleters = {p["role"] for p in perms if p.get("delete")}
	assert deleters == (set() if meta.get("issingle") else {"Property Manager"})
	exporters = {p["role"] for p in perms if p.get("export")}
	assert exporters <= {"Property Manager"}


def test_id_fields_level_one_for_managers_only():
	owner = DOCTYPES["Property Owner"]
	levels = {f["fieldname"]: f.get("permlevel", 0) for f in owner["fields"]}
	assert levels["id_type"] == levels["id_number"] == 1
	level_one = {p["role"] for p in owner["permissions"] if p["permlevel"] == 1 and p.get("read")}
	assert level_one == {"Property Manager"}
	personal = {p["role"] for p in owner["permissions"] if p["permlevel"] == 2 and p.get("read")}
	assert "Property Technician" not in personal


def test_fixture_roles():
	roles = json.loads((APP / "fixtures" / "role.json").read_text())
	assert {r["role_name"] for r in roles} == ROLES
	assert [r["desk_access"] for r in roles if r["role_name"] == "Property Resident"] == [0]


def test_workspace_shortcuts_cover_every_record():
	"""Every record of ours is reachable from a workspace; each workspace's layout shows its shortcuts."""
	targets = set()
	for path in WORKSPACE_FILES:
		workspace = json.loads(path.read_text())
		targets |= {s.get("link_to") for s in workspace["shortcuts"]} | {
			l.get("link_to") for l in workspace["links"]
		}
		content = json.loads(workspace["content"])
		shortcut_labels = {s["label"] for s in workspace["shortcuts"]}
		assert {c["data"]["shortcut_name"] for c in content if c["type"] == "shortcut"} == shortcut_labels
	records = {n for n, d in DOCTYPES.items() if not d.get("istable")}
	assert records <= targets


def translatable_strings() -> set[str]:
	out = set()
	for meta in DOCTYPES.values():
		out.add(meta["name"])
		for field in meta["fields"]:
			for key in ("label", "description"):
				if field.get(key):
					out.add(field[key])
			if field["fieldtype"] == "Select" and field.get("options"):
				out.update(o for o in field["options"].split("\n") if o)
	for path in WORKSPACE_FILES:
		workspace = json.loads(path.read_text())
		out.add(workspace["label"])
		out.update(s["label"] for s in workspace["shortcuts"])
		out.update(l["label"] for l in workspace["links"])
	out.update(json.loads((APP / "fixtures" / "role.json").read_text())[i]["role_name"] for i in range(5))
	for path in WORKFLOW_FILES:
		workflow = json.loads(path.read_text())
		out.update(s["state"] for s in workflow["states"])
		out.update(t["action"] for t in workflow["transitions"])
	# every _("…") in the app's Python and __("…") in its JavaScript
	for path in APP.rglob("*.py"):
		if "tests" in path.parts or path.name.startswith("test_"):
			continue
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args:
				if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
					out.add(node.args[0].value)
	for path in APP.rglob("*.html"):
		out.update(
			m.group(2) for m in re.finditer(r"_\((['\"])(.+?)\1[),]", path.read_text(encoding="utf-8"))
		)
	for path in APP.rglob("*.js"):
		out.update(m.group(2) for m in re.finditer(r"__\((['\"])(.+?)\1", path.read_text(encoding="utf-8")))
	return out


def test_every_string_has_a_chinese_translation():
	catalogue = zh_catalogue()
	missing = sorted(s for s in translatable_strings() if not catalogue.get(s))
	assert not missing, f"{len(missing)} strings lack a zh translation: {missing[:20]}"


def test_domain_messages_are_translated():
	from property_crm.errors import MESSAGES

	catalogue = zh_catalogue()
	missing = [m for m in MESSAGES if not catalogue.get(m)]
	assert not missing, missing


def test_translations_keep_their_placeholders():
	for source, target in zh_catalogue().items():
		assert sorted(re.findall(r"\{\d\}", source)) == sorted(re.findall(r"\{\d\}", target)), source


def test_workflow_sanity():
	"""Every state reachable from Draft, every transition between declared states, waiting states lead back."""
	workflow = json.loads(next(p for p in WORKFLOW_FILES if p.name == "service_order.json").read_text())
	states = {s["state"] for s in workflow["states"]}
	fixture_states = {s["name"] for s in json.loads((APP / "fixtures" / "workflow_state.json").read_text())}
	fixture_actions = {
		a["name"] for a in json.loads((APP / "fixtures" / "workflow_action_master.json").read_text())
	}
	assert states <= fixture_states
	edges = {(t["state"], t["next_state"]) for t in workflow["transitions"]}
	assert {t["action"] for t in workflow["transitions"]} <= fixture_actions
	assert all(a in states and b in states for a, b in edges)
	reachable, frontier = {"Draft"}, ["Draft"]
	while frontier:
		here = frontier.pop()
		for a, b in edges:
			if a == here and b not in reachable:
				reachable.add(b)
				frontier.append(b)
	assert reachable == states
	for waiting in ("On Hold", "Awaiting Parts", "Awaiting Resident"):
		assert (waiting, "In Progress") in edges
	assert not any(a in ("Cancelled",) for a, _b in edges), "Cancelled is final"
	completes = [t for t in workflow["transitions"] if t["action"] == "Complete"]
	assert completes and all("completion_notes" in (t["condition"] or "") for t in completes)
	assert workflow["workflow_state_field"] == "status"
	from property_crm.property_service.rules.service import STATES

	assert states == set(STATES)


def test_fixture_filters_in_hooks_export_exactly_the_fixture_files():
	"""hooks.py is plain data: read it without importing the app, as bench tools do."""
	namespace: dict = {}
	exec((APP / "hooks.py").read_text(encoding="utf-8"), namespace)
	by_doctype = {f["dt"]: f["filters"][0][2] for f in namespace["fixtures"] if f["filters"][0][1] == "in"}
	for doctype, filename in (
		("Workflow State", "workflow_state.json"),
		("Workflow Action Master", "workflow_action_master.json"),
	):
		names = {d["name"] for d in json.loads((APP / "fixtures" / filename).read_text())}
		assert set(by_doctype[doctype]) == names, doctype
	assert namespace["required_apps"] == ["frappe/erpnext"]
	assert namespace["export_python_type_annotations"] is True
