"""Install, migrate and uninstall steps: custom fields on ERPNext doctypes and the Workflow files."""

from pathlib import Path

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.modules.import_file import import_file_by_path

from property_crm import sms
from property_crm.wechat import notify

CUSTOM_FIELDS = {
	# the access audit (property_privacy.access_audit): how many records an access showed or a download held
	"Access Log": [
		{
			"fieldname": "records",
			"fieldtype": "Int",
			"label": "Records",
			"insert_after": "reference_document",
			"read_only": 1,
			"in_list_view": 1,
			"module": "Property Privacy",
		},
	],
	# the WeChat channel of our notifications (property_crm.wechat.notify): the template, its keywords, its link
	"Notification": [
		{
			"fieldname": "wechat_section",
			"fieldtype": "Section Break",
			"label": "WeChat",
			"insert_after": "print_format",
			"collapsible": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "wechat_template",
			"fieldtype": "Select",
			"label": "WeChat Template",
			"options": "\nRequest Accepted\nRequest Dispatched\nRequest Completed\nComplaint Acknowledged\n"
			"Complaint Resolved\nBill Due\nArrears Notice\nSurvey Invitation\nEstate Notice",
			"description": "Residents who prefer WeChat and have bound it get this template message instead of "
			"the e-mail or SMS; its template id is the one set on WeChat Official Account Settings.",
			"insert_after": "wechat_section",
			"module": "Property CRM",
		},
		{
			"fieldname": "wechat_template_id",
			"fieldtype": "Data",
			"label": "WeChat Template ID",
			"description": "Another template than the settings' one for this event.",
			"insert_after": "wechat_template",
			"module": "Property CRM",
		},
		{
			"fieldname": "wechat_url",
			"fieldtype": "Data",
			"label": "WeChat Link",
			"description": "Where the message opens (Jinja, e.g. {{ rating_url }}).",
			"insert_after": "wechat_template_id",
			"module": "Property CRM",
		},
		{
			"fieldname": "wechat_fields",
			"fieldtype": "Code",
			"label": "WeChat Keywords",
			"options": "JSON",
			"description": 'The template\'s keywords and their values in Jinja, e.g. {"first": "…", '
			'"keyword1": "{{ doc.name }}"}.',
			"insert_after": "wechat_url",
			"module": "Property CRM",
		},
	],
	"Sales Invoice": [
		{
			"fieldname": "service_order",
			"fieldtype": "Link",
			"label": "Service Order",
			"options": "Service Order",
			"insert_after": "customer",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
		# fees: the invoice of one payer, estate and month from a billing run (property_fees.billing)
		{
			"fieldname": "property_estate",
			"fieldtype": "Link",
			"label": "Estate",
			"options": "Property Estate",
			"insert_after": "service_order",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_billing_period",
			"fieldtype": "Data",
			"label": "Billing Month",
			"insert_after": "property_estate",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_billing_run",
			"fieldtype": "Link",
			"label": "Billing Run",
			"options": "Property Billing Run",
			"insert_after": "property_billing_period",
			"read_only": 1,
			"no_copy": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_late_fee_of",
			"fieldtype": "Link",
			"label": "Late Fee of",
			"options": "Sales Invoice",
			"insert_after": "property_billing_run",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
		# the unit and building of every line (property_fees.billing.set_invoice_unit): empty for a bill of several
		# units; Arrears Ageing reads what such an invoice owes without its lines
		{
			"fieldname": "property_unit",
			"fieldtype": "Link",
			"label": "Unit",
			"options": "Property Unit",
			"insert_after": "property_late_fee_of",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_building",
			"fieldtype": "Link",
			"label": "Building",
			"options": "Property Building",
			"insert_after": "property_unit",
			"read_only": 1,
			"no_copy": 1,
			"module": "Property CRM",
		},
	],
	"Sales Invoice Item": [
		{
			"fieldname": "property_unit",
			"fieldtype": "Link",
			"label": "Unit",
			"options": "Property Unit",
			"insert_after": "item_name",
			"read_only": 1,
			"search_index": 1,
			"in_list_view": 0,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_period",
			"fieldtype": "Data",
			"label": "Fee Period",
			"insert_after": "property_unit",
			"read_only": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_period_from",
			"fieldtype": "Date",
			"label": "Period From",
			"insert_after": "property_period",
			"read_only": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_period_to",
			"fieldtype": "Date",
			"label": "Period To",
			"insert_after": "property_period_from",
			"read_only": 1,
			"module": "Property CRM",
		},
		{
			"fieldname": "property_meter_reading",
			"fieldtype": "Link",
			"label": "Meter Reading",
			"options": "Property Meter Reading",
			"insert_after": "property_period_to",
			"read_only": 1,
			"module": "Property CRM",
		},
	],
	"Customer": [
		{
			"fieldname": "property_owner",
			"fieldtype": "Link",
			"label": "Resident File",
			"options": "Property Owner",
			"insert_after": "customer_name",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"module": "Property CRM",
		},
	],
}


def after_install():
	"""The core's part; each module's own install steps follow it (hooks.py, `after_install`)."""
	after_migrate()


# Our indexes on ERPNext's tables, for what is still owed (Arrears Ageing, arrears badges): the outstanding
# fee invoices (with their unit and building) and their units' lines are read from these indexes alone, not
# from the wide rows. Over the demo's two years of bills (490,000 invoices) they took Arrears Ageing from 5 s
# to about 1.2 s, and reading one-unit invoices without their lines below that.
HOST_INDEXES = {
	"Sales Invoice": (
		"property_crm_outstanding",
		[
			"outstanding_amount",
			"docstatus",
			"property_estate",
			"property_unit",
			"property_building",
			"due_date",
			"base_net_total",
		],
	),
	"Sales Invoice Item": (
		"property_crm_unit_share",
		["parent", "property_unit", "base_net_amount", "parenttype"],
	),
	# ERPNext's Dunning counts the earlier notices of each overdue payment (Dunning.set_dunning_level) by
	# payment schedule row, which its table has no index for: every arrears notice read the whole table,
	# twice per overdue bill (insert and submit), so the daily reminders slowed as notices accumulated
	"Overdue Payment": (
		"property_crm_schedule_notices",
		["payment_schedule", "docstatus", "parent"],
	),
	# Frappe's Access Log has no index but `modified`: the access audit reads it by day (Personal Data Access,
	# the hourly unusual-reading check), over a year of rows (property_privacy.access_audit)
	"Access Log": ("property_crm_access_audit", ["creation", "method", "user"]),
	# the field staff's phone lists a technician's jobs from Frappe's assignment table (the orders' `_assign`
	# text cannot be searched by an index): ToDo has none on its assignee (property_service.field.jobs)
	"ToDo": ("property_crm_assignee", ["allocated_to", "reference_type", "status", "reference_name"]),
	# (ours, kept here because this list is made again on every migrate) the dispatch board reads an estate's
	# open orders: by the status index alone it read every estate's open orders (property_service.field.board)
	"Service Order": ("property_crm_estate_status", ["estate", "status"]),
}


def ensure_host_indexes():
	"""Make each index, or make it again where an older version of the app made it on other columns."""
	for doctype, (name, columns) in HOST_INDEXES.items():
		have = [
			row.Column_name
			for row in frappe.db.sql(
				f"show index from `tab{doctype}` where Key_name = %s", name, as_dict=True
			)
		]
		if have == columns:
			continue
		if have:
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
		frappe.db.add_index(doctype, columns, index_name=name)


def drop_host_indexes():
	for doctype, (name, _columns) in HOST_INDEXES.items():
		if frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")


def after_migrate():
	create_custom_fields(CUSTOM_FIELDS, update=True)
	ensure_host_indexes()
	import_workflows()
	sms.sync_sms_notifications()
	notify.sync_standard_templates()
	ensure_module_profiles()


# Frappe's Module Profiles, one per staff role: the modules whose workspaces that role's desk shows (every
# other module is blocked). Presentation only: what a user may read is the permission rules' business.
OURS = ("Property CRM", "Property Households", "Property Service", "Property Complaints", "Property Surveys",
	"Property Fees", "Property Care")  # fmt: skip
MODULE_PROFILES = {
	# customer-data protection (agreements, change approvals, incidents, drills) is the managers' desk
	"Property Manager": {*OURS, "Property Privacy", "Accounts", "Selling", "Support"},
	"Property Customer Service": {*OURS, "Selling", "Support"} - {"Property Fees"},
	"Property Accountant": {"Property CRM", "Property Households", "Property Fees", "Accounts", "Selling"},
	"Property Technician": {"Property Service"},
}


def ensure_module_profiles() -> None:
	"""Each profile blocks every module it does not show; a migrate brings them up to date (new modules of
	other apps are blocked too), and the users who have a profile get its blocks again."""
	modules = frappe.get_all("Module Def", pluck="name")
	for name, shown in MODULE_PROFILES.items():
		blocked = sorted(set(modules) - shown)
		if frappe.db.exists("Module Profile", name):
			profile = frappe.get_doc("Module Profile", name)
			if sorted(row.module for row in profile.block_modules) == blocked:
				continue
		else:
			profile = frappe.new_doc("Module Profile")
			profile.module_profile_name = name
		profile.set("block_modules", [{"module": module} for module in blocked])
		# Safe: configuration the app ships, written on install and migrate.
		profile.save(ignore_permissions=True)
		for user in frappe.get_all("User", filters={"module_profile": name}, pluck="name"):
			frappe.get_doc("User", user).save(ignore_permissions=True)


def import_workflows():
	"""Frappe v15 does not sync workflows from modules: import ours with Frappe's own importer, which
	skips a file whose `modified` matches what the database has (so a second migrate changes nothing)."""
	for module in frappe.get_module_list("property_crm"):
		for path in sorted((Path(frappe.get_module_path(module)) / "workflow").glob("*.json")):
			import_file_by_path(str(path))


# Records on host doctypes that point at our doctypes; Frappe's uninstall does not know them.
CONFIGURATION_FOR_OUR_DOCTYPES = (
	("Workflow", "document_type"),
	("Service Level Agreement", "document_type"),
	("Assignment Rule", "document_type"),
)


def before_uninstall():
	ours = frappe.get_all(
		"DocType", filters={"module": ("in", frappe.get_module_list("property_crm"))}, pluck="name"
	)
	for doctype, field in CONFIGURATION_FOR_OUR_DOCTYPES:
		for name in frappe.get_all(doctype, filters={field: ("in", ours)}, pluck="name"):
			frappe.delete_doc(doctype, name, ignore_permissions=True, force=True)
	drop_host_indexes()
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
			# Frappe keeps the column of a deleted custom field; the host's table should not keep ours.
			if frappe.db.has_column(doctype, field["fieldname"]):
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{field['fieldname']}`")
	frappe.clear_cache()
