"""Breach register (应急预案) services: choose a Data Incident's affected residents by a query over the resident
files, and send each a notice by their preferred channel.

- `add_residents`: the files matching estate / building / unit / tag / created-between, read with the
  user's own permissions (`frappe.get_list`: estate User Permissions and need-to-know apply), so a manager
  of one estate adds only that estate's residents, whatever estate he asks for.
- `send_notices`: each pending resident gets the notice in their language (zh/en Jinja templates in
  `templates/notices/`) by the channel the care module's rule picks (`property_care.rules.care.greeting_for`,
  as birthday greetings do: e-mail when an outgoing account is set up, SMS when a gateway is, a portal
  notification, else a call task for staff). Each notice is a Communication in the timelines of the incident
  and the resident file, its name on the resident's row. Only pending rows are sent, so a second run sends
  nothing twice; more than `INLINE_LIMIT` residents run as a background job with progress.
"""

import frappe
from frappe import _
from frappe.utils import cint, format_datetime, getdate, now_datetime

from property_crm.overrides.notification import outgoing_email_ready, sms_ready
from property_crm.property_care.rules.care import greeting_for
from property_crm.property_privacy.rules import incidents as rules

INCIDENT = "Data Incident"
ROW = "Data Incident Resident"
INLINE_LIMIT = 20
MAX_RESIDENTS = 20000
DATA_LABELS = (
	("data_name", "Names", "姓名", "names"),
	("data_mobile", "Mobile Numbers", "手机号码", "mobile numbers"),
	("data_id_number", "ID Numbers", "证件号码", "ID numbers"),
	("data_address", "Addresses", "住址", "addresses"),
	("data_payment", "Payment Data", "缴费信息", "payment data"),
	("data_health", "Health Data", "健康信息", "health data"),
)


def _incident_for_write(incident: str):
	if not incident or not frappe.db.exists(INCIDENT, incident):
		raise frappe.DoesNotExistError(_("Data Incident {0} not found").format(incident))
	doc = frappe.get_doc(INCIDENT, incident)
	doc.check_permission("write")
	if doc.status == "Closed":
		frappe.throw(_("The incident is closed."))
	return doc


# ------------------------------------------------------------------ affected residents
@frappe.whitelist(methods=["POST"])
def add_residents(
	incident: str | None = None,
	estate: str | None = None,
	building: str | None = None,
	unit: str | None = None,
	tag: str | None = None,
	created_from: str | None = None,
	created_to: str | None = None,
	include_former: int | str = 0,
) -> dict:
	"""Add the resident files matching the filters (only files the user may read) to the incident."""
	doc = _incident_for_write(incident)
	try:
		start = getdate(created_from) if created_from else None
		end = getdate(created_to) if created_to else None
	except Exception:
		frappe.throw(_("Created between: not a valid date."))
	if start and end and start > end:
		frappe.throw(_("Created between: the first date must not be after the second."))
	if doc.estate:
		if estate and estate != doc.estate:
			frappe.throw(_("This incident concerns estate {0} only.").format(doc.estate))
		estate = doc.estate
	found = matching_residents(estate, building, unit, tag, start, end, cint(include_former))
	have = {row.resident for row in doc.residents}
	new = [(name, place) for name, place in found.items() if name not in have]
	if len(have) + len(new) > MAX_RESIDENTS:
		frappe.throw(_("More than {0} residents: narrow the filters.").format(MAX_RESIDENTS))
	for name, place in new:
		doc.append("residents", {"resident": name, "unit": place, "notice_status": rules.PENDING})
	if new:
		doc.save()
	return {"added": len(new), "matched": len(found), "total": len(doc.residents)}


