"""The move to one module per capability on a site made before it (patches/v0_7): every record of ours
that still says the old module "Property CRM" is told its new one before the model sync, and the standard
records the old module still lists but no folder holds are deleted afterwards — a user's own stay."""

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.patches.v0_7 import old_module_leftovers, records_move_to_their_modules

OLD = "Property CRM"
MOVED = (
	("DocType", "Property Late Fee", "Property Fees"),
	("DocType", "Service Order", "Property Service"),
	("DocType", "Property Owner", "Property Households"),
	("Report", "Arrears Ageing", "Property Fees"),
	("Report", "Stale Files", "Property Care"),
	("Print Format", "Complaint Record", "Property Complaints"),
	("Notification", "New Service Order", "Property Service"),
	("Number Card", "NPS (90 days)", "Property Surveys"),
	("Page", "property-household", "Property Households"),
)


class TestModuleMove(FrappeTestCase):
	def test_records_of_the_old_layout_move_to_their_modules(self):
		rows = {doctype: frappe.db.count(doctype) for doctype in ("Property Late Fee", "Service Order")}
		for doctype, name, _module in MOVED:
			frappe.db.set_value(doctype, name, "module", OLD, update_modified=False)
		frappe.db.delete("Module Def", {"name": "Property Care"})
		frappe.clear_cache()

		records_move_to_their_modules.execute()

		self.assertTrue(frappe.db.exists("Module Def", "Property Care"))
		for doctype, name, module in MOVED:
			self.assertEqual(frappe.db.get_value(doctype, name, "module"), module, name)
		# a controller is found again where the new layout keeps it, and no row was touched
		self.assertEqual(
			type(frappe.new_doc("Property Late Fee")).__module__,
			"property_crm.property_fees.doctype.property_late_fee.property_late_fee",
		)
		self.assertEqual(rows, {d: frappe.db.count(d) for d in rows})

	def test_the_old_modules_leftovers_go_and_a_users_own_records_stay(self):
		gone = frappe.get_doc(
			{"doctype": "Report", "report_name": "Old Layout Report", "ref_doctype": "Service Order",
				"report_type": "Report Builder", "is_standard": "Yes", "module": OLD}
		)  # fmt: skip
		gone.db_insert()
		kept = frappe.get_doc(
			{"doctype": "Report", "report_name": "My Orders Report", "ref_doctype": "Service Order",
				"report_type": "Report Builder", "is_standard": "No", "module": OLD}
		)  # fmt: skip
		kept.db_insert()

		frappe.flags.in_patch = True  # as Frappe's patch runner runs it (a standard report may go only then)
		try:
			old_module_leftovers.execute()
		finally:
			frappe.flags.in_patch = False

		self.assertFalse(frappe.db.exists("Report", "Old Layout Report"))
		self.assertTrue(frappe.db.exists("Report", "My Orders Report"))
		# the core module's own records stay with it
		self.assertEqual(frappe.db.get_value("Workspace", "Property CRM", "module"), OLD)
		self.assertEqual(frappe.db.get_value("DocType", "Property CRM Settings", "module"), OLD)
