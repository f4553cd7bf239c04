"""Partial payments → ERPNext outstanding → Arrears Ageing; late fees from the payment history; waivers;
arrears badges; meter readings."""

from datetime import date
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from property_crm.property_fees import billing as fees
from property_crm.property_fees import late_fees
from property_crm.property_fees.report.arrears_ageing import arrears_ageing
from property_crm.property_fees.rules import fees as rules
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_estate,
	make_unit,
	make_user,
	occupant,
)
from property_crm.tests.fee_factories import (
	invoices_of,
	make_estate_with_units,
	make_resident,
	make_run,
	make_schedule,
	pay,
)

MARCH = "2026-03-01"
DUE = date(2026, 3, 16)


def billed_estate(units: int = 1, area: float = 100, rate: float = 2):
	estate, building, made, owners = make_estate_with_units(units, built_up_area=area, inner_area=area * 0.8)
	make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": rate}])
	fees.run(make_run(MARCH, [estate.name]).name)
	return estate, building, made, owners


def two_units_on_one_bill():
	"""One owner's units of 100 m² and 50 m² at 2 a m², billed for March on one invoice (200 + 100)."""
	estate = make_estate()
	building = make_building(estate.name, "1")
	owner = make_resident()
	big = make_unit(
		building, "101", floor=1, built_up_area=100, occupants=[occupant(owner, primary_contact=1)]
	)
	small = make_unit(building, "102", floor=1, built_up_area=50, inner_area=40, occupants=[occupant(owner)])
	make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2}])
	fees.run(make_run(MARCH, [estate.name]).name)
	(invoice,) = invoices_of(estate.name)
	return estate, big, small, invoice


