"""The household file (一户一档): everything the company knows about one unit's household, on one page.

`household(unit)` feeds the desk page (`/app/property-household/<unit>`) and the printed file (the
"Household File" print format on Property Unit). It reads in a constant number of queries whatever the
history — one per section, each aggregated or limited in SQL — so a household of ten years loads as fast
as a new one (tests count them).

Sections plug in per source: service orders and complaints always; surveys, fees and care events only when
their doctypes exist on the site (`frappe.db.table_exists`), so the page works while they are being built.

Who sees what:
- the unit itself by `frappe.has_permission("Property Unit", "read", unit)`: estate User Permissions, and a
  technician only the households of his open orders (permissions.py);
- each section by the reader's rights on its doctype: a technician sees the occupants and his own orders,
  not complaints, visits, surveys, arrears, personal details (permission level 2) or the timeline;
- anonymous complaints never name a unit on the complaint itself; a Property Manager sees the household's
  anonymous complaints through their Complaint Identity, marked as anonymous — nobody else ever does.
"""

from collections import defaultdict

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Avg, Count, Extract, Sum
from frappe.utils import getdate, today

from property_crm.permissions import _technician_only, order_query_conditions
from property_crm.property_households.rules.occupancy import current_occupants

UNIT_FIELDS = ("name", "estate", "building", "floor", "unit_number", "status", "usage", "layout",
	"built_up_area", "inner_area", "handover_date", "warranty_until", "primary_contact", "fee_payer")  # fmt: skip
FINISHED_ORDERS = ("Completed", "Closed", "Cancelled")
FINISHED_COMPLAINTS = ("Closed", "Withdrawn")
RECENT = 10
TIMELINE = 30
MANAGERS = {"Property Manager", "System Manager"}
FEE_READERS = {"Property Manager", "Property Accountant", "Property Customer Service", "Accounts User"}


def _can(doctype: str) -> bool:
	return bool(frappe.has_permission(doctype, "read"))


def _exists(doctype: str) -> bool:
	return frappe.db.table_exists(doctype)


@frappe.whitelist()
def household(unit: str) -> dict:
	"""The 360° view of `unit`'s household for the current user (constant number of queries)."""
	if not isinstance(unit, str) or not unit or not frappe.db.exists("Property Unit", unit):
		frappe.throw(_("Unit {0} does not exist.").format(unit or ""), frappe.DoesNotExistError)
	if not frappe.has_permission("Property Unit", "read", unit):
		frappe.throw(
			_("You may not open the household file of unit {0}.").format(unit), frappe.PermissionError
		)
	user = frappe.session.user
	roles = set(frappe.get_roles(user))
	technician = _technician_only(user)
	personal = not technician and 2 in frappe.get_meta("Property Owner").get_permlevel_access("read")
	manager = user == "Administrator" or bool(roles & MANAGERS)

	info = frappe.db.get_value("Property Unit", unit, UNIT_FIELDS, as_dict=True)
	occupants = occupants_of(unit, personal)
	residents = [row.resident for row in occupants]
	current = [row.resident for row in occupants if row.current]
	out = {
		"unit": info,
		"today": today(),
		"occupants": occupants,
		"personal": personal,
		"technician": technician,
		"sections": [],
	}
	if personal:
		out["tags"], out["vehicles"], out["family"] = details_of(residents)
	if _can("Service Order"):
		out["orders"] = orders_of(unit, user if technician else None)
		out["sections"].append("orders")
	if not technician and _can("Complaint"):
		out["complaints"] = complaints_of(unit, manager)
		out["sections"].append("complaints")
	if not technician and _can("Return Visit"):
		out["visits"] = visits_of(unit)
		out["sections"].append("visits")
	if not technician:
		out["trend"] = satisfaction_trend(unit)
		out["sections"].append("trend")
	if not technician and roles & FEE_READERS and _exists("Property Fee Charge"):
		out["arrears"] = arrears_of(unit)
		out["sections"].append("arrears")
	if not technician and _exists("Property Care Event") and _can("Property Care Event"):
		out["care"] = care_of(unit, current)
		out["sections"].append("care")
	if not technician and personal:
		out["timeline"] = timeline_of(unit, residents)
		out["sections"].append("timeline")
	return out


