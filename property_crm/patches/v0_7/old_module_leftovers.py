"""After the move to one module per capability: what the database still files under the old module
"Property CRM" but no folder of the app holds any more (a standard record whose file is gone) is deleted,
as Frappe would for a record removed from its module. The core module itself stays (settings, the
manager's landing workspace)."""

import frappe

from property_crm.patches.v0_7.records_move_to_their_modules import KINDS, records_by_module

OLD = "Property CRM"
# how each record type tells a record shipped with an app from one a user made (which stays)
STANDARD = {
	"DocType": {"custom": 0},
	"Report": {"is_standard": "Yes"},
	"Page": {"standard": "Yes"},
	"Print Format": {"standard": "Yes"},
	"Notification": {"is_standard": 1},
	"Number Card": {"is_standard": 1},
	"Dashboard Chart": {"is_standard": 1},
	"Workspace": {"public": 1},
}


def execute():
	on_disk = records_by_module()
	for doctype in KINDS.values():
		for name in frappe.get_all(doctype, filters={"module": OLD, **STANDARD[doctype]}, pluck="name"):
			if (doctype, name) not in on_disk:
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, ignore_missing=True)
