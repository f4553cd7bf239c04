"""Whitelisted methods of the portal's complaints. Each decides the resident from the session; which
complaint a resident reaches is `property_complaints.resident_complaints` (the rule of the pages, too).

An anonymous complaint is written by the system (`anonymous.as_system`): the complaint, its
photo's File (every photo is re-encoded under a generated name: no file name, no EXIF), the feedback — so
that no owner, modifier, version or comment author is the resident's user. `property_complaints.complaints.validate` moves who filed it to the managers-only Complaint Identity."""

from contextlib import nullcontext

import frappe
from frappe import _
from frappe.utils import cint, escape_html

from property_crm import uploads
from property_crm.anonymous import as_system
from property_crm.property_complaints import complaints
from property_crm.property_complaints import resident_complaints as portal_complaints
from property_crm.property_households import resident_portal as portal
from property_crm.rate_limits import limited


def writer(anonymous: bool):
	"""Who writes: the system for an anonymous complaint, the resident's own user otherwise."""
	return as_system() if anonymous else nullcontext()


@frappe.whitelist(methods=["POST"])
@limited("complaint")
def submit_complaint(complaint_category: str, subject: str, description: str | None = None,
	unit: str | None = None, public_area: int = 0, anonymous: int = 0) -> str:  # fmt: skip
	resident = portal.current_resident()
	units = portal.my_units(resident)
	estate = estate_of(units, unit)
	if not frappe.db.exists("Complaint Category", complaint_category or ""):
		frappe.throw(_("Category: choose a complaint category."), title=_("Please correct this value"))
	if not (subject or "").strip():
		frappe.throw(_("Subject: say briefly what you complain about."), title=_("Please correct this value"))
	anonymous = bool(cint(anonymous))
	upload = frappe.request.files.get("photo") if frappe.request and frappe.request.files else None
	picture = uploads.clean_upload(upload) if upload else None  # judged before anything is written
	doc = frappe.get_doc(
		{
			"doctype": "Complaint",
			"subject": subject.strip()[:140],
			"complaint_category": complaint_category,
			"channel": "Portal",
			"estate": estate,
			"unit": None if cint(public_area) or not unit else unit,
			"complainant": resident,
			"description": escape_html(description or ""),
			"is_anonymous": int(anonymous),
		}
	)
	with writer(anonymous):
		# Safe: the resident lives in `unit` (checked above) and sets only what a complainant says.
		doc.insert(ignore_permissions=True)
		if picture:
			# Safe: a clean picture (no file name, no EXIF), private, attached to the complaint just filed.
			uploads.attach_picture(doc, "photo", picture)
	return doc.name


def estate_of(units: list[dict], unit: str | None) -> str:
	"""The estate the complaint is about: the chosen unit's (one they live in today), or their only one."""
	if unit:
		for row in units:
			if row.name == unit:
				return row.estate
		raise frappe.PermissionError(_("You can only file complaints about your own home or its estate."))
	estates = {row.estate for row in units}
	if len(estates) != 1:
		frappe.throw(
			_("Unit: choose your unit (a public area complaint is about that unit's estate)."),
			title=_("Please correct this value"),
		)
	return estates.pop()


@frappe.whitelist(methods=["POST"])
@limited("portal_action")
def complaint_feedback(name: str, feedback: str, comment: str | None = None) -> str:
	"""The complainant's answer to a resolved complaint: satisfied closes it, not satisfied reopens it."""
	resident = portal.current_resident()
	doc = portal_complaints.complaint_of_resident(name, resident, portal.reach_of(resident))
	if not doc.flags.mine:
		raise frappe.PermissionError(_("Only the person who filed a complaint gives feedback on it."))
	with writer(doc.is_anonymous):
		return complaints.apply_feedback(doc, feedback, escape_html(comment or ""), by_complainant=True)


@frappe.whitelist()
def photo(name: str) -> None:
	"""The complaint's private photo, for a resident who sees the complaint (or staff who may read it)."""
	resident = portal.current_resident(required=False)
	if resident:
		doc = portal_complaints.complaint_of_resident(name, resident, portal.reach_of(resident))
	else:
		doc = frappe.get_doc("Complaint", name)
		doc.check_permission("read")
	if not doc.photo:
		raise frappe.DoesNotExistError
	uploads.serve_picture(doc.photo, "Complaint", doc.name)
