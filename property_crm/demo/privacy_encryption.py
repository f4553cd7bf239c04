"""The demo's protected values: any ID number or mobile still in plain text (a site seeded before they were
protected, or a step that wrote them directly) encrypted and masked, and a month of logged reveals — estate
managers checking ID documents, customer service calling residents back — in Frappe's Access Log. Once only
(a default marks it)."""

import json
import random
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

from property_crm.protected_fields import protect_stored

ENCRYPTION_DONE = "property_crm_demo_encryption"
REVEALS = 40
REASONS = {
	"id_number": ("办理产权变更，核对证件", "业主申请补办门禁卡，核对身份", "签订租赁备案，核对证件"),
	"mobile": ("回电确认维修时间", "业主来电要求回拨", "通知停水安排", "回访未接通，重拨确认号码"),
}
ROLE_OF = {"id_number": "Property Manager", "mobile": "Property Customer Service"}


def seed_encryption(rng: random.Random, progress) -> None:
	if frappe.db.get_default(ENCRYPTION_DONE):
		progress("protected values: kept as they are")
		return
	converted = sum(protect_stored().values())
	staff = {
		field: frappe.get_all(
			"Has Role",
			filters={"parenttype": "User", "role": role, "parent": ("!=", "Administrator")},
			pluck="parent",
			distinct=True,
			order_by="parent",
		)
		for field, role in ROLE_OF.items()
	}
	files = frappe.get_all(
		"Property Owner", filters={"id_number": ("is", "set")}, pluck="name", limit=500, order_by="name"
	)
	now = now_datetime()
	made = 0
	for _n in range(REVEALS if files else 0):
		field = rng.choice(("mobile", "mobile", "id_number"))
		if not staff[field]:
			continue
		when = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 600))
		resident = rng.choice(files)
		log = frappe.get_doc(
			{
				"doctype": "Access Log",
				"user": rng.choice(staff[field]),
				"export_from": "Property Owner",
				"reference_document": resident,
				"method": "Reveal",
				"timestamp": when,
				"filters": json.dumps(
					{
						"doctype": "Property Owner",
						"name": resident,
						"field": field,
						"reason": rng.choice(REASONS[field]),
					},
					ensure_ascii=False,
				),
			}
		)
		log.db_insert()
		frappe.db.set_value(
			"Access Log", log.name, {"creation": when, "modified": when}, update_modified=False
		)
		made += 1
	frappe.db.set_default(ENCRYPTION_DONE, "1")
	progress(f"protected values: {converted:,} converted, {made} logged reveals")
