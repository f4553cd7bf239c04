"""The demo's bulk ledger writes what ERPNext writes: row for row against an invoice and a payment ERPNext made,
and ERPNext then pays, reports and cancels the bulk invoices as its own."""

from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, getdate

from property_crm.demo.ledger import PAYMENT, Ledger, Template
from property_crm.property_fees import billing as fees
from property_crm.tests.fee_factories import invoices_of, make_estate_with_units, make_run, make_schedule, pay

MONTH = "2026-02-01"
# differ by construction: the row's own name and time stamps, who made it, and the parent's name
STAMPS = {"name", "creation", "modified", "owner", "modified_by", "parent", "voucher_no", "against_voucher",
	"against_voucher_no", "posting_time", "_seen"}  # fmt: skip
# informational balances ERPNext shows on a new payment (the party's balance then): not kept by the copies
BALANCES = {"party_balance", "paid_from_account_balance", "paid_to_account_balance"}


def rows_of(template: Template) -> dict[str, list[dict]]:
	tables = {template.doctype: [template.doc], "GL Entry": template.gl, "Payment Ledger Entry": template.ple}
	for _field, (doctype, rows) in template.children.items():
		if rows:
			tables[doctype] = rows
	return {
		doctype: sorted(
			({k: v for k, v in row.items() if k not in STAMPS | BALANCES} for row in rows),
			key=lambda r: (r.get("idx") or 0, flt(r.get("debit")), flt(r.get("credit"))),
		)
		for doctype, rows in tables.items()
	}


def delete_voucher(doctype: str, name: str) -> None:
	template = Template(doctype, name)
	for _field, (child, _rows) in template.children.items():
		frappe.db.delete(child, {"parent": name, "parenttype": doctype})
	frappe.db.delete("GL Entry", {"voucher_type": doctype, "voucher_no": name})
	frappe.db.delete("Payment Ledger Entry", {"voucher_type": doctype, "voucher_no": name})
	frappe.db.delete(doctype, {"name": name})


