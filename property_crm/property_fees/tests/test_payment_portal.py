"""Paying on the portal, over HTTP: the pay page offers only the resident's payable bills (overdue ones
ticked); an order for a neighbour's bill or a moved-out tenant's old bill is refused and nothing is written;
nobody sees another resident's order, receipt or Payment Entry (portal, API, REST); a payment recorded at
the front desk shows paid on the bill and in the payment history, with the same receipt; the pay page's
query count does not grow with the number of bills."""

import json
import re

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_months

from property_crm.property_fees import billing as fees
from property_crm.property_fees.payments import desk
from property_crm.property_fees.tests.standins import wechat_pay as wechat_standin
from property_crm.tests.factories import (
	make_building,
	make_estate,
	make_unit,
	occupant,
	page_queries,
	portal_login,
)
from property_crm.tests.fee_factories import make_resident, make_run, make_schedule
from property_crm.tests.served import HttpClient

API = "/api/method/property_crm.property_fees.payments.api."
ORDER = "Property Payment Order"


def run_months(estate: str, months: list[str]):
	for month in months:
		fees.run(make_run(month, [estate]).name)


def bills_of(customer: str) -> list[str]:
	return frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1, "property_late_fee_of": ("is", "not set")},
		order_by="posting_date, name",
		pluck="name",
	)