def matching_residents(
	estate, building, unit, tag, start, end, include_former: bool
) -> dict[str, str | None]:
	"""{resident file: one of their units} for the filters, by the user's own permissions."""
	unit_filters = {k: v for k, v in (("estate", estate), ("building", building), ("name", unit)) if v}
	place_of: dict[str, str] = {}
	if unit_filters:
		units = frappe.get_list("Property Unit", filters=unit_filters, pluck="name", limit_page_length=0)
		if not units:
			return {}
		occupant = frappe.qb.DocType("Property Unit Occupant")
		query = (
			frappe.qb.from_(occupant)
			.select(occupant.resident, occupant.parent)
			.where((occupant.parenttype == "Property Unit") & occupant.parent.isin(units))
			.orderby(occupant.move_in)
		)
		if not include_former:
			query = query.where(occupant.move_out.isnull() | (occupant.move_out >= getdate()))
		for resident, place in query.run():
			if resident:
				place_of[resident] = place
		if not place_of:
			return {}
	filters = []
	if place_of:
		filters.append(["Property Owner", "name", "in", list(place_of)])
	if tag:
		filters.append(["Property Owner Tag", "tag", "=", tag])
	if start:
		filters.append(["Property Owner", "creation", ">=", start])
	if end:
		filters.append(["Property Owner", "creation", "<", frappe.utils.add_days(end, 1)])
	names = frappe.get_list(
		"Property Owner", filters=filters, pluck="name", distinct=True, limit_page_length=MAX_RESIDENTS + 1
	)
	if not unit_filters and names:
		# each file's unit, among the units the user may list
		occupant = frappe.qb.DocType("Property Unit Occupant")
		rows = (
			frappe.qb.from_(occupant)
			.select(occupant.resident, occupant.parent)
			.where((occupant.parenttype == "Property Unit") & occupant.resident.isin(names))
			.orderby(occupant.move_in)
			.run()
		)
		allowed = set(
			frappe.get_list(
				"Property Unit", filters={"name": ("in", list({p for _r, p in rows}))}, pluck="name",
				limit_page_length=0,
			)
		) if rows else set()  # fmt: skip
		place_of = {resident: place for resident, place in rows if place in allowed}
	return {name: place_of.get(name) for name in names}


# ------------------------------------------------------------------ notices
@frappe.whitelist(methods=["POST"])
def send_notices(incident: str | None = None) -> dict:
	"""Send the notice to every resident still pending; in the background when there are many."""
	doc = _incident_for_write(incident)
	if not (doc.notice_summary or "").strip():
		frappe.throw(_("Write the summary for residents first: it is what the notice tells them."))
	pending = rules.to_send([rules.Row(r.resident, r.notice_status) for r in doc.residents])
	if not pending:
		return {"sent": 0, "pending": 0, "queued": False}
	if len(pending) > INLINE_LIMIT:
		frappe.enqueue(
			"property_crm.property_privacy.incidents.run_notices",
			queue="long",
			timeout=3600,
			job_id=f"data_incident_notices::{doc.name}",
			deduplicate=True,
			incident=doc.name,
			commit_each=True,
		)
		return {"sent": 0, "pending": len(pending), "queued": True}
	return run_notices(doc.name) | {"queued": False}


def run_notices(incident: str, commit_each: bool = False) -> dict:
	"""Notify each pending resident of the incident (the caller has checked the user may write it)."""
	doc = frappe.get_doc(INCIDENT, incident)
	rows = [row for row in doc.residents if row.notice_status == rules.PENDING]
	context = _context(doc)
	counts = {rules.SENT: 0, rules.CALL_TASK: 0, rules.UNREACHABLE: 0}
	for index, row in enumerate(rows, 1):
		# the row again, locked: a second run at the same time skips what this one sends
		status = frappe.db.get_value(ROW, row.name, "notice_status", for_update=True)
		if status != rules.PENDING:
			continue
		outcome = notify(doc, row, context)
		counts[outcome["notice_status"]] += 1
		frappe.db.set_value(ROW, row.name, outcome, update_modified=False)
		if commit_each:
			frappe.db.commit()
			frappe.publish_progress(
				index * 100 / len(rows), title=_("Sending notices"), doctype=INCIDENT, docname=doc.name
			)
	doc.reload()
	doc.flags.notice_run = True
	doc.flags.ignore_permissions = True  # Safe: the caller may write the incident; this saves the counts
	doc.save()
	doc.add_comment(
		"Info",
		_("Notices: {0} sent, {1} call tasks, {2} without a way to reach.").format(
			counts[rules.SENT], counts[rules.CALL_TASK], counts[rules.UNREACHABLE]
		),
	)
	if commit_each:
		frappe.db.commit()
	doc.notify_update()
	return {
		"sent": counts[rules.SENT],
		"tasks": counts[rules.CALL_TASK],
		"unreachable": counts[rules.UNREACHABLE],
	}


def _context(doc) -> dict:
	company = None
	if doc.estate:
		company = frappe.db.get_value("Property Estate", doc.estate, "company")
	company = company or frappe.defaults.get_global_default("company") or ""
	return {
		"incident": doc.name,
		"summary": (doc.notice_summary or "").strip(),
		"found_on": doc.found_on,
		"company": company,
		"data": {
			"zh": [zh for field, _label, zh, _en in DATA_LABELS if doc.get(field)],
			"en": [en for field, _label, _zh, en in DATA_LABELS if doc.get(field)],
		},
		"other": (doc.data_other or "").strip(),
	}


