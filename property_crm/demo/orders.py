"""The demo's service orders: 24 months of them in every workflow state, written in bulk (`generate.orders`
makes them without Frappe), with assignments, SLA outcomes, escalations, ratings, return visits and materials;
status timelines for the portal residents' orders; draft Sales Invoices for the latest chargeable repairs."""

import json
import random
import time
from datetime import timedelta

import frappe
from frappe.utils import add_days, now_datetime, nowdate

from property_crm.demo.common import current_series, set_series, unit_infos, visitors_by_estate
from property_crm.demo.company import DOMAIN
from property_crm.demo.generate import orders as demo_orders
from property_crm.property_service import service_levels
from property_crm.property_service.rules.defaults import leaves as default_leaves
from property_crm.property_service.rules.service import REPEAT_WINDOW_DAYS

ORDERS_DONE = "property_crm_demo_orders"


# ------------------------------------------------------------------ 6. service orders
def seed_orders(rng: random.Random, count: int, progress) -> None:
	started = time.monotonic()
	now = now_datetime().replace(microsecond=0)
	units = unit_infos()
	if not units:
		progress("service orders: no units, none made")
		return
	categories, agreements = category_infos()
	settings = frappe.get_cached_doc("Property CRM Settings")
	orders = demo_orders.make_orders(
		rng, count, units, categories, service_levels.TARGETS, now,
		escalate_at_percent=settings.escalate_at_percent or 80,
		second_escalation=timedelta(hours=settings.second_escalation_hours or 4),
	)  # fmt: skip
	add_portal_history(rng, orders, now)
	series = {prefix: current_series(prefix) for prefix in {f"SO-{o['creation'].year}-" for o in orders}}
	last = demo_orders.name_orders(orders, series)
	for prefix, number in last.items():
		set_series(prefix, number)
	people = {
		row.name: row
		for row in frappe.get_all(
			"Property Owner", fields=["name", "full_name", "mobile"], limit_page_length=0
		)
	}
	visitors = visitors_by_estate()
	insert_orders(orders, agreements, people, visitors, now, progress.bar("service orders", len(orders)))
	mark_repeats()
	progress(f"service orders: {len(orders):,} over 24 months in {time.monotonic() - started:.0f} s")


def category_infos() -> tuple[list[demo_orders.CategoryInfo], dict[str, str]]:
	seasons = {leaf.name: leaf.season for leaf in default_leaves()}
	infos, agreements = [], {}
	standard = service_levels.find_agreement(service_levels.DEFAULT_SLA)
	for row in frappe.get_all(
		"Service Category",
		filters={"is_group": 0},
		fields=["name", "default_priority", "chargeable", "return_visit_policy", "response_hours",
			"resolution_hours", "service_level_agreement"],
	):  # fmt: skip
		technicians = frappe.get_all(
			"Service Category Technician", filters={"parent": row.name}, pluck="user", order_by="idx"
		)
		infos.append(
			demo_orders.CategoryInfo(
				row.name, row.default_priority or "Medium", row.chargeable, row.return_visit_policy or "Never",
				seasons.get(row.name), technicians, row.response_hours or 0, row.resolution_hours or 0,
			)
		)  # fmt: skip
		agreements[row.name] = row.service_level_agreement or standard
	return infos, agreements


def add_portal_history(rng: random.Random, orders: list[dict], now) -> None:
	"""The demo tenants' flats: the previous tenant's requests before they moved out, the new tenant's
	since; so the portal shows each only their own time's."""
	for email in frappe.get_all(
		"Property Owner", filters={"email": ("like", f"%.tenant@{DOMAIN}")}, pluck="email"
	):
		tenant = frappe.db.get_value("Property Owner", {"email": email}, "name")
		former = frappe.db.get_value(
			"Property Owner", {"email": email.replace(".tenant@", ".former-tenant@")}, "name"
		)
		unit = frappe.db.get_value(
			"Property Unit", frappe.db.get_value("Property Unit Occupant", {"resident": tenant}, "parent"),
			["name", "estate", "building"], as_dict=True,
		)  # fmt: skip
		if not (unit and former):
			continue
		categories = [o["service_category"] for o in orders[:50]] or ["Other Requests"]
		for resident, days_ago in ((former, 200), (former, 90), (former, 45), (tenant, 20), (tenant, 2)):
			opened = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
			status = "Closed" if days_ago > 14 else ("Completed" if days_ago > 5 else "Dispatched")
			template = next((o for o in orders if o["status"] == status and o["technician"]), None)
			if not template:
				continue
			order = dict(template)
			shift = opened - template["creation"]
			for key in ("creation", "modified", "first_responded_on", "completed_on", "sla_resolution_date",
				"rated_on", "response_by", "sla_resolution_by"):  # fmt: skip
				if order.get(key):
					order[key] = min(order[key] + shift, now)
			order.update(
				{"unit": unit.name, "estate": unit.estate, "building": unit.building, "requester": resident,
				"channel": "Portal", "service_category": rng.choice(categories), "return_visit": None,
				"materials": [], "portal_history": True}
			)  # fmt: skip
			orders.append(order)
	orders.sort(key=lambda o: o["creation"])