def occupants_of(unit: str, personal: bool) -> list[dict]:
	"""Everyone who lived or lives here, with dated roles; current first (one query)."""
	row = frappe.qb.DocType("Property Unit Occupant")
	owner = frappe.qb.DocType("Property Owner")
	fields = [row.resident, row.resident_name, row.relation, row.move_in, row.move_out, row.primary_contact,
		owner.full_name, owner.mobile, owner.email, owner.preferred_channel, owner.resident_type]  # fmt: skip
	if personal:
		fields += [
			owner.date_of_birth,
			owner.marketing_consent,
			owner.privacy_consent_date,
			owner.last_verified_on,
		]
	rows = (
		frappe.qb.from_(row)
		.left_join(owner)
		.on(owner.name == row.resident)
		.select(*fields)
		.where((row.parenttype == "Property Unit") & (row.parent == unit))
		.orderby(row.move_in, order=Order.desc)
		.run(as_dict=True)
	)
	now = getdate(today())
	living = {id(r) for r in current_occupants(rows, now)}
	for r in rows:
		r.current = id(r) in living
		r.full_name = r.full_name or r.resident_name
	rows.sort(key=lambda r: (not r.current, -(r.move_in.toordinal() if r.move_in else 0)))
	return rows


def details_of(residents: list[str]) -> tuple[dict, list, list]:
	"""Tags (per resident), vehicles and family members of the household's files (one query each)."""
	if not residents:
		return {}, [], []
	tag = frappe.qb.DocType("Property Owner Tag")
	tags = defaultdict(list)
	for r in (
		frappe.qb.from_(tag)
		.select(tag.parent, tag.tag)
		.where((tag.parenttype == "Property Owner") & tag.parent.isin(residents))
		.orderby(tag.idx)
		.run(as_dict=True)
	):
		tags[r.parent].append(r.tag)
	vehicle = frappe.qb.DocType("Property Vehicle")
	vehicles = (
		frappe.qb.from_(vehicle)
		.select(vehicle.parent.as_("resident"), vehicle.plate_number, vehicle.vehicle_type, vehicle.brand_model,
			vehicle.color, vehicle.parking_space)
		.where((vehicle.parenttype == "Property Owner") & vehicle.parent.isin(residents))
		.orderby(vehicle.parent).orderby(vehicle.idx)
		.run(as_dict=True)
	)  # fmt: skip
	member = frappe.qb.DocType("Property Family Member")
	family = (
		frappe.qb.from_(member)
		.select(member.parent.as_("resident"), member.member_name, member.relation, member.gender,
			member.date_of_birth, member.mobile, member.notes)
		.where((member.parenttype == "Property Owner") & member.parent.isin(residents))
		.orderby(member.parent).orderby(member.idx)
		.run(as_dict=True)
	)  # fmt: skip
	return dict(tags), vehicles, family


def orders_of(unit: str, technician: str | None) -> dict:
	"""Open orders with their SLA state, the latest ones, and counts (two queries)."""
	order = frappe.qb.DocType("Service Order")
	condition = order.unit == unit
	if technician:  # his own orders only (the list rule of permissions.py)
		from pypika.terms import LiteralValue

		condition &= LiteralValue(order_query_conditions(technician))
	open_ = order.status.notin(FINISHED_ORDERS)
	rows = (
		frappe.qb.from_(order)
		.select(order.name, order.subject, order.status, order.service_category, order.priority, order.creation,
			order.requester_name, order.agreement_status, order.response_by, order.sla_resolution_by,
			order.completed_on, order.rating, Case().when(open_, 1).else_(0).as_("is_open"))
		.where(condition)
		.orderby(Case().when(open_, 0).else_(1))
		.orderby(order.creation, order=Order.desc)
		.limit(50)
		.run(as_dict=True)
	)  # fmt: skip
	counts = (
		frappe.qb.from_(order)
		.select(Count("*").as_("total"), Sum(Case().when(open_, 1).else_(0)).as_("open"),
			Sum(Case().when(order.agreement_status == "Failed", 1).else_(0)).as_("sla_failed"))
		.where(condition)
		.run(as_dict=True)[0]
	)  # fmt: skip
	return {
		"open": [r for r in rows if r.is_open],
		"recent": [r for r in rows if not r.is_open][:RECENT],
		"total": int(counts.total or 0),
		"open_count": int(counts.open or 0),
		"sla_failed": int(counts.sla_failed or 0),
	}


