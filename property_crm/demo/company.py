"""The demo's first steps: ERPNext's setup wizard for a Chinese company where it has not run, the staff of
every role (a company-wide manager and accountant, a manager and a customer-service clerk per estate restricted
by User Permission, technicians, cleaners, guards and a gardener in category pools with Assignment Rules),
the fee items, and portal logins for a sample of residents — among them a tenant who moved in last month
into a flat whose previous tenant had filed requests."""

import random
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils import getdate, nowdate
from frappe.utils.password import update_password

from property_crm.demo.generate import orders as demo_orders
from property_crm.demo.generate import people as demo
from property_crm.property_households import accounts

DOMAIN = "example.com"
COMPANY = "示范物业服务有限公司"
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
	# the desk their role needs: Frappe's Module Profile of that role (install.MODULE_PROFILES)
	profile = next((role for role in roles if frappe.db.exists("Module Profile", role)), None)
	if frappe.db.exists("User", email):
		user = frappe.get_doc("User", email)
		if set(roles) - {r.role for r in user.roles}:
			user.add_roles(*roles)
		if profile and user.module_profile != profile:
			user.module_profile = profile
			user.save(ignore_permissions=True)
	else:
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": first_name,
				"user_type": "System User",
				"language": "zh",
				"send_welcome_email": 0,
				"module_profile": profile,
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


def print_logins(logins: list[dict], echo: Callable[[str], None] = print) -> None:
	echo("")
	echo(
		"Log in at /login (staff: the desk at /app; field staff on a phone: /field, dispatchers: /field/board; "
		"residents: /property). Password for all: " + (logins[0]["password"] if logins else "")
	)
	echo(f"{'user':<34} {'role':<40} {'estate / unit':<16} name")
	for row in logins:
		echo(f"{row['user']:<34} {row['role']:<40} {row['estate']:<16} {row['name']}")
