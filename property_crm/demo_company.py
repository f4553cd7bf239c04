"""The demo company: a living property company on any site, fresh or not.

`property-crm-demo` runs these steps in order; each one looks at what is there and adds only what is
missing, so a second run changes no counts:
 1. ERPNext's setup wizard, for a Chinese company, where it has not run (ERPNext's own setup function);
 2. the default service categories;
 3. the portfolio (estates, buildings, units, residents, vehicles: `demo_data.seed_portfolio`);
 4. staff: a company-wide manager, an accountant, a manager and a customer-service clerk per estate
    (restricted by User Permission), technicians in category pools (Assignment Rules);
 5. portal logins for a sample of residents, among them a tenant who moved in last month into a flat
    whose previous tenant had filed requests;
 6. 24 months of service orders in every state (bulk), with assignments, SLA outcomes, escalations,
    ratings, return visits, materials; status timelines for the portal residents' orders;
 7. draft Sales Invoices for the most recent chargeable repairs;
 8. 24 months of complaints in every state (bulk, `demo_complaints`; default one per 20 units): SLA outcomes,
    hotline cases and replies, root causes, feedback and reopenings, repeats, anonymous ones (their
    complainant on the confidential Complaint Identity); skipped when the site has complaints.
 9. fees (`demo_fees`): schedules for every estate; 24 months of monthly bills for every unit (or a
    sample), payments in each payer's habit, late fees, arrears notices; ERPNext makes the first bill and
    payment, the rest are written in bulk as copies of their rows (`demo_ledger`).
10. surveys (`demo_surveys`): templates (yearly, after-repair, after-complaint) on every category; a yearly
    survey per year (last year's anonymous and closed), one invitation per household; an after-repair survey
    for a share of the completed orders; follow-up visits for the named low answers.
It ends by printing the logins. Care events join this list as they come.
"""

import json
import random
import time
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime, nowdate
from frappe.utils.password import update_password

from property_crm.domain import demo, demo_orders
from property_crm.domain.defaults import leaves as default_leaves
from property_crm.domain.service import REPEAT_WINDOW_DAYS
from property_crm.services import accounts, service_levels
from property_crm.services.defaults import install_categories, set_default_email_category

DOMAIN = "example.com"
COMPANY = "示范物业服务有限公司"
ORDERS_DONE = "property_crm_demo_orders"
TECHNICIANS = (  # (login, name, trades: category groups or leaves)
	("tech.wang", "王师傅", ("Plumbing and Electrical", "Pipes and Drains", "Heating")),
	("tech.li", "李师傅", ("Plumbing and Electrical", "Household Appliances", "Air Conditioning")),
	("tech.zhang", "张师傅", ("Doors and Windows", "Public Facilities", "Elevator")),
	("tech.liu", "刘师傅", ("Air Conditioning", "Heating", "Household Appliances")),
	("tech.chen", "陈师傅", ("Pipes and Drains", "Doors and Windows", "Public Facilities")),
	("tech.yang", "杨师傅", ("Elevator", "Plumbing and Electrical", "Other Requests")),
	("clean.zhao", "赵阿姨", ("Public Area Cleaning", "Waste Removal", "Pest Control")),
	("clean.huang", "黄阿姨", ("Public Area Cleaning", "Waste Removal", "Pest Control")),
	("guard.zhou", "周保安", ("Access Control", "Parking Order", "Patrol Request")),
	("guard.wu", "吴保安", ("Access Control", "Parking Order", "Patrol Request")),
	("garden.xu", "徐师傅", ("Greenery Care", "Tree Trimming", "Other Requests")),
)


