"""Complaints by WeChat (hook `wechat_message_handlers`, before the service requests' handler).

A bound resident's text (or voice) starting with "投诉" files a complaint: channel WeChat, the resident the
complainant, their unit and estate when they live in exactly one, the category "Other Complaints" (or the
first one for customer service) for the handler to correct. The reply gives its number. A complaint is never
anonymous by WeChat: the openid ties it to the file (anonymous complaints stay on the portal's form).
"""

import frappe
from frappe import _
from frappe.utils import escape_html

from property_crm.property_households.resident_portal import my_units

CHANNEL = "WeChat"
KEYWORD = "投诉"
DEFAULT_CATEGORY = "Other Complaints"
SUBJECT_LENGTH = 60


def handle(message: dict, resident: str | None) -> str | None:
	if not resident:
		return None
	kind = message.get("MsgType")
	text = message.get("Content") if kind == "text" else message.get("Recognition") if kind == "voice" else ""
	text = (text or "").strip()
	if not text.startswith(KEYWORD):
		return None
	said = text[len(KEYWORD) :].lstrip(" ：:，,。")
	if not said:
		return _("Please tell us what you complain about, e.g. 投诉 noise at night from the unit upstairs.")
	name = file_complaint(said, resident)
	return _("Your complaint has been received, number {0}. We will contact you shortly.").format(name)


def file_complaint(text: str, resident: str) -> str:
	units = my_units(resident)
	estates = {row.estate for row in units}
	line = " ".join(text.split())
	doc = frappe.get_doc(
		{
			"doctype": "Complaint",
			"subject": line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 1] + "…",
			"complaint_category": default_category(),
			"channel": CHANNEL,
			"estate": estates.pop() if len(estates) == 1 else None,
			"unit": units[0].name if len(units) == 1 else None,
			"complainant": resident,
			"description": "<p>" + escape_html(text).replace("\n", "<br>") + "</p>",
		}
	)
	# Safe: the complainant is the openid's bound file (they logged in to bind it), the unit one they live in.
	doc.insert(ignore_permissions=True)
	return doc.name


def default_category() -> str | None:
	if frappe.db.exists("Complaint Category", DEFAULT_CATEGORY):
		return DEFAULT_CATEGORY
	rows = frappe.get_all(
		"Complaint Category",
		filters={"department": "Customer Service"},
		pluck="name",
		order_by="name",
		limit=1,
	) or frappe.get_all("Complaint Category", pluck="name", order_by="name", limit=1)
	return rows[0] if rows else None
