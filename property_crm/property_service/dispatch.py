"""Dispatch through Frappe's Assignment Rules: one rule per service category's technician pool."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign_to
from frappe.desk.form.assign_to import remove as unassign
from frappe.model.workflow import apply_workflow, get_transitions
from frappe.utils import escape_html, get_fullname

from property_crm.permissions import allowed_estates, assignees
from property_crm.property_service.rules.service import FULFILLED_STATES

DOCTYPE = "Service Order"
DISPATCHABLE = ("Accepted", "Reopened")  # states whose next step is Dispatch once someone is assigned
DISPATCHERS = {"Property Customer Service", "Property Manager", "System Manager"}
REASON_LENGTH = 500


def sync_category_rule(category) -> str | None:
	"""Accepted orders of the category go to its pool, round robin or by load."""
	users = [row.user for row in category.technicians]
	name = f"Service Order - {category.name}"
	exists = frappe.db.exists("Assignment Rule", name)
	if not users:
		if exists:
			frappe.db.set_value("Assignment Rule", name, "disabled", 1)
		return name if exists else None
	rule = frappe.get_doc("Assignment Rule", name) if exists else frappe.new_doc("Assignment Rule")
	rule.update(
		{
			"name": name,
			"document_type": DOCTYPE,
			"description": _("Service orders of category {0}").format(category.name),
			"priority": 1,
			"disabled": 0,
			"rule": category.assignment_method or "Round Robin",
			"assign_condition": f"service_category == {category.name!r} and status == 'Accepted'",
			"unassign_condition": "status in ('Cancelled',)",
		}
	)
	if rule.is_new():
		rule.__newname = name
	rule.set("users", [{"user": user} for user in users])
	rule.set("assignment_days", [])
	for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
		rule.append("assignment_days", {"day": day})
	# Safe: written when a Property Manager saves the category (only managers may write categories).
	rule.save(ignore_permissions=True)
	return rule.name


@frappe.whitelist(methods=["POST"])
def reassign(order: str, user: str, reason: str) -> list[str]:
	"""A dispatcher moves an open order of an estate she may write to a technician who works there, with the
	reason in the timeline. Nothing is changed unless every check passes (one transaction)."""
	if not DISPATCHERS & set(frappe.get_roles()):
		frappe.throw(_("Only dispatchers can reassign orders."), frappe.PermissionError)
	doc = frappe.get_doc(DOCTYPE, order)
	doc.check_permission("write")
	reason = (reason or "").strip()
	if not reason:
		frappe.throw(_("Reason: say why the order is reassigned."), title=_("Please correct this value"))
	if len(reason) > REASON_LENGTH:
		frappe.throw(
			_("Reason: at most {0} characters.").format(REASON_LENGTH), title=_("Please correct this value")
		)
	if doc.status in FULFILLED_STATES:
		frappe.throw(_("Order {0} is {1}: it cannot be reassigned.").format(doc.name, _(doc.status)))
	if not (
		user
		and frappe.db.get_value("User", user, "enabled")
		and frappe.db.exists(
			"Has Role", {"parent": user, "parenttype": "User", "role": "Property Technician"}
		)
	):
		frappe.throw(
			_("{0} is not a technician.").format(escape_html(user or "")),
			title=_("Please correct this value"),
		)
	estates = allowed_estates(user, DOCTYPE)
	if doc.estate and estates is not None and doc.estate not in estates:
		frappe.throw(
			_("{0} does not work in estate {1}.").format(escape_html(user), doc.estate),
			title=_("Please correct this value"),
		)
	current = assignees(order)
	if current == [user]:
		frappe.throw(_("Order {0} is already assigned to {1}.").format(doc.name, user))
	for previous in current:
		unassign(DOCTYPE, order, previous, ignore_permissions=True)
	assign_to({"assign_to": [user], "doctype": DOCTYPE, "name": order, "description": doc.subject})
	who = f"{get_fullname(user)} ({user})" if get_fullname(user) != user else user
	doc.add_comment("Info", _("Reassigned to {0}: {1}").format(escape_html(who), escape_html(reason)))
	if doc.status in DISPATCHABLE:
		# given to a technician from the board or the form: dispatched at once when the workflow lets this
		# user (its own action, role check and condition), so he can start it without a second trip to the desk
		fresh = frappe.get_doc(DOCTYPE, order)
		if any(transition.action == "Dispatch" for transition in get_transitions(fresh)):
			apply_workflow(fresh, "Dispatch")
	return assignees(order)
