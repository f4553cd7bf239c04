"""The billing run on ERPNext Sales Invoices: amounts per basis, payers and proration, and idempotency under
a repeated run, two runs at once and a run killed half-way."""

from threading import Barrier, Thread
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from property_crm.property_fees import billing as fees
from property_crm.tests.factories import make_building, make_estate, make_unit, occupant
from property_crm.tests.fee_factories import (
	charges_of,
	invoices_of,
	make_estate_with_units,
	make_resident,
	make_run,
	make_schedule,
)

MARCH = "2026-03-01"


class TestBillingAmounts(FrappeTestCase):
	def test_one_invoice_per_payer_with_a_line_per_fee_unit_and_period(self):
		estate = make_estate()
		building = make_building(estate.name, "1")
		owner = make_resident()
		unit = make_unit(
			building, "101", floor=1, occupants=[occupant(owner, primary_contact=1)], parking_spaces=2
		)
		second = make_unit(
			building, "102", floor=1, occupants=[occupant(owner)], built_up_area=60, inner_area=50
		)
		make_schedule(
			estate.name,
			[
				{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2.35},
				{"fee_item": fees.PARKING, "basis": "Per Parking Space", "rate": 150},
				{"fee_item": fees.WATER, "basis": "Metered", "rate": 4.2, "timing": "Postpaid",
					"meter_type": "Water"},
				{"fee_item": fees.GAS, "basis": "Fixed per Unit", "rate": 99, "frequency": "Quarterly"},
			],
		)  # fmt: skip
		frappe.get_doc(
			{
				"doctype": "Property Meter Reading",
				"unit": unit.name,
				"meter_type": "Water",
				"period": "2026-02-10",
				"previous_reading": 100,
				"current_reading": 112.5,
			}
		).insert()
		fees.run(make_run(MARCH, [estate.name]).name)

		(invoice,) = invoices_of(estate.name)
		doc = frappe.get_doc("Sales Invoice", invoice.name)
		self.assertEqual(doc.customer, owner.customer)
		self.assertEqual(doc.docstatus, 1)
		self.assertEqual(doc.property_billing_period, "2026-03")
		lines = {(row.property_unit, row.item_code): row for row in doc.items}
		self.assertEqual(
			len(lines), 4
		)  # 2 property fees, 1 parking (102 has no space), 1 water (102 no reading); no gas
		fee = lines[(unit.name, fees.PROPERTY_FEE)]
		self.assertEqual((fee.qty, fee.rate, fee.amount), (98.5, 2.35, 231.48))  # 231.475 rounded half-up
		self.assertEqual((fee.property_period, str(fee.property_period_from)), ("2026-03", "2026-03-01"))
		self.assertEqual(lines[(second.name, fees.PROPERTY_FEE)].amount, 141.0)
		self.assertEqual(lines[(unit.name, fees.PARKING)].amount, 300.0)
		water = lines[(unit.name, fees.WATER)]
		self.assertEqual((water.qty, water.amount, water.property_period), (12.5, 52.5, "2026-02"))
		self.assertTrue(water.property_meter_reading)
		self.assertEqual(flt(doc.outstanding_amount), flt(doc.grand_total))
		self.assertEqual(flt(doc.grand_total), 231.48 + 141 + 300 + 52.5)
		self.assertEqual(str(doc.due_date), "2026-03-16")

		# April: the quarterly gas fee joins (prepaid, second quarter)
		fees.run(make_run("2026-04-01", [estate.name]).name)
		april = [i for i in invoices_of(estate.name) if i.name != invoice.name]
		items = frappe.get_all("Sales Invoice Item", filters={"parent": april[0].name}, pluck="item_code")
		self.assertEqual(items.count(fees.GAS), 2)

	def test_a_tenant_who_moves_in_mid_month_pays_their_days_and_the_owner_the_rest(self):
		estate = make_estate()
		building = make_building(estate.name, "1")
		owner, tenant = make_resident(), make_resident(resident_type="Tenant")
		make_unit(
			building,
			"101",
			floor=1,
			built_up_area=100,
			fee_payer="Tenant",
			occupants=[
				occupant(owner, primary_contact=1),
				occupant(tenant, "Tenant", move_in="2026-03-11"),
			],
		)
		make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 3.1}])
		run = make_run(MARCH, [estate.name])
		preview = frappe.get_attr("property_crm.property_fees.api.dry_run")(run.name)["summary"]
		self.assertEqual(preview["invoices"], 2)
		self.assertEqual(preview["total"], 100.0 + 210.0)
		self.assertFalse(invoices_of(estate.name), "a dry run bills nothing")
		fees.run(run.name)
		by_customer = {i.customer: i.grand_total for i in invoices_of(estate.name)}
		self.assertEqual(by_customer, {owner.customer: 100.0, tenant.customer: 210.0})  # 310 × 10/31, × 21/31

	def test_an_approved_discount_applies_a_draft_one_does_not(self):
		estate, _b, units, _owners = make_estate_with_units(2, built_up_area=100)
		make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2}])
		override = frappe.get_doc(
			{
				"doctype": "Property Fee Override",
				"unit": units[0].name,
				"fee_item": fees.PROPERTY_FEE,
				"kind": "Discount %",
				"value": 50,
				"effective_from": "2026-01-01",
				"reason": "孤寡老人减免",
			}
		).insert()
		bills, _skipped = fees.plan(MARCH, estate.company, [estate.name])
		self.assertEqual(sorted(float(b.total) for b in bills), [200.0, 200.0])
		override.submit()  # the approval
		self.assertEqual(override.approved_by, "Administrator")
		bills, _skipped = fees.plan(MARCH, estate.company, [estate.name])
		self.assertEqual(sorted(float(b.total) for b in bills), [100.0, 200.0])


