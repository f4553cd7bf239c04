"""The complaints pages of the resident portal: each returns (template, context). Which complaints a
resident sees is `property_complaints.resident_complaints`; a page shows what the complainant said and the resolution,
never the staff's side (responsible person, root cause, findings, escalation, SLA, compensation)."""

import frappe
from frappe import _
from frappe.utils import cint
from frappe.utils.html_utils import sanitize_html

from property_crm.property_complaints import resident_complaints as portal_complaints
from property_crm.property_households import resident_portal as portal

FEEDBACK = ("Satisfied", "Not Satisfied")


def crumbs(*more):
	return [{"route": "/property", "title": _("My Home")}, *more]


def complaints():
	resident = portal.current_resident()
	reach = portal.reach_of(resident)
	page = max(1, cint(frappe.form_dict.get("page") or 1))
	status = "open" if frappe.form_dict.get("status") == "open" else None
	size = portal_complaints.PAGE_SIZE
	rows = portal_complaints.complaints_of(
		reach, start=(page - 1) * size, page_length=size + 1, status=status
	)
	return "complaints.html", {
		"title": _("My Complaints"),
		"complaints": rows[:size],
		"has_more": len(rows) > size,
		"page": page,
		"status": status,
		"parents": crumbs(),
	}


def new_complaint():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	return "new_complaint.html", {
		"title": _("New Complaint"),
		"units": units,
		"categories": frappe.get_all("Complaint Category", pluck="name", order_by="name asc"),
		"parents": crumbs({"route": "/property/complaints", "title": _("My Complaints")}),
	}


def complaint(name: str):
	resident = portal.current_resident()
	try:
		doc = portal_complaints.complaint_of_resident(name, resident, portal.reach_of(resident))
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	resolved = doc.status in ("Resolved", "Closed")  # a reopened complaint is being handled again
	return "complaint.html", {
		"title": doc.subject,
		# only what the complainant said and what they are told: nothing of the staff's side
		"complaint": {
			"name": doc.name,
			"subject": doc.subject,
			"status": doc.status,
			"category": doc.complaint_category,
			"unit": doc.unit or doc.flags.identity_unit,
			"is_anonymous": doc.is_anonymous,
			"creation": doc.creation,
			"has_photo": bool(doc.photo),
			"resolution": doc.resolution if resolved else None,
			"feedback": doc.feedback,
			"feedback_comment": doc.feedback_comment,
		},
		"just_filed": frappe.form_dict.get("new") == "1" and doc.flags.mine,
		# Text Editor content (desk): sanitised again before it is shown as HTML
		"description_html": sanitize_html(doc.description or ""),
		"history": portal_complaints.status_history(doc.name),
		"can_give_feedback": doc.status == "Resolved" and doc.flags.mine,
		"feedback_choices": FEEDBACK,
		"parents": crumbs({"route": "/property/complaints", "title": _("My Complaints")}),
	}


def home_section(resident: str, units: list, reach, owner) -> dict:
	"""The complaints part of the resident's home page (`portal_home` hook)."""
	return {"complaints": portal_complaints.count_open(reach)}
