"""Service requests by WeChat (hook `wechat_message_handlers`, called by `property_crm.wechat.endpoint`).

A bound resident (the endpoint's core handler answered every unbound sender) writing or speaking to the
Official Account:
- text or voice (WeChat's recognition text) → a draft Service Order, channel WeChat, as e-mail intake makes
  one (`intake`: the unit by `place` when the resident lives in exactly one, the default category of
  Property CRM Settings, a note for customer service of what is left to place), reply "已收到，单号 SO-…".
  Unlike a mail's `From:`, the openid was bound to the file by the resident logging in (`wechat.binding`): the
  file is the requester straight away. Customer service place and accept the draft as an e-mailed one.
- while one of their own orders is open, a further text threads into its timeline (a Communication, medium
  Chat) instead — unless it starts with "报修", which always opens a new request;
- a photo → enqueued (downloading it may take longer than WeChat's 5 s): fetched from WeChat
  (`client.download_media`), judged and re-encoded (`uploads`), attached to their newest open order.
Only the resident's own orders (requester = their file) are reached: a bound openid never touches another's.
"""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import escape_html

from property_crm import uploads
from property_crm.property_households.resident_portal import my_units
from property_crm.property_service import intake
from property_crm.property_service.rules.intake import NO_CURRENT_UNIT, SEVERAL_UNITS, body_as_html, place

CHANNEL = "WeChat"
NEW_REQUEST = "报修"  # a text starting with this always opens a new request
CLOSED = ("Completed", "Closed", "Cancelled")
SUBJECT_LENGTH = 60


def handle(message: dict, resident: str | None) -> str | None:
	"""Texts, voices and photos of a bound resident; None for anything else (the next handler's)."""
	if not resident:
		return None
	kind = message.get("MsgType")
	if kind == "image":
		return photo(message, resident)
	if kind == "voice":
		text = (message.get("Recognition") or "").strip()
		if not text:
			return _("Sorry, we could not make out your voice message. Please type it.")
		return request(text, resident, message)
	if kind == "text":
		return request((message.get("Content") or "").strip(), resident, message)
	return None


def request(text: str, resident: str, message: dict) -> str | None:
	if not text:
		return None
	new = text.startswith(NEW_REQUEST)
	if new:
		text = text[len(NEW_REQUEST) :].lstrip(" ：:，,") or text
	order = None if new else open_order(resident)
	if order:
		thread(order, text, resident)
		return _("Added to your request {0}. To report something else, start your message with 报修.").format(
			order
		)
	name = make_draft(text, resident)
	return _("Received, request number {0}. Customer service will contact you shortly.").format(name)


def open_order(resident: str) -> str | None:
	"""The resident's own newest open order (requester = their file)."""
	rows = frappe.get_all(
		"Service Order",
		filters={"requester": resident, "status": ("not in", CLOSED)},
		pluck="name",
		order_by="creation desc",
		limit=1,
	)
	return rows[0] if rows else None


def make_draft(text: str, resident: str) -> str:
	"""A draft order for customer service to place, as e-mail intake makes one."""
	placement = place({resident: [row.name for row in my_units(resident)]})
	full_name = frappe.db.get_value("Property Owner", resident, "full_name")
	category = intake.default_category()
	order = frappe.get_doc(
		{
			"doctype": "Service Order",
			"subject": subject_of(text),
			"description": body_as_html(text),
			"channel": CHANNEL,
			"status": "Draft",
			"requester": resident,
			"requester_name": full_name,
			"unit": placement.unit,
			"service_category": category,
		}
	)
	with staff_language():
		order.flags.intake_note = note(placement, bool(category))
	# Safe: the resident is the openid's bound file (they logged in to bind it) and `unit` one they live in
	# today; only what a requester says is set. The order is a draft until customer service accept it.
	order.insert(ignore_permissions=True)
	return order.name


@contextmanager
def staff_language():
	"""What customer service read (notes, timeline subjects) in the site's language; the endpoint answers
	the resident in Chinese."""
	before = frappe.local.lang
	frappe.local.lang = frappe.db.get_default("lang") or "en"
	try:
		yield
	finally:
		frappe.local.lang = before


def subject_of(text: str) -> str:
	line = " ".join(text.split())
	return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1] + "…"


def note(placement, has_category: bool) -> str | None:
	"""What customer service still have to do with this WeChat draft, in their words."""
	lines = [_("Sent by WeChat by the bound resident {0}.").format(placement.requester)]
	if placement.reason == NO_CURRENT_UNIT:
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
	return "<br>".join(lines)


def thread(order: str, text: str, resident: str) -> None:
	"""The message in the order's timeline, as a received chat message of the resident."""
	full_name = frappe.db.get_value("Property Owner", resident, "full_name")
	with staff_language():
		subject = _("WeChat message")
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Chat",
			"sent_or_received": "Received",
			"subject": subject,
			"content": body_as_html(text),
			"sender_full_name": full_name,
			"reference_doctype": "Service Order",
			"reference_name": order,
		}
	).insert(ignore_permissions=True)  # Safe: the resident's own open order (open_order)


def photo(message: dict, resident: str) -> str:
	order = open_order(resident)
	if not order:
		return _("Please first describe the problem in a message; then send the photo.")
	frappe.enqueue(
		"property_crm.property_service.wechat.attach_photo",
		queue="short",
		job_id=photo_job_id(message),
		deduplicate=True,
		enqueue_after_commit=True,
		order=order,
		media_id=str(message.get("MediaId") or ""),
	)
	return _("Photo received; it will be added to your request {0}.").format(order)


def photo_job_id(message: dict) -> str:
	return f"wechat-photo-{message.get('MsgId') or message.get('MediaId')}"


def attach_photo(order: str, media_id: str) -> str | None:
	"""Background job: the photo fetched from WeChat, judged and re-encoded, attached to the order (its
	photo when it has none yet, else beside it). A refused picture is noted on the order, nothing kept."""
	from property_crm.wechat import client

	doc = frappe.get_doc("Service Order", order)
	content = client.download_media(media_id)
	try:
		picture = uploads.clean(content)
	except frappe.ValidationError as error:
		doc.add_comment("Info", _("A photo sent by WeChat was refused: {0}").format(escape_html(str(error))))
		return None
	if not doc.photo:
		url = uploads.attach_picture(doc, "photo", picture)
	else:
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"photo.{picture.extension}",  # renamed by PropertyFile
				"content": picture.content,
				"attached_to_doctype": doc.doctype,
				"attached_to_name": doc.name,
				"is_private": 1,
			}
		)
		file.insert(ignore_permissions=True)  # Safe: a clean picture, private, on the resident's own order
		url = file.file_url
	doc.add_comment("Info", _("Photo received by WeChat."))
	return url
