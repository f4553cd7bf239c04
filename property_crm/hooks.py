app_name = "property_crm"
app_title = "Property CRM"
app_publisher = "Property CRM developers"
app_description = "Customer management for property-management companies (物业客户管理) on ERPNext"
app_email = "dev@property-crm.invalid"
app_license = "MIT"

# The org/repo form resolves offline; the bare name makes install-app look it up on GitHub.
required_apps = ["frappe/erpnext"]

# Frappe keeps the "auto-generated types" block of every controller up to date.
export_python_type_annotations = True

fixtures = [
	{"dt": "Role", "filters": [["role_name", "like", "Property %"]]},
	{
		"dt": "Workflow State",
		"filters": [
			[
				"name",
				"in",
				[
					"Draft",
					"Accepted",
					"Dispatched",
					"In Progress",
					"On Hold",
					"Awaiting Parts",
					"Awaiting Resident",
					"Completed",
					"Closed",
					"Cancelled",
					"Reopened",
					"Registered",
					"Investigating",
					"Escalated",
					"Resolved",
					"Withdrawn",
					# breach register (property_privacy, issue 19)
					"Reported",
					"Contained",
					"Residents Notified",
					"Reported to Regulator",
				],
			]
		],
	},
	{
		"dt": "Workflow Action Master",
		"filters": [
			[
				"name",
				"in",
				[
					"Accept",
					"Cancel",
					"Close",
					"Complete",
					"Dispatch",
					"Hold",
					"Reopen",
					"Resume",
					"Start",
					"Wait for Parts",
					"Wait for Resident",
					"Investigate",
					"Escalate",
					"Withdraw",
					"Resolve",
					# breach register (property_privacy, issue 19)
					"Contain",
					"Notify Residents",
					"Report to Regulator",
				],
			]
		],
	},
]

# the core first (custom fields, indexes, workflows), then each module's own steps, in dependency order
after_install = [
	"property_crm.install.after_install",
	"property_crm.property_service.setup.after_install",
	"property_crm.property_complaints.setup.after_install",
	"property_crm.property_surveys.surveys.install_dimensions",
	"property_crm.property_fees.billing.ensure_fee_items",
	"property_crm.property_privacy.agreements.after_migrate",
	"property_crm.property_privacy.backups.after_migrate",
	"property_crm.property_fees.payments.desk.after_migrate",
	# Modes of Payment "WeChat Pay" / "Alipay" and their clearing accounts (property_fees.payments.orders)
	"property_crm.property_fees.payments.orders.after_migrate",
]
after_migrate = [
	"property_crm.install.after_migrate",
	"property_crm.property_service.setup.after_migrate",
	"property_crm.property_complaints.setup.after_migrate",
	# once ERPNext's setup has made UOMs and the Item Group tree
	"property_crm.property_fees.billing.ensure_fee_items",
	# System Manager (IT) beside Property Manager on confidentiality agreements (property_privacy.agreements)
	"property_crm.property_privacy.agreements.after_migrate",
	# backup policy defaults, System Settings "Encrypt Backups" on (property_privacy.backups)
	"property_crm.property_privacy.backups.after_migrate",
	# front desk: Modes of Payment Cash / Bank Card / Bank Transfer, the receipt as Payment Entry's print format
	"property_crm.property_fees.payments.desk.after_migrate",
	# Modes of Payment "WeChat Pay" / "Alipay" and their clearing accounts (property_fees.payments.orders)
	"property_crm.property_fees.payments.orders.after_migrate",
]
before_uninstall = "property_crm.install.before_uninstall"
before_tests = "property_crm.tests.setup.before_tests"

# Estate isolation for records that have no estate link of their own (User Permissions on
# Property Estate already cover Property Building and Property Unit through their `estate` link).
# Need-to-know: technicians reach the resident files and units of their open orders only; child tables
# with personal data follow their parent (Frappe lets a parent's reader query a child table directly).
_RESIDENT_RECORD_DOCTYPES = ("Customer", "Contact", "Address", "Sales Invoice", "Payment Entry", "Dunning",
	"Communication", "Comment", "ToDo", "File", "GL Entry", "Payment Ledger Entry")  # fmt: skip
