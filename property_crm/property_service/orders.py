"""What happens around a Service Order: return visits, charging, rating, auto-closing, escalation."""

from datetime import timedelta

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import add_days, get_datetime, get_url_to_form, now_datetime, nowdate

from property_crm.permissions import allowed_estates, assignees
from property_crm.property_households.accounts import ensure_customer
from property_crm.property_service.rules.service import (
	FULFILLED_STATES,
	due_for_auto_close,
	escalation_level,
	needs_return_visit,
)

DOCTYPE = "Service Order"


def settings():
	return frappe.get_cached_doc("Property CRM Settings")


# ------------------------------------------------------------------ status changes
def on_status_change(order) -> None:
	if order.status == "Completed":
		policy = frappe.db.get_value("Service Category", order.service_category, "return_visit_policy")
		if needs_return_visit(policy or "Never", bool(order.rating)):
			make_return_visit(order)


def make_return_visit(order) -> str | None:
	if frappe.db.exists(
		"Return Visit", {"reference_doctype": DOCTYPE, "reference_name": order.name, "status": "Open"}
	):
		return None
	visit = frappe.get_doc(
		{
			"doctype": "Return Visit",
			"reference_doctype": DOCTYPE,
			"reference_name": order.name,
			"due_date": add_days(nowdate(), settings().return_visit_days or 3),
			"visitor": pick_visitor(order),
		}
	)
	# Safe: created by the system when an order completes; the technician completing it may not create visits.
	visit.insert(ignore_permissions=True)
	return visit.name


def pick_visitor(order) -> str | None:
	"""A customer-service user of the order's estate with the fewest open visits — never its technician."""
	return least_loaded_visitor(order.estate, exclude=set(assignees(order.name)), doctype=DOCTYPE)


def least_loaded_visitor(
	estate: str | None, exclude: set[str], role: str = "Property Customer Service", doctype: str = DOCTYPE
) -> str | None:
	"""An enabled user with `role` who may work in `estate`, not in `exclude`, with the fewest open return
	visits (orders and complaints share this)."""
	candidates = frappe.get_all(
		"Has Role",
		filters={"role": role, "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	enabled = set(
		frappe.get_all("User", filters={"name": ("in", candidates or [""]), "enabled": 1}, pluck="name")
	)
	allowed = [
		user
		for user in sorted(enabled - set(exclude) - {"Administrator"})
		if (estates := allowed_estates(user, doctype)) is None or estate in estates
	]
	if not allowed:
		return None
	load = {
		row.visitor: row.count
		for row in frappe.get_all(
			"Return Visit",
			filters={"status": "Open", "visitor": ("in", allowed)},
			fields=["visitor", "count(name) as count"],
			group_by="visitor",
		)
	}
	return min(allowed, key=lambda user: (load.get(user, 0), user))


def on_return_visit_outcome(visit) -> None:
	"""An unsatisfied resident reopens the order: the loop closes by itself."""
	if visit.reference_doctype != DOCTYPE or visit.outcome != "Unsatisfied":
		return
	if visit.on_unsatisfied != "Reopen the order":
		return
	order = frappe.get_doc(DOCTYPE, visit.reference_name)
	if order.status in ("Completed", "Closed"):
		apply_workflow(order, "Reopen")
		order.reload()
		order.add_comment(
			"Info", _("Reopened after return visit {0}: {1}").format(visit.name, visit.notes or "")
		)


# ------------------------------------------------------------------ rating
@frappe.whitelist(methods=["POST"])
def rate(order: str, rating: int, reasons: str | None = None, comment: str | None = None) -> None:
	"""Staff record the resident's rating on their behalf (the portal has its own method)."""
	doc = frappe.get_doc(DOCTYPE, order)
	doc.check_permission("write")
	apply_rating(doc, rating, reasons, comment)


def apply_rating(doc, rating: int, reasons: str | None = None, comment: str | None = None) -> None:
	if doc.status not in ("Completed", "Closed"):
		frappe.throw(_("Only completed orders can be rated."), title=_("Not yet"))
	doc.rating = int(rating)
	doc.rating_reasons = reasons
	doc.rating_comment = comment
	doc.rated_on = now_datetime()
	# Safe: callers checked the user (staff with write permission, or the resident of the unit).
	doc.flags.ignore_permissions = True
	doc.save()
	close_unneeded_visits(doc)


def close_unneeded_visits(order) -> None:
	policy = frappe.db.get_value("Service Category", order.service_category, "return_visit_policy")
	if policy == "Only if unrated" and order.rating:
		for name in frappe.get_all(
			"Return Visit",
			filters={"reference_doctype": DOCTYPE, "reference_name": order.name, "status": "Open"},
			pluck="name",
		):
			frappe.db.set_value("Return Visit", name, "status", "Not Needed")


# ------------------------------------------------------------------ charging
@frappe.whitelist(methods=["POST"])
def make_sales_invoice(order: str) -> str:
	"""A draft Sales Invoice to the requester's Customer for the chargeable materials, linked both ways."""
	doc = frappe.get_doc(DOCTYPE, order)
	doc.check_permission("write")
	if doc.sales_invoice and frappe.db.exists("Sales Invoice", doc.sales_invoice):
		return doc.sales_invoice
	lines = [row for row in doc.materials if row.chargeable and row.amount]
	if not lines:
		frappe.throw(_("Materials: there is nothing chargeable to invoice."), title=_("Nothing to invoice"))
	if not doc.requester:
		frappe.throw(_("Requester: choose who pays for this order."), title=_("Please correct this value"))
	customer = ensure_customer(frappe.get_doc("Property Owner", doc.requester))
	company = frappe.db.get_value("Property Estate", doc.estate, "company")
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company,
			"posting_date": nowdate(),
			"due_date": add_days(nowdate(), 15),
			"service_order": doc.name,
			# the order's estate, and its unit on every line (billing.set_invoice_unit puts unit and building on
			# the invoice): estate isolation and the unit's arrears read them as on fee invoices
			"property_estate": doc.estate,
			"remarks": _("Service order {0}: {1}").format(doc.name, doc.subject),
			"items": [
				{
					"item_code": row.item,
					"qty": row.qty,
					"rate": row.rate,
					"description": row.item_name or row.item,
					"property_unit": doc.unit,
				}
				for row in lines
			],
		}
	)
	invoice.set_missing_values()
	# Safe: staff with write permission on the order; accountants review and submit the draft.
	invoice.insert(ignore_permissions=True)
	doc.db_set("sales_invoice", invoice.name)
	return invoice.name


