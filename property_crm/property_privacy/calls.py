"""Calling the requester of a service order: the order shows the resident's mobile masked (its contact mobile
is copied from the protected resident file), so the number to dial is given on request, with a reason, and
logged in Frappe's Access Log like every reveal (property_privacy.reveal).

Who may: customer service and managers (REVEAL_ROLES "mobile") on an order they may read, and the technician
assigned to it while it is open — he has to arrange the visit. The browser gets the number only from this
POST; the form never holds it."""

import json

import frappe
from frappe import _
from frappe.core.doctype.access_log.access_log import make_access_log

from property_crm.masks import is_masked
from property_crm.mobile_numbers import full_numbers
from property_crm.property_privacy.reveal import MIN_REASON, reveal_roles
from property_crm.rate_limits import limited

ORDER = "Service Order"
TECHNICIAN = "Property Technician"
FINISHED = ("Completed", "Closed", "Cancelled")


@frappe.whitelist(methods=["POST"])
@limited("reveal")
def order_contact(order: str, reason: str | None = None) -> dict:
	"""The full contact mobile of `order` and its tel: link; 404 unknown order, 403 without the right or the
	need, 417 without a reason or without a number."""
	if not isinstance(order, str) or not order or not frappe.db.exists(ORDER, order):
		raise frappe.DoesNotExistError(_("Service Order {0} not found").format(order))
	doc = frappe.get_doc(ORDER, order)
	if not frappe.has_permission(ORDER, "read", doc):
		frappe.throw(_("You may not read this record."), frappe.PermissionError)
	roles = set(frappe.get_roles())
	assigned = frappe.session.user in json.loads(doc.get("_assign") or "[]")
	if not roles & set(reveal_roles("mobile")) and not (
		TECHNICIAN in roles and assigned and doc.status not in FINISHED
	):
		frappe.throw(
			_(
				"Only customer service, a manager or the technician of this open order may call its requester."
			),
			frappe.PermissionError,
		)
	reason = reason.strip() if isinstance(reason, str) else ""
	if len(reason) < MIN_REASON:
		frappe.throw(
			_("Reason: say why you need the full value (at least {0} characters).").format(MIN_REASON),
			title=_("Reveal"),
		)
	shown = doc.contact_mobile or ""
	number = (full_numbers(doc, [shown]) or [None])[0] if is_masked(shown) else shown
	if not number:
		frappe.throw(_("This order has no contact mobile to call."), title=_("Reveal"))
	make_access_log(
		doctype=ORDER,
		document=order,
		method="Reveal",
		filters=json.dumps(
			{"doctype": ORDER, "name": order, "field": "contact_mobile", "reason": reason[:500]},
			ensure_ascii=False,
		),
	)
	return {"value": number, "tel": f"tel:{number}"}