_PERSONAL_CHILD_TABLES = ("Property Unit Occupant", "Property Family Member", "Property Vehicle",
	"Property Owner Tag", "Property Verification Item", "Survey Answer",
	"Survey Response Dimension", "Property Payment Order Bill")  # fmt: skip
permission_query_conditions = {
	"Property Owner": "property_crm.permissions.owner_query_conditions",
	"Service Order": "property_crm.permissions.order_query_conditions",
	"Property Unit": "property_crm.permissions.unit_query_conditions",
	# managers read every confidentiality agreement, other staff their own (property_privacy.agreements)
	"Confidentiality Agreement": "property_crm.property_privacy.agreements.query_conditions",
	# a WeChat binding follows its resident file's rows (property_crm.wechat.binding)
	"WeChat Binding": "property_crm.wechat.binding.query_conditions",
	# child tables with personal data: rows only of a table field (its permission level on the parent) and a
	# parent row the user may read
	**{doctype: "property_crm.permissions.child_query_conditions" for doctype in _PERSONAL_CHILD_TABLES},
	# ERPNext/Frappe records of residents follow their estates (permissions: RESIDENT_, LEDGER_, ABOUT_RECORDS)
	**{
		doctype: "property_crm.permissions.resident_record_query_conditions"
		for doctype in _RESIDENT_RECORD_DOCTYPES
	},
}
has_permission = {
	"Property Owner": "property_crm.permissions.owner_has_permission",
	"Service Order": "property_crm.permissions.order_has_permission",
	"Property Unit": "property_crm.permissions.unit_has_permission",
	"Confidentiality Agreement": "property_crm.property_privacy.agreements.has_permission",
	"WeChat Binding": "property_crm.wechat.binding.has_permission",
	**{
		doctype: "property_crm.permissions.resident_record_has_permission"
		for doctype in _RESIDENT_RECORD_DOCTYPES
	},
}

# Frappe's link search ignores every permission rule when asked to ignore user permissions; ours refuse.
override_whitelisted_methods = {
	"frappe.desk.search.search_link": "property_crm.permissions.search_link",
	"frappe.desk.search.search_widget": "property_crm.permissions.search_widget",
	# Frappe's count checks no permission; ours counts what the user may list
	"frappe.client.get_count": "property_crm.permissions.get_count",
	# every script report's door: broken filters are a translated 417, never a 500 (property_crm.overrides)
	"frappe.desk.query_report.run": "property_crm.overrides.query_report.run",
	# a picture's header is checked before Frappe decodes it whole (optimize, EXIF stripping): property_crm.uploads
	"upload_file": "property_crm.uploads.upload_file",
	"frappe.handler.upload_file": "property_crm.uploads.upload_file",
}

# Notifications on our doctypes reach only people who may read the document, and never show setup advice.
override_doctype_class = {
	"Notification": "property_crm.overrides.notification.PropertyNotification",
	# a file attached to a record of ours is judged and re-encoded before Frappe writes it (property_crm.uploads)
	"File": "property_crm.uploads.PropertyFile",
	# personal-data download and deletion also reach `resident_data_fields` (property_crm.overrides.personal_data)
	"Personal Data Download Request": "property_crm.overrides.personal_data.PersonalDataDownloadRequest",
	"Personal Data Deletion Request": "property_crm.overrides.personal_data.PersonalDataDeletionRequest",
}

# what a Return Visit's outcome means for the record it follows up (property_service/doctype/return_visit)
return_visit_outcome = [
	"property_crm.property_service.orders.on_return_visit_outcome",
	"property_crm.property_complaints.complaints.on_return_visit_outcome",
	"property_crm.property_care.care.on_return_visit_outcome",
]

