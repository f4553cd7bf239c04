"""Data Incident (数据安全事件): the breach register. The rules are `property_privacy.rules.incidents`; adding
residents and sending their notices is `property_privacy.incidents`."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, get_datetime, now_datetime

from property_crm.property_privacy.rules import incidents as rules

# set only by the notice run (`property_privacy.incidents`), never by a form, REST or Data Import
NOTICE_FIELDS = ("channel", "notice_status", "notified_on", "communication")
MESSAGES = {
	rules.NEEDS_CONTAINMENT: lambda _d: _("Record at least one containment step first."),
	rules.NEEDS_NOTICE: lambda names: _(
		"Every affected resident needs a sent notice or a reason without notice. Still missing: {0}"
	).format(", ".join(names[:20]) + (" …" if len(names) > 20 else "")),
	rules.NEEDS_REGULATOR_DATE: lambda _d: _("Enter when the incident was reported to the regulator first."),
	rules.NEEDS_LESSONS: lambda _d: _("Write the lessons learned before closing the incident."),
}


class DataIncident(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if (
			self.occurred_on
			and self.found_on
			and get_datetime(self.occurred_on) > get_datetime(self.found_on)
		):
			frappe.throw(_("Occurred On: must not be after Found On."), title=_("Please correct this value"))
		hours = cint(frappe.db.get_single_value("Property CRM Settings", "incident_regulator_hours"))
		# without Found On, Frappe's mandatory check answers (417) after validate
		self.regulator_deadline = (
			rules.regulator_deadline(get_datetime(self.found_on), hours) if self.found_on else None
		)
		self.keep_notice_fields()
		seen = set()
		for row in self.residents:
			if row.resident in seen:
				frappe.throw(_("Resident file {0} is listed twice.").format(row.resident))
			seen.add(row.resident)
		self.affected_count = len(self.residents)
		self.notified_count = sum(1 for row in self.residents if row.notice_status == rules.SENT)
		if self.is_new() or self.has_value_changed("status"):
			self.check_step()
		if self.status == "Closed" and not self.closed_on:
			self.closed_on = now_datetime()

	def keep_notice_fields(self):
		"""A row's notice (status, channel, date, Communication) is proof: only the notice run writes it."""
		if self.flags.notice_run:
			return
		before = {}
		if not self.is_new():
			before = {
				row.name: row
				for row in frappe.get_all(
					"Data Incident Resident",
					filters={"parent": self.name, "parenttype": self.doctype},
					fields=["name", "resident", *NOTICE_FIELDS],
				)
			}
		for row in self.residents:
			old = before.get(row.name)
			if old is None or old.resident != row.resident:
				changed = (row.notice_status or rules.PENDING) != rules.PENDING or any(
					row.get(f) for f in ("channel", "notified_on", "communication")
				)
				row.notice_status = rules.PENDING
			else:
				changed = any(not same(f, row.get(f), old.get(f)) for f in NOTICE_FIELDS)
			if (old is None or old.resident != row.resident) and not frappe.has_permission(
				"Property Owner", "read", doc=row.resident
			):
				frappe.throw(
					_("Row {0}: you may not read resident file {1}.").format(row.idx, row.resident),
					frappe.PermissionError,
				)
			if changed:
				frappe.throw(
					_("Row {0}: the notice of a resident is set by Send Notices only.").format(row.idx),
					frappe.PermissionError,
				)

	def check_step(self):
		rows = [rules.Row(r.resident, r.notice_status, r.reason or "") for r in self.residents]
		problems = rules.step_problems(
			self.status, rows, len(self.containment_steps), self.lessons_learned, self.regulator_reported_on
		)
		if problems:
			key, detail = problems[0]
			frappe.throw(MESSAGES[key](detail), title=_("Not yet: {0}").format(_(self.status)))

	def on_trash(self):
		if self.status != "Reported" or any(row.communication for row in self.residents):
			frappe.throw(
				_("An incident past Reported, or with notices sent, is kept as proof and cannot be deleted."),
				frappe.PermissionError,
			)


def same(fieldname: str, new, old) -> bool:
	"""A notice field sent back unchanged (a date may come back as text)."""
	if not new and not old:
		return True
	if fieldname == "notified_on" and new and old:
		return get_datetime(new) == get_datetime(old)
	return str(new or "") == str(old or "")