def notice_text(person, context: dict) -> tuple[str, str]:
	"""(subject, text) of the notice in the resident's language."""
	lang = rules.notice_language(person.language)
	data = context["data"][lang] + ([context["other"]] if context["other"] else [])
	text = frappe.render_template(
		f"property_privacy/templates/notices/data_incident_{lang}.html",
		{
			"name": person.full_name,
			"incident": context["incident"],
			"found_on": format_datetime(context["found_on"], "yyyy-MM-dd HH:mm"),
			"data": ("、" if lang == "zh" else ", ").join(data),
			"summary": context["summary"],
			"company": context["company"],
		},
	).strip()
	subject = (
		f"数据安全事件告知 {context['incident']}"
		if lang == "zh"
		else f"Notice of a data security incident {context['incident']}"
	)
	return subject, text


def _plain_mobile(person) -> str | None:
	"""The full mobile (a protected field's column holds the masked one once `protected_fields` is there)."""
	try:
		from property_crm.protected_fields import plain_value
	except ImportError:
		return person.mobile
	return plain_value(frappe.get_doc("Property Owner", person.name), "mobile") or None


def notify(doc, row, context: dict) -> dict:
	"""One resident's notice by their channel; returns the row's new notice fields."""
	person = frappe.db.get_value(
		"Property Owner", row.resident,
		["name", "full_name", "preferred_channel", "email", "mobile", "user", "language"], as_dict=True,
	)  # fmt: skip
	if not person:
		return {"notice_status": rules.UNREACHABLE, "channel": None, "notified_on": now_datetime()}
	mobile = _plain_mobile(person)
	# a notice the law requires is no marketing: consent is not asked, the channel rule is the same
	# e-mail only when Frappe has an outgoing account, as SMS only with a gateway: else the fallback (a call)
	email = person.email if person.email and outgoing_email_ready() else None
	choice = greeting_for(True, person.preferred_channel, mobile, email, person.user, sms_ready())
	subject, text = notice_text(person, context)
	outcome = {
		"notice_status": rules.OUTCOME[choice.action],
		"channel": choice.channel,
		"notified_on": now_datetime(),
	}
	if choice.action == "skip":
		return outcome
	medium, status = "Phone", "Open"
	if choice.action == "send" and choice.channel == "Email":
		from frappe.core.doctype.communication.email import make

		result = make(
			doctype=INCIDENT,
			name=doc.name,
			subject=subject,
			content=frappe.utils.escape_html(text).replace("\n", "<br>"),
			recipients=person.email,
			send_email=True,
			communication_medium="Email",
		)
		communication = frappe.get_doc("Communication", result["name"])
	else:
		if choice.action == "send" and choice.channel == "SMS":
			from frappe.core.doctype.sms_settings.sms_settings import send_sms

			try:
				send_sms([mobile], text, success_msg=False)
				medium, status = "SMS", "Linked"
			except Exception:  # the gateway refused or is down: staff call instead, the run goes on
				frappe.log_error(f"Data incident notice by SMS failed ({doc.name}, {person.name})")
				outcome |= {"notice_status": rules.CALL_TASK, "channel": "Phone"}
				_call_task(doc, person, row, subject, text)
		elif choice.action == "send" and choice.channel == "Portal":
			frappe.get_doc(
				{
					"doctype": "Notification Log",
					"for_user": person.user,
					"type": "Alert",
					"subject": subject,
					"email_content": text,
				}
			).insert(ignore_permissions=True)  # Safe: a notice to the resident's own login
			medium, status = "Other", "Linked"
		else:
			_call_task(doc, person, row, subject, text)
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": medium,
				"sent_or_received": "Sent",
				"subject": subject,
				"content": text,
				"status": status,
				"phone_no": person.mobile,  # the column's value: masked once the field is protected
				"reference_doctype": INCIDENT,
				"reference_name": doc.name,
			}
		)
		communication.insert(ignore_permissions=True)  # Safe: the record of a notice the system sent
	communication.add_link("Property Owner", person.name)
	communication.flags.ignore_permissions = True  # Safe: timeline link of the notice just made
	communication.save()
	return outcome | {"communication": communication.name}


def _call_task(doc, person, row, subject: str, text: str) -> None:
	"""A ToDo to deliver the notice by phone: for the unit's estate manager, else whoever sends the notices."""
	estate = frappe.db.get_value("Property Unit", row.unit, "estate") if row.unit else doc.estate
	manager = frappe.db.get_value("Property Estate", estate, "manager") if estate else None
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": manager or frappe.session.user,
			"description": _("Call {0} ({1}) about data incident {2}: {3}").format(
				person.full_name, person.mobile or "", doc.name, subject
			)
			+ "\n\n"
			+ text,
			"reference_type": INCIDENT,
			"reference_name": doc.name,
			"priority": "High",
		}
	).insert(ignore_permissions=True)  # Safe: a task for staff, about a notice the system made
