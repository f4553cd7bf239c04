"""Care pages of the resident portal: notices (with read receipts), community events (sign-up) and "my
profile" (self-service changes; mobile and e-mail confirmed by staff). Reads go through
`property_care.resident_care` / `property_care.profile`, by the occupancy rule: only where the resident lives today."""

import json

import frappe
from frappe import _
from frappe.utils.html_utils import sanitize_html

from property_crm.property_care import profile
from property_crm.property_care import resident_care as portal_care
from property_crm.property_households import resident_portal as portal
from property_crm.wechat import binding as wechat_binding


def crumbs(*more):
	return [{"route": "/property", "title": _("My Home")}, *more]


def notices():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	return "care_notices.html", {
		"title": _("Notices"),
		"notices": portal_care.notices_of(units, frappe.session.user),
		"parents": crumbs(),
	}


def notice(name: str):
	resident = portal.current_resident()
	units = portal.my_units(resident)
	try:
		row = portal_care.notice_for(name, units)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	portal_care.mark_read(row.name, frappe.session.user, resident)
	return "care_notice.html", {
		"title": row.title,
		"notice": row,
		"body_html": sanitize_html(row.body or ""),
		"parents": crumbs({"route": "/property/notices", "title": _("Notices")}),
	}


def events():
	resident = portal.current_resident()
	units = portal.my_units(resident)
	return "care_events.html", {
		"title": _("Community Events"),
		"events": portal_care.events_of(units, resident),
		"parents": crumbs(),
	}


def event(name: str):
	resident = portal.current_resident()
	units = portal.my_units(resident)
	try:
		row = portal_care.event_for(name, units, resident)
	except frappe.PermissionError:
		raise frappe.PageDoesNotExistError
	return "care_event.html", {
		"title": row.title,
		"event": row,
		"description_html": sanitize_html(row.description or ""),
		"places_left": max(0, (row.capacity or 0) - (row.registered or 0)) if row.capacity else None,
		"parents": crumbs({"route": "/property/events", "title": _("Community Events")}),
	}


def my_profile():
	resident = portal.current_resident()
	owner = frappe.get_doc("Property Owner", resident)
	values = profile.current_values(owner)
	return "care_profile.html", {
		"title": _("My Profile"),
		"owner": {"full_name": owner.full_name, "archive_number": owner.archive_number},
		"values": values,
		"vehicles_json": json.dumps(values["vehicles"], ensure_ascii=False),
		"family_json": json.dumps(values["family_members"], ensure_ascii=False),
		"changes": profile.pending_of(resident),
		"vehicle_types": list(profile.VEHICLE_TYPES),
		"vehicle_labels": [_(t) for t in profile.VEHICLE_TYPES],
		"relations": list(profile.RELATIONS),
		"relation_labels": [_(r) for r in profile.RELATIONS],
		"saved": frappe.form_dict.get("saved") == "1",
		# 微信绑定: whether the file is bound to a WeChat account, and 解除绑定 (property_crm.wechat.binding)
		"wechat": wechat_binding.status_of(resident),
		"parents": crumbs(),
	}
