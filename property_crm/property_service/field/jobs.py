"""What the field pages read: the jobs assigned to the current user and one job, through Frappe's
permission checks (need-to-know: a technician sees only the orders assigned to him, estate restrictions),
with a fixed number of queries whatever the volume. The buttons a job offers come from the workflow
itself (`allowed_actions`), so the page never offers what `field.api.act` would refuse."""

import frappe
from frappe import _
from frappe.model.workflow import get_transitions, get_workflow
from frappe.utils import now_datetime
from frappe.utils.html_utils import sanitize_html

from property_crm.masks import mask_mobile
from property_crm.permissions import DISPATCH_ROLES, json_quoted
from property_crm.property_privacy.reveal import reveal_roles
from property_crm.property_service.rules import field as rules

ORDER = "Service Order"
TECHNICIAN = "Property Technician"
FINISHED = ("Completed", "Closed", "Cancelled")
DONE = ("Completed", "Closed")
CONFIRMABLE = ("In Progress", "Awaiting Resident", "Completed")
TABS = ("today", "week", "done")
# a technician's open jobs are tens; the cap keeps a page bounded even for a dispatcher with many
OPEN_LIMIT = 200
DONE_LIMIT = 50
# what the technician presses on the phone, in this order (the desk's other actions stay on the desk)
FIELD_ACTIONS = ("Start", "Resume", "Complete", "Wait for Parts", "Wait for Resident", "Hold")
# a job's completion needs notes: the workflow condition checks them on the saved order, the phone sends
# them with the action, so Complete is offered while the notes are the only thing still missing
NOTES_PROBE = "…"
LIST_FIELDS = (
	"name",
	"subject",
	"status",
	"priority",
	"service_category",
	"unit",
	"building",
	"estate",
	"preferred_time",
	"scheduled_time",
	"response_by",
	"sla_resolution_by",
	"first_responded_on",
	"agreement_status",
	"repeat_of",
	"completed_on",
	"modified",
	"creation",
)


def allowed_actions(doc) -> list[str]:
	"""The workflow actions the current user may press now on `doc` (roles and conditions as the desk's
	action menu evaluates them), field actions only, without duplicates."""
	probe = not doc.get("completion_notes") and doc.get("status") == "In Progress"
	if probe:
		doc.completion_notes = NOTES_PROBE
	try:
		names = {transition.action for transition in get_transitions(doc)}
	finally:
		if probe:
			doc.completion_notes = None
	return [action for action in FIELD_ACTIONS if action in names]


def workflow_steps() -> dict:
	"""For the phone's display while a change waits to be sent: the field actions the current user's roles
	may take in each state, and the state each action leads to (conditions are the server's business)."""
	roles = set(frappe.get_roles())
	actions, targets = {}, {}
	for transition in get_workflow(ORDER).transitions:
		if transition.allowed in roles and transition.action in FIELD_ACTIONS:
			actions.setdefault(transition.state, set()).add(transition.action)
			targets[transition.action] = transition.next_state
	ordered = {state: [a for a in FIELD_ACTIONS if a in names] for state, names in actions.items()}
	return {"actions": ordered, "targets": targets}


ASSIGNED_LIMIT = 2000  # the newest assignments a list looks at (a technician's years of jobs stay out)


def _assigned_filters(user: str) -> list:
	"""The orders assigned to `user`: read from Frappe's assignment table (ToDo, by the `property_crm_assignee`
	index) first, so the list never scans every order's `_assign` text, which no index can serve; the `_assign`
	condition stays as well (it is what the need-to-know rule reads). One query."""
	names = frappe.get_all(
		"ToDo",
		filters={"allocated_to": user, "reference_type": ORDER, "status": ("!=", "Cancelled")},
		pluck="reference_name",
		order_by="creation desc",
		limit_page_length=ASSIGNED_LIMIT,
	)
	literal = json_quoted(user).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
	return [[ORDER, "name", "in", sorted(set(names)) or [""]], [ORDER, "_assign", "like", f"%{literal}%"]]


def my_jobs(tab: str, user: str | None = None) -> list[dict]:
	"""The orders assigned to `user` (default: the current user) for one tab (`rules.field.tab_of`): "today"
	(open, meant for today or earlier, overdue or undated), "week" (the other open ones), "done" (completed
	or closed, newest first). Open ones sorted by urgency and SLA due time. Two queries whatever the volume:
	the orders (permissions applied), their buildings' names."""
	return jobs_and_counts(tab, user)[0]


