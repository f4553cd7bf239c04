"""Refunds of online payments (退款) against the WeChat Pay stand-in on 127.0.0.1.

A resident's bill of 200 is paid through the stand-in (C's create_order, the stand-in's signed notification,
fulfil). The approval threshold is 100 here: an accountant's refund of 50 goes straight through and the bill
owes 50 again in ERPNext's Accounts Receivable (the refund's Pay entry, the payment re-allocated); a refund of
150 waits for a second person — the requester's own approval is refused, another accountant's goes through;
an over-refund is refused; executing a refund twice refunds once; a platform failure leaves the refund Failed
and nothing in the ledger; a refund the platform is still processing is finished by the scheduled re-query.
"""

from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, today

from property_crm.property_fees import billing as fees
from property_crm.property_fees.payments import orders, refunds
from property_crm.property_fees.payments.platforms import WECHAT_PAY, get_platform
from property_crm.property_fees.tests.standins.wechat_pay import start_for_site
from property_crm.tests.factories import make_user
from property_crm.tests.fee_factories import invoices_of, make_estate_with_units, make_run, make_schedule

ORDER = "Property Payment Order"
REFUND = "Property Payment Refund"
ACCOUNTANT = "Property Accountant"
MANAGER = "Property Manager"


def billed_residents(count: int, month: str = "2026-03-01"):
	"""``count`` residents, each with one submitted bill of 200 (100 m² at 2)."""
	estate, _building, _units, owners = make_estate_with_units(count, built_up_area=100, inner_area=80)
	make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2}])
	fees.run(make_run(month, [estate.name]).name)
	invoices = {i.customer: i.name for i in invoices_of(estate.name)}
	return [(owner, invoices[owner.customer]) for owner in owners]


def paid_order(standin, owner, invoices: list[str], platform: str = WECHAT_PAY):
	"""An order for ``invoices``, paid at the stand-in and recorded from its signed notification."""
	order, _launch = orders.create_order(owner.name, invoices, platform, "native", "127.0.0.1")
	standin.mark_paid(order.name)
	headers, body = standin.notification(order.name)
	notice = get_platform(platform).verify_notification(headers, body)
	assert orders.fulfil(notice) == "fulfilled"
	return frappe.get_doc(ORDER, order.name)


def receivable(customer: str, company: str) -> dict[str, float]:
	"""ERPNext's Accounts Receivable report of one customer: what each voucher still owes."""
	from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute

	user = frappe.session.user
	frappe.set_user("Administrator")  # ERPNext's report, as the accounts team reads it
	try:
		_columns, data, *_ = execute(
			frappe._dict(
				company=company,
				report_date=today(),
				party_type="Customer",
				party=[customer],
				ageing_based_on="Due Date",
				range="30, 60, 90, 120",
				range1=30,
				range2=60,
				range3=90,
				range4=120,
			)
		)
	finally:
		frappe.set_user(user)
	return {row.get("voucher_no"): flt(row.get("outstanding")) for row in data if row.get("voucher_no")}


def as_user(user):
	frappe.set_user(user)