def seed_company(
	units: int = 200,
	residents: int | None = None,
	orders: int | None = None,
	estates: int | None = None,
	company: str | None = None,
	seed: int = 2026,
	password: str = "Demo-2026!",
	progress: Callable[[str], None] = print,
	fee_units: int = 0,
	fee_months: int = 24,
	complaints: int | None = None,
) -> list[dict]:
	"""Every step above; returns the logins (user, role, estate, password)."""
	from property_crm.demo_data import seed_portfolio

	started = time.monotonic()
	rng = random.Random(seed)
	# Frappe refuses more than 60 new users a minute (against sign-up floods); the demo makes staff and
	# residents' logins in one go
	frappe.local.conf.throttle_user_limit = max(frappe.local.conf.get("throttle_user_limit") or 60, 10_000)
	company = ensure_setup(company, progress)
	made = install_categories()
	set_default_email_category()
	progress(f"service categories: {made} made, {frappe.db.count('Service Category')} in all")
	if frappe.db.count("Property Unit"):
		progress(f"portfolio: kept as it is ({frappe.db.count('Property Unit'):,} units)")
	else:
		progress(
			seed_portfolio(
				units, residents if residents is not None else units * 2, estates, company, seed, progress
			)
		)
	frappe.db.commit()
	logins = ensure_staff(password, progress)
	ensure_items(company)
	logins += ensure_portal_residents(rng, password, progress)
	frappe.db.commit()
	if frappe.db.get_default(ORDERS_DONE):
		progress(f"service orders: kept as they are ({frappe.db.count('Service Order'):,})")
	else:
		count = orders if orders is not None else frappe.db.count("Property Unit") * 5
		seed_orders(rng, count, progress)
		frappe.db.set_default(ORDERS_DONE, str(count))
		frappe.db.commit()
	make_invoices(progress)
	frappe.db.commit()
	from property_crm.demo_complaints import ensure_complaints  # 8. complaints (a random stream of their own)

	ensure_complaints(complaints, seed + 8, progress)
	from property_crm.demo_fees import seed_fees  # 8. fees: bills, payments, arrears, late fees, notices

	seed_fees(rng, fee_units, fee_months, progress)
	from property_crm.demo_care import seed_care  # 9. care: policies, consent, stale files, notices, events

	seed_care(random.Random(seed + 9), progress)
	from property_crm.demo_surveys import seed_surveys  # 10. surveys: yearly campaigns, after-repair stream

	seed_surveys(rng, progress)
	progress(f"demo ready in {time.monotonic() - started:.0f} s")
	return logins


