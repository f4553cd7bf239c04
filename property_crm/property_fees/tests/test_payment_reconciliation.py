"""Daily reconciliation (对账) against the WeChat Pay stand-in's statement (对账单) on 127.0.0.1.

Three bills are paid through the stand-in and one of them partly refunded, all on one day of the test's own
(after any payment already on the site, so earlier runs never mix in). The day's statement agrees → Matched,
no alert. With a planted amount, a dropped payment and a payment we never made, the statement shows Amount
Mismatch / Missing on Platform / Missing Here, every accountant gets a ToDo and an e-mail, and the report
Online Payment Reconciliation shows those lines over REST to an accountant — and refuses customer service.
Re-running the day once the platform agrees again replaces the statement's lines.
"""

import json
from datetime import date, datetime, timedelta
from email import message_from_string
from email.header import decode_header, make_header

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from property_crm.property_fees.payments import reconciliation, refunds
from property_crm.property_fees.payments.platforms import WECHAT_PAY
from property_crm.property_fees.tests.standins.wechat_pay import start_for_site
from property_crm.property_fees.tests.test_payment_refunds import billed_residents, paid_order
from property_crm.tests.factories import SiteClient, make_outgoing_email_account, make_user

STATEMENT = "Property Payment Statement"
REPORT = "Online Payment Reconciliation"


def fresh_day() -> date:
	"""A day after every payment and refund already on the site (and not before 2030)."""
	latest = frappe.db.sql(
		"""select greatest(
			coalesce((select max(paid_at) from `tabProperty Payment Order`), '2030-01-01'),
			coalesce((select max(refunded_at) from `tabProperty Payment Refund`), '2030-01-01'))"""
	)[0][0]
	return frappe.utils.getdate(latest) + timedelta(days=1)


