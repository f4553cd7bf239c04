"""The dispatcher's board (`/field/board`): today's open orders by technician, with each one's load and SLA
risk, and drag-to-reassign through `dispatch.reassign` (Frappe assignment, the reason in the timeline).

Who: Property Manager, Property Customer Service (and System Manager). What they see is what lists and REST
give them: the orders come from `frappe.get_list` (their User Permissions on Property Estate, the project's
query conditions); the columns are the field staff (role Property Technician) who work in their estates — a
technician without an estate restriction works everywhere (the demo's), one restricted by User Permission
only in those estates — plus whoever an order they see is assigned to.

Fixed number of queries whatever the volume: the orders of the board, the open orders' load grouped by
assignment, the field staff, their estates and their category pools."""

from datetime import datetime, timedelta
from functools import cache
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime

from property_crm.permissions import allowed_estates
from property_crm.property_service.dispatch import DISPATCHERS
from property_crm.property_service.rules import field as rules
from property_crm.property_service.rules.service import PAUSED_STATES

DOCTYPE = "Service Order"
TECHNICIAN = "Property Technician"
# the states of an order somebody still has to work on (a Draft is not accepted yet: not the field's)
OPEN = ("Accepted", "Dispatched", "In Progress", "On Hold", "Awaiting Parts", "Awaiting Resident", "Reopened")
AMBER = rules.DUE_SOON  # due within this: at risk
LIMIT = 500  # cards on one board; more are counted, not drawn
UNASSIGNED = ""
PRIORITY_RANK = {"Urgent": 0, "High": 1, "Medium": 2, "Low": 3}
CARD_FIELDS = (
	"name", "subject", "status", "priority", "unit", "building", "estate", "service_category",
	"preferred_time", "scheduled_time", "response_by", "first_responded_on", "sla_resolution_by",
	"agreement_status", "repeat_of", "_assign",
)  # fmt: skip


def require_dispatcher() -> None:
	"""A guest logs in first; anyone else without a dispatcher role gets the 403 page."""
	if frappe.session.user == "Guest":
		frappe.local.flags.redirect_location = "/login?redirect-to=" + quote("/field/board", safe="/")
		raise frappe.Redirect
	if not DISPATCHERS & set(frappe.get_roles()):
		frappe.throw(_("Only dispatchers can open the dispatch board."), frappe.PermissionError)


def board():
	from property_crm.property_service.field.pages import _common  # the field pages' shell context

	require_dispatcher()
	return "field_board.html", _common(set(frappe.get_roles())) | board_data() | {
		"title": _("Dispatch Board"),
		"tr": cache(_),  # states, priorities and categories: each distinct one translated once per page
	}


def board_data(now: datetime | None = None) -> dict:
	"""Columns (unassigned first, then each technician: those with work today first) with their cards, load
	and SLA risk."""
	now = now or now_datetime()
	orders = _orders(now)
	load = _load()
	people = _field_staff({user for order in orders for user in order.assignees})
	columns = {UNASSIGNED: _column(UNASSIGNED, _("Unassigned"), [], False)}
	for user in people:
		columns[user["user"]] = _column(user["user"], user["full_name"], user["trades"], user["technician"])
	for order in orders:
		card = _card(order, now)
		owner = next((user for user in order.assignees if user in columns), UNASSIGNED)
		columns[owner]["cards"].append(card)
	for key, column in columns.items():
		column["cards"].sort(key=_urgency)
		counts = load.get(key, {})
		column["open"] = counts.get("open", 0)
		column["in_progress"] = counts.get("in_progress", 0)
		column["breached"] = sum(card["sla"] == "breached" for card in column["cards"])
		column["at_risk"] = sum(card["sla"] == "at_risk" for card in column["cards"])
	# unassigned first, then who has work today, then who is free (the drop targets), each by name
	ordered = [
		columns.pop(UNASSIGNED),
		*sorted(columns.values(), key=lambda c: (not c["cards"], c["full_name"], c["user"])),
	]
	return {
		"columns": ordered,
		# who an order may go to (an assignee without the role keeps a column, but is no target)
		"technicians": [{"user": c["user"], "full_name": c["full_name"]} for c in ordered if c["technician"]],
		"total": len(orders),
		"truncated": len(orders) >= LIMIT,
		"today": getdate(now),
	}


def _column(user: str, full_name: str, trades: list[str], technician: bool) -> dict:
	return {"user": user, "full_name": full_name, "trades": trades, "technician": technician, "cards": []}


DEADLINE_FLOOR = datetime(2000, 1, 1)


def _orders(now: datetime) -> list:
	"""Open orders planned for today, due today (or within the amber window), overdue, or unassigned. Two
	queries: the response deadline counts only while there is no first response (an AND inside the OR)."""
	start = datetime.combine(getdate(now), datetime.min.time())
	end = max(start + timedelta(days=1), now + AMBER)
	listed = {
		"fields": list(CARD_FIELDS),
		"order_by": "creation asc",
		"limit_page_length": LIMIT,
	}
	rows = frappe.get_list(
		DOCTYPE,
		filters=[["status", "in", OPEN]],
		or_filters=[
			["scheduled_time", "between", [start, end]],
			["preferred_time", "between", [start, end]],
			# an order without a deadline is not "due" (Frappe reads a missing datetime as 0001-01-01)
			["sla_resolution_by", "between", [DEADLINE_FLOOR, end]],
			["_assign", "is", "not set"],
			["_assign", "=", "[]"],
		],
		**listed,
	)
	seen = {row.name for row in rows}
	unanswered = frappe.get_list(
		DOCTYPE,
		filters=[
			["status", "in", OPEN],
			["response_by", "between", [DEADLINE_FLOOR, end]],
			["first_responded_on", "is", "not set"],
		],
		**listed,
	)
	rows += [row for row in unanswered if row.name not in seen][: max(0, LIMIT - len(rows))]
	for row in rows:
		row.assignees = frappe.parse_json(row._assign or "[]") or []
	return rows


