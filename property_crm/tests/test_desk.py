"""A desk per role, over Frappe's HTTP stack: each staff role's Module Profile shows the workspaces of its
modules and no other, and every number card and dashboard chart of a workspace loads for every role that
sees it (the requests the desk's own widgets send)."""

import json
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_months, today

from property_crm.install import MODULE_PROFILES, ensure_module_profiles
from property_crm.tests.factories import SiteClient, make_building, make_estate, make_unit, make_user

APP = Path(frappe.get_app_path("property_crm"))
SOURCE = "property_crm.property_crm.dashboard_chart_source.counts_by_field.counts_by_field.get"
STAFF = ("Property Manager", "Property Customer Service", "Property Accountant", "Property Technician")


def our_workspaces() -> dict[str, dict]:
	found = {}
	for module in frappe.get_module_list("property_crm"):
		for path in (APP / frappe.scrub(module) / "workspace").glob("*/*.json"):
			if path.stem == path.parent.name:
				record = json.loads(path.read_text(encoding="utf-8"))
				found[record["name"]] = record
	return found


def source_method(source: str) -> str:
	"""The whitelisted method of one of our Dashboard Chart Sources (what its .js names)."""
	module = frappe.db.get_value("Dashboard Chart Source", source, "module")
	folder = frappe.scrub(source)
	return f"property_crm.{frappe.scrub(module)}.dashboard_chart_source.{folder}.{folder}.get"


def report_filters(report: str, chart: dict) -> dict:
	"""The filters the desk sends for a report chart: its own, with the dynamic ones evaluated."""
	filters = json.loads(chart.get("filters_json") or "{}")
	dynamic = json.loads(chart.get("dynamic_filters_json") or "{}")
	values = {"from_date": add_months(today(), -12), "to_date": today(), "as_of": today()}
	return filters | {key: values[key] for key in dynamic}