# ------------------------------------------------------------------ scheduled jobs
def auto_close_unrated() -> None:
	days = settings().auto_close_days or 0
	now = now_datetime()
	for row in frappe.get_all(
		DOCTYPE,
		filters={
			"status": "Completed",
			"rating": ("in", (0, None)),
			"completed_on": ("<=", now - timedelta(days=days)),
		},
		fields=["name", "completed_on", "rating"],
	):
		if due_for_auto_close(get_datetime(row.completed_on), bool(row.rating), days, now):
			order = frappe.get_doc(DOCTYPE, row.name)
			apply_workflow(order, "Close")
			order.add_comment(
				"Info", _("Closed automatically: completed {0} days ago and not rated.").format(days)
			)


def escalate_overdue(
	doctype: str = DOCTYPE,
	due_field: str = "sla_resolution_by",
	level_field: str = "escalation_level",
	filters: dict | None = None,
	what: str | None = None,
	on_level=None,
	fulfilled: tuple[str, ...] = FULFILLED_STATES,
) -> list[tuple[str, int]]:
	"""The escalation ladder: notify the estate's manager at the warning level and again when overdue.

		Works for any doctype with estate, status, a level field and a due-time field (complaints use it twice:
		for their SLA and for the hotline's reply deadline). `filters` narrow the records further, `what` names
		the deadline in the message, `on_level(name, level)` runs after a record reaches a new level, and
	`fulfilled` are the states that stop the clock.
		Returns the (name, level) pairs raised."""
	conf = settings()
	now = now_datetime()
	meta = frappe.get_meta(doctype)
	if not meta.has_field(due_field):
		return []
	raised = []
	for row in frappe.get_all(
		doctype,
		filters={
			"status": ("not in", fulfilled),
			due_field: ("is", "set"),
			level_field: ("<", 2),
		}
		| (filters or {}),
		fields=["name", "creation", due_field, level_field, "estate"],
	):
		level = escalation_level(
			now,
			get_datetime(row.creation),
			get_datetime(row.get(due_field)),
			conf.escalate_at_percent or 80,
			timedelta(hours=conf.second_escalation_hours or 4),
		)
		if level > (row.get(level_field) or 0):
			frappe.db.set_value(doctype, row.name, level_field, level, update_modified=False)
			notify_manager(doctype, row, level, what)
			raised.append((row.name, level))
			if on_level:
				on_level(row.name, level)
	return raised


def notify_manager(doctype: str, row, level: int, what: str | None = None) -> None:
	manager = frappe.db.get_value("Property Estate", row.estate, "manager")
	if what:
		message = _("Escalation level {0}: {1} {2} is close to or past its {3}.").format(
			level, _(doctype), row.name, what
		)
	else:
		message = _("Escalation level {0}: {1} {2} is close to or past its resolution time.").format(
			level, _(doctype), row.name
		)
	frappe.get_doc(doctype, row.name).add_comment("Info", message)
	if manager:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": manager,
				"type": "Alert",
				"document_type": doctype,
				"document_name": row.name,
				"subject": message,
				"email_content": f'<a href="{get_url_to_form(doctype, row.name)}">{row.name}</a>',
			}
		).insert(ignore_permissions=True)