class TestBillingIdempotency(FrappeTestCase):
	def test_a_repeated_run_bills_nothing_twice(self):
		estate, _b, _units, _owners = make_estate_with_units(3)
		make_schedule(estate.name)
		run = make_run(MARCH, [estate.name])
		fees.run(run.name)
		first = invoices_of(estate.name)
		self.assertEqual(len(first), 3)
		fees.run(run.name)  # the same run again
		fees.run(make_run(MARCH, [estate.name]).name)  # and a new run for the same month
		self.assertEqual(invoices_of(estate.name), first)
		self.assertEqual(len(charges_of(estate.name)), 3)
		second = frappe.get_doc("Property Billing Run", run.name)
		self.assertEqual((second.invoices_made, second.already_billed, second.status), (3, 3, "Completed"))

	def test_the_unique_index_refuses_a_second_share_even_without_the_check(self):
		"""Structural: with the plan's own check of what is billed switched off, the index still refuses."""
		estate, _b, _units, _owners = make_estate_with_units(2)
		make_schedule(estate.name)
		fees.run(make_run(MARCH, [estate.name]).name)
		with patch("property_crm.property_fees.billing._billed", return_value=set()):
			run = make_run(MARCH, [estate.name])
			fees.run(run.name)
		self.assertEqual(len(invoices_of(estate.name)), 2)
		self.assertEqual(frappe.db.get_value("Property Billing Run", run.name, "already_billed"), 2)

	def test_a_run_killed_half_way_is_completed_by_the_next_without_double_billing(self):
		estate, _b, _units, _owners = make_estate_with_units(5)
		make_schedule(estate.name)
		real = fees.make_invoice
		calls = {"n": 0}

		def dies_on_the_third(*args, **kwargs):
			calls["n"] += 1
			name = real(*args, **kwargs)
			if calls["n"] == 3:
				raise SystemExit("killed")  # after the invoice is made, before its transaction commits
			return name

		run = make_run(MARCH, [estate.name])
		with patch("property_crm.property_fees.billing.make_invoice", side_effect=dies_on_the_third):
			with self.assertRaises(SystemExit):
				fees.run(run.name)
		frappe.db.rollback()  # what a killed worker's connection does
		self.assertEqual(len(invoices_of(estate.name)), 2)
		self.assertEqual(len(charges_of(estate.name)), 2)
		fees.run(run.name)
		invoices = invoices_of(estate.name)
		self.assertEqual(len(invoices), 5)
		self.assertEqual(len({i.customer for i in invoices}), 5)
		self.assertEqual(len(charges_of(estate.name)), 5)
		self.assertTrue(all(c[5] for c in charges_of(estate.name)), "every share is on an invoice")

	def test_two_runs_at_once_on_separate_connections_bill_each_share_once(self):
		estate, _b, _units, _owners = make_estate_with_units(6)
		make_schedule(estate.name)
		runs = [make_run(MARCH, [estate.name]).name, make_run(MARCH, [estate.name]).name]
		frappe.db.commit()  # the other connections must see the estate, units and runs
		site, barrier, failures = frappe.local.site, Barrier(2), []

		def worker(run_name):
			frappe.init(site=site)
			frappe.connect()
			try:
				frappe.set_user("Administrator")
				barrier.wait()
				fees.run(run_name)
			except Exception as e:
				failures.append(e)
			finally:
				frappe.destroy()

		threads = [Thread(target=worker, args=(name,)) for name in runs]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		frappe.db.rollback()
		self.assertFalse(failures)
		invoices = invoices_of(estate.name)
		self.assertEqual(len(invoices), 6)
		self.assertEqual(len({i.customer for i in invoices}), 6)
		made = [
			frappe.db.get_value("Property Billing Run", n, ["invoices_made", "already_billed"]) for n in runs
		]
		self.assertEqual(sum(m[0] for m in made), 6)
		self.assertEqual(sum(m[1] for m in made), 6)  # what one made, the other found billed

	def test_cancelling_an_invoice_frees_its_shares_for_a_corrected_bill(self):
		estate, _b, _units, _owners = make_estate_with_units(1)
		make_schedule(estate.name)
		fees.run(make_run(MARCH, [estate.name]).name)
		(invoice,) = invoices_of(estate.name)
		frappe.get_doc("Sales Invoice", invoice.name).cancel()
		self.assertFalse(charges_of(estate.name))
		fees.run(make_run(MARCH, [estate.name]).name)
		self.assertEqual(len(invoices_of(estate.name)), 1)

	def test_draft_invoices_when_asked(self):
		estate, _b, _units, _owners = make_estate_with_units(1)
		make_schedule(estate.name)
		fees.run(make_run(MARCH, [estate.name], submit=0).name)
		(invoice,) = invoices_of(estate.name)
		self.assertEqual(invoice.docstatus, 0)


