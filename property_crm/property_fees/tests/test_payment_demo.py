"""The demo's online payments on an estate of its own: paid orders of both platforms, each with exactly one
submitted Payment Entry of its amount, some pending and closed, an advance, a refund and a reconciled day
with a planted mismatch; and `bench property-crm-payment-standins --configure-only` pointing the site's
settings at 127.0.0.1 in Sandbox mode. (The full demo, with this step, runs in property_crm/tests/test_demo.py.)"""

import os
import random
import subprocess
import sys

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_months, get_first_day, today

from property_crm.demo import payments as demo_payments
from property_crm.property_fees import billing as fees
from property_crm.tests.fee_factories import make_estate_with_units, make_run, make_schedule

SETTINGS = ("WeChat Pay Settings", "Alipay Settings")


def single(doctype: str, field: str):
	"""The stored value, not a cached one (another process may have written it)."""
	row = frappe.db.sql("select value from tabSingles where doctype = %s and field = %s", (doctype, field))
	return row[0][0] if row else None


class TestPaymentDemo(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.before = {d: single(d, "enabled") for d in SETTINGS}
		cls.site_url = single("Property CRM Settings", "payment_site_url")
		estate, _building, _units, owners = make_estate_with_units(10, built_up_area=88.5)
		make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2.4}])
		month = get_first_day(add_months(today(), -2))  # overdue by now: preselected on the Pay page
		fees.run(make_run(str(month), [estate.name]).name)
		frappe.db.commit()
		cls.residents = [o.name for o in owners]
		frappe.db.set_default(demo_payments.PAYMENTS_DONE, "")
		lines = []
		demo_payments.seed_payments(random.Random(7), _Progress(lines), residents=cls.residents)
		cls.summary = "\n".join(lines)
		cls.orders = frappe.get_all(
			"Property Payment Order",
			filters={"resident": ("in", cls.residents)},
			fields=[
				"name",
				"platform",
				"status",
				"amount",
				"transaction_id",
				"payment_entry",
				"advance_amount",
			],
		)

	@classmethod
	def tearDownClass(cls):
		for doctype, enabled in cls.before.items():  # other tests find the platforms as they left them
			frappe.db.set_single_value(doctype, "enabled", int(enabled or 0))
		frappe.db.set_single_value("Property CRM Settings", "payment_site_url", cls.site_url)
		frappe.db.commit()
		super().tearDownClass()

	def test_paid_orders_each_have_one_payment_entry_of_their_amount(self):
		paid = [o for o in self.orders if o.status in ("Paid", "Partly Refunded", "Refunded")]
		self.assertGreaterEqual(len(paid), 5, self.summary)
		self.assertEqual({o.platform for o in paid}, {"WeChat Pay", "Alipay"})
		for order in paid:
			entries = frappe.get_all(
				"Payment Entry",
				filters={"reference_no": order.transaction_id, "docstatus": 1},
				fields=["name", "paid_amount", "mode_of_payment", "party"],
			)
			self.assertEqual(len(entries), 1, order)
			self.assertEqual(entries[0].name, order.payment_entry)
			self.assertAlmostEqual(entries[0].paid_amount, order.amount, places=2)
			self.assertEqual(entries[0].mode_of_payment, order.platform)
		# the bills paid online are settled in ERPNext (the advance's too: the desk and the payment together)
		settled = paid
		bills = frappe.get_all(
			"Property Payment Order Bill",
			filters={"parent": ("in", [o.name for o in settled])},
			pluck="sales_invoice",
		)
		owed = frappe.get_all("Sales Invoice", filters={"name": ("in", bills)}, pluck="outstanding_amount")
		self.assertTrue(owed)
		self.assertEqual(sum(owed), 0)

	def test_pending_closed_advance_refund_and_a_discrepancy(self):
		statuses = {o.status for o in self.orders}
		self.assertIn("Pending", statuses)
		self.assertIn("Closed", statuses)
		advances = [o for o in self.orders if o.advance_amount]
		self.assertEqual(len(advances), 1, "one payment for a bill the front desk was paid part of meanwhile")
		self.assertGreater(advances[0].amount, advances[0].advance_amount)
		refunds = frappe.get_all(
			"Property Payment Refund",
			filters={"payment_order": ("in", [o.name for o in self.orders]), "status": "Refunded"},
			fields=["name", "reversing_entry", "amount"],
		)
		self.assertEqual(len(refunds), 1)
		self.assertTrue(frappe.db.get_value("Payment Entry", refunds[0].reversing_entry, "docstatus") == 1)
		mismatches = frappe.get_all(
			"Property Payment Statement Line",
			filters={"out_trade_no": ("in", [o.name for o in self.orders]), "result": "Amount Mismatch"},
			fields=["parent", "platform_amount", "our_amount"],
		)
		self.assertEqual(len(mismatches), 1, self.summary)
		self.assertAlmostEqual(mismatches[0].our_amount - mismatches[0].platform_amount, 1.0, places=2)
		self.assertGreaterEqual(
			frappe.db.get_value("Property Payment Statement", mismatches[0].parent, "discrepancies"), 1
		)
		self.assertIn("reconciliation discrepancy", self.summary)

	def test_settings_left_in_sandbox_at_the_commands_ports_keys_private(self):
		self.assertEqual(single("WeChat Pay Settings", "environment"), "Sandbox")
		self.assertEqual(single("WeChat Pay Settings", "api_base_url"), "http://127.0.0.1:8601")
		self.assertEqual(single("Alipay Settings", "gateway_url"), "http://127.0.0.1:8602/gateway.do")
		path = demo_payments.keys_path()
		self.assertTrue(os.path.exists(path))
		self.assertIn(os.sep + "private" + os.sep, path)
		self.assertEqual(os.stat(path).st_mode & 0o077, 0, "the keys are the owner's only")

	def test_the_command_configures_only_on_127_0_0_1(self):
		def command(*args):
			return subprocess.run(
				[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site,
					"property-crm-payment-standins", *args],
				cwd=os.getcwd(), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
			)  # fmt: skip

		refused = command("--host", "0.0.0.0", "--configure-only")
		self.assertNotEqual(refused.returncode, 0)
		self.assertIn("127.0.0.1", refused.stdout + refused.stderr)
		done = command("--configure-only", "--port", "8701", "--site-url", "http://127.0.0.1:8000/")
		self.assertEqual(done.returncode, 0, done.stdout[-2000:] + done.stderr[-2000:])
		self.assertIn("http://127.0.0.1:8701", done.stdout)
		frappe.db.rollback()  # a fresh snapshot: what the command committed
		self.assertEqual(single("WeChat Pay Settings", "api_base_url"), "http://127.0.0.1:8701")
		self.assertEqual(single("WeChat Pay Settings", "environment"), "Sandbox")
		self.assertEqual(single("WeChat Pay Settings", "enabled"), "1")
		self.assertEqual(single("Alipay Settings", "gateway_url"), "http://127.0.0.1:8702/gateway.do")
		self.assertEqual(single("Alipay Settings", "environment"), "Sandbox")
		self.assertEqual(single("Property CRM Settings", "payment_site_url"), "http://127.0.0.1:8000")
		self.assertNotIn("PRIVATE KEY", done.stdout + done.stderr)


class _Progress:
	"""The demo's progress, kept as lines."""

	def __init__(self, lines: list[str]):
		self.lines = lines

	def __call__(self, message: str) -> None:
		self.lines.append(message)

	def bar(self, label: str, total: int):
		return _Bar()


class _Bar:
	def update(self, done: int) -> None:
		pass

	def advance(self, by: int = 1) -> None:
		pass
