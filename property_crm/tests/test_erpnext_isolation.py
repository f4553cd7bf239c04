"""Issue 18, finding 4: estate isolation reaches the ERPNext and Frappe records of residents (Customer, Contact,
Sales Invoice, Payment Entry, Dunning, Communication, ToDo, File), over real HTTP as an attacker meets it.

Two estates, a resident in each with an order that was charged (its invoice, the resident's Customer and
Contact), paid in part (Payment Entry), overdue (an arrears notice on Dunning), a phone call in the order's
timeline (Communication), a task (ToDo) and a photo (File). A clerk and an accountant restricted to estate A
read A's records through every door and none of B's: `/api/resource`, `frappe.client.get/get_list/
get_value/get_count`, Report Builder (`frappe.desk.reportview.get`) and its export, link search (also asking
to ignore user permissions), print (`/printview`, `get_html_and_style`)."""

import json
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from property_crm.property_service import orders
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
)
from property_crm.tests.fee_factories import pay
from property_crm.tests.served import HttpClient

ITEM = "PCRM-VALVE"


def _png() -> bytes:
	from io import BytesIO

	from PIL import Image

	buffer = BytesIO()
	Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "PNG")
	return buffer.getvalue()


def _household(category):
	"""An estate with a resident whose order was charged, paid in part, overdue and noted in its timeline."""
	from property_crm.property_fees import reminders

	estate = make_estate()
	building = make_building(estate.name, "1")
	resident = make_owner(email=f"{unique('r').lower()}@example.com")
	unit = make_unit(building, "101", floor=1, occupants=[occupant(resident, primary_contact=1)])
	order = make_order(
		unit, category, resident, materials=[{"item": ITEM, "qty": 2, "rate": 35, "chargeable": 1}]
	)
	invoice = frappe.get_doc("Sales Invoice", orders.make_sales_invoice(order.name))
	# overdue, so that an arrears notice (Dunning) can be sent for it
	invoice.set_posting_time = 1
	invoice.posting_date, invoice.due_date = add_days(today(), -60), add_days(today(), -45)
	invoice.payment_schedule = []
	invoice.save()
	invoice.submit()
	payment = pay(invoice.name, 10, add_days(today(), -30))
	dunning = reminders.send_notice(
		invoice.customer, [frappe._dict(name=invoice.name, company=invoice.company)], 1, today()
	)
	customer = frappe.get_doc("Customer", invoice.customer)
	call = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "Phone",
			"communication_type": "Communication",
			"sent_or_received": "Received",
			"subject": f"来电 {resident.mobile}",
			"content": f"{resident.full_name} 来电催修，电话 {resident.mobile}",
			"reference_doctype": "Service Order",
			"reference_name": order.name,
		}
	).insert(ignore_permissions=True)
	photo = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('photo')}.png",
			"content": _png(),
			"is_private": 1,
			"attached_to_doctype": "Service Order",
			"attached_to_name": order.name,
		}
	).insert(ignore_permissions=True)
	return frappe._dict(
		estate=estate.name,
		resident=resident,
		order=order.name,
		records={
			"Customer": customer.name,
			"Contact": frappe.db.get_value("Property Owner", resident.name, "contact"),
			"Sales Invoice": invoice.name,
			"Payment Entry": payment.name,
			"Dunning": dunning,
			"Communication": call.name,
			"File": photo.name,
		},
	)


