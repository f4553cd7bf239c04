"""The access audit (issue 19 point 4): every opening of a resident file, every export, print and report
download that includes personal data is a row of Frappe's Access Log — who, what, when and how many records
(the `records` custom field on Access Log, property_crm/install.py).

Frappe already logs Report Builder exports (without a count), `/printview` and the Data Export tool; the form
load (`frappe.desk.form.load.getdoc`), REST reads, `frappe.client.get`, script-report downloads, PDF
downloads and the desk's print preview it does not. One `after_request` hook (hooks.py) looks at each
successful request through those doors and writes the row Frappe does not, or adds the count to the row
Frappe wrote. The rows are written after the request's own transaction is committed, in their own.

The hourly `check_unusual_reads` alerts the estate managers of a user who opened far more files today than
usual (Property CRM Settings: Access Audit)."""

import io
import json
import re
from datetime import timedelta

import frappe
from frappe import _
from frappe.core.doctype.data_export.exporter import get_data_keys
from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
from frappe.utils import add_days, cint, flt, get_datetime, getdate, now_datetime, nowdate

from property_crm.permissions import allowed_estates
from property_crm.property_privacy.rules import access_audit as rules

# records that hold a person's data: their exports, prints and downloads are logged
PERSONAL_DOCTYPES = frozenset(
	{
		"Property Owner",
		"Property Unit",
		"Property Unit Occupant",
		"Property Family Member",
		"Property Vehicle",
		"Survey Invitation",
		"Survey Response",
		"Service Order",
		"Complaint",
		"Complaint Identity",
		"Property Profile Change",
		"Property Care Event",
		"Property Event Registration",
		"Customer",
		"Contact",
		"Address",
	}
)
# a person's file: each opening is logged (and counts towards the unusual-reading alert)
RESIDENT_FILES = frozenset({"Property Owner", "Complaint Identity", "Customer", "Contact"})
# script reports whose rows name residents: their downloads are logged
PERSONAL_REPORTS = frozenset(
	{
		"Stale Files",
		"Complaint Analysis",
		"Arrears Ageing",
		"Accounts Receivable",
		"Accounts Receivable Summary",
		"General Ledger",
		"Customer Ledger Summary",
		"Sales Register",
		"Personal Data Access",
		"Security Review",
	}
)

REST_DOCUMENT = re.compile(r"^/api/(?:v1/)?resource/([^/]+)/(.+?)/?$|^/api/v2/document/([^/]+)/(.+?)/?$")
METHOD_PATH = re.compile(r"^/api/(?:v[12]/)?method/([\w.]+)/?$")
REST_LIST = re.compile(r"^/api/(?:v1/)?resource/([^/]+)/?$|^/api/v2/document/([^/]+)/?$")
OPEN_METHODS = {"frappe.desk.form.load.getdoc": "Form", "frappe.client.get": "frappe.client.get"}
PRINT_METHODS = {
	"frappe.utils.print_format.download_pdf": "PDF",
	"frappe.utils.print_format.download_multi_pdf": "PDF",
	"frappe.www.printview.get_html_and_style": "Print",
}
# the household file page (一户一档): every occupant's file of a unit at once
HOUSEHOLD_PAGE = "property_crm.property_households.household.household"
REPORT_BUILDER_EXPORT = "frappe.desk.reportview.export_query"
SCRIPT_REPORT_EXPORT = "frappe.desk.query_report.export_query"
DATA_EXPORT = "frappe.core.doctype.data_export.exporter.export_data"
IMPORT_TEMPLATE_EXPORT = "frappe.core.doctype.data_import.data_import.download_template"


def after_request(response=None, request=None) -> None:
	"""`after_request` hook: log what a successful request through one of the doors above showed."""
	if response is None or request is None or response.status_code != 200:
		return
	if not getattr(frappe.local, "session", None) or not frappe.db:
		return
	try:
		entry = _entry(request, response)
		if entry:
			_write(**entry)
		if entry is not None:  # the row, or ({}) the count given to Frappe's row
			frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title="Property CRM access audit")
		frappe.db.commit()