class TestArrears(FrappeTestCase):
	def test_partial_payments_show_in_outstanding_and_ageing(self):
		estate, _b, units, _owners = billed_estate(2)
		first, _second = invoices_of(estate.name)
		pay(first.name, 50, "2026-03-20")
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", first.name, "outstanding_amount")), 150)
		# 46 days after the due date: both in 31–60; by unit the paid part is gone from the first
		_cols, data, *_ = arrears_ageing.execute(
			{"as_of": "2026-05-01", "group_by": "Unit", "estate": estate.name}
		)
		by_unit = {row["group"]: row for row in data}
		self.assertEqual(flt(by_unit[units[0].name]["d31_60"]), 150)
		self.assertEqual(flt(by_unit[units[1].name]["d31_60"]), 200)
		self.assertEqual(flt(by_unit[units[0].name]["d0_30"]), 0)
		_cols, data, *_ = arrears_ageing.execute({"as_of": "2026-03-10", "estate": estate.name})
		self.assertEqual((flt(data[0]["not_due"]), flt(data[0]["total"])), (350, 350))
		_cols, data, *_ = arrears_ageing.execute({"as_of": "2026-07-01", "estate": estate.name})
		self.assertEqual(flt(data[0]["d90"]), 350)
		pay(first.name, 150, "2026-04-01")
		_cols, data, *_ = arrears_ageing.execute({"as_of": "2026-07-01", "estate": estate.name})
		self.assertEqual((flt(data[0]["d90"]), data[0]["invoices"]), (200, 1))

	def test_an_invoice_for_two_units_owes_each_unit_its_share(self):
		_estate, big, small, invoice = two_units_on_one_bill()
		pay(invoice.name, 150, "2026-03-20")
		owed = fees.outstanding_of_units([big.name, small.name])
		self.assertEqual(owed, {big.name: 100.0, small.name: 50.0})
		# Arrears Ageing by unit, building and estate: each unit its share of the one invoice
		by = {
			group: {
				r["group"]: r for r in arrears_ageing.execute({"as_of": "2026-05-01", "group_by": group})[1]
			}
			for group in ("Unit", "Building", "Estate")
		}
		self.assertEqual({u: (flt(by["Unit"][u]["total"], 2), by["Unit"][u]["invoices"]) for u in owed},
			{big.name: (100.0, 1), small.name: (50.0, 1)})  # fmt: skip
		self.assertEqual(
			(flt(by["Building"][big.building]["total"], 2), by["Building"][big.building]["units"]), (150, 2)
		)
		estate_row = by["Estate"][big.estate]
		self.assertEqual(
			(flt(estate_row["total"], 2), estate_row["invoices"], estate_row["units"]), (150, 1, 2)
		)

	def test_an_invoice_carries_the_unit_and_building_of_all_its_lines(self):
		estate, building, units, _owners = billed_estate(1)
		(one,) = invoices_of(estate.name)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", one.name, ["property_unit", "property_building"]),
			(units[0].name, building.name),
		)
		_estate, big, small, two = two_units_on_one_bill()
		# a bill of two units has no one unit, but both are in one building
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", two.name, ["property_unit", "property_building"]),
			(None, big.building),
		)
		# both kinds in one report, filtered by building: each unit once, each invoice once
		other = make_unit(frappe.get_doc("Property Building", big.building), "103", floor=1, built_up_area=80, inner_area=64,
			occupants=[occupant(make_resident(), primary_contact=1)])  # fmt: skip
		fees.run(make_run("2026-04-01", [big.estate]).name)
		april = {i.name for i in invoices_of(big.estate)} - {two.name}
		self.assertEqual(len(april), 2, "April: the owner's two units on one bill, the new unit on its own")
		single = next(i for i in april if frappe.db.get_value("Sales Invoice", i, "property_unit"))
		self.assertEqual(frappe.db.get_value("Sales Invoice", single, "property_unit"), other.name)
		_cols, data, *_ = arrears_ageing.execute(
			{"as_of": "2026-05-01", "group_by": "Unit", "building": big.building}
		)
		by_unit = {r["group"]: (flt(r["total"], 2), r["invoices"]) for r in data}
		self.assertEqual(by_unit, {big.name: (400.0, 2), small.name: (200.0, 2), other.name: (160.0, 1)})
		_cols, data, *_ = arrears_ageing.execute({"as_of": "2026-05-01", "building": big.building})
		self.assertEqual(
			[(r["group"], flt(r["total"], 2), r["invoices"], r["units"]) for r in data],
			[(big.estate, 760.0, 3, 3)],
		)

	def test_outstanding_invoices_and_their_lines_are_read_from_our_indexes(self):
		from property_crm.install import HOST_INDEXES

		for doctype, (index, _columns) in HOST_INDEXES.items():
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", index), index)
		# what a one-unit invoice owes, by estate, building and unit, from the index alone
		one_unit = arrears_ageing.SHARES.split("union all")[0].format(one_building="")
		one_unit = one_unit.replace(
			"`tabSales Invoice` si", "`tabSales Invoice` si force index (property_crm_outstanding)"
		)
		plan = frappe.db.sql("explain " + one_unit, {"estates": ("x",)}, as_dict=True)
		self.assertTrue(all("Using index" in (row.Extra or "") for row in plan), plan)
		# ERPNext's Dunning counts each overdue payment's earlier notices by schedule row: from our index,
		# not by reading every notice ever sent
		query = frappe.get_all(
			"Overdue Payment",
			filters={"payment_schedule": "x", "parent": ("!=", "y"), "docstatus": 1},
			run=False,
		)
		(plan,) = frappe.db.sql("explain " + query, as_dict=True)
		self.assertEqual(plan.key, "property_crm_schedule_notices", plan)
		plan = frappe.db.sql(
			"explain select sum(si.outstanding_amount * it.base_net_amount / si.base_net_total) "
			# both indexes forced: the plan MariaDB picks between our covering index and ERPNext's `parent`
			# index (equal prefixes) turns with the table's statistics; what is asserted is that ours covers it
			"from `tabSales Invoice` si force index (property_crm_outstanding) "
			"join `tabSales Invoice Item` it force index (property_crm_unit_share) "
			"on it.parent = si.name and it.parenttype = 'Sales Invoice' where si.docstatus = 1 "
			"and si.outstanding_amount > 0 and si.base_net_total > 0",
			as_dict=True,
		)
		self.assertTrue(all("Using index" in (row.Extra or "") for row in plan), plan)

	def test_ageing_respects_estate_restrictions(self):
		estate, *_ = billed_estate(1)
		other, *_ = billed_estate(1)
		clerk = make_user(["Property Accountant"], estates=[estate.name])
		frappe.set_user(clerk)
		try:
			_cols, data, *_ = arrears_ageing.execute({"as_of": "2026-05-01"})
		finally:
			frappe.set_user("Administrator")
		self.assertIn(estate.name, {row["group"] for row in data})
		self.assertNotIn(other.name, {row["group"] for row in data})

	def test_arrears_badge_for_staff(self):
		_estate, _b, units, owners = billed_estate(1)
		self.assertEqual(late_fees.arrears_badge("Property Unit", units[0].name)["outstanding"], 200.0)
		badge = late_fees.arrears_badge("Property Owner", owners[0].name)
		self.assertEqual((badge["outstanding"], badge["overdue"]), (200.0, 200.0))
		self.assertIn("never delay", badge["policy"])