class TestErpnextRecordsFollowEstates(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		if not frappe.db.exists("Item", ITEM):
			frappe.get_doc(
				{"doctype": "Item", "item_code": ITEM, "item_name": ITEM, "item_group": "All Item Groups",
				 "stock_uom": "Nos", "is_stock_item": 0, "standard_rate": 35}
			).insert()  # fmt: skip
		category = make_category("Never", chargeable=1)
		cls.a, cls.b = _household(category), _household(category)
		# customer service with ERPNext's selling and inbox roles, an accountant with its accounts role
		cls.clerk = make_user(["Property Customer Service", "Sales User", "Inbox User"], [cls.a.estate])
		cls.accountant = make_user(["Property Accountant", "Accounts User"], [cls.a.estate])
		cls.unrestricted = make_user(["Property Accountant", "Accounts User"])
		for place in (cls.a, cls.b):
			# a task on each order for the clerk (Frappe shows a user the ToDos allocated to them)
			place.records["ToDo"] = (
				frappe.get_doc(
					{
						"doctype": "ToDo",
						"allocated_to": cls.clerk,
						"description": f"回访 {place.resident.full_name} {place.resident.mobile}",
						"reference_type": "Service Order",
						"reference_name": place.order,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		frappe.db.commit()  # the HTTP requests run on their own connection
		cls.clients = {}

	def client(self, user):
		if user not in self.clients:
			self.clients[user] = HttpClient(user)
		return self.clients[user]

	def doors(self, user, doctype):
		"""Every door, for A's record (readable) and B's (not)."""
		client = self.client(user)
		mine, theirs = self.a.records[doctype], self.b.records[doctype]
		both = [mine, theirs]
		where = (doctype, user)

		response = client.get(
			f"/api/resource/{quote(doctype)}",
			{"filters": json.dumps([["name", "in", both]]), "limit_page_length": 0},
		)
		self.assertEqual(response.status_code, 200, (where, response.text[:300]))
		self.assertEqual({row["name"] for row in response.json()["data"]}, {mine}, where)
		self.assertEqual(client.get(f"/api/resource/{quote(doctype)}/{quote(mine)}").status_code, 200, where)
		response = client.get(f"/api/resource/{quote(doctype)}/{quote(theirs)}")
		self.assertEqual(response.status_code, 403, (where, response.text[:300]))

		self.assertEqual(
			client.call("frappe.client.get", doctype=doctype, name=theirs).status_code, 403, where
		)
		self.assertEqual(client.call("frappe.client.get", doctype=doctype, name=mine).status_code, 200, where)
		response = client.call(
			"frappe.client.get_list",
			doctype=doctype,
			filters=json.dumps({"name": ["in", both]}),
			limit_page_length=0,
		)
		self.assertEqual({row["name"] for row in response.json()["message"]}, {mine}, where)
		response = client.call(
			"frappe.client.get_value", doctype=doctype, filters=json.dumps({"name": theirs}), fieldname="name"
		)
		self.assertFalse((response.json() or {}).get("message"), (where, response.text[:300]))
		response = client.call(
			"frappe.client.get_count", doctype=doctype, filters=json.dumps({"name": ["in", both]})
		)
		self.assertEqual(response.json()["message"], 1, where)

		response = client.call(
			"frappe.desk.reportview.get",
			doctype=doctype,
			fields=json.dumps([f"`tab{doctype}`.`name`"]),
			filters=json.dumps([[doctype, "name", "in", both]]),
		)
		self.assertEqual(response.status_code, 200, (where, response.text[:300]))
		values = response.json()["message"].get("values", []) if response.json()["message"] else []
		self.assertEqual({row[0] for row in values}, {mine}, where)
		response = client.post(
			"/api/method/frappe.desk.reportview.export_query",
			data={
				"doctype": doctype,
				"file_format_type": "CSV",
				"fields": json.dumps([f"`tab{doctype}`.`name`"]),
				"filters": json.dumps([[doctype, "name", "in", both]]),
			},
		)
		self.assertNotIn(theirs, response.text, where)
		if frappe.permissions.get_role_permissions(frappe.get_meta(doctype), user=user).get("export"):
			self.assertEqual(response.status_code, 200, where)
			self.assertIn(mine, response.text, where)
		else:
			self.assertEqual(response.status_code, 403, where)

		for ignore in (0, 1):
			response = client.call(
				"frappe.desk.search.search_link", doctype=doctype, txt=theirs, ignore_user_permissions=ignore
			)
			self.assertEqual(response.status_code, 200, (where, response.text[:300]))
			self.assertNotIn(theirs, [row["value"] for row in response.json()["message"]], (where, ignore))

		response = client.get("/printview", {"doctype": doctype, "name": theirs})
		self.assertNotEqual(response.status_code, 200, where)
		self.assertNotIn(self.b.resident.mobile, response.text, where)
		response = client.call("frappe.www.printview.get_html_and_style", doc=doctype, name=theirs)
		self.assertEqual(response.status_code, 403, where)
		return client

	def test_clerk_reads_only_her_estates_residents(self):
		for doctype in ("Customer", "Contact", "Communication", "ToDo", "File"):
			with self.subTest(doctype=doctype):
				self.doors(self.clerk, doctype)

	def test_accountant_reads_only_his_estates_bills(self):
		for doctype in ("Sales Invoice", "Payment Entry", "Dunning", "Customer", "Contact"):
			with self.subTest(doctype=doctype):
				self.doors(self.accountant, doctype)

	def test_general_ledger_shows_only_her_estates_residents(self):
		"""ERPNext's General Ledger report reads GL Entry with its permission query conditions (ours among
		them): a restricted accountant's ledger has no line of another estate's resident."""
		invoice = frappe.get_doc("Sales Invoice", self.a.records["Sales Invoice"])
		response = self.client(self.accountant).call(
			"frappe.desk.query_report.run",
			report_name="General Ledger",
			filters=json.dumps(
				{
					"company": invoice.company,
					"from_date": add_days(today(), -90),
					"to_date": today(),
					"group_by": "Group by Voucher (Consolidated)",
					"include_dimensions": 0,
				}
			),
		)
		self.assertEqual(response.status_code, 200, response.text[:500])
		text = json.dumps(response.json()["message"]["result"], ensure_ascii=False)
		for record in ("Sales Invoice", "Payment Entry", "Customer"):
			self.assertIn(self.a.records[record], text, record)
			self.assertNotIn(self.b.records[record], text, record)

	def test_accounts_receivable_shows_only_his_estates_customers(self):
		"""ERPNext's Accounts Receivable (and its Summary) read the payment ledger with user permissions only;
		for a restricted accountant its doors (run, export) are given the customers he may list, so rows and
		totals are his estates' alone, whatever party he asks for. An unrestricted manager sees both."""
		invoice = frappe.get_doc("Sales Invoice", self.a.records["Sales Invoice"])
		filters = {"company": invoice.company, "report_date": today(), "ageing_based_on": "Due Date",
			"range": "30, 60, 90, 120", "party_type": "Customer"}  # fmt: skip
		mine, theirs = self.a.records["Customer"], self.b.records["Customer"]
		for report in ("Accounts Receivable", "Accounts Receivable Summary"):
			for asked in ({}, {"party": [theirs]}, {"party": [mine, theirs]}):
				with self.subTest(report=report, asked=asked):
					response = self.client(self.accountant).call("frappe.desk.query_report.run",
						report_name=report, filters=json.dumps(filters | asked))  # fmt: skip
					self.assertEqual(response.status_code, 200, response.text[:500])
					text = json.dumps(response.json()["message"]["result"], ensure_ascii=False)
					self.assertNotIn(theirs, text)
					self.assertEqual(mine in text, asked != {"party": [theirs]}, text[:300])
			# ERPNext gives no role export on Sales Invoice (the report's doctype); if a site does, it is scoped too
			export = self.client(self.accountant).post("/api/method/frappe.desk.query_report.export_query",
				data={"report_name": report, "file_format_type": "CSV", "filters": json.dumps(filters),
					"visible_idx": "[]", "include_indentation": 0})  # fmt: skip
			self.assertIn(export.status_code, (200, 403), export.text[:300])
			self.assertNotIn(theirs, export.text)
		everyone = self.client(self.unrestricted).call("frappe.desk.query_report.run",
			report_name="Accounts Receivable", filters=json.dumps(filters))  # fmt: skip
		text = json.dumps(everyone.json()["message"]["result"], ensure_ascii=False)
		self.assertIn(mine, text)
		self.assertIn(theirs, text)

	def test_counting_needs_the_right_to_list(self):
		"""Frappe's `frappe.client.get_count` counted any doctype by any filter without a permission check (an
		oracle: "is there a resident with this mobile?"); ours counts what the user may list."""
		technician = make_user(["Property Technician"])
		frappe.db.commit()
		client = HttpClient(technician)
		mobile = self.b.resident.mobile
		filters = json.dumps({"mobile_no": mobile})
		response = client.call("frappe.client.get_count", doctype="Customer", filters=filters)
		self.assertEqual(response.status_code, 403, response.text[:300])
		# a technician lists only the Contacts he made himself (Frappe's "All" role, if owner)
		response = client.call("frappe.client.get_count", doctype="Contact", filters=filters)
		self.assertEqual(response.json()["message"], 0)
		response = self.client(self.clerk).call(
			"frappe.client.get_count", doctype="Customer", filters=json.dumps({"mobile_no": mobile})
		)
		self.assertEqual(response.json()["message"], 0)
		response = self.client(self.clerk).call(
			"frappe.client.get_count",
			doctype="Customer",
			filters=json.dumps({"mobile_no": self.a.resident.mobile}),
		)
		self.assertEqual(response.json()["message"], 1)
		frappe.delete_doc("User", technician, force=True)
		frappe.db.commit()

	def test_order_invoice_carries_estate_unit_and_building(self):
		order = frappe.get_doc("Service Order", self.a.order)
		invoice = frappe.get_doc("Sales Invoice", self.a.records["Sales Invoice"])
		self.assertEqual(
			(invoice.property_estate, invoice.property_unit, invoice.property_building),
			(order.estate, order.unit, order.building),
		)

	def test_link_search_refuses_to_ignore_user_permissions_for_scoped_doctypes(self):
		from property_crm.permissions import search_ignores_permissions

		# every doctype with a permission query condition (of any app), or scoped by estate, keeps its rules
		for doctype in (
			"Customer",
			"Sales Invoice",
			"ToDo",
			"File",
			"Note",
			"Return Visit",
			"Property Estate",
		):
			self.assertFalse(search_ignores_permissions(doctype, 1), doctype)
		self.assertTrue(search_ignores_permissions("Item", 1))
		self.assertFalse(search_ignores_permissions("Item", 0))

	def test_unrestricted_users_get_no_condition(self):
		from property_crm.permissions import resident_record_query_conditions

		accountant = make_user(["Property Accountant", "Accounts User"])
		for doctype in ("Customer", "Sales Invoice", "Communication", "File"):
			self.assertEqual(resident_record_query_conditions(accountant, doctype), "", doctype)
			self.assertTrue(resident_record_query_conditions(self.accountant, doctype), doctype)
		frappe.db.rollback()
