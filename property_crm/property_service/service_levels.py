"""ERPNext's Service Level Agreement engine, configured for Service Orders and Complaints (nothing
re-implemented).

Installed defaults: priorities Urgent/High/Medium/Low, a holiday list, service hours every day. Service
Orders: the waiting states pause the clock, Completed/Closed/Cancelled fulfil it. Complaints: the
severity sets the priority, Resolved/Closed/Withdrawn fulfil it. A Service Category or Complaint Category
with its own targets gets its own agreement through an SLA condition on the document's category."""

from datetime import date

import frappe
from frappe import _

from property_crm.property_service.rules.service import FULFILLED_STATES, PAUSED_STATES

DOCTYPE = "Service Order"
DEFAULT_SLA = "Service Order Standard"
HOLIDAY_LIST = "Property CRM Holidays"
# priority: (response hours, resolution hours)
TARGETS = {"Urgent": (0.5, 4), "High": (2, 24), "Medium": (4, 48), "Low": (8, 96)}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SERVICE_HOURS = ("08:30:00", "17:30:00")
# mainland public holidays that fall on fixed dates; staff add the lunar ones each year
FIXED_HOLIDAYS = (("01-01", "New Year's Day"), ("05-01", "Labour Day"), ("10-01", "National Day"),
	("10-02", "National Day"), ("10-03", "National Day"))  # fmt: skip


def install_defaults() -> None:
	for priority in TARGETS:
		if not frappe.db.exists("Issue Priority", priority):
			frappe.get_doc({"doctype": "Issue Priority", "name": priority}).insert(ignore_permissions=True)
	ensure_holiday_list()
	frappe.db.set_single_value("Support Settings", "track_service_level_agreement", 1)
	if not find_agreement(DEFAULT_SLA):
		make_agreement(DEFAULT_SLA, TARGETS, default=True)


def find_agreement(service_level: str, doctype: str = DOCTYPE) -> str | None:
	"""ERPNext names agreements SLA-<doctype>-<service level>; look them up by what they are."""
	return frappe.db.get_value(
		"Service Level Agreement", {"document_type": doctype, "service_level": service_level}
	)


def ensure_holiday_list() -> str:
	year = date.today().year
	if frappe.db.exists("Holiday List", HOLIDAY_LIST):
		return HOLIDAY_LIST
	frappe.get_doc(
		{
			"doctype": "Holiday List",
			"holiday_list_name": HOLIDAY_LIST,
			"from_date": f"{year}-01-01",
			"to_date": f"{year + 1}-12-31",
			"holidays": [
				{"holiday_date": f"{y}-{day}", "description": label}
				for y in (year, year + 1)
				for day, label in FIXED_HOLIDAYS
			],
		}
	).insert(ignore_permissions=True)
	return HOLIDAY_LIST


def make_agreement(
	name: str,
	targets: dict,
	default: bool = False,
	condition: str | None = None,
	doctype: str = DOCTYPE,
	states: tuple[tuple[str, ...], tuple[str, ...]] = (PAUSED_STATES, FULFILLED_STATES),
) -> str:
	"""An agreement on `doctype` (Service Order, or another module's, e.g. Complaint): `targets` by priority
	(response, resolution hours), `states` (those that pause the clock, those that fulfil it)."""
	existing = find_agreement(name, doctype)  # ERPNext names it SLA-<doctype>-<service level>
	sla = (
		frappe.get_doc("Service Level Agreement", existing)
		if existing
		else frappe.new_doc("Service Level Agreement")
	)
	sla.update(
		{
			"service_level": name,
			"document_type": doctype,
			"enabled": 1,
			"default_service_level_agreement": 1 if default else 0,
			"condition": condition,
			"holiday_list": ensure_holiday_list(),
			"apply_sla_for_resolution": 1,
			"default_priority": "Medium",
		}
	)
	sla.set("support_and_resolution", [])
	for day in WEEKDAYS:
		sla.append(
			"support_and_resolution",
			{"workday": day, "start_time": SERVICE_HOURS[0], "end_time": SERVICE_HOURS[1]},
		)
	sla.set("priorities", [])
	for priority, (response, resolution) in targets.items():
		sla.append(
			"priorities",
			{
				"priority": priority,
				"response_time": int(response * 3600),
				"resolution_time": int(resolution * 3600),
				"default_priority": 1 if priority == "Medium" else 0,
			},
		)
	paused, fulfilled = states
	sla.set("pause_sla_on", [{"status": s} for s in paused])
	sla.set("sla_fulfilled_on", [{"status": s} for s in fulfilled])
	# Safe: configuration written by the app (install) or by a Property Manager saving a category.
	sla.save(ignore_permissions=True)
	return sla.name


def has_own_targets(category) -> bool:
	"""Does a (service or complaint) category set its own targets? Refuses a response slower than the
	resolution."""
	if not (category.response_hours and category.resolution_hours):
		return False
	if category.response_hours > category.resolution_hours:
		frappe.throw(
			_("Response Target (hours): cannot be longer than the resolution target."),
			title=_("Please correct this value"),
		)
	return True


def sync_category_agreement(category) -> str | None:
	"""A category with its own targets gets an SLA whose condition matches the order's category."""
	if not has_own_targets(category):
		return None
	name = f"Service Order - {category.name}"
	targets = {priority: (category.response_hours, category.resolution_hours) for priority in TARGETS}
	condition = f"doc.service_category == {category.name!r}"
	return make_agreement(name, targets, condition=condition)