ORDER_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series", "subject",
	"service_category", "channel", "status", "unit", "estate", "building", "requester", "requester_name",
	"contact_mobile", "description", "priority", "service_level_agreement", "service_level_agreement_creation",
	"response_by", "sla_resolution_by", "first_responded_on", "completed_on", "sla_resolution_date",
	"agreement_status", "rating", "rating_reasons", "rating_comment", "rated_on", "_assign", "escalation_level",
	"labour_hours", "chargeable_amount", "completion_notes", "preferred_time", "repeat_of"]  # fmt: skip


MATERIAL_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "parent", "parenttype",
	"parentfield", "idx", "item", "item_name", "qty", "rate", "amount", "chargeable"]  # fmt: skip


TODO_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "status", "priority", "date",
	"allocated_to", "description", "reference_type", "reference_name", "assigned_by", "assignment_rule"]  # fmt: skip


VISIT_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series",
	"reference_doctype", "reference_name", "estate", "unit", "status", "due_date", "method", "visitor", "outcome",
	"satisfaction", "on_unsatisfied", "notes"]  # fmt: skip


COMMENT_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "comment_type",
	"reference_doctype", "reference_name", "content", "comment_email"]  # fmt: skip


VERSION_FIELDS = [
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"ref_doctype",
	"docname",
	"data",
]


CHUNK = 10_000


PATH = {"Accepted": ["Accepted"], "Dispatched": ["Accepted", "Dispatched"],
	"In Progress": ["Accepted", "Dispatched", "In Progress"], "Completed": ["Accepted", "Dispatched", "In Progress", "Completed"],
	"Closed": ["Accepted", "Dispatched", "In Progress", "Completed", "Closed"]}  # fmt: skip


def insert_orders(orders, agreements, people, visitors, now, bar=None) -> None:
	admin = "Administrator"
	rows, materials, todos, visits, comments, versions = [], [], [], [], [], []
	visit_last = {}
	for done_count, order in enumerate(orders, start=1):
		person = people.get(order["requester"]) if order["requester"] else None
		amount = sum(m["qty"] * m["rate"] for m in order["materials"])
		technician = order["technician"]
		done = order["status"] in ("Completed", "Closed")
		rows.append((
			order["name"], order["creation"], order["modified"], admin, technician or admin, 0, "SO-.YYYY.-",
			order["subject"], order["service_category"], order["channel"], order["status"], order["unit"],
			order["estate"], order["building"], order["requester"], person.full_name if person else None,
			person.mobile if person else None, order.get("description") or f"<p>{order['subject']}</p>", order["priority"],
			agreements.get(order["service_category"]), order["creation"], order["response_by"],
			order["sla_resolution_by"], order["first_responded_on"], order["completed_on"],
			order["sla_resolution_date"], order["agreement_status"], order["rating"], order["rating_reasons"],
			order["rating_comment"], order["rated_on"], json.dumps([technician]) if technician else None,
			order["escalation_level"], order["labour_hours"], amount, f"已处理：{order['subject']}" if done else None,
			order.get("preferred_time"), order.get("repeat_of"),
		))  # fmt: skip
		for idx, m in enumerate(order["materials"], start=1):
			materials.append((frappe.generate_hash(length=10), order["modified"], order["modified"], admin, admin, 0,
				order["name"], "Service Order", "materials", idx, m["item"], demo_orders.MATERIALS[m["item"]][0],
				m["qty"], m["rate"], m["qty"] * m["rate"], 1))  # fmt: skip
		if technician:
			todos.append((frappe.generate_hash(length=10), order["first_responded_on"], order["modified"], admin, admin, 0,
				"Closed" if done or order["status"] == "Cancelled" else "Open", "Medium", order["sla_resolution_by"].date(),
				technician, order["subject"], "Service Order", order["name"], admin,
				f"Service Order - {order['service_category']}"))  # fmt: skip
		visit = order["return_visit"]
		if visit:
			year = order["completed_on"].year
			prefix = f"RV-{year}-"
			visit_last[prefix] = visit_last.get(prefix, current_series(prefix)) + 1
			clerks = visitors.get(order["estate"]) or [None]
			visits.append((f"{prefix}{visit_last[prefix]:05d}", order["completed_on"], order["completed_on"], admin, admin, 0,
				"RV-.YYYY.-", "Service Order", order["name"], order["estate"], order["unit"], visit["status"],
				visit["due_date"], visit.get("method", "Phone"), clerks[hash(order["name"]) % len(clerks)],
				visit.get("outcome"), visit.get("satisfaction", 0), "Record only",
				{"Satisfied": "住户表示满意", "Unsatisfied": "住户反映问题未彻底解决，已安排复查",
				"Unreachable": "电话无人接听"}.get(visit.get("outcome"))))  # fmt: skip
		if order["escalation_level"]:
			comments.append((frappe.generate_hash(length=10), order["modified"], order["modified"], admin, admin, 0,
				"Info", "Service Order", order["name"],
				f"升级 {order['escalation_level']} 级：{order['name']} 接近或超过解决时限。", admin))  # fmt: skip
		if order.get("portal_history"):
			previous = "Draft"
			for step, status in enumerate(PATH.get(order["status"], []), start=1):
				at = min(order["creation"] + timedelta(hours=2 * step), now)
				versions.append((frappe.generate_hash(length=10), at, at, admin, admin, 0, "Service Order", order["name"],
					json.dumps({"changed": [["status", previous, status]]})))  # fmt: skip
				previous = status
		if len(rows) >= CHUNK:
			flush(rows, materials, todos, visits, comments, versions)
			if bar:
				bar.update(done_count)
			rows, materials, todos, visits, comments, versions = [], [], [], [], [], []
	flush(rows, materials, todos, visits, comments, versions)
	if bar:
		bar.update(len(orders))
	for prefix, number in visit_last.items():
		set_series(prefix, number)