# what a unit owes, for the household file (property_households.household): the fees module's answer
unit_outstanding = ["property_crm.property_fees.billing.outstanding_of_units"]

doc_events = {
	# fields that grant access (customer, user, occupants, requester…) are set only by their method or a
	# role allowed to, whatever the door (property_crm/access_fields.py: the registry and the guard)
	"*": {"before_validate": "property_crm.access_fields.guard"},
	"SMS Settings": {"on_update": "property_crm.sms.sync_sms_notifications"},
	# Frappe's log of a sent SMS keeps the masks of the numbers, not the numbers (mobile_numbers.py)
	"SMS Log": {"before_insert": "property_crm.mobile_numbers.mask_sms_log"},
	# roles that read personal data only with a current confidentiality agreement (property_privacy.agreements)
	"User": {"validate": "property_crm.property_privacy.agreements.check_user_roles"},
	# ID numbers and mobiles: masked in their column, encrypted and hashed beside it (protected_fields.py)
	"Property Owner": {
		"before_validate": "property_crm.protected_fields.protect",
		"on_change": "property_crm.protected_fields.forget_ciphertexts",
	},
	"Property Unit": {
		"before_validate": "property_crm.protected_fields.protect",
		"on_change": "property_crm.protected_fields.forget_ciphertexts",
	},
	"Survey Invitation": {
		"before_validate": "property_crm.protected_fields.protect",
		"on_change": "property_crm.protected_fields.forget_ciphertexts",
	},
	# a file attached to a record of ours, by any door (portal, upload_file, REST, frappe.client): judged by
	# its content, kept only as a re-encoded picture under a generated name, private (property_crm.uploads)
	# (a new File: property_crm.uploads.PropertyFile; one re-pointed at a record of ours: this event)
	"File": {"validate": "property_crm.uploads.validate"},
	# post-service surveys: a completed order / resolved complaint of a category with a survey invites
	"Service Order": {
		"on_update": "property_crm.property_surveys.surveys.after_order_update",
		# an unthreaded reply to an anonymous complaint's message keeps no address (property_complaints)
		"before_insert": "property_crm.property_complaints.complaints.keep_unthreaded_replies_anonymous",
	},
	"Complaint": {"on_update": "property_crm.property_surveys.surveys.after_complaint_update"},
	# messages of an anonymous complaint's complainant: only on its identity record (property_complaints)
	"Communication": {"validate": "property_crm.property_complaints.complaints.keep_messages_confidential"},
	"Sales Invoice": {
		# the invoice's one unit and building, where all its lines are of one (Arrears Ageing reads them)
		"validate": "property_crm.property_fees.billing.set_invoice_unit",
		# a cancelled or deleted fee invoice frees its unit-fee-period shares for a corrected bill
		"on_cancel": "property_crm.property_fees.billing.free_shares",
		"on_trash": "property_crm.property_fees.billing.free_shares",
	},
}

# four-eyes principle (四眼原则): key data is deleted or changed only through a Data Change Request a second
# manager approves; a direct deletion or guarded change is refused for everyone (property_privacy.four_eyes)
for _doctype in ("Property Owner", "Property Unit", "Property Unit Occupant", "Service Order", "Complaint",
	"Survey Response", "Property Meter Reading", "Property Fee Charge", "Property Late Fee",
	"Property Fee Override"):  # fmt: skip
	doc_events.setdefault(_doctype, {})["on_trash"] = "property_crm.property_privacy.four_eyes.refuse_delete"
for _doctype in ("Property Owner", "Property Unit", "Property Unit Occupant"):
	doc_events[_doctype]["before_save"] = "property_crm.property_privacy.four_eyes.refuse_change"
# backup settings: an hour, at least one copy, a copy target outside the bench (property_privacy.backups)
doc_events.setdefault("Property CRM Settings", {})["validate"] = (
	"property_crm.property_privacy.backups.validate_settings"
)