def complaints_of(unit: str, manager: bool) -> dict:
	"""The household's named complaints; for Property Managers also its anonymous ones, found through their
	confidential identity and shown as anonymous (one query)."""
	complaint = frappe.qb.DocType("Complaint")
	identity = frappe.qb.DocType("Complaint Identity")
	query = frappe.qb.from_(complaint)
	if manager:
		query = query.left_join(identity).on(identity.name == complaint.identity)
		condition = ((complaint.unit == unit) & (complaint.is_anonymous == 0)) | (
			(complaint.is_anonymous == 1) & (identity.unit == unit)
		)
	else:
		condition = (complaint.unit == unit) & (complaint.is_anonymous == 0)
	open_ = complaint.status.notin(FINISHED_COMPLAINTS)
	rows = (
		query.select(complaint.name, complaint.subject, complaint.status, complaint.complaint_category,
			complaint.severity, complaint.is_anonymous, complaint.complainant_name, complaint.creation,
			complaint.agreement_status, complaint.sla_resolution_by, complaint.feedback,
			Case().when(open_, 1).else_(0).as_("is_open"))
		.where(condition)
		.orderby(Case().when(open_, 0).else_(1))
		.orderby(complaint.creation, order=Order.desc)
		.limit(30)
		.run(as_dict=True)
	)  # fmt: skip
	for r in rows:
		if r.is_anonymous:
			r.complainant_name = _("Anonymous")
	return {"open": [r for r in rows if r.is_open], "recent": [r for r in rows if not r.is_open][:RECENT]}


def visits_of(unit: str) -> list[dict]:
	"""Return visits of the household (periodic and after orders/complaints), newest first (one query)."""
	visit = frappe.qb.DocType("Return Visit")
	return (
		frappe.qb.from_(visit)
		.select(visit.name, visit.reference_doctype, visit.reference_name, visit.status, visit.due_date,
			visit.method, visit.visitor, visit.outcome, visit.satisfaction, visit.notes)
		.where(visit.unit == unit)
		.orderby(visit.due_date, order=Order.desc)
		.limit(15)
		.run(as_dict=True)
	)  # fmt: skip


def satisfaction_trend(unit: str) -> list[dict]:
	"""Per year: orders, their average rating, return visits reached and satisfied, average visit
	satisfaction, and (where surveys exist) the average survey score — three queries at most."""
	years = defaultdict(dict)
	order = frappe.qb.DocType("Service Order")
	for r in (
		frappe.qb.from_(order)
		.select(Extract("year", order.creation).as_("year"), Count("*").as_("orders"),
			Avg(Case().when(order.rating > 0, order.rating)).as_("rating"))
		.where(order.unit == unit)
		.groupby(Extract("year", order.creation))
		.run(as_dict=True)
	):  # fmt: skip
		years[r.year].update(orders=r.orders, rating=r.rating)
	visit = frappe.qb.DocType("Return Visit")
	for r in (
		frappe.qb.from_(visit)
		.select(Extract("year", visit.due_date).as_("year"),
			Sum(Case().when(visit.outcome.isin(["Satisfied", "Unsatisfied"]), 1).else_(0)).as_("reached"),
			Sum(Case().when(visit.outcome == "Satisfied", 1).else_(0)).as_("satisfied"),
			Avg(Case().when(visit.satisfaction > 0, visit.satisfaction)).as_("visit_score"))
		.where((visit.unit == unit) & visit.due_date.isnotnull())
		.groupby(Extract("year", visit.due_date))
		.run(as_dict=True)
	):  # fmt: skip
		years[r.year].update(reached=r.reached, satisfied=r.satisfied, visit_score=r.visit_score)
	if _exists("Survey Response"):
		response = frappe.qb.DocType("Survey Response")
		scored = response.unit == unit  # anonymous answers keep no unit
		if frappe.get_meta("Survey Response").has_field("has_score"):
			scored &= response.has_score == 1  # an answer set without scored questions is not a zero
		for r in (
			frappe.qb.from_(response)
			.select(Extract("year", response.creation).as_("year"), Count("*").as_("responses"),
				Avg(response.overall_score).as_("survey_score"))
			.where(scored)
			.groupby(Extract("year", response.creation))
			.run(as_dict=True)
		):  # fmt: skip
			years[r.year].update(responses=r.responses, survey_score=r.survey_score)
	out = []
	for year in sorted(y for y in years if y):
		row = frappe._dict(years[year], year=int(year))
		row.satisfied_pct = round(100 * row.satisfied / row.reached) if row.get("reached") else None
		for field in ("rating", "visit_score", "survey_score"):
			row[field] = round(float(row[field]), 1) if row.get(field) is not None else None
		out.append(row)
	return out