def desk_payment(invoice: str, mode: str = "Cash", amount: float | None = None):
	"""What the front desk does: Sales Invoice → Create → Payment, a mode, (part of) what is owed, submitted."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import get_bank_cash_account

	entry = get_payment_entry("Sales Invoice", invoice)
	entry.mode_of_payment = mode
	entry.paid_to = get_bank_cash_account(mode, entry.company)["account"]  # as the form's mode trigger does
	if amount:
		entry.paid_amount = entry.received_amount = amount
		entry.references[0].allocated_amount = amount
	if mode != "Cash":
		entry.reference_no, entry.reference_date = "DESK-1", entry.posting_date
	entry.insert()
	entry.submit()
	return entry


class TestPaymentPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		desk.after_migrate()
		cls.standin = wechat_standin.start_for_site(commit=False)
		cls.estate = make_estate()
		building = make_building(cls.estate.name, "1")
		cls.owner = make_resident()
		cls.neighbour = make_resident()
		cls.old_tenant = make_resident(resident_type="Tenant")
		cls.new_tenant = make_resident(resident_type="Tenant")
		make_unit(
			building, "101", floor=1, built_up_area=100, occupants=[occupant(cls.owner, primary_contact=1)]
		)
		make_unit(
			building,
			"102",
			floor=1,
			built_up_area=100,
			occupants=[occupant(cls.neighbour, primary_contact=1)],
		)
		make_unit(
			building,
			"103",
			floor=1,
			built_up_area=100,
			fee_payer="Tenant",
			occupants=[
				occupant(make_resident(), primary_contact=1, move_in="2020-01-01"),
				occupant(cls.old_tenant, "Tenant", move_in="2025-01-01", move_out="2026-10-14"),
				occupant(cls.new_tenant, "Tenant", move_in="2026-10-15"),
			],
		)
		make_schedule(cls.estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 3}])
		run_months(cls.estate.name, ["2026-10-01", "2026-11-01"])
		cls.users = {
			who: portal_login(getattr(cls, who)) for who in ("owner", "neighbour", "old_tenant", "new_tenant")
		}
		frappe.db.commit()
		cls.clients = {}

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		frappe.db.set_single_value("WeChat Pay Settings", "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def client(self, who: str) -> HttpClient:
		if who not in self.clients:
			self.clients[who] = HttpClient(self.users[who])
			self.clients[who].get("/property/pay")  # the page hands out the CSRF token
		return self.clients[who]

	def create(self, who: str, bills: list[str]):
		return self.client(who).post(
			API + "create_order",
			data={"bills": json.dumps(bills), "platform": "WeChat Pay", "channel": "native"},
		)

	def test_pay_page_offers_only_the_residents_payable_bills_overdue_ticked(self):
		mine = bills_of(self.owner.customer)
		self.assertEqual(len(mine), 2)
		html = self.client("owner").get("/property/pay").text
		for name in mine:  # October's and November's are both past due (due 15 days after billing)
			self.assertRegex(html, rf'value="{re.escape(name)}"[^>]*checked')
		for name in bills_of(self.neighbour.customer) + bills_of(self.old_tenant.customer):
			self.assertNotIn(name, html)
		self.assertIn("WeChat Pay", html)
		# a computer's browser pays by a QR code (Native); a phone's by H5; WeChat's own browser by JSAPI
		self.assertIn('data-channel="native"', html)
		phone = self.client("owner").get(
			"/property/pay", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile/15E148"}
		)
		self.assertIn('data-channel="h5"', phone.text)
		# the bills page and a bill's page offer to pay, and link the payment history
		bills_page = self.client("owner").get("/property/bills").text
		self.assertIn('href="/property/pay"', bills_page)
		self.assertIn('href="/property/payments"', bills_page)
		self.assertIn(
			f'href="/property/pay?bill={mine[0]}"',
			self.client("owner").get(f"/property/bills/{mine[0]}").text,
		)

	def test_no_platform_enabled_means_no_pay_button(self):
		settings = ("WeChat Pay Settings", "Alipay Settings")
		before = {doctype: frappe.db.get_single_value(doctype, "enabled") for doctype in settings}
		for doctype in settings:
			frappe.db.set_single_value(doctype, "enabled", 0)
		frappe.db.commit()
		try:
			html = self.client("owner").get("/property/pay").text
			self.assertIn("Online payment is not available", html)
			self.assertNotIn('id="pay-now"', html)
			self.assertNotIn('href="/property/pay"', self.client("owner").get("/property/bills").text)
		finally:
			for doctype, value in before.items():
				frappe.db.set_single_value(doctype, "enabled", value)
			frappe.db.commit()

	def test_an_order_for_someone_elses_bill_is_refused_and_nothing_is_written(self):
		before = frappe.db.count(ORDER)
		neighbours = bills_of(self.neighbour.customer)
		response = self.create("owner", [neighbours[0]])
		self.assertEqual(response.status_code, 417, response.text)
		response = self.create("owner", [bills_of(self.owner.customer)[0], neighbours[0]])
		self.assertEqual(response.status_code, 417, response.text)
		# the tenant who moved in on 15 October never pays the one who left's October bill
		old = bills_of(self.old_tenant.customer)
		self.assertTrue(old)
		response = self.create("new_tenant", [old[0]])
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.count(ORDER), before)
		self.assertNotIn(old[0], self.client("new_tenant").get("/property/pay").text)

	def test_nobody_sees_another_residents_order_receipt_or_payment_entry(self):
		mine = bills_of(self.owner.customer)
		response = self.create("owner", [mine[0]])
		self.assertEqual(response.status_code, 200, response.text)
		order = response.json()["message"]["order"]
		own = self.client("owner").get(f"/property/payments/{order}")
		self.assertEqual(own.status_code, 200)
		self.assertIn(order, own.text)
		self.assertEqual(
			self.client("owner").post(API + "order_status", data={"order": order}).status_code, 200
		)
		entry = desk_payment(mine[1], "Bank Card", amount=10)  # part of it: the bill stays payable
		frappe.db.commit()
		self.assertEqual(self.client("owner").get(f"/property/receipts/{entry.name}").status_code, 200)
		neighbour = self.client("neighbour")
		self.assertEqual(neighbour.get(f"/property/payments/{order}").status_code, 404)
		self.assertNotEqual(neighbour.post(API + "order_status", data={"order": order}).status_code, 200)
		self.assertEqual(neighbour.post(API + "retry", data={"order": order}).status_code, 404)
		self.assertEqual(neighbour.get(f"/property/receipts/{entry.name}").status_code, 404)
		self.assertNotIn(order, neighbour.get("/property/payments").text)
		self.assertNotIn(entry.name, neighbour.get("/property/payments").text)
		for path in (f"/api/resource/Payment Entry/{entry.name}", f"/api/resource/{ORDER}/{order}"):
			for who in ("owner", "neighbour"):  # residents have no desk rights, not even on their own
				self.assertIn(self.client(who).get(path).status_code, (403, 404), (who, path))
		# a name that does not exist answers the same as a neighbour's
		self.assertEqual(neighbour.get("/property/receipts/ACC-PAY-2099-99999").status_code, 404)
		self.assertEqual(neighbour.get("/property/payments/PCRM20990101000000123456").status_code, 404)

	def test_a_desk_payment_shows_paid_with_the_same_receipt(self):
		bill = bills_of(self.new_tenant.customer)[0]
		entry = desk_payment(bill, "Cash")
		frappe.db.commit()
		payer = self.client("new_tenant")
		page = payer.get(f"/property/bills/{bill}").text
		self.assertIn(f'href="/property/receipts/{entry.name}"', page)
		self.assertIn("Paid", page)
		history = payer.get("/property/payments").text
		self.assertIn(f'href="/property/receipts/{entry.name}"', history)
		self.assertIn("Cash", history)
		receipt = payer.get(f"/property/receipts/{entry.name}")
		self.assertEqual(receipt.status_code, 200)
		from property_crm.property_fees.rules.receipts import capitals

		for text in (entry.name, bill, "Cash", capitals(entry.received_amount), entry.company):
			self.assertIn(text, receipt.text)
		self.assertIn("window.print()", receipt.text)
		self.assertEqual(self.client("old_tenant").get(f"/property/receipts/{entry.name}").status_code, 404)
		self.assertEqual(self.client("neighbour").get(f"/property/receipts/{entry.name}").status_code, 404)
		# staff print the same receipt: Payment Entry's default print format
		self.assertEqual(frappe.get_meta("Payment Entry").default_print_format, desk.RECEIPT_FORMAT)
		printed = frappe.get_print("Payment Entry", entry.name, desk.RECEIPT_FORMAT)
		for text in (entry.name, bill, capitals(entry.received_amount)):
			self.assertIn(text, printed)

	def test_desk_modes_of_payment_exist_with_accounts(self):
		for mode in ("Cash", "Bank Card", "Bank Transfer"):
			self.assertTrue(
				frappe.db.get_value("Mode of Payment Account", {"parent": mode}, "default_account"), mode
			)

	def test_pay_page_query_count_does_not_grow_with_the_number_of_bills(self):
		user = self.users["neighbour"]
		frappe.set_user(user)
		try:
			small = page_queries("/property/pay")
		finally:
			frappe.set_user("Administrator")
		run_months(self.estate.name, [add_months("2026-12-01", i) for i in range(3)])
		frappe.set_user(user)
		try:
			large = page_queries("/property/pay")
		finally:
			frappe.set_user("Administrator")
		frappe.db.rollback()
		self.assertEqual(small, large)
		self.assertLess(large, 30)