# the arrears badge (property_fees.late_fees.arrears_badge) on the forms where staff meet a household
doctype_js = {
	doctype: "public/js/arrears.js"
	for doctype in ("Property Unit", "Property Owner", "Service Order", "Complaint")
}
# "Request deletion" / "Request change" on the forms of the records the four-eyes principle guards
for _doctype in ("Property Owner", "Property Unit", "Service Order", "Complaint", "Survey Response",
	"Property Meter Reading", "Property Fee Charge", "Property Late Fee", "Property Fee Override"):  # fmt: skip
	doctype_js[_doctype] = [*filter(None, [doctype_js.get(_doctype)]), "public/js/four_eyes.js"]
# "Call Requester" on a service order: its masked contact mobile, revealed and logged (property_privacy.calls)
_js = doctype_js.get("Service Order")
doctype_js["Service Order"] = [*([_js] if isinstance(_js, str) else _js or []), "public/js/order_call.js"]
# "Reveal" on the forms that show a masked mobile or ID number (property_privacy.reveal)
for _doctype in ("Property Owner", "Property Unit", "Survey Invitation"):
	_js = doctype_js.get(_doctype)
	doctype_js[_doctype] = [*([_js] if isinstance(_js, str) else _js or []), "public/js/reveal.js"]

# fee Items need ERPNext's UOMs and Item Group tree, made by its setup wizard
setup_wizard_complete = [
	"property_crm.property_fees.billing.after_setup_wizard",
	# the Modes of Payment of the front desk and of the online platforms, once the company exists
	"property_crm.property_fees.payments.desk.after_setup_wizard",
]

scheduler_events = {
	# a survey mail's link token cut out of the Email Queue once Frappe has sent it (property_surveys.surveys)
	"all": ["property_crm.property_surveys.surveys.redact_sent_links"],
	"cron": {
		"*/15 * * * *": [
			"property_crm.property_service.orders.escalate_overdue",
			"property_crm.property_complaints.complaints.escalate",
		],
		# the quarterly Security Review: a task for each Property Manager (property_privacy.security_review)
		"0 7 1 1,4,7,10 *": ["property_crm.property_privacy.security_review.create_review_tasks"],
		# online payment orders still pending: asked about, paid ones recorded, expired ones closed (payments.pending)
		"*/5 * * * *": [
			"property_crm.property_fees.payments.pending.run",
			# refunds the platform is still processing: asked again (payments.refunds)
			"property_crm.property_fees.payments.refunds.refresh_refunding",
			# WeChat template messages refused for quota, tried again after their back-off (wechat.notify)
			"property_crm.wechat.notify.retry_queued",
		],
	},
	# a user reading far more resident files than usual: their estate managers are alerted (access_audit)
	"hourly": [
		"property_crm.property_privacy.access_audit.check_unusual_reads",
		# the daily encrypted backup at the hour set in Property CRM Settings, on the long queue (backups)
		"property_crm.property_privacy.backups.hourly",
	],
	# the restore drill, on the long queue (property_privacy.restore_drill)
	"monthly": ["property_crm.property_privacy.restore_drill.monthly"],
	# residents moved out more than N years ago anonymised, on the long queue (property_privacy.retention)
	"daily_long": ["property_crm.property_privacy.retention.daily"],
	"daily": [
		"property_crm.property_service.orders.auto_close_unrated",
		"property_crm.property_complaints.complaints.auto_close_silent",
		"property_crm.property_fees.late_fees.daily",
		"property_crm.property_fees.reminders.daily",
		"property_crm.property_surveys.campaigns.close_ended",
		# periodic return visits, birthdays and move-in anniversaries, holiday greetings (property_care.care)
		"property_crm.property_care.care.daily",
		# confidentiality agreements: status refreshed, reminders before expiry (property_privacy.agreements)
		"property_crm.property_privacy.agreements.daily",
		# the last backup younger than a day, the last successful drill than 31 days, or managers are alerted
		"property_crm.property_privacy.backups.daily_policy_check",
		# yesterday's statement (对账单) of each enabled payment platform reconciled, accountants alerted
		# on a discrepancy (property_fees.payments.reconciliation)
		"property_crm.property_fees.payments.reconciliation.daily",
	],
}