def _load() -> dict:
	"""Per assignee: open orders and those in progress, among the orders this user may read (one grouped
	query; the groups are distinct assignment lists × states, not orders)."""
	rows = frappe.get_list(
		DOCTYPE,
		fields=["_assign", "status", "count(name) as n"],
		filters=[["status", "in", OPEN]],
		group_by="_assign, status",
		order_by="status asc",
		limit_page_length=0,
	)
	load: dict[str, dict] = {}
	for row in rows:
		for user in frappe.parse_json(row._assign or "[]") or [UNASSIGNED]:
			counts = load.setdefault(user, {"open": 0, "in_progress": 0})
			counts["open"] += row.n
			if row.status == "In Progress":
				counts["in_progress"] += row.n
	return load


def _field_staff(assignees: set[str]) -> list[dict]:
	"""Enabled technicians who work in the current user's estates, and the assignees of the visible orders.
	Three queries: users, their estate restrictions, their category pools."""
	user, role, permission = (
		frappe.qb.DocType("User"),
		frappe.qb.DocType("Has Role"),
		frappe.qb.DocType("User Permission"),
	)
	technicians = (
		frappe.qb.from_(role)
		.select(role.parent)
		.where((role.parenttype == "User") & (role.role == TECHNICIAN))
	)
	condition = user.name.isin(technicians)
	if assignees:
		condition = condition | user.name.isin(sorted(assignees))
	rows = (
		frappe.qb.from_(user)
		.select(user.name, user.full_name, user.name.isin(technicians).as_("technician"))
		.where((user.enabled == 1) & condition)
		.run(as_dict=True)
	)
	names = [row.name for row in rows] or [""]
	restricted: dict[str, set[str]] = {}
	for row in (
		frappe.qb.from_(permission)
		.select(permission.user, permission.for_value, permission.applicable_for)
		.where(
			(permission.allow == "Property Estate")
			& permission.user.isin(names)
			& ((permission.applicable_for.isnull()) | (permission.applicable_for.isin(["", DOCTYPE])))
		)
		.run(as_dict=True)
	):
		restricted.setdefault(row.user, set()).add(row.for_value)
	pool = frappe.qb.DocType("Service Category Technician")
	trades: dict[str, list[str]] = {}
	for row in (
		frappe.qb.from_(pool)
		.select(pool.user, pool.parent)
		.where(pool.user.isin(names) & (pool.parenttype == "Service Category"))
		.orderby(pool.parent)
		.run(as_dict=True)
	):
		trades.setdefault(row.user, []).append(row.parent)
	mine = allowed_estates(frappe.session.user, DOCTYPE)
	staff = []
	for row in rows:
		theirs = restricted.get(row.name)
		works_here = row.technician and (mine is None or theirs is None or bool(theirs & set(mine)))
		if works_here or row.name in assignees:
			staff.append(
				{
					"user": row.name,
					"full_name": row.full_name or row.name,
					"trades": trades.get(row.name, []),
					"technician": bool(row.technician),
				}
			)
	return staff


def _card(order, now: datetime) -> dict:
	sla, due = sla_state(order, now)
	return {
		"name": order.name,
		"subject": order.subject,
		"status": order.status,
		"priority": order.priority,
		"unit": order.unit,
		"building": order.building,
		"estate": order.estate,
		"category": order.service_category,
		"planned": order.scheduled_time or order.preferred_time,
		"repeat": bool(order.repeat_of),
		"sla": sla,
		"due": due,
		"time_left": time_left(due, now) if due else "",
	}


def sla_state(order, now: datetime) -> tuple[str, datetime | None]:
	"""("breached" | "at_risk" | "paused" | "ok" | "none", the deadline that counts now) from ERPNext's SLA
	fields, by the field rules (the phone's list uses the same): the response deadline until someone
	responded, then the resolution deadline; ERPNext's own "Failed" counts as breached."""
	due = rules.row_due(order)
	state = rules.sla_state(now, due)
	if order.agreement_status == "Failed" or state == rules.BREACHED:
		return "breached", due
	if order.status in PAUSED_STATES or order.agreement_status == "Paused":
		return "paused", due
	return {rules.DUE_SOON_STATE: "at_risk", rules.OK: "ok"}.get(state, "none"), due


def time_left(due: datetime, now: datetime) -> str:
	template, numbers = rules.time_left_text(*rules.time_left(now, due))
	return _(template).format(*numbers)


RISK_RANK = {"breached": 0, "at_risk": 1, "ok": 2, "paused": 3, "none": 4}


def _urgency(card: dict) -> tuple:
	return (
		RISK_RANK[card["sla"]],
		card["due"] or datetime.max,
		PRIORITY_RANK.get(card["priority"], 9),
		card["name"],
	)