class TestLateFees(FrappeTestCase):
	def test_late_fee_follows_the_payment_history_and_is_billed_when_settled(self):
		estate, _b, _units, owners = billed_estate(1)
		(invoice,) = invoices_of(estate.name)
		pay(invoice.name, 50, "2026-03-25")
		late_fees.daily("2026-04-10")
		late = frappe.get_doc("Property Late Fee", {"sales_invoice": invoice.name})
		expected = rules.late_fee(
			200, DUE, date(2026, 4, 10), [(date(2026, 3, 25), 50)], Decimal("0.0005"), 5, Decimal(1)
		)
		self.assertEqual(
			(flt(late.accrued_amount), late.accrued_days), (float(expected.amount), expected.days)
		)
		self.assertEqual(late.status, "Accruing")
		# 5 days of grace: 22–24 March on 200, 25 March – 10 April on 150
		self.assertEqual(flt(late.accrued_amount), 1.58)  # 1.575 rounded half-up
		pay(invoice.name, 150, "2026-04-05")
		late_fees.daily("2026-04-20")
		late.reload()
		self.assertEqual(late.status, "Billed")
		self.assertEqual(flt(late.accrued_amount), 1.13)  # 3 × 0.10 + 11 × 0.075 = 1.125
		bill = frappe.get_doc("Sales Invoice", late.late_fee_invoice)
		self.assertEqual((bill.customer, bill.property_late_fee_of), (owners[0].customer, invoice.name))
		self.assertEqual(flt(bill.grand_total), flt(late.accrued_amount))
		late_fees.daily("2026-05-20")  # nothing more once billed
		self.assertEqual(frappe.db.count("Sales Invoice", {"property_late_fee_of": invoice.name}), 1)

	def test_a_late_fee_on_a_bill_for_two_units_is_owed_by_each_unit(self):
		"""The late-fee invoice has a line per unit (their parts of the bill), so it counts in each unit's
		arrears and ageing; a waiver after a partial payment credits exactly what is unpaid."""
		estate, big, small, invoice = two_units_on_one_bill()
		pay(invoice.name, 300, "2026-05-01")
		late_fees.daily("2026-05-02")
		late = frappe.get_doc("Property Late Fee", {"sales_invoice": invoice.name})
		self.assertEqual(late.status, "Billed")
		lines = frappe.get_all(
			"Sales Invoice Item",
			filters={"parent": late.late_fee_invoice},
			fields=["property_unit", "amount", "property_period"],
			order_by="idx",
		)
		self.assertEqual([(r.property_unit, r.property_period) for r in lines],
			[(big.name, "2026-03"), (small.name, "2026-03")])  # fmt: skip
		parts = rules.split(Decimal(str(late.accrued_amount)), [200, 100])
		self.assertEqual([flt(r.amount) for r in lines], [float(p) for p in parts])
		owed = fees.outstanding_of_units([big.name, small.name])
		self.assertEqual(owed, {big.name: float(parts[0]), small.name: float(parts[1])})
		_cols, data, *_ = arrears_ageing.execute(
			{"as_of": "2026-05-02", "group_by": "Unit", "estate": estate.name}
		)
		self.assertEqual({row["group"]: flt(row["total"]) for row in data}, owed)
		# half of the late fee paid, the rest waived: the credit note is exactly the unpaid half
		half = flt(late.accrued_amount / 2, 2)
		pay(late.late_fee_invoice, half, frappe.utils.today())
		frappe.db.set_value("Property Late Fee", late.name, {"status": "Waiver Requested",
			"waiver_reason": "物业维修延误", "waiver_requested_by": "Administrator"})  # fmt: skip
		manager = make_user(["Property Manager"])
		frappe.set_user(manager)
		try:
			late_fees.approve_waiver(late.name)
		finally:
			frappe.set_user("Administrator")
		credit = frappe.get_doc(
			"Sales Invoice", frappe.db.get_value("Property Late Fee", late.name, "credit_note")
		)
		self.assertEqual(flt(-credit.grand_total, 2), flt(late.accrued_amount - half, 2))
		self.assertEqual({r.property_unit for r in credit.items}, {big.name, small.name})
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", late.late_fee_invoice, "outstanding_amount")), 0
		)
		self.assertEqual(fees.outstanding_of_units([big.name, small.name]), {})

	def test_paid_within_the_grace_period_no_late_fee(self):
		estate, *_ = billed_estate(1)
		(invoice,) = invoices_of(estate.name)
		pay(invoice.name, 200, "2026-03-20")
		late_fees.daily("2026-06-01")
		self.assertFalse(frappe.db.exists("Property Late Fee", {"sales_invoice": invoice.name}))

	def test_waiver_needs_a_reason_and_another_managers_approval(self):
		estate, *_ = billed_estate(1)
		(invoice,) = invoices_of(estate.name)
		pay(invoice.name, 200, "2026-04-15")
		late_fees.daily("2026-04-20")
		late = frappe.get_doc("Property Late Fee", {"sales_invoice": invoice.name})
		self.assertEqual(late.status, "Billed")
		accountant = make_user(["Property Accountant"])
		manager, other_manager = make_user(["Property Manager"]), make_user(["Property Manager"])
		frappe.db.commit()
		path = "/api/method/property_crm.property_fees.api."
		clerk = SiteClient(accountant)
		self.assertEqual(
			clerk.post(path + "request_waiver", {"late_fee": late.name, "reason": " "}).status_code, 417
		)
		done = clerk.post(path + "request_waiver", {"late_fee": late.name, "reason": "住户住院，经核实"})
		self.assertEqual(done.status_code, 200, done.json.get("_server_messages") or done.text[-1500:])
		self.assertEqual(clerk.post(path + "approve_waiver", {"late_fee": late.name}).status_code, 403)
		# a manager who asked cannot approve their own request
		boss = SiteClient(manager)
		late.reload()
		frappe.db.set_value("Property Late Fee", late.name, "waiver_requested_by", manager)
		frappe.db.commit()
		self.assertEqual(boss.post(path + "approve_waiver", {"late_fee": late.name}).status_code, 403)
		approved = SiteClient(other_manager).post(path + "approve_waiver", {"late_fee": late.name})
		self.assertEqual(approved.status_code, 200, approved.text[:500])
		late.reload()
		self.assertEqual((late.status, late.waiver_approved_by), ("Waived", other_manager))
		self.assertTrue(late.credit_note)
		self.assertEqual(
			flt(frappe.db.get_value("Sales Invoice", late.late_fee_invoice, "outstanding_amount")), 0
		)
		comments = frappe.get_all(
			"Comment", filters={"reference_name": late.name, "comment_type": "Info"}, pluck="content"
		)
		self.assertTrue(any("住户住院" in c for c in comments))