# ------------------------------------------------------------------ 1. ERPNext's setup
def ensure_setup(company: str | None, progress) -> str:
	if company:
		if not frappe.db.exists("Company", company):
			frappe.throw(f"Company {company} does not exist")
		return company
	if not frappe.db.get_single_value("System Settings", "setup_complete"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		progress("ERPNext setup wizard: a Chinese company (China, CNY, Asia/Shanghai, zh)")
		year = nowdate()[:4]
		frappe.local.lang = "zh"
		result = setup_complete(
			{
				"currency": "CNY",
				"full_name": "物业管理员",
				"company_name": COMPANY,
				"company_abbr": "SFWY",
				"timezone": "Asia/Shanghai",
				"country": "China",
				"language": "简体中文",  # ERPNext looks the language up by its name
				"lang": "简体中文",
				"industry": "Real Estate",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"chart_of_accounts": "Standard",
				"company_tagline": "用心服务每一户",
				# no "email": the wizard would make a System Manager login with every role; the demo's
				# own logins (and the site's Administrator) are the way in
			}
		)
		if result.get("status") != "ok":
			frappe.throw(f"ERPNext setup did not complete: {result}")
		frappe.db.commit()
	found = frappe.db.get_value("Company", {}, "name", order_by="creation asc")
	if not found:
		frappe.throw("ERPNext's setup has run but there is no Company: pass --company")
	return found


# ------------------------------------------------------------------ 4. staff and technicians
def ensure_user(email: str, first_name: str, roles: list[str], password: str, estates=()) -> str:
	if frappe.db.exists("User", email):
		user = frappe.get_doc("User", email)
		if set(roles) - {r.role for r in user.roles}:
			user.add_roles(*roles)
	else:
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"user_type": "System User",
				"language": "zh",
				"send_welcome_email": 0,
				"roles": [{"role": role} for role in roles],
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
		update_password(email, password)
	for estate in estates:
		if not frappe.db.exists(
			"User Permission", {"user": email, "allow": "Property Estate", "for_value": estate}
		):
			frappe.get_doc(
				{"doctype": "User Permission", "user": email, "allow": "Property Estate", "for_value": estate}
			).insert(ignore_permissions=True)
	return email


def ensure_staff(password: str, progress) -> list[dict]:
	logins = []

	def add(email, name, role, estate, roles=None, estates=()):
		ensure_user(email, name, roles or [role], password, estates)
		logins.append({"user": email, "name": name, "role": role, "estate": estate, "password": password})

	add(f"manager@{DOMAIN}", "总经理 孙总", "Property Manager", "all estates")
	# the accountant works in ERPNext's own invoices too
	add(f"accountant@{DOMAIN}", "财务 钱会计", "Property Accountant", "all estates",
		roles=["Property Accountant", "Accounts User"])  # fmt: skip
	for estate, estate_name, manager in frappe.get_all(
		"Property Estate", fields=["name", "estate_name", "manager"], order_by="name", as_list=True
	):
		code = estate.lower()
		add(
			f"{code}.manager@{DOMAIN}", f"{estate_name}项目经理", "Property Manager", estate, estates=[estate]
		)
		add(
			f"{code}.cs@{DOMAIN}", f"{estate_name}客服", "Property Customer Service", estate, estates=[estate]
		)
		if not manager:
			frappe.db.set_value("Property Estate", estate, "manager", f"{code}.manager@{DOMAIN}")
	pools: dict[str, list[str]] = {}
	for login, name, trades in TECHNICIANS:
		email = f"{login}@{DOMAIN}"
		add(email, name, "Property Technician", "all estates")
		for trade in trades:
			pools.setdefault(trade, []).append(email)
	for category in frappe.get_all("Service Category", filters={"is_group": 0}, pluck="name"):
		doc = frappe.get_doc("Service Category", category)
		if doc.technicians or category not in pools:
			continue
		doc.assignment_method = "Load Balancing" if len(pools[category]) > 2 else "Round Robin"
		doc.set("technicians", [{"user": user} for user in pools[category]])
		doc.save(ignore_permissions=True)  # makes the category's Assignment Rule
	progress(f"staff: {len(logins)} logins, {len(TECHNICIANS)} technicians in {len(pools)} category pools")
	return logins


def ensure_items(company: str) -> None:
	"""The materials technicians use, as ERPNext Items (non-stock, sold at the listed rate)."""
	group = (
		frappe.db.get_value("Item Group", {"is_group": 0}, "name", order_by="lft asc") or "All Item Groups"
	)
	uom = "Nos" if frappe.db.exists("UOM", "Nos") else frappe.db.get_value("UOM", {}, "name")
	for code, (name, rate) in demo_orders.MATERIALS.items():
		if frappe.db.exists("Item", code):
			continue
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": name,
				"item_group": group,
				"stock_uom": uom,
				"is_stock_item": 0,
				"is_sales_item": 1,
				"standard_rate": rate,
			}
		).insert(ignore_permissions=True)


# ------------------------------------------------------------------ 5. residents with portal logins
def ensure_portal_residents(rng: random.Random, password: str, progress) -> list[dict]:
	"""Per estate (at most 10): the owner living in the first occupied unit, and in one rented unit a
	tenant who moved in last month after a previous tenant, who filed requests there, moved out."""
	logins = []
	for estate in frappe.get_all("Property Estate", order_by="name", pluck="name", limit=10):
		code = estate.lower()
		owner_row = frappe.db.get_value(
			"Property Unit Occupant",
			{
				"parenttype": "Property Unit",
				"relation": "Owner",
				"parent": ("like", f"{estate}-%"),
				"move_out": ("is", "not set"),
			},
			["resident", "parent"],
			as_dict=True,
			order_by="parent asc",
		)
		if owner_row:
			logins.append(
				portal_login(
					owner_row.resident, f"{code}.owner@{DOMAIN}", password, owner_row.parent, "Owner"
				)
			)
		tenant = ensure_new_tenant(rng, estate, f"{code}.tenant@{DOMAIN}")
		if tenant:
			logins.append(
				portal_login(
					tenant[0], f"{code}.tenant@{DOMAIN}", password, tenant[1], "Tenant, moved in last month"
				)
			)
	progress(f"residents with portal logins: {len(logins)}")
	return logins