# the doctypes whose ID numbers and mobiles are protected (property_crm.protected_fields.PROTECTED)
_PROTECTED_DOCTYPES = (
	"Property Owner",
	"Property Family Member",
	"Property Unit Occupant",
	"Survey Invitation",
)

# Frappe's Log Settings: the access audit's Access Log kept 400 days (more than the six months China's
# Cybersecurity Law asks of access logs, and a year back for the quarterly Security Review), then cleared
default_log_clearing_doctypes = {"Access Log": 400}

# Personal data covered by Frappe's download/deletion requests (Personal Data Download/Deletion Request).
user_data_fields = [
	{
		"doctype": "Property Owner",
		"filter_by": "email",
		"redact_fields": [
			"full_name",
			"mobile",
			"id_number",
			"date_of_birth",
			"emergency_contact_name",
			"emergency_contact_phone",
			"notes",
		],
		"partial": 1,
	},
	# a complainant's contact: on the complaint, or on the confidential identity of an anonymous one
	{
		"doctype": "Complaint",
		"filter_by": "complainant_email",
		"redact_fields": ["complainant_name", "complainant_email", "contact_mobile"],
		"partial": 1,
	},
	{
		"doctype": "Complaint Identity",
		"filter_by": "complainant_email",
		"redact_fields": ["complainant_name", "complainant_email", "contact_mobile"],
		"partial": 1,
	},
	# a resident's own profile changes (old and new phone, e-mail, vehicles, family)
	{
		"doctype": "Property Profile Change",
		"filter_by": "requested_by",
		"redact_fields": ["resident_name", "old_value", "new_value"],
		"partial": 1,
	},
	# a WeChat binding (the openid) of the resident's portal user (property_crm.wechat.binding)
	{"doctype": "WeChat Binding", "filter_by": "user", "redact_fields": ["openid"], "partial": 1},
	# an e-mailed request from someone with no resident file keeps their address and name on the order
	{
		"doctype": "Service Order",
		"filter_by": "requester_email",
		"redact_fields": [
			"requester_name",
			"requester_email",
			"contact_mobile",
			"resident_signature",
			"confirmed_by_name",
		],
		"partial": 1,
	},
]


