"""The demo's breach register (应急预案): one closed data incident — residents of one building told by their
channels, the regulator told in time, lessons learned — and one open, contained incident whose residents are
chosen but not yet told (its regulator deadline runs). Once only (a default marks it)."""

import random

import frappe
from frappe.model.workflow import apply_workflow
from frappe.query_builder import Order
from frappe.query_builder.functions import Count
from frappe.utils import add_to_date, now_datetime

from property_crm.property_privacy import incidents
from property_crm.property_privacy.rules import incidents as rules

INCIDENTS_DONE = "property_crm_demo_incidents"


def _building_with_residents(rng: random.Random, skip: str | None = None) -> tuple[str, str] | None:
	"""(estate, building) of one of the buildings with the most residents living there, at random."""
	unit = frappe.qb.DocType("Property Unit")
	occupant = frappe.qb.DocType("Property Unit Occupant")
	rows = (
		frappe.qb.from_(unit)
		.join(occupant)
		.on((occupant.parent == unit.name) & (occupant.parenttype == "Property Unit"))
		.select(unit.estate, unit.building, Count(occupant.resident).distinct())
		.where(occupant.move_out.isnull() & (unit.building != (skip or "")))
		.groupby(unit.estate, unit.building)
		.orderby(Count(occupant.resident).distinct(), order=Order.desc)
		.limit(5)
		.run()
	)
	return tuple(rng.choice(rows)[:2]) if rows else None


def _incident(estate: str, found_hours_ago: int, steps: list[str], **fields):
	found = add_to_date(now_datetime(), hours=-found_hours_ago)
	doc = frappe.get_doc(
		{
			"doctype": "Data Incident",
			"estate": estate,
			"found_on": found,
			"occurred_on": add_to_date(found, hours=-6),
			"reported_by": "Administrator",
			"containment_steps": [
				{
					"step_time": add_to_date(found, hours=i + 1),
					"action_taken": step,
					"done_by": "Administrator",
				}
				for i, step in enumerate(steps)
			],
		}
		| fields
	)
	doc.insert(ignore_permissions=True)  # Safe: demo data made by the seeding script
	return doc


def _add(doc, estate: str, building: str, limit: int) -> None:
	found = incidents.matching_residents(estate, building, None, None, None, None, False)
	for name, place in list(found.items())[:limit]:
		doc.append("residents", {"resident": name, "unit": place, "notice_status": rules.PENDING})
	doc.save(ignore_permissions=True)  # Safe: demo data made by the seeding script


def seed_incidents(rng: random.Random, progress) -> None:
	if frappe.db.get_default(INCIDENTS_DONE):
		progress(f"incidents: kept as they are ({frappe.db.count('Data Incident'):,})")
		return
	first = _building_with_residents(rng)
	if not first:
		progress("incidents: no residents to involve, none made")
		return
	closed = _incident(
		first[0],
		24 * 40,
		["收回误发邮件并请收件方书面确认删除", "停用导出账号并重置密码", "排查同期其他导出记录"],
		title="住户名单误发至外部邮箱",
		severity="High",
		description="客服导出一栋楼住户名单（姓名、房号、手机号）核对欠费，误发至同名外部邮箱。",
		notice_summary="一份含姓名、房号和手机号的住户名单被误发至外部邮箱，对方已书面确认删除。",
		data_name=1,
		data_mobile=1,
		data_address=1,
	)
	_add(closed, first[0], first[1], 8)
	apply_workflow(closed, "Contain")
	incidents.run_notices(closed.name)
	closed.reload()
	for row in closed.residents:
		if row.notice_status != rules.SENT:
			row.reason = "已由客服电话告知本人"
	closed.regulator_reported_on = add_to_date(closed.found_on, hours=30)
	closed.regulator_reference = f"网信备-{closed.name[-4:]}"
	closed.save(ignore_permissions=True)  # Safe: demo data made by the seeding script
	for action in ("Notify Residents", "Report to Regulator"):
		apply_workflow(frappe.get_doc("Data Incident", closed.name), action)
	closed.reload()
	closed.lessons_learned = "住户名单导出须经项目经理审批，发送前核对收件人；导出文件加密。"
	closed.save(ignore_permissions=True)  # Safe: demo data made by the seeding script
	apply_workflow(frappe.get_doc("Data Incident", closed.name), "Close")
	frappe.db.set_value("Data Incident", closed.name, "closed_on", add_to_date(closed.found_on, days=12))

	second = _building_with_residents(rng, skip=first[1]) or first
	open_one = _incident(
		second[0],
		20,
		["拆除被撬的门岗登记本柜锁并封存登记本", "调取监控并报警"],
		title="门岗访客登记本失窃",
		severity="Medium",
		description="夜间门岗访客登记本（含来访住户姓名、房号、电话）失窃。",
		notice_summary="门岗的访客登记本失窃，其中可能有您的姓名、房号和电话。我们已报警并改用电子登记。",
		data_name=1,
		data_mobile=1,
	)
	_add(open_one, second[0], second[1], 6)
	apply_workflow(frappe.get_doc("Data Incident", open_one.name), "Contain")
	frappe.db.set_default(INCIDENTS_DONE, "1")
	progress(f"incidents: {closed.name} closed with notices, {open_one.name} contained")