def portal_login(resident: str, email: str, password: str, unit: str, role: str) -> dict:
	owner = frappe.get_doc("Property Owner", resident)
	if not owner.user:
		if owner.email != email:
			owner.email = email
			owner.save(ignore_permissions=True)
		accounts.ensure_customer(owner)
		accounts.ensure_portal_user(frappe.get_doc("Property Owner", resident))
		update_password(email, password)
	return {
		"user": owner.user or email,
		"name": owner.full_name,
		"role": f"Resident ({role})",
		"estate": unit,
		"password": password,
	}


def ensure_new_tenant(rng: random.Random, estate: str, email: str) -> tuple[str, str] | None:
	"""(resident, unit) of the estate's demo tenant; made once: in an occupied unit of the estate, the
	owner's file stays, a previous tenant lived there until 32 days ago and a new tenant since 31 days."""
	existing = frappe.db.get_value("Property Owner", {"email": email}, "name")
	if existing:
		unit = frappe.db.get_value(
			"Property Unit Occupant", {"resident": existing, "parenttype": "Property Unit"}, "parent"
		)
		return existing, unit
	unit_name = frappe.db.get_value(
		"Property Unit", {"estate": estate, "status": "Occupied"}, "name", order_by="name desc"
	)
	if not unit_name:
		return None
	today = getdate(nowdate())
	moved_out, moved_in = today - timedelta(days=32), today - timedelta(days=31)
	previous = make_person(rng, "Tenant")
	tenant = make_person(rng, "Tenant", email)
	unit = frappe.get_doc("Property Unit", unit_name)
	for row in unit.occupants:
		row.primary_contact = 0
	unit.status = "Rented"
	unit.append(
		"occupants",
		{
			"resident": previous,
			"relation": "Tenant",
			"move_in": today - timedelta(days=400),
			"move_out": moved_out,
		},
	)
	unit.append(
		"occupants", {"resident": tenant, "relation": "Tenant", "move_in": moved_in, "primary_contact": 1}
	)
	unit.save(ignore_permissions=True)
	frappe.db.set_value("Property Owner", previous, "email", f"{estate.lower()}.former-tenant@{DOMAIN}")
	return tenant, unit_name


def make_person(rng: random.Random, resident_type: str, email: str | None = None) -> str:
	name, gender = demo.chinese_name(rng)
	doc = frappe.get_doc(
		{
			"doctype": "Property Owner",
			"full_name": name,
			"gender": gender,
			"resident_type": resident_type,
			"mobile": demo.mobile(rng),
			"email": email,
			"preferred_channel": "Portal",
			"privacy_consent_date": nowdate(),
		}
	).insert(ignore_permissions=True)
	return doc.name


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
	insert_orders(orders, agreements, people, visitors, now)
	mark_repeats()
	progress(f"service orders: {len(orders):,} over 24 months in {time.monotonic() - started:.0f} s")


def unit_infos() -> list[demo_orders.UnitInfo]:
	primaries = {
		row.parent: row
		for row in frappe.get_all(
			"Property Unit Occupant",
			filters={"parenttype": "Property Unit", "primary_contact": 1},
			fields=["parent", "resident", "move_in"],
			limit_page_length=0,
		)
	}
	out = []
	for unit in frappe.get_all("Property Unit", fields=["name", "estate", "building"], limit_page_length=0):
		primary = primaries.get(unit.name)
		out.append(
			demo_orders.UnitInfo(
				unit.name, unit.estate, unit.building,
				primary.resident if primary else None, getdate(primary.move_in) if primary and primary.move_in else None,
			)
		)  # fmt: skip
	return out


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


