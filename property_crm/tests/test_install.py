"""Install and migrate: what the app adds is there, and a second migrate changes nothing."""

import json
import os
import subprocess
import sys

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_service.rules.defaults import category_rows
from property_crm.property_service.setup import install_categories

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
		"DocType",
		filters={"module": ("in", frappe.get_module_list("property_crm"))},
		fields=["name", "modified"],
		order_by="name",
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
		"workspaces": frappe.get_all(
			"Workspace",
			filters={"module": ("in", frappe.get_module_list("property_crm"))},
			fields=["name", "modified"],
			order_by="name",
		),
		"charts": frappe.get_all(
			"Dashboard Chart", filters={"is_standard": 1}, fields=["name", "modified"], order_by="name"
		),
		"module_profiles": frappe.get_all(
			"Module Profile", filters={"name": ("like", "Property %")}, fields=["name", "modified"]
		),
		"workflow": str(frappe.db.get_value("Workflow", "Service Order", "modified")),
		"transitions": frappe.db.count("Workflow Transition", {"parent": "Service Order"}),
		"agreements": frappe.get_all(
			"Service Level Agreement", filters={"document_type": "Service Order"}, fields=["name", "modified"]
		),
		"priorities": frappe.db.count("Issue Priority"),
		"holiday_lists": frappe.db.count("Holiday List", {"name": "Property CRM Holidays"}),
		"categories": frappe.get_all("Service Category", fields=["name", "modified"], order_by="name"),
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
		for doctype in (
			"Property Estate",
			"Property Building",
			"Property Unit",
			"Property Owner",
			"Complaint",
		):
			self.assertTrue(frappe.get_meta(doctype).track_changes, doctype)

	def test_complaints_are_ready_to_use(self):
		from property_crm.property_complaints.rules.complaint import ROOT_CAUSES
		from property_crm.property_complaints.rules.defaults import COMPLAINT_CATEGORIES
		from property_crm.property_complaints.setup import install_complaint_defaults

		install_complaint_defaults()  # made once by install or the v0_3 patch; a second call adds nothing
		self.assertEqual(install_complaint_defaults(), 0)
		for category in COMPLAINT_CATEGORIES:
			self.assertEqual(
				frappe.db.get_value("Complaint Category", category.name, ["default_severity", "department"]),
				(category.severity, category.department),
			)
		self.assertEqual(
			set(frappe.get_all("Complaint Root Cause", pluck="name")) >= {c for c, _zh in ROOT_CAUSES}, True
		)
		workflow = frappe.get_doc("Workflow", "Complaint")
		self.assertTrue(workflow.is_active)
		self.assertEqual(workflow.document_type, "Complaint")
		sla = frappe.get_doc("Service Level Agreement", "SLA-Complaint-Complaint Standard")
		self.assertTrue(sla.enabled and sla.default_service_level_agreement)
		self.assertEqual({row.status for row in sla.sla_fulfilled_on}, {"Resolved", "Closed", "Withdrawn"})
		self.assertTrue(frappe.get_meta("Complaint").has_field("sla_resolution_by"))
		for name in ("Complaint Acknowledgement", "New Complaint", "Complaint Resolved", "Complaint Escalated",
			"Anonymous Complaint Acknowledgement", "Anonymous Complaint Resolved"):  # fmt: skip
			self.assertTrue(frappe.db.get_value("Notification", name, "enabled"), name)
		self.assertIn(
			"property_crm.property_complaints.complaints.escalate",
			frappe.get_hooks("scheduler_events")["cron"]["*/15 * * * *"],
		)

	def test_second_migrate_changes_nothing(self):
		install_categories()  # the defaults (the CI site may predate them)
		edited = frappe.get_doc("Service Category", "Elevator")
		original = edited.default_priority, edited.response_hours
		edited.default_priority, edited.response_hours = "Low", 1
		edited.save()
		deleted = frappe.get_doc("Service Category", "Tree Trimming")
		deleted.delete()
		frappe.db.commit()
		self.addCleanup(restore_categories, original)
		before = fingerprint()
		frappe.db.commit()  # end the reading transaction: its metadata locks would block migrate's DDL
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
		# staff's edits to the defaults survive a migrate, and what they deleted stays deleted
		self.assertEqual(
			frappe.db.get_value("Service Category", "Elevator", ["default_priority", "response_hours"]),
			("Low", 1),
		)
		self.assertFalse(frappe.db.exists("Service Category", "Tree Trimming"))