class TestBillingPermissions(FrappeTestCase):
	def test_only_fee_staff_run_billing_and_nobody_writes_shares(self):
		from property_crm.tests.factories import SiteClient, make_user

		estate, _b, units, owners = make_estate_with_units(1)
		make_schedule(estate.name)
		run = make_run(MARCH, [estate.name])
		clerk = make_user(["Property Customer Service"])
		frappe.db.commit()
		client = SiteClient(clerk)
		response = client.post(
			"/api/method/property_crm.property_fees.api.dry_run", {"billing_run": run.name}
		)
		self.assertEqual(response.status_code, 403, response.text[:2000])
		response = client.post(
			"/api/resource/Property Billing Run",
			{"period": MARCH, "company": estate.company, "estates": [{"estate": estate.name}]},
		)
		self.assertEqual(response.status_code, 403)
		accountant_user = make_user(["Property Accountant"])
		frappe.db.commit()
		accountant = SiteClient(accountant_user)
		response = accountant.post(
			"/api/resource/Property Fee Charge",
			{"unit": units[0].name, "fee_item": fees.PROPERTY_FEE, "period": "2026-03",
				"customer": owners[0].customer},
		)  # fmt: skip
		self.assertEqual(response.status_code, 403, response.text[:500])
		# the accountant runs billing
		response = accountant.post(
			"/api/method/property_crm.property_fees.api.dry_run", {"billing_run": run.name}
		)
		self.assertEqual(response.status_code, 200, response.text[:500])
		self.assertEqual(response.json["message"]["summary"]["invoices"], 1)