def visitors_by_estate() -> dict[str, list[str]]:
	out: dict[str, list[str]] = {}
	clerks = set(
		frappe.get_all(
			"Has Role", filters={"role": "Property Customer Service", "parenttype": "User"}, pluck="parent"
		)
	)
	for row in frappe.get_all(
		"User Permission",
		filters={"allow": "Property Estate", "user": ("in", list(clerks) or [""])},
		fields=["user", "for_value"],
	):
		out.setdefault(row.for_value, []).append(row.user)
	return out


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


def current_series(prefix: str) -> int:
	row = frappe.db.sql("select `current` from `tabSeries` where `name` = %s", prefix)
	return int(row[0][0]) if row else 0


def set_series(prefix: str, number: int) -> None:
	frappe.db.sql(
		"insert into `tabSeries` (`name`, `current`) values (%s, %s) on duplicate key update `current` = %s",
		(prefix, number, number),
	)


ORDER_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series", "subject",
	"service_category", "channel", "status", "unit", "estate", "building", "requester", "requester_name",
	"contact_mobile", "description", "priority", "service_level_agreement", "service_level_agreement_creation",
	"response_by", "sla_resolution_by", "first_responded_on", "completed_on", "sla_resolution_date",
	"agreement_status", "rating", "rating_reasons", "rating_comment", "rated_on", "_assign", "escalation_level",
	"labour_hours", "chargeable_amount", "completion_notes"]  # fmt: skip
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


def insert_orders(orders, agreements, people, visitors, now) -> None:
	admin = "Administrator"
	rows, materials, todos, visits, comments, versions = [], [], [], [], [], []
	visit_last = {}
	for order in orders:
		person = people.get(order["requester"]) if order["requester"] else None
		amount = sum(m["qty"] * m["rate"] for m in order["materials"])
		technician = order["technician"]
		done = order["status"] in ("Completed", "Closed")
		rows.append((
			order["name"], order["creation"], order["modified"], admin, technician or admin, 0, "SO-.YYYY.-",
			order["subject"], order["service_category"], order["channel"], order["status"], order["unit"],
			order["estate"], order["building"], order["requester"], person.full_name if person else None,
			person.mobile if person else None, f"<p>{order['subject']}</p>", order["priority"],
			agreements.get(order["service_category"]), order["creation"], order["response_by"],
			order["sla_resolution_by"], order["first_responded_on"], order["completed_on"],
			order["sla_resolution_date"], order["agreement_status"], order["rating"], order["rating_reasons"],
			order["rating_comment"], order["rated_on"], json.dumps([technician]) if technician else None,
			order["escalation_level"], order["labour_hours"], amount, f"已处理：{order['subject']}" if done else None,
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
			rows, materials, todos, visits, comments, versions = [], [], [], [], [], []
	flush(rows, materials, todos, visits, comments, versions)
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


def mark_repeats(name_like: str = "SO-%") -> None:
	"""What filing sets on each order (`repeat_of`), set for bulk-inserted ones in one statement."""
	frappe.db.sql(
		"""update `tabService Order` so join (
			select name, lag(name) over w as previous, lag(creation) over w as previous_creation, creation
			from `tabService Order` where status != 'Cancelled'
			window w as (partition by unit, service_category order by creation, name)
		) x on x.name = so.name
		set so.repeat_of = x.previous
		where x.previous_creation >= x.creation - interval %(days)s day and so.name like %(like)s""",
		{"days": REPEAT_WINDOW_DAYS, "like": name_like},
	)


# ------------------------------------------------------------------ 7. invoices
def make_invoices(progress, limit: int = 30) -> None:
	"""Draft Sales Invoices for the most recent chargeable repairs (ERPNext's own documents)."""
	from property_crm.services.orders import make_sales_invoice

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


def print_logins(logins: list[dict], echo: Callable[[str], None] = print) -> None:
	echo("")
	echo(
		"Log in at /login (staff: the desk at /app; residents: /property). Password for all: "
		+ (logins[0]["password"] if logins else "")
	)
	echo(f"{'user':<34} {'role':<40} {'estate / unit':<16} name")
	for row in logins:
		echo(f"{row['user']:<34} {row['role']:<40} {row['estate']:<16} {row['name']}")
