"""Dispatch through Frappe's Assignment Rules: one rule per service category's technician pool."""

import frappe
from frappe import _
from frappe.desk.form.assign_to import add as assign_to
from frappe.desk.form.assign_to import remove as unassign

from property_crm.permissions import assignees

DOCTYPE = "Service Order"
DISPATCHERS = {"Property Customer Service", "Property Manager", "System Manager"}


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
	"""A dispatcher moves an order to another technician, with the reason in the timeline."""
	doc = frappe.get_doc(DOCTYPE, order)
	doc.check_permission("write")
	if not DISPATCHERS & set(frappe.get_roles()):
		frappe.throw(_("Only dispatchers can reassign orders."), frappe.PermissionError)
	if not (reason or "").strip():
		frappe.throw(_("Reason: say why the order is reassigned."), title=_("Please correct this value"))
	if not frappe.db.exists("Has Role", {"parent": user, "role": "Property Technician"}):
		frappe.throw(_("{0} is not a technician.").format(user), title=_("Please correct this value"))
	for current in assignees(order):
		unassign(DOCTYPE, order, current, ignore_permissions=True)
	assign_to({"assign_to": [user], "doctype": DOCTYPE, "name": order, "description": doc.subject})
	doc.add_comment("Info", _("Reassigned to {0}: {1}").format(user, reason))
	return assignees(order)