def _entry(request, response) -> dict | None:
	form = frappe.form_dict
	if request.method == "GET" and (match := REST_DOCUMENT.match(request.path)):
		doctype, name = match.group(1) or match.group(3), match.group(2) or match.group(4)
		if name.endswith("/copy"):
			return None
		return _opened(doctype, name, "REST")
	if request.method == "GET" and (match := REST_LIST.match(request.path)):
		# a script's list read through the API is a download: logged with its rows (the desk's paged list
		# views are not; their export is)
		return _listed(match.group(1) or match.group(2), response, "data", "REST list")
	# /api/method/… and the desk's POST to / carry `cmd`; Frappe's /api/v2/method/… does not
	cmd = form.get("cmd") or ((found := METHOD_PATH.match(request.path)) and found.group(1))
	if not cmd:
		return None
	if cmd == "frappe.client.get_list":
		return _listed(form.get("doctype"), response, "message", "frappe.client.get_list")
	if cmd in OPEN_METHODS:
		name = form.get("name")
		if cmd == "frappe.client.get" and not name:
			name = (_json_message(response) or {}).get("name")
		return _opened(form.get("doctype"), name, OPEN_METHODS[cmd])
	if cmd == HOUSEHOLD_PAGE and form.get("unit"):
		occupants = (_json_message(response) or {}).get("occupants") or []
		return _row(
			"Property Unit", form.get("unit"), rules.OPEN, None, page="Household", records=len(occupants) or 1
		)
	if cmd in PRINT_METHODS:
		return _printed(cmd, form)
	if cmd == REPORT_BUILDER_EXPORT and form.get("doctype") in PERSONAL_DOCTYPES:
		records = _file_rows(response, form.get("file_format_type"))
		if records is not None and form.get("add_totals_row") == "1":
			records = max(records - 1, 0)
		# Frappe wrote its own row (without a count) before running the export: give it the count
		if _count_frappes_row(form.get("doctype"), records, method=("is", "not set")):
			return {}
		return _row(form.get("doctype"), None, rules.EXPORT, form.get("file_format_type"), records=records)
	if cmd == DATA_EXPORT and form.get("doctype") in PERSONAL_DOCTYPES and cint(form.get("with_data")):
		# Frappe's Data Export tool logged itself (method: the parent doctype): give its row the count
		table = _file_table(response, form.get("file_type"))
		records = None if table is None else rules.data_export_rows(table, get_data_keys().data_separator)
		_count_frappes_row(form.get("doctype"), records, file_type=form.get("file_type") or "CSV")
		return {}
	if cmd == SCRIPT_REPORT_EXPORT and form.get("report_name") in PERSONAL_REPORTS:
		report = form.get("report_name")
		records = _file_rows(
			response, form.get("file_format_type"), after_blank=cint(form.get("include_filters"))
		)
		if records and frappe.db.get_value("Report", report, "add_total_row"):
			records -= 1
		return _row(
			frappe.db.get_value("Report", report, "ref_doctype"),
			None,
			rules.EXPORT,
			form.get("file_format_type"),
			report_name=report,
			filters=form.get("filters"),
			records=records,
		)
	if cmd == IMPORT_TEMPLATE_EXPORT and form.get("doctype") in PERSONAL_DOCTYPES:
		if form.get("export_records") in (None, "", "blank_template"):
			return None
		records = _file_rows(response, form.get("file_type"))
		return _row(
			form.get("doctype"),
			None,
			rules.EXPORT,
			form.get("file_type"),
			report_name="Data Import Template",
			filters=form.get("export_filters"),
			records=records,
		)
	return None


def _opened(doctype: str | None, name: str | None, door: str) -> dict | None:
	if doctype not in RESIDENT_FILES or not name or not _is_resident_file(doctype, name):
		return None
	return _row(doctype, name, rules.OPEN, None, page=door, records=1)


def _listed(doctype: str | None, response, key: str, door: str) -> dict | None:
	if doctype not in PERSONAL_DOCTYPES:
		return None
	try:
		body = json.loads(response.get_data())
		rows = body.get(key, body.get("data"))
	except (ValueError, AttributeError):
		return None
	if not isinstance(rows, list) or not rows:
		return None
	return _row(
		doctype,
		None,
		rules.EXPORT,
		None,
		filters=frappe.form_dict.get("filters"),
		page=door,
		records=len(rows),
	)


