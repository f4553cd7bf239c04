"""Sites made before the app had one Frappe module per capability: every record of ours said module
"Property CRM". Before the model sync, each DocType, report, page, print format, notification, number card,
dashboard chart and workspace is told the module whose folder now holds its file (Frappe finds a doctype's
controller by its module, so this must precede anything that loads one), and the new Module Defs are made.
No row of any table changes but these `module` columns; the sync then reads each record from its new folder."""

import json
from pathlib import Path

import frappe
from frappe.installer import add_module_defs

APP = "property_crm"
# the record types Frappe syncs from a module folder, by the folder that holds them
KINDS = {
	"doctype": "DocType",
	"report": "Report",
	"page": "Page",
	"print_format": "Print Format",
	"notification": "Notification",
	"number_card": "Number Card",
	"dashboard_chart": "Dashboard Chart",
	"workspace": "Workspace",
}


def records_by_module() -> dict[tuple[str, str], str]:
	"""(record type, name) -> the module whose folder holds its JSON file."""
	found = {}
	for module in frappe.get_module_list(APP):
		folder = Path(frappe.get_app_path(APP, frappe.scrub(module)))
		for kind, doctype in KINDS.items():
			for path in folder.glob(f"{kind}/*/*.json"):
				if path.stem == path.parent.name:
					found[(doctype, json.loads(path.read_text(encoding="utf-8"))["name"])] = module
	return found


def execute():
	add_module_defs(APP, ignore_if_duplicate=True)
	for (doctype, name), module in records_by_module().items():
		table = frappe.qb.DocType(doctype)
		frappe.qb.update(table).set(table.module, module).where(
			(table.name == name) & (table.module != module)
		).run()
	frappe.clear_cache()