def jobs_and_counts(tab: str, user: str | None = None) -> tuple[list[dict], dict]:
	"""`my_jobs` and how many open jobs the tabs "today" and "week" have (from the same query when the
	tab is an open one; one more query for "done")."""
	user = user or frappe.session.user
	tab = tab if tab in TABS else "today"
	now = now_datetime()
	assigned = _assigned_filters(user)
	open_rows = frappe.get_list(
		ORDER,
		filters=[*assigned, [ORDER, "status", "not in", (*FINISHED, "Draft")]],
		fields=list(LIST_FIELDS),
		order_by="modified desc",
		limit_page_length=OPEN_LIMIT,
		user=user,
	)
	buckets = {"today": [], "week": []}
	for row in open_rows:
		buckets.setdefault(rules.tab_of(row, now), []).append(row)
	counts = {key: len(value) for key, value in buckets.items()}
	if tab == "done":
		rows = frappe.get_list(
			ORDER,
			filters=[*assigned, [ORDER, "status", "in", DONE]],
			fields=list(LIST_FIELDS),
			order_by="completed_on desc, modified desc",
			limit_page_length=DONE_LIMIT,
			user=user,
		)
	else:
		rows = sorted(buckets.get(tab, []), key=lambda row: rules.job_sort_key(row, now))
	buildings = sorted({row.building for row in rows if row.building})
	names = (
		dict(
			frappe.get_all(
				"Property Building",
				filters={"name": ("in", buildings)},
				fields=["name", "building_name"],
				as_list=True,
			)
		)
		if buildings
		else {}
	)
	for row in rows:
		row.building_name = names.get(row.building) or row.building or ""
		row.sla, row.time_left = sla_of(row, now)
	return rows, counts


def sla_of(row, now) -> tuple[str, str]:
	"""("breached" | "due soon" | "ok" | "", the time left in words) of a job row: the deadline that counts
	now (response until responded, then resolution); nothing for a finished job or one without a deadline."""
	due = rules.row_due(row)
	state = rules.sla_state(now, due, fulfilled=rules.is_done(row))
	if not state:
		return state, ""
	template, params = rules.time_left_text(*rules.time_left(now, due))
	return state, _(template).format(*params)


def readable_order(name: str):
	"""The order `name` if the current user may read it, else PageDoesNotExistError (as REST's 404 keeps
	others' orders unknown)."""
	if not isinstance(name, str) or not name or not frappe.db.exists(ORDER, name):
		raise frappe.PageDoesNotExistError
	doc = frappe.get_doc(ORDER, name)
	if not frappe.has_permission(ORDER, "read", doc):
		raise frappe.PageDoesNotExistError
	return doc


def may_call(doc) -> bool:
	"""The rule of `property_privacy.calls.order_contact`: a revealer, or the assigned technician of an
	open order."""
	roles = set(frappe.get_roles())
	if roles & set(reveal_roles("mobile")):
		return True
	assigned = frappe.session.user in frappe.parse_json(doc.get("_assign") or "[]")
	return TECHNICIAN in roles and assigned and doc.status not in FINISHED


def _photos(doc) -> tuple[list[str], list[str]]:
	"""(the resident's pictures, the completion photos taken on site): the order's `photo` and the images
	attached to it — those of `field.api.upload_photo` are attached to the field `completion_photo` (one
	query)."""
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": ORDER, "attached_to_name": doc.name, "is_folder": 0},
		fields=["file_url", "attached_to_field"],
		order_by="creation asc",
		limit_page_length=40,
	)
	images = (".jpg", ".jpeg", ".png", ".webp", ".gif")
	resident = [doc.photo] if doc.photo else []
	site = []
	for file in files:
		url = file.file_url or ""
		if url in resident or not url.lower().endswith(images):
			continue
		(site if file.attached_to_field == "completion_photo" else resident).append(url)
	if doc.completion_photo and doc.completion_photo not in site:
		site.insert(0, doc.completion_photo)
	return resident, site


def job(name: str) -> dict:
	"""One job as the phone shows it; PageDoesNotExistError when the user may not read it."""
	from property_crm.property_service.field import api

	doc = readable_order(name)
	now = now_datetime()
	row = frappe._dict({field: doc.get(field) for field in LIST_FIELDS})
	sla, time_left = sla_of(row, now)
	resident_photos, site_photos = _photos(doc)
	confirmed = bool(doc.get("confirmed_on"))
	assigned = frappe.session.user in frappe.parse_json(doc.get("_assign") or "[]")
	dispatcher = bool(set(frappe.get_roles()) & DISPATCH_ROLES)
	building_name = (
		frappe.db.get_value("Property Building", doc.building, "building_name") if doc.building else ""
	)
	return {
		"doc": doc,
		"building_name": building_name or doc.building or "",
		"description_html": sanitize_html(doc.description or ""),
		"resident_photos": resident_photos,
		"site_photos": site_photos,
		"history": api.unit_history_of(doc),
		"actions": allowed_actions(doc),
		"sla": sla,
		"time_left": time_left,
		"may_call": may_call(doc),
		"mobile": mask_mobile(doc.contact_mobile) if doc.contact_mobile else "",
		"open": doc.status not in FINISHED,
		"confirmed": confirmed,
		# the resident confirms on the spot: while the job is being done or just completed
		"may_confirm": not confirmed and doc.status in CONFIRMABLE and (assigned or dispatcher),
		"materials": [
			{"item": m.item, "item_name": m.item_name, "qty": m.qty, "rate": m.rate} for m in doc.materials
		],
	}