def _is_resident_file(doctype: str, name: str) -> bool:
	"""A Customer or Contact counts when it is a resident's (linked to a resident file)."""
	if doctype == "Customer":
		return bool(frappe.db.get_value("Customer", name, "property_owner"))
	if doctype == "Contact":
		return bool(
			frappe.db.exists("Property Owner", {"contact": name})
			or frappe.db.exists(
				"Dynamic Link",
				{"parenttype": "Contact", "parent": name, "link_doctype": "Property Owner"},
			)
		)
	return True


def _printed(cmd: str, form) -> dict | None:
	if cmd == "frappe.www.printview.get_html_and_style":
		doctype, name = form.get("doc"), form.get("name")
		names = [name] if isinstance(doctype, str) and name else []
	else:
		doctype, names = form.get("doctype"), form.get("name")
		if cmd.endswith("download_multi_pdf"):
			try:
				parsed_doctype = json.loads(doctype) if str(doctype).startswith("{") else doctype
				names = json.loads(names) if isinstance(names, str) and names.startswith("[") else names
			except ValueError:
				return None
			if isinstance(parsed_doctype, dict):  # {doctype: [names]} of several doctypes: ours only
				names = [n for dt, ns in parsed_doctype.items() if dt in PERSONAL_DOCTYPES for n in ns]
				doctype = next((dt for dt in parsed_doctype if dt in PERSONAL_DOCTYPES), None)
		names = [names] if isinstance(names, str) else list(names or [])
	if doctype not in PERSONAL_DOCTYPES or not names:
		return None
	return _row(
		doctype,
		names[0] if len(names) == 1 else None,
		PRINT_METHODS[cmd],
		"PDF" if "pdf" in cmd else None,
		filters=None if len(names) == 1 else json.dumps(names[:200]),
		records=len(names),
	)


def _row(doctype, document, method, file_type, report_name=None, filters=None, page=None, records=0) -> dict:
	return {
		"export_from": doctype,
		"reference_document": document,
		"method": method,
		"file_type": file_type,
		"report_name": report_name,
		"filters": filters if isinstance(filters, str) or filters is None else json.dumps(filters),
		"page": page,
		"records": records or 0,
	}


def _write(**fields) -> None:
	"""One Access Log row by the session's user (Frappe's own doctype; only System Managers read it)."""
	frappe.get_doc({"doctype": "Access Log", "user": frappe.session.user, **fields}).insert(
		ignore_permissions=True
	)


def _count_frappes_row(doctype: str, records: int | None, **match) -> bool:
	"""Set the count on the row Frappe's own export wrote a moment ago (its latest for this user and doctype);
	a Report Builder export's row (no method) is marked an Export."""
	name = frappe.db.get_value(
		"Access Log",
		{
			"user": frappe.session.user,
			"export_from": doctype,
			"creation": (">=", now_datetime() - timedelta(minutes=10)),
			**match,
		},
		"name",
		order_by="creation desc",
	)
	if not name:
		return False
	values = {"records": records or 0}
	if match.get("method"):
		values["method"] = rules.EXPORT
	frappe.db.set_value("Access Log", name, values, update_modified=False)
	return True


def _json_message(response):
	try:
		body = json.loads(response.get_data())
		return body.get("message", body.get("data"))  # /api/v2 answers in "data"
	except (ValueError, AttributeError):
		return None


def _file_table(response, file_type: str | None) -> list | None:
	"""The rows of the file a download sent (CSV or Excel), None when it cannot be read."""
	content = response.get_data()
	if not content:
		return []
	try:
		if content[:2] == b"PK" or (file_type or "").lower() in ("excel", "xlsx"):
			from openpyxl import load_workbook

			sheet = load_workbook(io.BytesIO(content), read_only=True).active
			return list(sheet.iter_rows(values_only=True))
		return rules.csv_table(content)
	except Exception:
		return None


def _file_rows(response, file_type: str | None, after_blank: bool = False) -> int | None:
	"""Data rows of the file a download sent (its header not counted), None when it cannot be read."""
	table = _file_table(response, file_type)
	return None if table is None else rules.table_data_rows(table, after_blank=after_blank)