class TestMeterReadings(FrappeTestCase):
	def reading(self, unit, period, current, **kwargs):
		return frappe.get_doc(
			{"doctype": "Property Meter Reading", "unit": unit, "meter_type": "Water", "period": period,
				"current_reading": current} | kwargs
		).insert()  # fmt: skip

	def test_lower_reading_refused_unless_meter_change_or_rollover(self):
		_estate, _b, units, _o = make_estate_with_units(1)
		unit = units[0].name
		first = self.reading(unit, "2026-01-05", 120, previous_reading=100)
		self.assertEqual((first.consumption, str(first.period)), (20, "2026-01-01"))
		second = self.reading(unit, "2026-02-03", 131.5)
		self.assertEqual((second.previous_reading, second.consumption), (120, 11.5))
		with self.assertRaises(frappe.ValidationError) as e:
			self.reading(unit, "2026-03-03", 10)
		self.assertIn("lower than the previous reading", str(e.exception))
		self.assertFalse(frappe.db.exists("Property Meter Reading", {"unit": unit, "period": "2026-03-01"}))
		changed = self.reading(unit, "2026-03-03", 10, meter_change=1, old_meter_final_reading=140)
		self.assertEqual(changed.consumption, 18.5)
		with self.assertRaises(frappe.ValidationError):
			self.reading(unit, "2026-03-20", 30)  # a second reading for March
		rolled = self.reading(unit, "2026-04-02", 5, previous_reading=9990, rollover=1, meter_digits=4)
		self.assertEqual(rolled.consumption, 15)