def flush(rows, materials, todos, visits, comments, versions) -> None:
	frappe.db.bulk_insert("Service Order", ORDER_FIELDS, rows, chunk_size=CHUNK)
	frappe.db.bulk_insert("Service Order Material", MATERIAL_FIELDS, materials, chunk_size=CHUNK)
	frappe.db.bulk_insert("ToDo", TODO_FIELDS, todos, chunk_size=CHUNK)
	frappe.db.bulk_insert("Return Visit", VISIT_FIELDS, visits, chunk_size=CHUNK)
	frappe.db.bulk_insert("Comment", COMMENT_FIELDS, comments, chunk_size=CHUNK)
	frappe.db.bulk_insert("Version", VERSION_FIELDS, versions, chunk_size=CHUNK)
	frappe.db.commit()


def mark_repeats(name_like: str = "SO-%", names: list[str] | None = None) -> None:
	"""What filing sets on each order (`repeat_of`), set for bulk-inserted ones in one statement (`names`:
	only these orders, looking only at their units)."""
	units = (
		frappe.get_all("Service Order", filters={"name": ("in", names)}, pluck="unit", distinct=True)
		if names
		else []
	)
	only = "and unit in %(units)s" if names else ""
	frappe.db.sql(
		f"""update `tabService Order` so join (
			select name, lag(name) over w as previous, lag(creation) over w as previous_creation, creation
			from `tabService Order` where status != 'Cancelled' {only}
			window w as (partition by unit, service_category order by creation, name)
		) x on x.name = so.name
		set so.repeat_of = x.previous
		where x.previous_creation >= x.creation - interval %(days)s day and so.name like %(like)s
		{"and so.name in %(names)s" if names else ""}""",
		{
			"days": REPEAT_WINDOW_DAYS,
			"like": name_like,
			"names": tuple(names or ()),
			"units": tuple(units or [""]),
		},
	)


# ------------------------------------------------------------------ 7. invoices
def make_invoices(progress, limit: int = 30) -> None:
	"""Draft Sales Invoices for the most recent chargeable repairs (ERPNext's own documents)."""
	from property_crm.property_service.orders import make_sales_invoice

	names = frappe.get_all(
		"Service Order",
		filters={
			"status": ("in", ("Completed", "Closed")),
			"chargeable_amount": (">", 0),
			"requester": ("is", "set"),
			"sales_invoice": ("is", "not set"),
			"completed_on": (">=", add_days(nowdate(), -90)),
		},
		order_by="completed_on desc",
		pluck="name",
		limit=limit,
	)
	have = frappe.db.count("Sales Invoice", {"service_order": ("is", "set")})
	made = 0
	for name in names[: max(0, limit - have)]:
		make_sales_invoice(name)
		made += 1
	progress(f"draft sales invoices for chargeable repairs: {made} made, {have + made} in all")
