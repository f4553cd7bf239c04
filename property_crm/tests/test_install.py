"""Install and migrate: what the app adds is there, and a second migrate changes nothing."""

import os
import subprocess
import sys

import frappe
from frappe.tests.utils import FrappeTestCase

ROLES = (
	"Property Manager",
	"Property Customer Service",
	"Property Technician",
	"Property Accountant",
	"Property Resident",
)


def fingerprint() -> dict:
	"""Everything the app writes on migrate, with the timestamps a rewrite would change."""
	doctypes = frappe.get_all(
		"DocType", filters={"module": "Property CRM"}, fields=["name", "modified"], order_by="name"
	)
	return {
		"doctypes": [(d.name, str(d.modified)) for d in doctypes],
		"docperms": frappe.db.count("DocPerm", {"parent": ("in", [d.name for d in doctypes])}),
		"docfields": frappe.db.count("DocField", {"parent": ("in", [d.name for d in doctypes])}),
		"custom_fields": [
			(c.name, str(c.modified))
			for c in frappe.get_all(
				"Custom Field",
				filters={"fieldname": "property_owner"},
				fields=["name", "modified"],
				order_by="name",
			)
		],
		# Frappe re-imports fixtures on every migrate by design (force=True), so a role's timestamp moves;
		# what must not change is what the role is.
		"roles": frappe.get_all(
			"Role",
			filters={"name": ("in", ROLES)},
			fields=["name", "desk_access", "disabled", "two_factor_auth", "home_page"],
			order_by="name",
		),
		"role_count": frappe.db.count("Role", {"name": ("like", "Property %")}),
		"workspace": str(frappe.db.get_value("Workspace", "Property CRM", "modified")),
		"workflow": str(frappe.db.get_value("Workflow", "Service Order", "modified")),
		"transitions": frappe.db.count("Workflow Transition", {"parent": "Service Order"}),
		"agreements": frappe.get_all(
			"Service Level Agreement", filters={"document_type": "Service Order"}, fields=["name", "modified"]
		),
		"priorities": frappe.db.count("Issue Priority"),
		"holiday_lists": frappe.db.count("Holiday List", {"name": "Property CRM Holidays"}),
	}


class TestInstall(FrappeTestCase):
	def test_installed_pieces(self):
		self.assertIn("property_crm", frappe.get_installed_apps())
		self.assertEqual(
			set(frappe.get_all("Role", filters={"name": ("in", ROLES)}, pluck="name")), set(ROLES)
		)
		self.assertEqual(frappe.db.get_value("Role", "Property Resident", "desk_access"), 0)
		self.assertTrue(frappe.db.exists("Custom Field", {"dt": "Customer", "fieldname": "property_owner"}))
		self.assertTrue(frappe.db.exists("Workspace", "Property CRM"))
		for doctype in ("Property Estate", "Property Building", "Property Unit", "Property Owner"):
			self.assertTrue(frappe.get_meta(doctype).track_changes, doctype)

	def test_second_migrate_changes_nothing(self):
		before = fingerprint()
		frappe.db.commit()
		bench_python = sys.executable
		result = subprocess.run(
			[
				bench_python,
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				frappe.local.site,
				"migrate",
			],
			cwd=os.getcwd(),
			capture_output=True,
			text=True,
			timeout=1800,
		)
		self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
		frappe.db.rollback()
		frappe.clear_cache()
		self.assertEqual(fingerprint(), before)