class TestReminderLadder(FrappeTestCase):
	def test_friendly_formal_final_by_the_residents_channel_kept_in_the_timeline(self):
		from property_crm.property_fees import reminders
		from property_crm.tests.factories import make_outgoing_email_account

		make_outgoing_email_account()
		_estate, _b, _units, owners = billed_estate(1)
		frappe.db.set_value("Property Owner", owners[0].name, "preferred_channel", "Email")
		customer = owners[0].customer

		def notices():
			return frappe.get_all(
				"Dunning",
				filters={"customer": customer, "docstatus": 1},
				pluck="dunning_type",
				order_by="creation",
			)

		reminders.daily("2026-03-25")  # 9 days overdue: not yet
		self.assertEqual(notices(), [])
		seen = []  # what the demo's bar is told: each payer looked at, of how many
		reminders.daily(
			"2026-04-01", on_progress=lambda done, total: seen.append((done, total))
		)  # 16 days: a
		self.assertEqual([reminders.level_of(t) for t in notices()], [1])  # friendly reminder
		self.assertTrue(
			seen and seen[-1][0] == seen[-1][1] and [d for d, _t in seen] == list(range(1, len(seen) + 1))
		)
		reminders.daily("2026-04-05")  # too soon for another
		reminders.daily("2026-05-01")
		reminders.daily("2026-06-01")
		reminders.daily("2026-09-01")  # the final notice was the last
		self.assertEqual([reminders.level_of(t) for t in notices()], [1, 2, 3])
		dunning = frappe.get_all("Dunning", filters={"customer": customer}, pluck="name", limit=1)[0]
		communication = frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Dunning", "reference_name": dunning},
			fields=["name", "communication_medium", "recipients"],
		)
		self.assertEqual(communication[0].communication_medium, "Email")
		links = frappe.get_all(
			"Communication Link",
			filters={"parent": communication[0].name},
			fields=["link_doctype", "link_name"],
		)
		self.assertIn(("Property Owner", owners[0].name), {(l.link_doctype, l.link_name) for l in links})

	def test_phone_residents_get_a_call_from_staff(self):
		from property_crm.property_fees import reminders

		estate, _b, _units, owners = billed_estate(1)
		frappe.db.set_value("Property Owner", owners[0].name, "preferred_channel", "Phone")
		reminders.daily("2026-04-01")
		(dunning,) = frappe.get_all("Dunning", filters={"customer": owners[0].customer}, pluck="name")
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": "Dunning", "reference_name": dunning}))
		self.assertEqual(
			frappe.db.get_value("Communication", {"reference_name": dunning}, "communication_medium"), "Phone"
		)
		# paid in full: no further notice, whatever the date
		(invoice,) = invoices_of(estate.name)
		pay(invoice.name, 200, "2026-04-10")
		reminders.daily("2026-07-01")
		self.assertEqual(len(frappe.get_all("Dunning", filters={"customer": owners[0].customer})), 1)