# A resident's data that `user_data_fields` cannot reach (it filters a doctype by a column holding the user's
# address): child rows of their file and records linked to their resident file. The resident files are those
# whose e-mail or portal user is the requester's; `link` is the field pointing at the file ("parent": a child
# row of it); `reference_of`: rows whose reference_doctype/reference_name is a record found above.
# Downloaded with Frappe's Personal Data Download Request and redacted by its Deletion Request.
resident_data_fields = [
	{
		"doctype": "Property Family Member",
		"link": "parent",
		"redact_fields": ["member_name", "date_of_birth", "mobile", "notes"],
	},
	{
		"doctype": "Property Vehicle",
		"link": "parent",
		"redact_fields": ["plate_number", "brand_model", "color"],
	},
	{"doctype": "Property Owner Tag", "link": "parent"},
	{"doctype": "Property Unit Occupant", "link": "resident", "redact_fields": ["resident_name", "mobile"]},
	{"doctype": "Property Unit", "link": "primary_contact", "redact_fields": ["primary_contact_name"]},
	{
		"doctype": "Service Order",
		"link": "requester",
		# the field app's confirmation: the resident's drawn signature and the name they signed with
		"redact_fields": [
			"requester_name",
			"contact_mobile",
			"requester_email",
			"rating_comment",
			"resident_signature",
			"confirmed_by_name",
		],
	},
	{
		"doctype": "Complaint",
		"link": "complainant",
		"redact_fields": ["complainant_name", "contact_mobile", "complainant_email", "feedback_comment"],
	},
	{
		"doctype": "Complaint Identity",
		"link": "complainant",
		"redact_fields": ["complainant_name", "contact_mobile", "complainant_email"],
	},
	{
		"doctype": "Survey Invitation",
		"link": "person",
		"redact_fields": ["person_name", "mobile", "call_notes"],
	},
	{"doctype": "Survey Response", "link": "person"},
	{"doctype": "Property Care Event", "link": "resident", "redact_fields": ["resident_name", "notes"]},
	{"doctype": "Property Event Registration", "link": "resident", "redact_fields": ["resident_name"]},
	{"doctype": "Property Notice Read", "link": "resident"},
	{
		"doctype": "Property Verification Item",
		"link": "resident",
		"redact_fields": ["resident_name", "notes"],
	},
	{
		"doctype": "Property Profile Change",
		"link": "resident",
		"redact_fields": ["resident_name", "old_value", "new_value"],
	},
	{"doctype": "Property Fee Charge", "link": "resident"},
	# the breach register's rows of the resident (the notice itself is a Communication in the file's timeline)
	{"doctype": "Data Incident Resident", "link": "resident", "redact_fields": ["resident_name"]},
	# the file's WeChat openid: emptied by retention's anonymisation, redacted by a deletion request
	{"doctype": "WeChat Binding", "link": "resident", "redact_fields": ["openid"]},
	{
		"doctype": "Return Visit",
		"reference_of": ["Service Order", "Complaint", "Property Care Event"],
		"redact_fields": ["notes"],
	},
]
# a protected ID number or mobile is redacted with its ciphertext and hash (property_crm/protected_fields.py)
for _ref in (*user_data_fields, *resident_data_fields):
	_ref["redact_fields"] = [
		*(_fields := _ref.get("redact_fields") or []),
		*(
			f"{_field}_{_companion}"
			for _field in ("mobile", "id_number", "emergency_contact_phone")
			if _field in _fields and _ref["doctype"] in _PROTECTED_DOCTYPES
			for _companion in ("encrypted", "hash")
		),
	]

standard_portal_menu_items = [
	{"title": "My Home", "route": "/property", "role": "Property Resident"},
	{"title": "My Requests", "route": "/property/requests", "role": "Property Resident"},
	{"title": "My Complaints", "route": "/property/complaints", "role": "Property Resident"},
	{"title": "My Surveys", "route": "/property/surveys", "role": "Property Resident"},
]

jinja = {
	"methods": [
		"property_crm.property_households.qr.qr_svg_data_uri",
		"property_crm.property_households.qr.request_url",
		"property_crm.property_households.household.household_file",
		# the electronic receipt (电子收据) of a Payment Entry, Print Format "Property Receipt"
		"property_crm.property_fees.payments.receipts.property_receipt",
	]
}

# a call of our whitelisted methods without a required argument: a translated 417, not a 500
before_request = [
	"property_crm.validation.check_required_arguments",
	# documents of ours sent through REST or frappe.client: each value of the shape its field takes
	"property_crm.doc_input.check_request",
	# ERPNext's Accounts Receivable for an estate-restricted user: only the customers they may list
	"property_crm.report_scope.scope_party_reports",
]

# X-Content-Type-Options: nosniff on every response of the site (private files included); our picture
# endpoints served as images only (the portal pages set their own policy, property_crm.portal.shell)
after_request = [
	"property_crm.uploads.after_request",
	# opening a resident file, exports, prints and report downloads with personal data: Frappe's Access Log
	"property_crm.property_privacy.access_audit.after_request",
]

# The resident portal's shell: /property… pages rendered from templates compiled once per process
# (property_crm/portal), without Frappe's per-request Jinja environment and routing map.
page_renderer = ["property_crm.portal.shell.PortalPage"]
website_path_resolver = ["property_crm.portal.shell.resolve_path"]

