"""Bills on the portal: a resident sees their own invoices and their home's for the time they live there;
never the previous tenant's; the query count does not grow with the number of bills."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_months, set_request
from frappe.website.serve import get_response_content

from property_crm.property_fees import billing as fees
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_estate,
	make_unit,
	occupant,
	page_queries,
	portal_login,
)
from property_crm.tests.fee_factories import invoices_of, make_resident, make_run, make_schedule, pay


def run_months(estate: str, months: list[str]):
	for month in months:
		fees.run(make_run(month, [estate]).name)


class TestPortalBills(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		building = make_building(cls.estate.name, "1")
		cls.owner = make_resident()
		cls.old_tenant = make_resident(resident_type="Tenant")
		cls.new_tenant = make_resident(resident_type="Tenant")
		cls.unit = make_unit(
			building,
			"101",
			floor=1,
			built_up_area=100,
			fee_payer="Tenant",
			occupants=[
				occupant(cls.owner, primary_contact=1, move_in="2020-01-01"),
				occupant(cls.old_tenant, "Tenant", move_in="2025-01-01", move_out="2026-04-14"),
				occupant(cls.new_tenant, "Tenant", move_in="2026-04-15"),
			],
		)
		make_schedule(cls.estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 3}])
		run_months(cls.estate.name, ["2026-03-01", "2026-04-01", "2026-05-01"])
		cls.by_customer = {}
		for invoice in invoices_of(cls.estate.name):
			cls.by_customer.setdefault(invoice.customer, []).append(invoice.name)
		pay(cls.by_customer[cls.new_tenant.customer][0], 50, "2026-04-20")
		cls.users = {who: portal_login(getattr(cls, who)) for who in ("owner", "old_tenant", "new_tenant")}
		frappe.db.commit()

	def test_each_resident_sees_their_own_bills_and_their_homes_for_their_time(self):
		old_bills = self.by_customer[self.old_tenant.customer]  # March, and April 1–14
		new_bills = self.by_customer[self.new_tenant.customer]  # April 15–30, and May
		self.assertEqual((len(old_bills), len(new_bills)), (2, 2))
		self.assertNotIn(self.owner.customer, self.by_customer, "the tenants pay every day")

		newcomer = SiteClient(self.users["new_tenant"])
		html = newcomer.get("/property/bills").get_data(as_text=True)
		for name in new_bills:
			self.assertIn(name, html)
		for name in old_bills:
			self.assertNotIn(name, html)
			self.assertEqual(newcomer.get(f"/property/bills/{name}").status_code, 404)
		page = newcomer.get(f"/property/bills/{new_bills[0]}")
		self.assertEqual(page.status_code, 200)
		self.assertIn("¥50.00", page.get_data(as_text=True))  # their payment
		# the one who moved out keeps their own bills, no more
		leaver = SiteClient(self.users["old_tenant"])
		html = leaver.get("/property/bills").get_data(as_text=True)
		self.assertTrue(all(name in html for name in old_bills))
		self.assertFalse(any(name in html for name in new_bills))
		# the owner lives there on file since 2020: sees the home's lines but not the tenants' payments
		owner = SiteClient(self.users["owner"])
		html = owner.get("/property/bills").get_data(as_text=True)
		self.assertTrue(all(name in html for name in old_bills + new_bills))
		page = owner.get(f"/property/bills/{new_bills[0]}").get_data(as_text=True)
		self.assertNotIn("<h2>Payments</h2>", page)
		self.assertNotIn("/invoices/", page, "ERPNext's invoice page is for the payer only")

	def test_home_links_the_outstanding_figure_to_the_bills(self):
		html = SiteClient(self.users["new_tenant"]).get("/property").get_data(as_text=True)
		self.assertIn('href="/property/bills"', html)

	def test_query_count_does_not_grow_with_the_number_of_bills(self):
		count = page_queries

		user = self.users["new_tenant"]
		bill = self.by_customer[self.new_tenant.customer][0]
		frappe.set_user(user)
		try:
			small = {p: count(p) for p in ("/property/bills", f"/property/bills/{bill}")}
		finally:
			frappe.set_user("Administrator")
		run_months(self.estate.name, [add_months("2026-06-01", i) for i in range(5)])
		frappe.set_user(user)
		try:
			large = {p: count(p) for p in ("/property/bills", f"/property/bills/{bill}")}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(small, large)
		self.assertLess(max(large.values()), 30, large)
