"""Reveal: the full value of one masked mobile or ID number, for one person, with a reason, logged.

The only door that sends a protected value (property_crm/protected_fields.py) to a browser. POST only,
rate-limited, for a user who may read the record (and the field's permission level) AND whose role needs the
full value (REVEAL_ROLES); the reason is required. Each reveal is a row of Frappe's Access Log (method
"Reveal", the record, the field and the reason in its filters).
"""

import json

import frappe
from frappe import _
from frappe.core.doctype.access_log.access_log import make_access_log

from property_crm.protected_fields import PROTECTED, plain_value
from property_crm.rate_limits import limited

# kind of value: the roles whose work needs the full value of one person's
# - mobile: customer service and managers call residents back (a technician has the order's contact phone)
# - ID number: only managers check identity documents (ID documents are already theirs alone, level 1)
# System Manager (IT) is deliberately absent: administering the site needs no resident's number.
REVEAL_ROLES = {
	"mobile": ("Property Manager", "Property Customer Service"),
	"id": ("Property Manager",),
}
MIN_REASON = 4  # characters: "回电核实" is a reason, "x" is not


def reveal_roles(kind: str) -> tuple[str, ...]:
	return REVEAL_ROLES.get(kind, ())


@frappe.whitelist(methods=["POST"])
@limited("reveal")
def reveal(doctype: str, name: str, fieldname: str, reason: str | None = None) -> dict:
	"""The full value of `fieldname` of one record (a resident file, survey invitation, or a family member /
	occupant row), after the checks above; 403 without the need or the right, 417 without a reason."""
	kind = PROTECTED.get(doctype, {}).get(fieldname) if isinstance(doctype, str) else None
	if not kind or not isinstance(name, str) or not name:
		frappe.throw(_("This field has no protected value to reveal."), title=_("Reveal"))
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} not found").format(_(doctype), name), frappe.DoesNotExistError)
	record = frappe.get_doc(doctype, name)
	document = record
	if record.meta.istable:
		if not (record.parenttype and record.parent and frappe.db.exists(record.parenttype, record.parent)):
			frappe.throw(_("{0} {1} not found").format(_(doctype), name), frappe.DoesNotExistError)
		document = frappe.get_doc(record.parenttype, record.parent)
	_check_permission(document, record, fieldname, kind)
	reason = (reason or "").strip() if isinstance(reason, str) else ""
	if len(reason) < MIN_REASON:
		frappe.throw(
			_("Reason: say why you need the full value (at least {0} characters).").format(MIN_REASON),
			title=_("Reveal"),
		)
	value = plain_value(record, fieldname)
	make_access_log(
		doctype=document.doctype,
		document=document.name,
		method="Reveal",
		filters=json.dumps(
			{"doctype": doctype, "name": name, "field": fieldname, "reason": reason[:500]},
			ensure_ascii=False,
		),
	)
	return {"value": value, "label": _(record.meta.get_label(fieldname))}


def _check_permission(document, record, fieldname: str, kind: str) -> None:
	if not frappe.has_permission(document.doctype, "read", document):
		frappe.throw(_("You may not read this record."), frappe.PermissionError)
	# the field's own permission level (ID numbers: 1), or the child table's on the parent
	if record.meta.istable:
		df = document.meta.get_field(record.parentfield)
	else:
		df = document.meta.get_field(fieldname)
	if df and df.permlevel and df.permlevel not in document.get_permlevel_access("read"):
		frappe.throw(_("You may not read this field."), frappe.PermissionError)
	if not set(reveal_roles(kind)) & set(frappe.get_roles()):
		frappe.throw(
			_("Your role has no need of the full value; the masked value is all it shows."),
			frappe.PermissionError,
		)
