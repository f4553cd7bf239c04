"""Notices and community events on the portal, by the occupancy rule: a resident sees the notices of the
estates and buildings where they live today (`property_households.resident_portal.my_units`) — never of a former home or of
another estate — and the events of those estates. Reading a notice leaves a receipt (UNIQUE notice+user).
Each function is one query."""

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Coalesce
from frappe.utils import getdate, now_datetime, today


def places(units: list[dict]) -> tuple[set[str], set[str]]:
	return {u.estate for u in units}, {u.building for u in units}


def notice_condition(notice, units: list[dict]):
	estates, buildings = places(units)
	if not estates:
		return None
	day = getdate(today())
	return (
		(notice.published == 1)
		& notice.estate.isin(sorted(estates))
		& (notice.building.isnull() | (notice.building == "") | notice.building.isin(sorted(buildings)))
		& (notice.valid_from <= day)
		& (notice.valid_to.isnull() | (notice.valid_to >= day))
	)


def notices_of(units: list[dict], user: str, limit: int = 30) -> list[dict]:
	notice = frappe.qb.DocType("Property Notice")
	receipt = frappe.qb.DocType("Property Notice Read")
	condition = notice_condition(notice, units)
	if condition is None:
		return []
	return (
		frappe.qb.from_(notice)
		.left_join(receipt)
		.on((receipt.notice == notice.name) & (receipt.user == user))
		.select(notice.name, notice.title, notice.notice_type, notice.valid_from, notice.valid_to, notice.building,
			Case().when(receipt.name.isnotnull(), 1).else_(0).as_("read"))
		.where(condition)
		.orderby(notice.valid_from, order=Order.desc)
		.orderby(notice.name, order=Order.desc)
		.limit(limit)
		.run(as_dict=True)
	)  # fmt: skip


def unread_count(units: list[dict], user: str) -> int:
	return sum(1 for n in notices_of(units, user) if not n.read)


def notice_for(name: str, units: list[dict]):
	notice = frappe.qb.DocType("Property Notice")
	condition = notice_condition(notice, units)
	rows = (
		frappe.qb.from_(notice)
		.select(notice.name, notice.title, notice.notice_type, notice.body, notice.valid_from, notice.valid_to,
			notice.estate, notice.building)
		.where(condition & (notice.name == name))
		.run(as_dict=True)
	) if condition is not None and isinstance(name, str) else []  # fmt: skip
	if not rows:
		raise frappe.PermissionError(_("This notice is not for your home."))
	return rows[0]


def mark_read(notice: str, user: str, resident: str) -> None:
	"""The read receipt (once per reader; a second opening changes nothing)."""
	if frappe.db.exists("Property Notice Read", {"notice": notice, "user": user}):
		return
	try:
		frappe.get_doc(
			{"doctype": "Property Notice Read", "notice": notice, "user": user, "resident": resident,
				"read_on": now_datetime()}
		).insert(ignore_permissions=True)  # fmt: skip  # Safe: the reader's own receipt of a notice they may read
	except frappe.UniqueValidationError:
		return
	frappe.db.set_value(
		"Property Notice", notice, "read_count",
		frappe.db.count("Property Notice Read", {"notice": notice}), update_modified=False,
	)  # fmt: skip
	frappe.local.flags.commit = True  # a GET request: keep the receipt


def events_of(units: list[dict], resident: str, limit: int = 20) -> list[dict]:
	"""Upcoming (and today's) events of the resident's estates, with their own sign-up (one query)."""
	estates, _buildings = places(units)
	if not estates:
		return []
	event = frappe.qb.DocType("Property Event")
	reg = frappe.qb.DocType("Property Event Registration")
	return (
		frappe.qb.from_(event)
		.left_join(reg)
		.on((reg.event == event.name) & (reg.resident == resident))
		.select(event.name, event.title, event.starts_on, event.ends_on, event.location, event.capacity,
			event.registered, event.sign_up_open, event.status, event.max_party, reg.status.as_("my_status"),
			Coalesce(reg.attendees, 0).as_("my_attendees"))
		.where(event.estate.isin(sorted(estates)) & (event.status != "Cancelled")
			& (event.starts_on >= getdate(today())))
		.orderby(event.starts_on)
		.limit(limit)
		.run(as_dict=True)
	)  # fmt: skip


def event_for(name: str, units: list[dict], resident: str):
	rows = (
		[e for e in events_of(units, resident, limit=200) if e.name == name] if isinstance(name, str) else []
	)
	if not rows:
		raise frappe.PermissionError(_("This event is not in your estate."))
	row = rows[0]
	row.description = frappe.db.get_value("Property Event", name, "description")
	return row


def sign_up(event: str, resident: str, units: list[dict], attendees: int) -> str:
	"""Sign up (or change the number of people); the capacity is checked under a lock."""
	row = event_for(event, units, resident)
	unit = next(
		(u.name for u in units if u.estate == frappe.db.get_value("Property Event", event, "estate")), None
	)
	existing = frappe.db.get_value("Property Event Registration", {"event": event, "resident": resident})
	frappe.db.sql("select name from `tabProperty Event` where name = %s for update", event)
	if existing:
		doc = frappe.get_doc("Property Event Registration", existing)
		doc.update({"attendees": attendees, "status": "Registered"})
	else:
		doc = frappe.get_doc(
			{"doctype": "Property Event Registration", "event": row.name, "resident": resident, "unit": unit,
				"attendees": attendees, "status": "Registered"}
		)  # fmt: skip
	doc.flags.ignore_permissions = True  # Safe: the resident's own sign-up to an event of their estate
	doc.save()
	return doc.name


def cancel_sign_up(event: str, resident: str, units: list[dict]) -> None:
	event_for(event, units, resident)
	existing = frappe.db.get_value("Property Event Registration", {"event": event, "resident": resident})
	if existing:
		doc = frappe.get_doc("Property Event Registration", existing)
		doc.status = "Cancelled"
		doc.flags.ignore_permissions = True  # Safe: the resident's own sign-up
		doc.save()
