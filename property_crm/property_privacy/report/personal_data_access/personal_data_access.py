"""Personal Data Access: by user and day, how many resident files each user opened, how many values they
revealed, how many exports, prints and PDFs of personal data they made, and how many records those held —
from Frappe's Access Log (property_privacy.access_audit writes what Frappe does not). For Property Managers
(the users of their estates) and System Managers (everyone)."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, nowdate

from property_crm.permissions import allowed_estates
from property_crm.property_privacy.access_audit import PERSONAL_DOCTYPES, PERSONAL_REPORTS
from property_crm.property_privacy.rules import access_audit as rules
from property_crm.validation import report_filters

COUNTS = ("opens", "reveals", "exports", "prints")


def execute(filters=None):
	filters = report_filters(filters, dates=("from_date", "to_date"))
	rows = access_rows(filters)
	summary = [
		{"label": _(label), "value": sum(row[key] for row in rows), "indicator": "blue"}
		for key, label in (
			("opens", "Files Opened"),
			("reveals", "Values Revealed"),
			("exports", "Exports"),
			("prints", "Prints"),
			("records", "Records"),
		)
	]
	return columns(), rows, None, None, summary


def columns():
	return [
		{"fieldname": "user", "label": _("User"), "fieldtype": "Data", "width": 220},
		{"fieldname": "day", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "opens", "label": _("Files Opened"), "fieldtype": "Int", "width": 110},
		{"fieldname": "reveals", "label": _("Values Revealed"), "fieldtype": "Int", "width": 120},
		{"fieldname": "exports", "label": _("Exports"), "fieldtype": "Int", "width": 90},
		{"fieldname": "prints", "label": _("Prints"), "fieldtype": "Int", "width": 90},
		{"fieldname": "records", "label": _("Records"), "fieldtype": "Int", "width": 100},
	]


def visible_users() -> list[str] | None:
	"""None: every user (System Manager, unrestricted manager); else the users sharing one of the manager's
	estates, and himself."""
	user = frappe.session.user
	if "System Manager" in frappe.get_roles(user):
		return None
	estates = allowed_estates(user, "Property Owner")
	if estates is None:
		return None
	shared = frappe.get_all(
		"User Permission",
		filters={"allow": "Property Estate", "for_value": ("in", estates)},
		pluck="user",
		distinct=True,
	)
	return sorted({user, *shared})


def access_rows(filters) -> list[dict]:
	to_date = getdate(filters.get("to_date") or nowdate())
	from_date = getdate(filters.get("from_date") or add_days(to_date, -6))
	if from_date > to_date:
		frappe.throw(_("From Date must be before To Date."), title=_("Please correct this value"))
	conditions = [
		"creation >= %(from_date)s",
		"creation < %(until)s",
		"(method = %(reveal)s or export_from in %(doctypes)s or report_name in %(reports)s)",
	]
	values = {
		"from_date": from_date,
		"until": add_days(to_date, 1),
		"reveal": rules.REVEAL,
		"open": rules.OPEN,
		"export": rules.EXPORT,
		"print": rules.PRINT,
		"doctypes": tuple(sorted(PERSONAL_DOCTYPES)),
		"reports": tuple(sorted(PERSONAL_REPORTS)),
	}
	if filters.get("user"):
		conditions.append("user = %(user)s")
		values["user"] = filters.get("user")
	users = visible_users()
	if users is not None:
		conditions.append("user in %(users)s")
		values["users"] = tuple(users)
	rows = frappe.db.sql(
		f"""select user, date(creation) as day,
			sum(method = %(open)s) as opens,
			sum(method = %(reveal)s) as reveals,
			sum(method = %(export)s or (ifnull(file_type, '') != ''
				and ifnull(method, '') not in (%(open)s, %(reveal)s, %(print)s, 'PDF'))) as exports,
			sum(method in (%(print)s, 'PDF')) as prints,
			sum(case when records > 0 then records else 1 end) as records
		from `tabAccess Log`
		where {" and ".join(conditions)}
		group by user, date(creation)
		order by day desc, user""",
		values,
		as_dict=True,
	)
	for row in rows:
		for key in (*COUNTS, "records"):
			row[key] = int(row[key] or 0)
	return rows
