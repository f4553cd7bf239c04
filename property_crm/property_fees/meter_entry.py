"""Bulk meter-reading entry for a building (抄表录入): one month's readings of one kind of meter for every
unit of a building, on one screen.

`building_sheet` reads the sheet in a fixed number of queries, whatever the number of units; the rows and
their order are `property_fees.rules.meter_sheet.assemble`. `save_building_readings` saves a typed sheet all or nothing:
each new or changed row goes through the Property Meter Reading's own insert/save (permissions, its
consumption rule, its once-a-month rule), inside a savepoint; if any row fails, everything is rolled back
and one error names every unit at fault. Whitelisted as `property_crm.property_fees.meter_entry_api.*`.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Max
from frappe.utils import escape_html, getdate

from property_crm.property_fees.rules import meter_sheet
from property_crm.validation import apply_rule

READING = "Property Meter Reading"
BUILDING = "Property Building"
MONTH_FIELDS = (
	"name",
	"unit",
	"current_reading",
	"previous_reading",
	"consumption",
	"meter_no",
	"meter_change",
	"old_meter_final_reading",
	"rollover",
	"meter_digits",
)


def _arguments(building: str, meter_type: str, period):
	"""The building (readable by the user, else PermissionError), the meter type and the month."""
	meter_type = apply_rule(meter_sheet.meter_type_of, meter_type)
	month = apply_rule(meter_sheet.month_of, period)
	if not isinstance(building, str) or not building or not frappe.db.exists(BUILDING, building):
		frappe.throw(
			_("Building {0} does not exist.").format(escape_html(str(building or ""))),
			frappe.DoesNotExistError,
		)
	# estate isolation: Frappe's User Permissions on Property Estate apply to the building's estate link
	if not frappe.has_permission(BUILDING, "read", building) or not frappe.has_permission(READING, "read"):
		frappe.throw(
			_("You may not enter the meter readings of building {0}.").format(building),
			frappe.PermissionError,
		)
	return building, meter_type, month


def _units(building: str) -> list[dict]:
	# frappe.get_list: the units this user may read (estate and need-to-know rules), one query
	return frappe.get_list(
		"Property Unit",
		filters={"building": building},
		fields=["name", "floor", "unit_number"],
		order_by="name asc",
		limit_page_length=0,
	)


def _readings(units: list[str], meter_type: str, month) -> tuple[dict[str, dict], dict[str, dict]]:
	"""The month's reading per unit and the last reading before the month per unit (as `last_reading()`
	finds it; the UNIQUE index on unit, meter and month makes it one per unit): two queries. Only readings
	of units the user may read (the list of `_units`)."""
	if not units:
		return {}, {}
	reading = frappe.qb.DocType(READING)
	this_month = (
		frappe.qb.from_(reading)
		.select(*(reading[f] for f in MONTH_FIELDS))
		.where(reading.unit.isin(units) & (reading.meter_type == meter_type) & (reading.period == month))
		.run(as_dict=True)
	)
	latest = (
		frappe.qb.from_(reading)
		.select(reading.unit, Max(reading.period).as_("period"))
		.where(reading.unit.isin(units) & (reading.meter_type == meter_type) & (reading.period < month))
		.groupby(reading.unit)
	)
	before = (
		frappe.qb.from_(reading)
		.join(latest)
		.on((reading.unit == latest.unit) & (reading.period == latest.period))
		.select(reading.unit, reading.period, reading.current_reading, reading.meter_no)
		.where(reading.meter_type == meter_type)
		.run(as_dict=True)
	)
	return {row.unit: row for row in this_month}, {row.unit: row for row in before}


def building_sheet(building: str, meter_type: str, period) -> dict:
	"""Every unit of `building` in walking order, with its meter number, the previous reading and the
	reading already entered for the month (`property_fees.rules.meter_sheet.assemble`)."""
	building, meter_type, month = _arguments(building, meter_type, period)
	units = _units(building)
	this_month, before = _readings([u.name for u in units], meter_type, month)
	return {
		"building": building,
		"meter_type": meter_type,
		"period": month.isoformat(),
		"rows": meter_sheet.assemble(units, this_month, before),
	}


def _as_fields(values: dict) -> dict:
	return {key: float(value) if hasattr(value, "is_finite") else value for key, value in values.items()}


def _write(change: meter_sheet.Change, meter_type: str, month, reading_date) -> None:
	"""One row through the reading's own insert/save, with the user's permissions."""
	values = _as_fields(change.values)
	if reading_date:
		values["reading_date"] = reading_date
	if change.reading:
		doc = frappe.get_doc(READING, change.reading)
		doc.update(values)
		doc.save()
	else:
		frappe.get_doc(
			{"doctype": READING, "unit": change.unit, "meter_type": meter_type, "period": month} | values
		).insert()


def _refuse(problems: list[tuple[str, str]]) -> None:
	items = "".join(f"<li><b>{escape_html(unit)}</b>: {message}</li>" for unit, message in problems)
	frappe.throw(
		_("Nothing was saved. Please correct the readings of these units:") + f"<ul>{items}</ul>",
		title=_("Meter readings not saved"),
	)


def save_building_readings(
	building: str, meter_type: str, period, rows: list[dict], reading_date=None
) -> dict[str, int]:
	"""Save a typed sheet: new readings for units without one this month, changes to those entered,
	nothing for blank or unchanged rows. All or nothing. Returns the counts (created, updated, unchanged,
	skipped)."""
	sheet = building_sheet(building, meter_type, period)
	month = getdate(sheet["period"])
	reading_date = getdate(reading_date) if reading_date else None
	plan = meter_sheet.plan(sheet["rows"], [row for row in rows if isinstance(row, dict)])
	# the domain's messages carry typed values: escaped
	problems = [(p.unit, escape_html(_(p.message).format(*p.params))) for p in plan.problems]
	savepoint = "pcrm_meter_" + frappe.generate_hash(length=10)
	frappe.db.savepoint(savepoint)
	try:
		for change in plan.creates + plan.updates:
			logged = len(frappe.local.message_log)
			try:
				_write(change, sheet["meter_type"], month, reading_date)
			except frappe.ValidationError as e:
				# the row's own message goes into the one error below, not shown on its own as well
				del frappe.local.message_log[logged:]
				problems.append((change.unit, str(e) or e.__class__.__name__))
	except Exception:
		frappe.db.rollback(save_point=savepoint)
		raise
	if problems:
		frappe.db.rollback(save_point=savepoint)
		order = {row["unit"]: i for i, row in enumerate(sheet["rows"])}
		_refuse(sorted(problems, key=lambda p: order.get(p[0], len(order))))
	frappe.db.release_savepoint(savepoint)
	return plan.counts()
