"""The demo's four-eyes requests (四眼原则): an estate manager asks to delete a resident file (pending, waiting
for the company-wide manager), and asked to correct another resident's name, which the company-wide manager
approved (applied, before and after in both timelines). Once only (a default marks it)."""

import random

import frappe
from frappe.model.workflow import apply_workflow

from property_crm.demo.company import DOMAIN
from property_crm.property_privacy import four_eyes

REQUESTS_DONE = "property_crm_demo_requests"
REQUEST = "Data Change Request"


def _residents_of(estate: str) -> list[str]:
	unit = frappe.qb.DocType("Property Unit")
	row = frappe.qb.DocType("Property Unit Occupant")
	return (
		frappe.qb.from_(row)
		.join(unit)
		.on((unit.name == row.parent) & (row.parenttype == "Property Unit"))
		.select(row.resident)
		.distinct()
		.where(unit.estate == estate)
		.orderby(row.resident)
		.limit(200)
		.run(pluck=True)
	)


def seed_requests(rng: random.Random, progress) -> None:
	if frappe.db.get_default(REQUESTS_DONE):
		progress(f"four-eyes requests: kept as they are ({frappe.db.count(REQUEST)} requests)")
		return
	approver = f"manager@{DOMAIN}"
	estates = frappe.get_all("Property Estate", fields=["name", "manager"], order_by="name asc")
	found = None
	for estate in estates:
		if estate.manager and estate.manager != approver:
			residents = _residents_of(estate.name)
			if len(residents) >= 2:
				found = estate
				break
	if not found or not frappe.db.exists("User", approver):
		progress("four-eyes requests: no estate with a manager and residents, or no company-wide manager")
		return
	estate = found
	deleted, renamed = rng.sample(residents, 2)
	try:
		frappe.set_user(estate.manager)
		pending = four_eyes.request_change(
			"Property Owner", deleted, "Delete", "住户反映重复建档，此档案为重复档案，申请删除。"
		)
		name = frappe.db.get_value("Property Owner", renamed, "full_name")
		corrected = name[:-1] + ("明" if not name.endswith("明") else "鸣")
		decided = four_eyes.request_change(
			"Property Owner",
			renamed,
			"Change",
			"登记时姓名录入错误，业主已出示身份证核对。",
			{"full_name": corrected},
		)
		frappe.set_user(approver)
		doc = frappe.get_doc(REQUEST, decided)
		doc.decision_note = "已核对身份证原件，同意更正。"
		doc.save()
		apply_workflow(doc, "Approve")
	finally:
		frappe.set_user("Administrator")
	frappe.db.set_default(REQUESTS_DONE, "1")
	frappe.db.commit()
	progress(f"four-eyes requests: {pending} pending (delete a file), {decided} approved (name corrected)")