class TestDemoLedger(FrappeTestCase):
	def setUp(self):
		estate, _building, units, _owners = make_estate_with_units(3, built_up_area=97.37, parking_spaces=1)
		make_schedule(
			estate.name,
			[
				{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2.35},
				{"fee_item": fees.PUBLIC_ELECTRICITY, "basis": "Built-up Area", "rate": 0.17},
				{"fee_item": fees.PARKING, "basis": "Per Parking Space", "rate": 150},
			],
		)
		fees.run(make_run(MONTH, [estate.name]).name)
		self.estate = estate.name
		self.units = [u.name for u in units]
		self.bills = invoices_of(estate.name)
		self.assertEqual(len(self.bills), 3)
		first = self.bills[0]
		self.template_payment = pay(first.name, first.grand_total, "2026-02-10").name
		self.ledger = Ledger(first.name, self.template_payment)

	def customer(self, name: str) -> dict:
		return frappe.db.get_value(
			"Customer", name, ["name", "customer_name", "customer_group", "territory"], as_dict=True
		)

	def bill_of(self, invoice: str) -> dict:
		"""What the ledger needs to write the same bill again."""
		doc = frappe.get_doc("Sales Invoice", invoice)
		lines = [
			{"item_code": i.item_code, "item_name": i.item_name, "uom": i.uom, "qty": i.qty, "rate": i.rate,
				"description": i.description, "property_unit": i.property_unit, "property_period": i.property_period,
				"property_period_from": i.property_period_from, "property_period_to": i.property_period_to,
				"property_meter_reading": i.property_meter_reading}
			for i in doc.items
		]  # fmt: skip
		header = {
			f: doc.get(f) for f in ("property_estate", "property_billing_period", "property_billing_run")
		}
		return {"customer": self.customer(doc.customer), "posting": getdate(doc.posting_date),
			"due": getdate(doc.due_date), "lines": lines, "header": header}  # fmt: skip

	def write(self, bill: dict, paid: list[tuple[date, float, str]] = ()) -> dict:
		"""The bill and its payments, written by the ledger."""
		row = self.ledger.invoice(
			bill["customer"], bill["posting"], bill["due"], bill["lines"], getdate(),
			[(on, amount) for on, amount, _ref in paid], **bill["header"],
		)  # fmt: skip
		owed, payments = row["grand_total"], []
		for on, amount, reference in paid:
			payments.append(self.ledger.payment(row, amount, on, owed, reference_no=reference))
			owed = flt(owed - amount, 2)
		self.ledger.flush()
		return {"invoice": row["name"], "payments": payments}

	def test_a_bill_and_its_payment_row_for_row_as_erpnext_writes_them(self):
		bill = self.bills[1]
		real_payment = pay(bill.name, flt(bill.grand_total * 0.4, 2), "2026-03-20")
		expected = {
			"invoice": rows_of(Template("Sales Invoice", bill.name)),
			"payment": rows_of(Template(PAYMENT, real_payment.name)),
		}
		self.assertEqual(len(expected["invoice"]["Sales Invoice Item"]), 3, "a line per fee")
		self.assertEqual(expected["invoice"]["Sales Invoice"][0]["status"], "Overdue")
		again = self.bill_of(bill.name)
		paid = [(getdate("2026-03-20"), real_payment.paid_amount, real_payment.reference_no)]
		delete_voucher(PAYMENT, real_payment.name)
		delete_voucher("Sales Invoice", bill.name)

		copy = self.write(again, paid)

		got = {
			"invoice": rows_of(Template("Sales Invoice", copy["invoice"])),
			"payment": rows_of(Template(PAYMENT, copy["payments"][0])),
		}
		renamed = {bill.name: copy["invoice"], real_payment.name: copy["payments"][0]}

		def named(value):  # the names in a remark are the copies' own
			for old, new in renamed.items():
				value = value.replace(old, new) if isinstance(value, str) else value
			return value

		for kind in ("invoice", "payment"):
			self.assertEqual(set(got[kind]), set(expected[kind]), kind)
			for table, rows in expected[kind].items():
				self.assertEqual(len(got[kind][table]), len(rows), f"{kind} {table}")
				for want, have in zip(rows, got[kind][table], strict=True):
					diff = {
						k: (want.get(k), have.get(k))
						for k in set(want) | set(have)
						if named(want.get(k)) != have.get(k)
					}
					self.assertEqual(diff, {}, f"{kind} {table}")

	def test_erpnext_pays_reports_and_cancels_a_bulk_invoice(self):
		from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute as receivable

		bill = self.bill_of(self.bills[2].name)
		bill["posting"], bill["due"] = getdate("2026-04-01"), getdate("2026-04-16")
		for line in bill["lines"]:
			line["property_period"] = "2026-04"
		copy = self.write(bill, [(getdate("2026-04-05"), 100.0, "BULK-1")])
		name = copy["invoice"]
		total = frappe.db.get_value("Sales Invoice", name, "grand_total")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", name, "outstanding_amount"), flt(total - 100, 2)
		)

		# ERPNext's Accounts Receivable reads it from the Payment Ledger, as its own
		company = frappe.db.get_value("Sales Invoice", name, "company")
		_columns, data, *_ = receivable(
			frappe._dict(company=company, report_date="2026-12-31", party_type="Customer",
				party=[bill["customer"]["name"]], ageing_based_on="Due Date", range="30, 60, 90, 120")
		)  # fmt: skip
		row = next(r for r in data if r.get("voucher_no") == name)
		self.assertEqual(flt(row["outstanding"]), flt(total - 100, 2))
		# and our arrears on the unit agree
		unit = bill["lines"][0]["property_unit"]
		self.assertGreater(fees.outstanding_of_units([unit]).get(unit, 0), 0)

		# ERPNext's own payment of the rest settles it
		rest = pay(name, flt(total - 100, 2), "2026-04-20")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", name, ["outstanding_amount", "status"]), (0, "Paid")
		)

		# and ERPNext cancels the payments and the invoice, reversing their ledger
		rest.cancel()
		frappe.get_doc(PAYMENT, copy["payments"][0]).cancel()
		invoice = frappe.get_doc("Sales Invoice", name)
		invoice.cancel()
		self.assertEqual(frappe.db.get_value("Sales Invoice", name, "docstatus"), 2)
		gl = frappe.get_all(
			"GL Entry", filters={"voucher_no": name}, fields=["debit", "credit", "is_cancelled"]
		)
		self.assertTrue(all(g.is_cancelled for g in gl))
		self.assertEqual(sum(g.debit for g in gl), sum(g.credit for g in gl))
		self.assertFalse(
			frappe.db.exists("Payment Ledger Entry", {"against_voucher_no": name, "delinked": 0}),
			"the payment ledger forgets a cancelled invoice",
		)
