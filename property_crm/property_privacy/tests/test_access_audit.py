"""The access audit and the security review, through the doors a user (or an attacker) uses, over real HTTP:
opening a resident file by the form, REST and frappe.client.get each leave an Access Log row for that user (a
refused read none); a Report Builder export of resident files logs how many rows it held; the Personal Data
Access report shows it to a manager and refuses customer service; the unusual-reading alert fires over the
threshold and not under, once a day; the Security Review lists a dormant account and the portal login of a
resident who moved out, its fix disables the user, and only a manager of that user's estate may use it."""

import json
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, now_datetime, nowdate

from property_crm.property_privacy import access_audit, security_review
from property_crm.tests.factories import (
	make_building,
	make_estate,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
)
from property_crm.tests.served import HttpClient

MANAGER = "Property Manager"
CS = "Property Customer Service"
SETTINGS = "Property CRM Settings"


def access_logs(user: str, **filters) -> list[dict]:
	return frappe.get_all(
		"Access Log",
		filters={"user": user, **filters},
		fields=["export_from", "reference_document", "method", "page", "records", "file_type"],
		order_by="creation",
	)


def run_report(client: HttpClient, report: str, filters: dict):
	return client.post(
		"/api/method/frappe.desk.query_report.run",
		data={"report_name": report, "filters": json.dumps(filters)},
	)