def arrears_of(unit: str) -> dict:
	"""Outstanding and overdue fees of the unit, from ERPNext's invoices: the fees module answers through
	the `unit_outstanding` hook (`property_fees.billing.outstanding_of_units`, two queries)."""
	methods = frappe.get_hooks("unit_outstanding")
	if not methods:
		return {}
	outstanding_of_units = frappe.get_attr(methods[-1])
	return {
		"outstanding": outstanding_of_units([unit]).get(unit, 0.0),
		"overdue": outstanding_of_units([unit], overdue_only=True).get(unit, 0.0),
	}


def care_of(unit: str, residents: list[str]) -> list[dict]:
	"""Care events of the household: greetings, anniversaries, unreachable flags; event sign-ups (one query
	each)."""
	event = frappe.qb.DocType("Property Care Event")
	condition = event.unit == unit
	if residents:
		condition |= event.resident.isin(residents)
	rows = (
		frappe.qb.from_(event)
		.select(event.name, event.event_type, event.on_date, event.resident_name, event.action, event.channel,
			event.reason, event.years)
		.where(condition)
		.orderby(event.on_date, order=Order.desc)
		.limit(20)
		.run(as_dict=True)
	)  # fmt: skip
	if residents and _exists("Property Event Registration"):
		reg = frappe.qb.DocType("Property Event Registration")
		ev = frappe.qb.DocType("Property Event")
		for r in (
			frappe.qb.from_(reg)
			.join(ev)
			.on(ev.name == reg.event)
			.select(reg.event.as_("name"), ev.title, ev.starts_on, reg.resident_name, reg.status, reg.attended,
				reg.attendees)
			.where(reg.resident.isin(residents))
			.orderby(ev.starts_on, order=Order.desc)
			.limit(10)
			.run(as_dict=True)
		):  # fmt: skip
			rows.append(
				frappe._dict(name=r.name, event_type="Community Event", on_date=getdate(r.starts_on),
					resident_name=r.resident_name, action=_("Attended") if r.attended else _(r.status),
					reason=r.title)
			)  # fmt: skip
	rows.sort(key=lambda r: r.on_date or getdate("1900-01-01"), reverse=True)
	return rows


def timeline_of(unit: str, residents: list[str]) -> list[dict]:
	"""Communications with the household: on the unit, the residents' files, and the unit's orders and named
	complaints (one query)."""
	comm = frappe.qb.DocType("Communication")
	link = frappe.qb.DocType("Communication Link")
	order = frappe.qb.DocType("Service Order")
	complaint = frappe.qb.DocType("Complaint")
	condition = ((comm.reference_doctype == "Property Unit") & (comm.reference_name == unit)) | (
		(comm.reference_doctype == "Service Order")
		& comm.reference_name.isin(frappe.qb.from_(order).select(order.name).where(order.unit == unit))
	) | (
		(comm.reference_doctype == "Complaint")
		& comm.reference_name.isin(
			frappe.qb.from_(complaint).select(complaint.name)
			.where((complaint.unit == unit) & (complaint.is_anonymous == 0))
		)
	)  # fmt: skip
	if residents:
		condition |= ((comm.reference_doctype == "Property Owner") & comm.reference_name.isin(residents)) | (
			comm.name.isin(
				frappe.qb.from_(link).select(link.parent)
				.where((link.link_doctype == "Property Owner") & link.link_name.isin(residents))
			)
		)  # fmt: skip
	return (
		frappe.qb.from_(comm)
		.select(comm.name, comm.subject, comm.communication_medium, comm.sent_or_received,
			comm.communication_date, comm.reference_doctype, comm.reference_name, comm.sender_full_name)
		.where(condition)
		.orderby(comm.communication_date, order=Order.desc)
		.limit(TIMELINE)
		.run(as_dict=True)
	)  # fmt: skip


def household_file(unit: str) -> dict:
	"""For the print format (a Jinja method): the same view, as the printing user may read it."""
	return household(unit)