# The resident portal (the core shell in property_crm/portal renders them): each module's pages as (route
# pattern, page function returning (template, context)), the functions its templates call, its part of the
# home page, and the survey that may wait on a request.
portal_pages = [
	[r"property", "property_crm.property_households.portal.home"],
	[r"property/requests", "property_crm.property_service.portal.requests"],
	[r"property/requests/new", "property_crm.property_service.portal.new_request"],
	[r"property/requests/(?P<name>[^/]+)", "property_crm.property_service.portal.request"],
	[r"property/complaints", "property_crm.property_complaints.portal.complaints"],
	[r"property/complaints/new", "property_crm.property_complaints.portal.new_complaint"],
	[r"property/complaints/(?P<name>[^/]+)", "property_crm.property_complaints.portal.complaint"],
	[r"property/bills", "property_crm.property_fees.portal.bill_list"],
	[r"property/bills/(?P<name>[^/]+)", "property_crm.property_fees.portal.bill"],
	[r"property/pay", "property_crm.property_fees.payments.portal.pay"],
	[r"property/payments", "property_crm.property_fees.payments.portal.payment_list"],
	[r"property/payments/(?P<name>[^/]+)", "property_crm.property_fees.payments.portal.order"],
	[r"property/receipts/(?P<name>[^/]+)", "property_crm.property_fees.payments.portal.receipt"],
	[r"property/surveys", "property_crm.property_surveys.portal.survey_list"],
	[r"property/surveys/(?P<name>[^/]+)", "property_crm.property_surveys.portal.survey"],
	[r"property/s/(?P<token>[0-9a-zA-Z]+)", "property_crm.property_surveys.portal.survey_by_token"],
	[r"property/notices", "property_crm.property_care.portal.notices"],
	[r"property/notices/(?P<name>[^/]+)", "property_crm.property_care.portal.notice"],
	[r"property/events", "property_crm.property_care.portal.events"],
	[r"property/events/(?P<name>[^/]+)", "property_crm.property_care.portal.event"],
	[r"property/profile", "property_crm.property_care.portal.my_profile"],
	# the Official Account menu's entry: WeChat OAuth, a bound resident logged in (property_crm.wechat.binding)
	[r"property/wechat", "property_crm.wechat.binding.entry"],
	# field staff on a phone (property_service.field): my jobs, one job, the installable app's worker, manifest
	[r"field", "property_crm.property_service.field.pages.jobs"],
	[r"field/jobs/(?P<name>[^/]+)", "property_crm.property_service.field.pages.job"],
	[r"field/sw\.js", "property_crm.property_service.field.pages.service_worker"],
	[r"field/manifest\.webmanifest", "property_crm.property_service.field.pages.manifest"],
	[r"field/icon-(?P<size>[0-9]+)\.png", "property_crm.property_service.field.pages.icon"],
	# the dispatcher's board (property_crm.property_service.field.board)
	[r"field/board", "property_crm.property_service.field.board.board"],
]
portal_template_functions = {
	"resident_status": "property_crm.property_service.rules.service.resident_status",
	"complaint_status": "property_crm.property_complaints.rules.complaint.resident_status",
}
portal_home = [
	"property_crm.property_service.portal.home_section",
	"property_crm.property_fees.portal.home_section",
	"property_crm.property_complaints.portal.home_section",
	"property_crm.property_surveys.portal.home_section",
]
order_survey = ["property_crm.property_surveys.resident_surveys.survey_of_order"]

# WeChat Official Account messages (property_crm.wechat.endpoint): each "module.function"(message, resident)
# in order; the first that returns a str answers ("" = handled, no reply), None passes the message on.
# The core's first: events (subscribe, menu clicks) and unbound senders (→ the binding link).
wechat_message_handlers = [
	# WeChat's report on a template message (TEMPLATESENDJOBFINISH) on its delivery record (wechat.notify)
	"property_crm.wechat.notify.on_delivery_report",
	"property_crm.wechat.endpoint.core_handler",
	"property_crm.property_complaints.wechat.handle",
	"property_crm.property_service.wechat.handle",
]