class TestAccessAudit(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		cls.other_estate = make_estate()
		building = make_building(cls.estate.name, "1")
		cls.files = [make_owner() for _ in range(3)]
		cls.unit = make_unit(building, "101", floor=1, occupants=[occupant(cls.files[0])])
		cls.manager = make_user([MANAGER], [cls.estate.name])
		cls.cs = make_user([CS], [cls.estate.name])
		cls.technician = make_user(["Property Technician"], [cls.estate.name])
		frappe.db.commit()
		cls.manager_client = HttpClient(cls.manager)
		cls.cs_client = HttpClient(cls.cs)

	def test_form_load_rest_and_client_get_each_log_an_opening(self):
		owner = self.files[1].name
		doors = [
			(
				"Form",
				lambda: self.cs_client.get(
					"/api/method/frappe.desk.form.load.getdoc",
					params={"doctype": "Property Owner", "name": owner},
				),
			),
			("REST", lambda: self.cs_client.get(f"/api/resource/Property Owner/{owner}")),
			("REST", lambda: self.cs_client.get(f"/api/v2/document/Property Owner/{owner}")),
			(
				"frappe.client.get",
				lambda: self.cs_client.get(
					"/api/method/frappe.client.get", params={"doctype": "Property Owner", "name": owner}
				),
			),
			(
				"frappe.client.get",
				lambda: self.cs_client.get(
					"/api/v2/method/frappe.client.get", params={"doctype": "Property Owner", "name": owner}
				),
			),
		]
		for door, call in doors:
			before = len(access_logs(self.cs, reference_document=owner, page=door))
			response = call()
			self.assertEqual(response.status_code, 200, response.text)
			rows = access_logs(self.cs, reference_document=owner, page=door)
			self.assertEqual(len(rows), before + 1, door)
			self.assertEqual(rows[-1].export_from, "Property Owner")
			self.assertEqual(rows[-1].method, "Open")
			self.assertEqual(rows[-1].records, 1)

	def test_the_household_page_logs_its_files(self):
		response = self.cs_client.call(
			"property_crm.property_households.household.household", unit=self.unit.name
		)
		self.assertEqual(response.status_code, 200, response.text)
		rows = access_logs(self.cs, reference_document=self.unit.name, page="Household")
		self.assertEqual([(r.export_from, r.method, r.records) for r in rows], [("Property Unit", "Open", 1)])

	def test_a_refused_read_is_not_logged_as_an_opening(self):
		# a technician reaches only the requesters of his open orders: this file is refused, and not logged
		owner = self.files[2].name
		client = HttpClient(self.technician)
		response = client.get(f"/api/resource/Property Owner/{owner}")
		self.assertEqual(response.status_code, 403, response.text)
		self.assertFalse(access_logs(self.technician, reference_document=owner))

	def test_report_builder_export_logs_the_number_of_rows(self):
		names = [f.name for f in self.files]
		response = self.manager_client.post(
			"/api/method/frappe.desk.reportview.export_query",
			data={
				"doctype": "Property Owner",
				"file_format_type": "CSV",
				"fields": json.dumps(["`tabProperty Owner`.`name`", "`tabProperty Owner`.`full_name`"]),
				"filters": json.dumps([["Property Owner", "name", "in", names]]),
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertIn(names[0], response.text)
		rows = access_logs(
			self.manager, export_from="Property Owner", file_type="CSV", columns=("is", "not set")
		)
		self.assertEqual(len(rows), 1, rows)  # Frappe's own row, with our count: not a second row
		self.assertEqual(rows[0].records, 3)
		self.assertEqual(rows[0].method, "Export")

	def test_data_export_tool_logs_its_records(self):
		names = [f.name for f in self.files]
		response = self.manager_client.post(
			"/api/method/frappe.core.doctype.data_export.exporter.export_data",
			data={
				"doctype": "Property Owner",
				"select_columns": json.dumps({"Property Owner": ["name", "full_name"]}),
				"filters": json.dumps({"name": ["in", names]}),
				"with_data": 1,
				"all_doctypes": "false",
				"file_type": "CSV",
				"template": "true",
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertIn(names[0], response.text)
		# Frappe's own row (it names the columns) with our count
		rows = access_logs(self.manager, export_from="Property Owner", columns=("is", "set"))
		self.assertEqual([(r.file_type, r.records) for r in rows], [("CSV", 3)])

	def test_script_report_download_logs_its_rows(self):
		filters = {"estate": self.estate.name, "months": 12}
		shown = run_report(self.manager_client, "Stale Files", filters)
		self.assertEqual(shown.status_code, 200, shown.text)
		expected = len(shown.json()["message"]["result"])
		self.assertGreaterEqual(expected, 1)
		response = self.manager_client.post(
			"/api/method/frappe.desk.query_report.export_query",
			data={
				"report_name": "Stale Files",
				"file_format_type": "CSV",
				"filters": json.dumps(filters),
				"visible_idx": "[]",
				"include_filters": 1,
				# what the desk sends with "include filters": their labels and values, written above the rows
				"applied_filters": json.dumps(
					{"Estate": self.estate.name, "Not Verified For (months)": "12"}
				),
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		rows = access_logs(self.manager, report_name="Stale Files")
		self.assertEqual(len(rows), 1, rows)
		self.assertEqual((rows[0].method, rows[0].records), ("Export", expected))

	def test_print_preview_and_api_list_reads_are_logged(self):
		owner = self.files[0].name
		response = self.manager_client.post(
			"/api/method/frappe.www.printview.get_html_and_style",
			data={"doc": "Property Owner", "name": owner},
		)
		self.assertEqual(response.status_code, 200, response.text)
		printed = access_logs(self.manager, reference_document=owner, method="Print")
		self.assertEqual(len(printed), 1, printed)
		names = [f.name for f in self.files]
		listed = self.cs_client.get(
			"/api/resource/Property Owner",
			params={
				"filters": json.dumps([["name", "in", names]]),
				"fields": json.dumps(["name", "full_name"]),
			},
		)
		self.assertEqual(listed.status_code, 200, listed.text)
		rows = access_logs(self.cs, page="REST list")
		self.assertEqual(
			[(r.export_from, r.method, r.records) for r in rows], [("Property Owner", "Export", 3)]
		)

	def test_personal_data_access_report_for_managers_only(self):
		owner = self.files[0].name
		self.assertEqual(self.cs_client.get(f"/api/resource/Property Owner/{owner}").status_code, 200)
		# a reveal, as property_privacy.reveal writes it (Frappe's make_access_log, method "Reveal")
		frappe.get_doc(
			{
				"doctype": "Access Log",
				"user": self.cs,
				"export_from": "Property Owner",
				"reference_document": owner,
				"method": "Reveal",
				"filters": "回电核实",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		response = run_report(self.manager_client, "Personal Data Access", {"user": self.cs})
		self.assertEqual(response.status_code, 200, response.text)
		result = response.json()["message"]["result"]
		today = [row for row in result if row["user"] == self.cs and row["day"] == nowdate()]
		self.assertEqual(len(today), 1, result)
		self.assertGreaterEqual(today[0]["opens"], 1)
		self.assertEqual(today[0]["reveals"], 1)
		self.assertGreaterEqual(today[0]["records"], 1)
		refused = run_report(self.cs_client, "Personal Data Access", {"user": self.cs})
		self.assertEqual(refused.status_code, 403, refused.text)

	def test_security_review_is_refused_to_customer_service(self):
		refused = run_report(self.cs_client, "Security Review", {})
		self.assertEqual(refused.status_code, 403, refused.text)


class TestUnusualReadingAlert(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		cls.manager = make_user([MANAGER], [cls.estate.name])
		cls.heavy = make_user([CS], [cls.estate.name])  # usually 2 files a day, 8 today
		cls.light = make_user([CS], [cls.estate.name])  # 3 today: under the threshold
		cls.busy = make_user([CS], [cls.estate.name])  # usually 10 a day, 8 today: not unusual for them
		cls.previous = {
			field: frappe.db.get_single_value(SETTINGS, field)
			for field in ("audit_alert_min_files", "audit_alert_factor")
		}
		frappe.db.set_single_value(SETTINGS, {"audit_alert_min_files": 5, "audit_alert_factor": 3})
		today = now_datetime()
		for days_ago in (1, 2, 3, 5):
			cls.opens(cls.heavy, 2, today - timedelta(days=days_ago))
			cls.opens(cls.busy, 10, today - timedelta(days=days_ago))
		cls.opens(cls.heavy, 8, today)
		cls.opens(cls.busy, 8, today)
		cls.opens(cls.light, 3, today)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.set_single_value(SETTINGS, cls.previous)
		frappe.db.commit()
		super().tearDownClass()

	@staticmethod
	def opens(user: str, files: int, when) -> None:
		for index in range(files):
			log = frappe.get_doc(
				{
					"doctype": "Access Log",
					"user": user,
					"export_from": "Property Owner",
					"reference_document": f"DA-TEST-{user}-{index}",
					"method": "Open",
					"records": 1,
				}
			).insert(ignore_permissions=True)
			frappe.db.set_value("Access Log", log.name, "creation", when, update_modified=False)

	def alerts(self, about: str) -> list[str]:
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": self.manager, "subject": ("like", f"%{about}%")},
			pluck="name",
		)

	def test_alert_over_the_threshold_once_a_day_and_not_under(self):
		access_audit.check_unusual_reads()
		self.assertEqual(len(self.alerts(self.heavy)), 1)
		self.assertEqual(self.alerts(self.light), [])
		self.assertEqual(self.alerts(self.busy), [])
		access_audit.check_unusual_reads()  # the next hour: no second alert today
		self.assertEqual(len(self.alerts(self.heavy)), 1)

	def test_the_managers_of_another_estate_are_not_alerted(self):
		elsewhere = make_user([MANAGER], [make_estate().name])
		self.assertIn(self.manager, access_audit.managers_of(self.heavy))
		self.assertNotIn(elsewhere, access_audit.managers_of(self.heavy))


class TestSecurityReview(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		building = make_building(cls.estate.name, "1")
		cls.manager = make_user([MANAGER], [cls.estate.name])
		cls.cs = make_user([CS], [cls.estate.name])
		cls.dormant = make_user([CS], [cls.estate.name])
		cls.elsewhere = make_user([CS], [make_estate().name])
		long_ago = get_datetime(add_days(nowdate(), -400))
		for user in (cls.dormant, cls.elsewhere):
			frappe.db.set_value("User", user, {"last_login": long_ago, "creation": long_ago})
		cls.moved_out = make_owner(email=f"{unique('out').lower()}@example.com")
		cls.living = make_owner(email=f"{unique('in').lower()}@example.com")
		make_unit(
			building,
			"201",
			floor=2,
			occupants=[
				occupant(cls.moved_out, move_in="2019-01-01", move_out="2024-06-30"),
				occupant(cls.living, move_in="2024-07-01"),
			],
		)
		cls.moved_out_login = portal_login(cls.moved_out)
		cls.living_login = portal_login(cls.living)
		frappe.db.commit()
		cls.manager_client = HttpClient(cls.manager)

	def review(self) -> dict[str, dict]:
		response = run_report(self.manager_client, "Security Review", {})
		self.assertEqual(response.status_code, 200, response.text)
		return {row["user"]: row for row in response.json()["message"]["result"] if isinstance(row, dict)}

	def test_lists_dormant_staff_and_moved_out_portal_logins(self):
		rows = self.review()
		self.assertIn(self.dormant, rows)
		self.assertIn({"action": "disable_user"}, json.loads(rows[self.dormant]["actions"]))
		self.assertIn(self.moved_out_login, rows)
		self.assertIn({"action": "disable_user"}, json.loads(rows[self.moved_out_login]["actions"]))
		self.assertNotIn(self.living_login, rows)
		# a manager of one estate reviews that estate's staff only
		self.assertNotIn(self.elsewhere, rows)
		# staff without a current confidentiality agreement: the fix removes the role
		self.assertIn({"action": "remove_role", "role": CS}, json.loads(rows[self.cs]["actions"]))

	def test_a_system_manager_reviews_everyone(self):
		it = make_user(["System Manager"])
		frappe.db.commit()
		response = run_report(HttpClient(it), "Security Review", {})
		self.assertEqual(response.status_code, 200, response.text)
		users = {row["user"] for row in response.json()["message"]["result"] if isinstance(row, dict)}
		self.assertLessEqual({self.elsewhere, self.moved_out_login}, users)

	def test_the_fix_disables_the_user_and_only_a_manager_may_use_it(self):
		method = "property_crm.property_privacy.security_review.disable_user"
		refused = HttpClient(self.cs).call(method, user=self.dormant)
		self.assertEqual(refused.status_code, 403, refused.text)
		self.assertEqual(frappe.db.get_value("User", self.dormant, "enabled"), 1)
		# a manager of another estate's staff: refused too
		other = self.manager_client.call(method, user=self.elsewhere)
		self.assertEqual(other.status_code, 403, other.text)
		self.assertEqual(frappe.db.get_value("User", self.elsewhere, "enabled"), 1)
		# GET is not a door for a change
		self.assertNotEqual(
			self.manager_client.get(f"/api/method/{method}", params={"user": self.dormant}).status_code, 200
		)
		self.assertEqual(frappe.db.get_value("User", self.dormant, "enabled"), 1)
		done = self.manager_client.call(method, user=self.dormant, reason="离职")
		self.assertEqual(done.status_code, 200, done.text)
		self.assertEqual(frappe.db.get_value("User", self.dormant, "enabled"), 0)
		self.assertTrue(
			frappe.db.exists("Comment", {"reference_doctype": "User", "reference_name": self.dormant})
		)
		self.assertNotIn(self.dormant, self.review())
		# the moved-out resident's portal login
		done = self.manager_client.call(method, user=self.moved_out_login)
		self.assertEqual(done.status_code, 200, done.text)
		self.assertEqual(frappe.db.get_value("User", self.moved_out_login, "enabled"), 0)

	def test_remove_role(self):
		method = "property_crm.property_privacy.security_review.remove_role"
		user = make_user([CS, "Property Accountant"], [self.estate.name])
		frappe.db.commit()
		refused = self.manager_client.call(method, user=user, role="System Manager")
		self.assertEqual(refused.status_code, 417, refused.text)
		done = self.manager_client.call(method, user=user, role=CS)
		self.assertEqual(done.status_code, 200, done.text)
		roles = frappe.get_all("Has Role", filters={"parenttype": "User", "parent": user}, pluck="role")
		self.assertEqual(set(roles) & {CS, "Property Accountant"}, {"Property Accountant"})

	def test_quarterly_tasks_once_per_manager(self):
		made = security_review.create_review_tasks()
		mine = frappe.get_all(
			"ToDo", filters={"allocated_to": self.manager, "name": ("in", made)}, pluck="name"
		)
		self.assertEqual(len(mine), 1)
		self.assertIn("Security Review", frappe.db.get_value("ToDo", mine[0], "description"))
		again = security_review.create_review_tasks()
		self.assertNotIn(
			self.manager,
			frappe.get_all("ToDo", filters={"name": ("in", again or [""])}, pluck="allocated_to"),
		)
