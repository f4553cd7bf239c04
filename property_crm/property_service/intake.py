"""E-mail intake: Service Order as an Email Account's "Append To" target, ERPNext's way.

Frappe's incoming-mail path (`frappe.email.receive.InboundMail`) first looks for the order a mail
belongs to (In-Reply-To / References of a mail we sent or received, "#SO-…" in the subject, or the same
subject from the same sender within 60 days). When there is none it makes one: a new Service Order with
only the subject (`subject_field`), the sender's address (`sender_field`: requester_email) and name
(`sender_name_field`: requester_name), inserted as the system with `ignore_mandatory` — Frappe sets no
other flag that says "from a mail". Then it inserts the mail as a Communication linked to that order, so
the mail and every reply are in the order's timeline.

Here: such a new order (a sender's address, no requester, no unit) becomes channel Email, the sender is
looked up among the resident files, and the Communication's body becomes the order's description. A
`From:` header is written by whoever sends the mail, so the file and unit found by the address are only a
suggestion (`suggested_requester`, `suggested_unit`): the order reaches a resident's portal and messages
them only once customer service confirm the requester (`confirm_requester`) or place it themselves, before
accepting it (ServiceOrder.validate_placed)."""

import frappe
from frappe import _
from frappe.utils import strip_html
from frappe.utils.html_utils import sanitize_html

from property_crm.property_households.resident_portal import my_units
from property_crm.property_service.rules.intake import (
	NO_CURRENT_UNIT,
	SEVERAL_FILES,
	SEVERAL_UNITS,
	UNKNOWN_SENDER,
	Placement,
	body_as_html,
	place,
)

CHANNEL = "Email"
# channels whose drafts customer service place later (unit, category): e-mail, and WeChat (property_service.wechat)
PLACED_LATER = (CHANNEL, "WeChat")


def is_emailed(order) -> bool:
	"""A new order as Frappe's `_create_reference_document` makes it from a mail."""
	return bool(order.is_new() and order.requester_email and not order.requester and not order.unit)


def prepare(order) -> None:
	"""before_insert of an e-mailed order: channel and default category; the resident file and unit that
	carry the sender's address only as a suggestion. A `From:` header proves nothing about who sent a mail:
	until customer service confirm the requester (`confirm_requester`) the order has no requester, unit or
	resident's mobile, so it reaches no resident's portal and messages no resident."""
	order.channel = CHANNEL
	sender = order.requester_email.strip()
	files = frappe.get_all("Property Owner", filters={"email": sender}, pluck="name", order_by="name")
	placement = place({name: [row.name for row in my_units(name)] for name in files})
	order.requester = order.unit = None
	order.suggested_requester = placement.requester
	order.suggested_unit = placement.unit
	if not order.service_category:
		order.service_category = default_category()
	order.flags.intake_note = note(sender, placement, bool(order.service_category))


STAFF = ("Property Customer Service", "Property Manager")


@frappe.whitelist(methods=["POST"])
def confirm_requester(order: str) -> dict:
	"""Customer service confirm that the suggested resident wrote an e-mailed request (they called back, the
	mail's content fits): the order becomes theirs (requester, unit, contact) and from then on reaches their
	portal and messages them."""
	frappe.only_for(STAFF)
	if not isinstance(order, str) or not frappe.db.exists("Service Order", order):
		raise frappe.DoesNotExistError(_("Service Order {0} not found").format(order))
	doc = frappe.get_doc("Service Order", order)
	doc.check_permission("write")
	if not doc.suggested_requester:
		frappe.throw(_("This request has no suggested requester to confirm."), title=_("Nothing to confirm"))
	resident = frappe.db.get_value(
		"Property Owner", doc.suggested_requester, ["full_name", "mobile", "email"], as_dict=True
	)
	if not resident:
		frappe.throw(_("The suggested resident file no longer exists."), title=_("Nothing to confirm"))
	doc.requester = doc.suggested_requester
	doc.unit = doc.unit or doc.suggested_unit
	doc.requester_name = resident.full_name
	doc.contact_mobile = doc.contact_mobile or resident.mobile
	doc.requester_email = resident.email or doc.requester_email
	doc.suggested_requester = doc.suggested_unit = None
	doc.flags.requester_confirmed = True
	doc.save()
	doc.add_comment("Info", _("Requester confirmed by {0}.").format(frappe.session.user))
	return {"requester": doc.requester, "unit": doc.unit}


def default_category() -> str | None:
	"""Property CRM Settings' category for e-mailed requests, if it is set and not a group."""
	name = frappe.db.get_single_value("Property CRM Settings", "email_default_category")
	if name and frappe.db.get_value("Service Category", name, "is_group") == 0:
		return name
	return None


def note(sender: str, placement: Placement, has_category: bool) -> str | None:
	"""What customer service still has to do with this e-mailed order, in their words (None: nothing)."""
	lines = []
	if placement.requester:
		lines.append(
			_(
				"The address {0} is on resident file {1}, but a sender's address proves nothing: check with "
				"the resident, then confirm the requester (Confirm Requester)."
			).format(sender, placement.requester)
		)
	if placement.reason == UNKNOWN_SENDER:
		lines.append(
			_(
				"No resident file has the address {0}: place this request in a unit before accepting it."
			).format(sender)
		)
	elif placement.reason == SEVERAL_FILES:
		lines.append(
			_("Several resident files have the address {0} ({1}): choose the requester.").format(
				sender, ", ".join(placement.files)
			)
		)
		if not placement.unit:
			lines.append(_("Place this request in a unit before accepting it."))
	elif placement.reason == NO_CURRENT_UNIT:
		lines.append(
			_(
				"Resident {0} lives in no unit today: place this request in a unit before accepting it."
			).format(placement.requester)
		)
	elif placement.reason == SEVERAL_UNITS:
		lines.append(
			_("Resident {0} lives in several units ({1}): choose the unit before accepting it.").format(
				placement.requester, ", ".join(placement.units)
			)
		)
	if not has_category:
		lines.append(
			_(
				"No default category for e-mailed requests is set in Property CRM Settings: choose the category."
			)
		)
	return "<br>".join(lines) or None


def after_insert(order) -> None:
	if order.flags.intake_note:
		order.add_comment("Info", order.flags.intake_note)


def on_communication(order, communication) -> None:
	"""The mail that opened an e-mailed order becomes its description (sanitised, as Frappe does for the
	Communication). Replies stay in the timeline only; a description typed by staff is never replaced."""
	if order.channel != CHANNEL or communication.sent_or_received != "Received":
		return
	if communication.communication_type != "Communication":
		return
	# InboundMail inserts the Communication first and saves it again with its final content (inline
	# images replaced, sanitised): take that one.
	if communication.flags.in_receive and communication.flags.in_insert:
		return
	if strip_html(order.description or "").strip() or not (communication.content or "").strip():
		return
	order.db_set("description", sanitize_html(body_as_html(communication.content)))