class TestPaymentRefunds(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.standin = start_for_site(commit=False)
		frappe.db.set_single_value("Property CRM Settings", "refund_approval_threshold", 100)
		cls.accountant = make_user([ACCOUNTANT])
		cls.second_accountant = make_user([ACCOUNTANT])
		cls.manager = make_user([MANAGER])
		cls.clerk = make_user(["Property Customer Service"])
		cls.bills = billed_residents(4)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.standin.stop()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		self.standin.refund_status = "SUCCESS"

	def pay(self, index: int):
		owner, invoice = self.bills[index]
		order = paid_order(self.standin, owner, [invoice])
		self.assertEqual((order.status, flt(order.amount)), ("Paid", 200))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 0)
		return order, invoice

	def test_small_refund_goes_through_and_the_bill_owes_again(self):
		order, invoice = self.pay(0)
		as_user(self.accountant)
		result = refunds.request_refund(order.name, "50", "重复缴费，退回多收部分")
		self.assertEqual(result["status"], "Refunded")
		refund = frappe.get_doc(REFUND, result["name"])
		self.assertEqual((refund.requested_by, refund.approved_by), (self.accountant, self.accountant))
		self.assertTrue(refund.refund_id)
		self.assertEqual(self.standin.refunds[refund.name]["amount"]["refund"], 5000)  # fen, at the platform

		# ERPNext: a submitted Pay entry to the customer from the platform's account; the bill owes 50 again
		entry = frappe.get_doc("Payment Entry", refund.reversing_entry)
		original = frappe.get_doc("Payment Entry", order.payment_entry)
		self.assertEqual(
			(entry.docstatus, entry.payment_type, entry.party, entry.paid_from, flt(entry.paid_amount)),
			(1, "Pay", order.customer, original.paid_to, 50),
		)
		self.assertEqual(entry.reference_no, refund.name)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 50)
		owed = receivable(order.customer, order.company)
		self.assertEqual(owed.get(invoice), 50)
		self.assertEqual(sum(owed.values()), 50)  # the customer owes exactly the refunded 50, nothing else
		order.reload()
		self.assertEqual((order.status, flt(order.refunded_amount)), ("Partly Refunded", 50))

		# a refund asked for is changed only by its buttons: no save, no delete, even by a manager
		as_user(self.manager)
		refund.reload()
		refund.amount = 1
		with self.assertRaises(frappe.ValidationError):
			refund.save()
		with self.assertRaises(frappe.ValidationError):
			frappe.delete_doc(REFUND, refund.name)
		as_user(self.accountant)

		# executing it again refunds nothing more and makes no second entry
		self.assertEqual(refunds.execute(refund.name), "Refunded")
		self.assertEqual(frappe.db.count("Payment Entry", {"reference_no": refund.name, "docstatus": 1}), 1)
		self.assertEqual(len(self.standin.orders[order.name]["refunds"]), 1)

		# more than what is left (150) is refused, nothing written
		with self.assertRaises(frappe.ValidationError):
			refunds.request_refund(order.name, "150.01", "too much")
		with self.assertRaises(frappe.ValidationError):
			refunds.request_refund(order.name, "0", "nothing")
		with self.assertRaises(frappe.ValidationError):
			refunds.request_refund(order.name, "10", "  ")
		self.assertEqual(frappe.db.count(REFUND, {"payment_order": order.name}), 1)

	def test_above_the_threshold_a_second_person_approves(self):
		order, invoice = self.pay(1)
		as_user(self.accountant)
		result = refunds.request_refund(order.name, "150", "退租，退回预缴物业费")
		self.assertEqual(result["status"], "Awaiting Approval")
		self.assertNotIn(result["name"], self.standin.refunds)  # nothing asked of the platform yet
		# the requester cannot approve their own refund, nor can customer service
		with self.assertRaises(frappe.PermissionError):
			refunds.approve_refund(result["name"])
		as_user(self.clerk)
		with self.assertRaises(frappe.PermissionError):
			refunds.approve_refund(result["name"])
		with self.assertRaises(frappe.PermissionError):
			refunds.request_refund(order.name, "10", "not mine to do")
		# only 50 is left while 150 waits
		as_user(self.manager)
		with self.assertRaises(frappe.ValidationError):
			refunds.request_refund(order.name, "60", "on top of the waiting one")

		as_user(self.second_accountant)
		self.assertEqual(refunds.approve_refund(result["name"])["status"], "Refunded")
		refund = frappe.get_doc(REFUND, result["name"])
		self.assertEqual((refund.requested_by, refund.approved_by), (self.accountant, self.second_accountant))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 150)
		with self.assertRaises(frappe.ValidationError):  # approved already
			refunds.approve_refund(result["name"])

		# the manager refunds the rest (50, under the threshold): the whole bill owes again
		as_user(self.manager)
		self.assertEqual(refunds.request_refund(order.name, "50", "余额退回")["status"], "Refunded")
		order.reload()
		self.assertEqual((order.status, flt(order.refunded_amount)), ("Refunded", 200))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 200)
		self.assertEqual(receivable(order.customer, order.company).get(invoice), 200)
		with self.assertRaises(frappe.ValidationError):  # nothing left to refund
			refunds.request_refund(order.name, "0.01", "again")

	def test_a_refused_refund_and_a_platform_failure_leave_the_ledger_alone(self):
		order, invoice = self.pay(2)
		as_user(self.accountant)
		waiting = refunds.request_refund(order.name, "120", "需要审批")
		as_user(self.manager)
		self.assertEqual(refunds.reject_refund(waiting["name"], "不予退款")["status"], "Rejected")
		self.assertEqual(refunds.execute(waiting["name"]), "Rejected")  # a rejected refund is never made

		self.standin.refund_status = "ABNORMAL"
		as_user(self.accountant)
		failed = refunds.request_refund(order.name, "30", "平台故障测试")
		self.assertEqual(failed["status"], "Failed")
		refund = frappe.get_doc(REFUND, failed["name"])
		self.assertTrue(refund.error)
		self.assertNotIn("BEGIN", refund.error)
		self.assertFalse(refund.reversing_entry)
		self.assertEqual(frappe.db.count("Payment Entry", {"reference_no": refund.name}), 0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 0)
		order.reload()
		self.assertEqual((order.status, flt(order.refunded_amount)), ("Paid", 0))
		self.assertEqual(refunds.execute(refund.name), "Failed")  # not tried again behind anyone's back

		# a failed or refused refund no longer holds the money: the whole 200 can still be refunded
		self.standin.refund_status = "SUCCESS"
		self.assertEqual(refunds.request_refund(order.name, "100", "再次申请")["status"], "Refunded")

	def test_a_refund_still_processing_is_finished_by_the_job(self):
		order, invoice = self.pay(3)
		self.standin.refund_status = "PROCESSING"
		as_user(self.accountant)
		result = refunds.request_refund(order.name, "80", "处理中")
		self.assertEqual(result["status"], "Refunding")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 0)
		self.assertEqual(refunds.execute(result["name"]), "Refunding")  # still processing

		platform_refund = self.standin.refunds[result["name"]]
		platform_refund.update(status="SUCCESS", success_time=platform_refund["create_time"])
		frappe.set_user("Administrator")  # the scheduler
		self.assertEqual(refunds.execute(result["name"]), "Refunded")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 80)
		self.assertEqual(len(self.standin.orders[order.name]["refunds"]), 1)
		self.assertEqual(flt(frappe.db.get_value(ORDER, order.name, "refunded_amount")), 80)
		self.assertEqual(Decimal(str(refunds.refunded_so_far(order.name))), Decimal("80.00"))

	def test_a_partial_refund_of_two_bills_makes_the_last_one_owe_again(self):
		estate, _building, _units, (owner,) = make_estate_with_units(1, built_up_area=100, inner_area=80)
		make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2}])
		fees.run(make_run("2026-03-01", [estate.name]).name)
		fees.run(make_run("2026-04-01", [estate.name]).name)
		march, april = (i.name for i in sorted(invoices_of(estate.name), key=lambda i: i.due_date))
		order = paid_order(self.standin, owner, [march, april])
		self.assertEqual(flt(order.amount), 400)
		as_user(self.accountant)
		self.assertEqual(refunds.request_refund(order.name, "30", "四月多收")["status"], "Refunded")
		self.assertEqual(frappe.db.get_value("Sales Invoice", march, "outstanding_amount"), 0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", april, "outstanding_amount"), 30)
		as_user(self.manager)
		self.assertEqual(refunds.request_refund(order.name, "90", "再退")["status"], "Refunded")
		self.assertEqual(frappe.db.get_value("Sales Invoice", march, "outstanding_amount"), 0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", april, "outstanding_amount"), 120)
		owed = receivable(order.customer, order.company)
		self.assertEqual((owed.get(april), sum(owed.values())), (120, 120))