def restore_categories(original):
	frappe.db.rollback()
	category = frappe.get_doc("Service Category", "Elevator")
	category.default_priority, category.response_hours = original
	category.save()
	install_categories()
	frappe.db.commit()


UNINSTALL_SITE = "property-crm-uninstall.localhost"

CHECK = """
import frappe, json
frappe.init(site={site!r}, sites_path=".")
frappe.connect()
print(json.dumps({{
	"apps": frappe.get_installed_apps(),
	"custom_fields": frappe.get_all("Custom Field", filters={{"dt": ("in", ["Customer", "Sales Invoice"]),
		"fieldname": ("in", ["property_owner", "service_order"])}}, pluck="name"),
	"columns": [frappe.db.has_column("Customer", "property_owner"), frappe.db.has_column("Sales Invoice", "service_order")],
	"doctypes": frappe.get_all("DocType", filters={{"module": ("like", "Property %")}}, pluck="name"),
	"tables": frappe.db.table_exists("Service Order"),
	"workflow": bool(frappe.db.exists("Workflow", "Service Order")),
	"agreements": frappe.db.count("Service Level Agreement", {{"document_type": "Service Order"}}),
	"rules": frappe.db.count("Assignment Rule", {{"document_type": "Service Order"}}),
	"categories": frappe.get_all("Service Category", fields=["name", "parent_category", "is_group",
		"default_priority", "chargeable", "return_visit_policy"], order_by="name")
		if frappe.db.table_exists("Service Category") else [],
	"email_category": frappe.db.get_single_value("Property CRM Settings", "email_default_category")
		if frappe.db.table_exists("Service Category") else None,
}}, default=str))
"""


class TestUninstall(FrappeTestCase):
	"""On a site of its own (created once with ERPNext, then reused): install, then uninstall."""

	def bench(self, *args, timeout=1800):
		result = subprocess.run(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *args],
			cwd=os.getcwd(),
			capture_output=True,
			text=True,
			timeout=timeout,
		)
		self.assertEqual(result.returncode, 0, result.stdout[-2000:] + result.stderr[-2000:])
		return result.stdout

	def state(self) -> dict:
		result = subprocess.run(
			[sys.executable, "-c", CHECK.format(site=UNINSTALL_SITE)],
			cwd=os.getcwd(),
			capture_output=True,
			text=True,
		)
		self.assertEqual(result.returncode, 0, result.stderr[-2000:])
		return json.loads(result.stdout.strip().splitlines()[-1])

	def test_uninstall_removes_what_the_app_added(self):
		if not os.path.exists(os.path.join(UNINSTALL_SITE, "site_config.json")):
			self.bench(
				"new-site", UNINSTALL_SITE, "--admin-password", "admin", "--install-app", "erpnext",
				"--mariadb-user-host-login-scope=%", "--db-root-password", frappe.conf.root_password or "",
			)  # fmt: skip
		if "property_crm" not in self.state()["apps"]:
			self.bench("--site", UNINSTALL_SITE, "install-app", "property_crm")
		installed = self.state()
		self.assertIn("property_crm", installed["apps"])
		# a fresh install starts with the default category tree
		expected = {row["category_name"]: row for row in category_rows()}
		self.assertEqual(
			installed["email_category"], "Other Requests", "e-mailed requests' starting category"
		)
		self.assertEqual({c["name"] for c in installed["categories"]}, set(expected))
		for category in installed["categories"]:
			row = expected[category["name"]]
			self.assertEqual(category["parent_category"], row.get("parent_category"), category)
			self.assertEqual(category["is_group"], row["is_group"], category)
			self.assertEqual(category["default_priority"], row["default_priority"], category)
		self.assertEqual(installed["columns"], [True, True])
		self.assertTrue(installed["workflow"])
		self.assertGreaterEqual(installed["agreements"], 1)
		self.bench("--site", UNINSTALL_SITE, "uninstall-app", "property_crm", "--yes", "--no-backup")
		removed = self.state()
		self.assertNotIn("property_crm", removed["apps"])
		self.assertEqual(removed["custom_fields"], [])
		self.assertEqual(
			removed["columns"], [False, False], "the columns on ERPNext's tables are dropped too"
		)
		self.assertEqual(removed["doctypes"], [])
		self.assertFalse(removed["tables"])
		self.assertFalse(removed["workflow"])
		self.assertEqual((removed["agreements"], removed["rules"]), (0, 0))