class TestDeskPerRole(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_module_profiles()
		estate = make_estate().name
		cls.estate = estate
		cls.users = {}
		for role in STAFF:
			user = make_user([role], [estate] if role == "Property Customer Service" else [])
			doc = frappe.get_doc("User", user)
			doc.module_profile = role
			doc.save(ignore_permissions=True)
			cls.users[role] = user
		frappe.db.commit()
		cls.workspaces = our_workspaces()

	def test_every_module_has_a_workspace_with_cards_and_charts(self):
		modules = {w["module"] for w in self.workspaces.values()}
		self.assertEqual(modules, set(frappe.get_module_list("property_crm")))
		for name, workspace in self.workspaces.items():
			self.assertTrue(frappe.db.exists("Workspace", name), name)
			self.assertGreaterEqual(len(workspace["charts"]), 2, name)
			self.assertTrue(workspace["number_cards"], name)
			for chart in workspace["charts"]:
				self.assertTrue(frappe.db.exists("Dashboard Chart", chart["chart_name"]), chart)
			for card in workspace["number_cards"]:
				self.assertTrue(frappe.db.exists("Number Card", card["number_card_name"]), card)

	def test_each_role_sees_the_workspaces_of_its_modules_only(self):
		for role, user in self.users.items():
			response = SiteClient(user).get("/api/method/frappe.desk.desktop.get_workspace_sidebar_items")
			self.assertEqual(response.status_code, 200, response.text)
			shown = {page["name"] for page in response.json["message"]["pages"]} & set(self.workspaces)
			expected = {
				name
				for name, w in self.workspaces.items()
				if w["module"] in MODULE_PROFILES[role] and role in {r["role"] for r in w["roles"]}
			}
			self.assertEqual(shown, expected, role)
		# what a person would notice: the accountant's desk is fees and master data, the technician's his work
		self.assertEqual(self.visible("Property Accountant"), {"Property Households", "Property Fees"})
		self.assertEqual(self.visible("Property Technician"), {"Property Service"})
		self.assertNotIn("Property Fees", self.visible("Property Customer Service"))

	def visible(self, role: str) -> set[str]:
		return {
			name
			for name, w in self.workspaces.items()
			if w["module"] in MODULE_PROFILES[role] and role in {r["role"] for r in w["roles"]}
		}

	def test_every_card_and_chart_loads_for_every_role_that_sees_it(self):
		for role in STAFF:
			client = SiteClient(self.users[role])
			for name in self.visible(role):
				workspace = self.workspaces[name]
				page = client.post(
					"/api/method/frappe.desk.desktop.get_desktop_page",
					{"page": json.dumps({"name": name, "title": name, "public": 1})},
				)
				self.assertEqual(page.status_code, 200, (role, name, page.text))
				page = page.json["message"]
				self.assertEqual(
					len(page["number_cards"]["items"]), len(workspace["number_cards"]), (role, name, "cards")
				)
				self.assertEqual(
					len(page["charts"]["items"]), len(workspace["charts"]), (role, name, "charts")
				)
				for card in workspace["number_cards"]:
					self.assert_card_loads(client, role, card["number_card_name"])
				for chart in workspace["charts"]:
					self.assert_chart_loads(client, role, chart["chart_name"])

	def assert_card_loads(self, client, role, name):
		card = frappe.get_doc("Number Card", name)
		if card.type == "Custom":
			response = client.post(f"/api/method/{card.method}", {"filters": "{}"})
		else:
			response = client.post(
				"/api/method/frappe.desk.doctype.number_card.number_card.get_result",
				{"doc": card.as_json(), "filters": card.filters_json},
			)
		self.assertEqual(response.status_code, 200, (role, name, response.text))

	def assert_chart_loads(self, client, role, name):
		chart = frappe.get_doc("Dashboard Chart", name).as_dict()
		if chart.chart_type == "Report":
			response = client.post(
				"/api/method/frappe.desk.query_report.run",
				{
					"report_name": chart.report_name,
					"filters": json.dumps(report_filters(chart.report_name, chart)),
				},
			)
		elif chart.chart_type == "Custom":  # our source, as the chart widget calls it
			response = client.post(
				f"/api/method/{source_method(chart.source)}",
				{"chart_name": name, "filters": chart.filters_json},
			)
		else:
			response = client.post(
				"/api/method/frappe.desk.doctype.dashboard_chart.dashboard_chart.get", {"chart_name": name}
			)
		self.assertEqual(response.status_code, 200, (role, name, response.text))
		# every chart of ours is drawn by our reports or our source: none from Frappe's cached per-chart result
		self.assertIn(chart.chart_type, ("Report", "Custom"), name)

	def test_arrears_card_loads_for_a_manager_and_is_refused_to_a_technician(self):
		manager = SiteClient(self.users["Property Manager"])
		response = manager.post("/api/method/property_crm.property_fees.late_fees.arrears_card", {})
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json["message"]["fieldtype"], "Currency")
		technician = SiteClient(self.users["Property Technician"])
		response = technician.post("/api/method/property_crm.property_fees.late_fees.arrears_card", {})
		self.assertEqual(response.status_code, 403, response.text)

	def test_satisfaction_cards_are_never_green(self):
		for name in ("CSAT (90 days)", "NPS (90 days)"):
			self.assertNotIn(frappe.db.get_value("Number Card", name, "color"), ("#29CD42", "green", "Green"))
		for name in ("Overdue Service Orders", "Overdue Complaints", "Arrears"):
			self.assertEqual(frappe.db.get_value("Number Card", name, "color"), "#E24C4C", name)

	def test_counts_by_field_speak_the_readers_language_and_refuse_other_doctypes(self):
		manager = self.users["Property Manager"]
		frappe.db.set_value("User", manager, "language", "zh")
		frappe.db.commit()
		client = SiteClient(manager)
		filters = {"doctype": "Property Unit", "field": "status", "conditions": []}
		response = client.post(f"/api/method/{SOURCE}", {"filters": json.dumps(filters), "no_cache": 1})
		self.assertEqual(response.status_code, 200, response.text)
		labels = response.json["message"]["labels"]
		self.assertTrue(labels)
		self.assertFalse({"Occupied", "Vacant", "Rented", "Renovating"} & set(labels), labels)
		# an attacker's filters: a doctype not ours, a field that is not one, SQL in the field
		for doctype, field in (("User", "role_profile_name"), ("Property Unit", "nonexistent"),
			("Property Unit", "status) union select name from tabUser -- ")):  # fmt: skip
			bad = {"doctype": doctype, "field": field}
			response = client.post(f"/api/method/{SOURCE}", {"filters": json.dumps(bad), "no_cache": 1})
			self.assertIn(response.status_code, (403, 417), (doctype, field, response.text))
			self.assertNotIn("Administrator", response.text)
		# a technician counts only what he may read: the resident register is not his
		technician = SiteClient(self.users["Property Technician"])
		owners = {"doctype": "Property Owner", "field": "resident_type", "conditions": []}
		response = technician.post(f"/api/method/{SOURCE}", {"filters": json.dumps(owners), "no_cache": 1})
		total = sum(response.json["message"]["datasets"][0]["values"]) if response.status_code == 200 else 0
		self.assertEqual(total, 0, response.text)

	def test_counts_are_each_readers_own_never_another_readers_cached_figure(self):
		"""An estate's clerk counts only the units of their estate, asked right after a manager who sees all."""
		other = make_estate().name
		building = make_building(other)
		for number in ("101", "102", "103"):
			make_unit(building, unit_number=number, status="Renovating")
		frappe.db.commit()
		chart = {"chart_name": "Units by Status"}
		manager = SiteClient(self.users["Property Manager"]).post(f"/api/method/{SOURCE}", chart)
		clerk = SiteClient(self.users["Property Customer Service"]).post(f"/api/method/{SOURCE}", chart)
		self.assertEqual(manager.status_code, 200, manager.text)
		self.assertEqual(clerk.status_code, 200, clerk.text)
		in_all = sum(manager.json["message"]["datasets"][0]["values"])
		mine = sum(clerk.json["message"]["datasets"][0]["values"])
		self.assertGreaterEqual(in_all, 3)
		estate_units = frappe.db.count("Property Unit", {"estate": self.estate})
		self.assertEqual(mine, estate_units)  # the clerk's estate only, not the manager's figure
		months = SiteClient(self.users["Property Manager"]).post(
			f"/api/method/{SOURCE}", {"chart_name": "Care Events per Month"}
		)
		self.assertEqual(months.status_code, 200, months.text)
		self.assertEqual(len(months.json["message"]["labels"]), 12)