class TestPaymentReconciliation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		cls.standin = start_for_site(commit=False)
		frappe.db.set_single_value("Property CRM Settings", "refund_approval_threshold", 1000)
		cls.accountants = [make_user(["Property Accountant"]), make_user(["Property Accountant"])]
		cls.clerk = make_user(["Property Customer Service"])
		bills = billed_residents(3)
		cls.orders = [paid_order(cls.standin, owner, [invoice]) for owner, invoice in bills]
		frappe.set_user(cls.accountants[0])
		cls.refund = refunds.request_refund(cls.orders[0].name, "50", "多收退回")["name"]
		frappe.set_user("Administrator")
		# everything happened on the test's own day, at both ends
		cls.day = fresh_day()
		paid_at = datetime.combine(cls.day, datetime.min.time()).replace(hour=10)
		for order in cls.orders:
			frappe.db.set_value(
				"Property Payment Order", order.name, "paid_at", paid_at, update_modified=False
			)
			cls.standin.orders[order.name]["success_time"] = paid_at.isoformat() + "+08:00"
		frappe.db.set_value(
			"Property Payment Refund",
			cls.refund,
			"refunded_at",
			paid_at + timedelta(hours=1),
			update_modified=False,
		)
		cls.standin.refunds[cls.refund]["success_time"] = (
			paid_at + timedelta(hours=1)
		).isoformat() + "+08:00"

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.standin.stop()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		self.standin.planted.clear()
		self.standin.dropped.clear()
		self.standin.extras.clear()

	def todos(self, statement: str) -> set[str]:
		return set(
			frappe.get_all(
				"ToDo",
				filters={"reference_type": STATEMENT, "reference_name": statement, "status": "Open"},
				pluck="allocated_to",
			)
		)

	def test_a_day_the_platform_agrees_with_is_matched(self):
		name = reconciliation.run(WECHAT_PAY, self.day)
		statement = frappe.get_doc(STATEMENT, name)
		self.assertEqual((statement.status, statement.discrepancies), ("Matched", 0))
		self.assertEqual((statement.platform_count, statement.our_count), (4, 4))  # 3 payments, 1 refund
		self.assertEqual(flt(statement.platform_total), flt(statement.our_total))
		self.assertEqual(flt(statement.our_total), 3 * 200 - 50)
		refund_line = next(line for line in statement.lines if line.kind == "refund")
		self.assertEqual((refund_line.out_refund_no, flt(refund_line.platform_amount)), (self.refund, 50))
		self.assertFalse(self.todos(name))
		# the day after: nothing on either side, matched
		self.assertEqual(
			frappe.db.get_value(
				STATEMENT, reconciliation.run(WECHAT_PAY, self.day + timedelta(days=1)), "status"
			),
			"Matched",
		)

	def test_a_planted_mismatch_is_flagged_and_the_accountants_alerted(self):
		mismatched, dropped = self.orders[1].name, self.orders[2].name
		self.standin.plant(mismatched, "199.99")
		self.standin.drop(dropped)
		self.standin.extra("PCRM20300101000000999999", "88.00", day=self.day)
		frappe.set_user(self.accountants[1])  # an accountant re-runs the day from the desk, in Chinese
		lang, frappe.local.lang = frappe.local.lang, "zh"
		try:
			result = reconciliation.reconcile(WECHAT_PAY, str(self.day))
		finally:
			frappe.local.lang = lang
			frappe.set_user("Administrator")
		self.assertEqual((result["status"], result["discrepancies"]), ("Discrepancies", 3))
		statement = frappe.get_doc(STATEMENT, result["name"])
		found = {
			line.out_trade_no: (line.result, line.platform_amount, line.our_amount)
			for line in statement.lines
		}
		self.assertEqual(found[mismatched], ("Amount Mismatch", 199.99, 200))
		self.assertEqual(found[dropped], ("Missing on Platform", 0, 200))  # nothing on the platform
		self.assertEqual(found["PCRM20300101000000999999"], ("Missing Here", 88, 0))
		self.assertEqual(found[self.orders[0].name][0], "Matched")
		# each accountant has a ToDo, and an e-mail went out
		self.assertTrue(set(self.accountants) <= self.todos(statement.name))
		mail = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": STATEMENT, "reference_name": statement.name},
			fields=["name", "message"],
		)
		self.assertTrue(mail)
		message = message_from_string(frappe.get_doc("Email Queue", mail[0].name).message)
		self.assertTrue(str(make_header(decode_header(message["Subject"]))).startswith("线上支付对账差异"))
		recipients = frappe.get_all(
			"Email Queue Recipient", filters={"parent": mail[0].name}, pluck="recipient"
		)
		self.assertEqual(set(recipients) & set(self.accountants), set(self.accountants))
		todo = frappe.get_all(
			"ToDo",
			filters={"reference_name": statement.name, "allocated_to": self.accountants[0]},
			pluck="description",
		)
		self.assertIn("线上支付对账差异", todo[0])

		# the report over REST: an accountant sees the three discrepancies, customer service is refused
		frappe.db.commit()  # nosemgrep: the served request must see the statement
		filters = json.dumps(
			{
				"platform": WECHAT_PAY,
				"from_date": str(self.day),
				"to_date": str(self.day),
				"only_discrepancies": 1,
			}
		)
		response = SiteClient(self.accountants[0]).post(
			"/api/method/frappe.desk.query_report.run", {"report_name": REPORT, "filters": filters}
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True)[:500])
		rows = response.json["message"]["result"]
		by_trade = {row["out_trade_no"]: row for row in rows if isinstance(row, dict)}
		self.assertEqual(set(by_trade), {mismatched, dropped, "PCRM20300101000000999999"})
		self.assertEqual(by_trade[mismatched]["result_key"], "Amount Mismatch")
		self.assertAlmostEqual(by_trade[mismatched]["difference"], -0.01)
		self.assertEqual(by_trade[mismatched]["payment_order"], mismatched)
		self.assertIsNone(by_trade["PCRM20300101000000999999"]["payment_order"])
		self.assertIsNone(by_trade["PCRM20300101000000999999"]["our_amount"])  # blank, not 0
		self.assertIsNone(by_trade[dropped]["platform_amount"])
		refused = SiteClient(self.clerk).post(
			"/api/method/frappe.desk.query_report.run", {"report_name": REPORT, "filters": filters}
		)
		self.assertEqual(refused.status_code, 403)
		frappe.set_user(self.clerk)
		with self.assertRaises(frappe.PermissionError):
			reconciliation.reconcile(WECHAT_PAY, str(self.day))
		frappe.set_user("Administrator")

		# the platform's statement is corrected: re-running replaces the day's lines
		self.standin.planted.clear()
		self.standin.dropped.clear()
		self.standin.extras.clear()
		again = reconciliation.run(WECHAT_PAY, self.day)
		self.assertEqual(again, statement.name)
		self.assertEqual(frappe.db.get_value(STATEMENT, again, "status"), "Matched")
		self.assertEqual(frappe.db.count(STATEMENT, {"platform": WECHAT_PAY, "statement_date": self.day}), 1)
		self.assertEqual(frappe.db.count("Property Payment Statement Line", {"parent": again}), 4)