# ---------------------------------------------------------------- unusual reading: the hourly alert


DEFAULT_MIN_FILES, DEFAULT_FACTOR = 50, 3.0


def alert_settings() -> tuple[int, float]:
	values = frappe.db.get_value(
		"Property CRM Settings",
		"Property CRM Settings",
		["audit_alert_min_files", "audit_alert_factor"],
		as_dict=True,
	)
	values = values or {}
	min_files, factor = values.get("audit_alert_min_files"), values.get("audit_alert_factor")
	# a site whose settings predate these fields: the defaults (0 is a choice: off)
	return (
		DEFAULT_MIN_FILES if min_files in (None, "") else cint(min_files),
		DEFAULT_FACTOR if factor in (None, "") else flt(factor),
	)


def files_opened_per_day(since, until, users: list[str] | None = None) -> dict[str, dict]:
	"""{user: {date: distinct files opened}} between two datetimes, from the Access Log."""
	condition = "and user in %(users)s" if users else ""
	rows = frappe.db.sql(
		f"""select user, date(creation) as day, count(distinct export_from, reference_document) as files
		from `tabAccess Log`
		where method = %(method)s and creation >= %(since)s and creation < %(until)s {condition}
		group by user, date(creation)""",
		{"method": rules.OPEN, "since": since, "until": until, "users": tuple(users or ())},
		as_dict=True,
	)
	per_user: dict[str, dict] = {}
	for row in rows:
		per_user.setdefault(row.user, {})[getdate(row.day)] = cint(row.files)
	return per_user


def unusual_readers(on=None) -> list[tuple[str, int, float]]:
	"""Users who opened more files on `on` (today) than the settings allow: (user, files, usual day)."""
	min_files, factor = alert_settings()
	if min_files <= 0:
		return []
	day = getdate(on or nowdate())
	start = get_datetime(day)
	today = files_opened_per_day(start, start + timedelta(days=1))
	over = [user for user, days in today.items() if days.get(day, 0) > min_files]
	if not over:
		return []
	history = files_opened_per_day(get_datetime(add_days(day, -30)), start, over)
	found = []
	for user in over:
		counts = list(history.get(user, {}).values())
		if rules.unusual(today[user][day], counts, min_files, factor):
			found.append((user, today[user][day], rules.usual_reads(counts)))
	return found


def managers_of(user: str) -> list[str]:
	"""The enabled Property Managers of the user's estates (all of them when the user is not restricted to
	estates, or no manager has one of the user's estates), never the user themself."""
	managers = frappe.get_all(
		"Has Role",
		filters={
			"role": "Property Manager",
			"parenttype": "User",
			"parent": ("not in", (user, "Administrator")),
		},
		pluck="parent",
		distinct=True,
	)
	managers = [m for m in managers if frappe.db.get_value("User", m, "enabled")]
	estates = allowed_estates(user, "Property Owner")
	if estates is None:
		return managers
	scoped = [
		m
		for m in managers
		if (theirs := allowed_estates(m, "Property Owner")) is None or set(theirs) & set(estates)
	]
	return scoped or managers


def check_unusual_reads() -> None:
	"""Hourly (hooks.py): alert the estate managers, once per user and day, of a user reading far more files
	than usual — a Notification Log for each (Frappe e-mails it as the managers' notification settings say)."""
	day = getdate(nowdate())
	for user, files, usual in unusual_readers(day):
		key = f"property_crm_read_alert::{user}"
		if frappe.db.get_default(key) == str(day):
			continue
		recipients = managers_of(user)
		if recipients:
			link = (
				f"/app/query-report/Personal Data Access?user={frappe.utils.quote(user)}"
				f"&from_date={day}&to_date={day}"
			)
			enqueue_create_notification(
				recipients,
				{
					"type": "Alert",
					"subject": _("{0} opened {1} resident files today (usually {2} a day)").format(
						user, files, round(usual, 1)
					),
					"email_content": _(
						'This is far more than usual. Check why in the <a href="{0}">Personal Data Access</a> report.'
					).format(link),
					"from_user": "Administrator",
					"link": link,
				},
			)
		frappe.db.set_default(key, str(day))
	frappe.db.commit()
