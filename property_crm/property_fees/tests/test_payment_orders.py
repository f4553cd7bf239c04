"""Online payment of bills, end to end over HTTP: a resident's order, the platform's notification, ONE ERPNext
Payment Entry — against the WeChat Pay stand-in served on 127.0.0.1 (the code reaches it only through the
configured base URL) and the site served by gunicorn (property_crm.tests.served).

- a resident pays two bills: one submitted Payment Entry allocated to both, outstanding 0, gone from ERPNext's
  Accounts Receivable; 100 duplicate notifications sent at once make no second entry and are all acknowledged;
- the resident's return (active query) and the pending-orders job racing on one paid order: one entry;
- bills settled at the desk meanwhile: the payment is kept as an advance on the customer, a ToDo for the
  accountant;
- wrong amount, someone else's trade number, a forged signature, a replayed old notification: refused (4xx,
  the platform's failure answer), logged without secrets, nothing written; a neighbour's bill cannot be
  ordered nor a neighbour's order seen;
- an expired order is closed by the job, shown as 支付失败, and a retry makes a new order.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, flt, now_datetime, today

from property_crm.property_fees import billing as fees
from property_crm.property_fees.payments import orders, pending
from property_crm.property_fees.tests.standins.wechat_pay import start_for_site
from property_crm.rate_limits import reset_counters
from property_crm.tests import served
from property_crm.tests.factories import (
	company,
	make_building,
	make_estate,
	make_unit,
	make_user,
	occupant,
	portal_login,
)
from property_crm.tests.fee_factories import make_resident, make_run, make_schedule, pay

API = "property_crm.property_fees.payments.api"
NOTIFY = "/api/method/property_crm.property_fees.payments.notify.wechat_pay"
MONTHS = ["2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"]
ACK = {"code": "SUCCESS", "message": "成功"}


def entries_of(transaction_id: str) -> list[dict]:
	return frappe.get_all(
		"Payment Entry",
		filters={"reference_no": transaction_id, "docstatus": 1},
		fields=["name", "paid_amount", "unallocated_amount", "mode_of_payment", "party", "paid_to"],
	)


class TestPaymentOrders(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		reset_counters()
		cls.standin = start_for_site(commit=False)
		cls.url = served.base_url()
		cls.site = frappe.local.site
		settings = frappe.get_single("Property CRM Settings")
		settings.payment_site_url = cls.url  # the platform calls the served site back
		settings.order_expiry_minutes, settings.pending_query_minutes = 15, 5
		settings.flags.ignore_permissions = True
		settings.save()
		estate = make_estate()
		building = make_building(estate.name, "1")
		cls.owner, cls.neighbour = make_resident(), make_resident()
		for number, who in (("101", cls.owner), ("102", cls.neighbour)):
			make_unit(building, number, floor=1, built_up_area=100,
				occupants=[occupant(who, primary_contact=1, move_in="2020-01-01")])  # fmt: skip
		make_schedule(estate.name, [{"fee_item": fees.PROPERTY_FEE, "basis": "Built-up Area", "rate": 2.5}])
		for month in MONTHS:
			fees.run(make_run(month, [estate.name]).name)
		cls.bills = frappe.get_all(
			"Sales Invoice",
			filters={"customer": cls.owner.customer, "docstatus": 1},
			order_by="posting_date asc, name asc",
			pluck="name",
		)
		cls.neighbour_bills = frappe.get_all(
			"Sales Invoice", filters={"customer": cls.neighbour.customer, "docstatus": 1}, pluck="name"
		)
		cls.accountant = make_user(["Property Accountant"])
		cls.user = portal_login(cls.owner)
		cls.neighbour_user = portal_login(cls.neighbour)
		frappe.db.set_value("User", cls.user, "language", "zh")
		frappe.db.commit()
		cls.resident = served.HttpClient(cls.user)
		cls.other = served.HttpClient(cls.neighbour_user)

	@classmethod
	def tearDownClass(cls):
		cls.standin.stop()
		super().tearDownClass()

	# ---------------------------------------------------------------- helpers
	def order(self, bills, client=None) -> dict:
		response = (client or self.resident).call(
			f"{API}.create_order", bills=json.dumps(bills), platform="WeChat Pay", channel="native"
		)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json()["message"]

	def send(self, headers: dict, body: bytes) -> requests.Response:
		"""The platform's POST to the served site (its own connection, as WeChat Pay's); thread-safe."""
		return requests.post(
			self.url + NOTIFY,
			data=body,
			headers={**headers, "Host": self.site, "Content-Type": "application/json"},
			timeout=120,
		)

	def notify(self, headers: dict, body: bytes) -> requests.Response:
		response = self.send(headers, body)
		frappe.db.rollback()  # see what it committed
		return response

	def status(self, order: str, client=None):
		return (client or self.resident).call(f"{API}.order_status", order=order)

	def owed(self, invoice: str) -> float:
		return flt(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"))

	# ---------------------------------------------------------------- the tests
	def test_a_resident_pays_two_bills_once_whatever_the_duplicates(self):
		two = self.bills[:2]
		expected = sum(self.owed(name) for name in two)
		made = self.order(two)
		self.assertEqual(made["launch"]["kind"], "qr")
		self.assertTrue(made["qr"].startswith("data:image/svg+xml;base64,"))
		self.assertEqual(flt(made["amount"]), flt(expected, 2))  # the server's amount
		self.assertEqual(made["status_route"], f"/property/payments/{made['order']}")
		self.assertEqual(self.status(made["order"]).json()["message"]["label"], "支付中")

		self.standin.mark_paid(made["order"])
		headers, body = self.standin.notification(made["order"])
		with ThreadPoolExecutor(max_workers=16) as pool:
			answers = list(pool.map(lambda _i: self.send(headers, body), range(100)))
		frappe.db.rollback()
		self.assertEqual({a.status_code for a in answers}, {200})
		self.assertTrue(all(a.json() == ACK for a in answers))

		order = frappe.get_doc("Property Payment Order", made["order"])
		self.assertEqual(order.status, "Paid")
		entries = entries_of(order.transaction_id)
		self.assertEqual(len(entries), 1, "one Payment Entry for one transaction")
		entry = frappe.get_doc("Payment Entry", entries[0].name)
		self.assertEqual(order.payment_entry, entry.name)
		self.assertEqual((entry.mode_of_payment, entry.party, flt(entry.paid_amount)),
			("WeChat Pay", self.owner.customer, flt(expected, 2)))  # fmt: skip
		self.assertEqual(sorted(r.reference_name for r in entry.references), sorted(two))
		self.assertEqual(flt(entry.unallocated_amount), 0)
		self.assertEqual([self.owed(name) for name in two], [0, 0])

		from erpnext.accounts.report.accounts_receivable.accounts_receivable import execute

		_columns, rows, *_ = execute(
			frappe._dict(
				company=company(),
				report_date=today(),
				party_type="Customer",
				party=[self.owner.customer],
				ageing_based_on="Due Date",
				range="30, 60, 90, 120",
				calculate_ageing_with="Report Date",
			)
		)
		listed = {row.get("voucher_no") for row in rows if isinstance(row, dict)}
		self.assertFalse(listed & set(two), "paid bills are no longer receivable")
		self.assertIn(self.bills[2], listed)

		seen = self.status(made["order"]).json()["message"]
		self.assertEqual((seen["status"], seen["label"]), ("Paid", "已支付"))
		self.assertEqual(seen["receipt_route"], f"/property/receipts/{entry.name}")
		self.assertEqual(self.status(made["order"], self.other).status_code, 404)  # not the neighbour's

	def test_the_return_and_the_pending_job_racing_make_one_entry(self):
		made = self.order([self.bills[2]])
		name = made["order"]
		frappe.db.set_value(
			"Property Payment Order", name, "creation", add_to_date(now_datetime(), minutes=-10)
		)
		frappe.db.commit()
		self.standin.mark_paid(name)
		session = self.resident.session  # the resident's browser, on its own thread
		with ThreadPoolExecutor(max_workers=2) as pool:
			returned = pool.submit(
				session.post, f"{self.url}/api/method/{API}.order_status", data={"order": name}, timeout=120
			)
			outcome = pending.check(name)
			frappe.db.commit()
			answer = returned.result()
		frappe.db.rollback()
		self.assertEqual(answer.json()["message"]["status"], "Paid")
		self.assertIn(outcome, ("paid", "skipped"))
		transaction = frappe.db.get_value("Property Payment Order", name, "transaction_id")
		self.assertEqual(len(entries_of(transaction)), 1)
		# the notification arriving afterwards is acknowledged and changes nothing
		self.assertEqual(self.notify(*self.standin.notification(name)).status_code, 200)
		self.assertEqual(len(entries_of(transaction)), 1)
		self.assertEqual(self.owed(self.bills[2]), 0)
		self.assertEqual(self.status(name).status_code, 200, "the resident is still signed in")

	def test_bills_settled_meanwhile_are_kept_as_an_advance_for_the_accountant(self):
		bill = self.bills[3]
		made = self.order([bill])
		pay(bill, self.owed(bill), today())  # the front desk took cash meanwhile
		frappe.db.commit()
		self.standin.mark_paid(made["order"])
		self.assertEqual(self.notify(*self.standin.notification(made["order"])).status_code, 200)
		order = frappe.get_doc("Property Payment Order", made["order"])
		self.assertEqual((order.status, order.needs_attention), ("Paid", 1))
		self.assertEqual(flt(order.advance_amount), flt(order.amount))
		entry = frappe.get_doc("Payment Entry", order.payment_entry)
		self.assertEqual((entry.docstatus, len(entry.references)), (1, 0))
		self.assertEqual(flt(entry.unallocated_amount), flt(order.amount))  # an advance on the customer
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{
					"reference_type": "Property Payment Order",
					"reference_name": order.name,
					"allocated_to": self.accountant,
					"status": "Open",
				},
			)
		)

	def test_forged_tampered_and_foreign_notifications_are_refused_and_nothing_written(self):
		bill = self.bills[4]
		made = self.order([bill])
		name = made["order"]
		refused_before = frappe.db.count("Integration Request", {"status": "Failed"})
		entries_before = frappe.db.count("Payment Entry")
		cases = {
			"wrong amount": self.standin.notification(name, amount=Decimal("0.01")),
			"someone else's trade number": self.standin.notification(
				"PCRM20990101000000123456", amount=Decimal("10.00")
			),
			"forged signature": self.standin.notification(name, tamper="signature"),
			"replayed old notification": self.standin.notification(name, timestamp=int(time.time()) - 3600),
		}
		for why, (headers, body) in cases.items():
			with self.subTest(why):
				answer = self.notify(headers, body)
				self.assertEqual(answer.status_code, 400, answer.text)
				self.assertEqual(answer.json()["code"], "FAIL")
		self.assertEqual(frappe.db.get_value("Property Payment Order", name, "status"), "Pending")
		self.assertEqual(frappe.db.count("Payment Entry"), entries_before)
		self.assertEqual(frappe.db.count("Integration Request", {"status": "Failed"}), refused_before + 4)
		logs = frappe.get_all("Integration Request", filters={"status": "Failed"}, order_by="creation desc",
			limit=4, fields=["data", "request_headers", "error", "output"])  # fmt: skip
		text = json.dumps(logs, ensure_ascii=False, default=str)
		secrets = [self.standin.apiv3_key, cases["forged signature"][0]["Wechatpay-Signature"],
			json.loads(cases["wrong amount"][1])["resource"]["ciphertext"]]  # fmt: skip
		self.assertFalse([s for s in secrets if s in text], "no secret in the logs")

		# a neighbour's bill cannot be ordered, a list that is not a list is a 417, never a 500
		for bills in ([self.neighbour_bills[0]], [bill, self.neighbour_bills[0]], []):
			answer = self.resident.call(f"{API}.create_order", bills=json.dumps(bills), platform="WeChat Pay",
				channel="native")  # fmt: skip
			self.assertEqual(answer.status_code, 417, answer.text)
		for bad in (
			{"bills": "not json", "channel": "native"},
			{"bills": json.dumps([bill]), "channel": "wap"},
		):
			answer = self.resident.call(f"{API}.create_order", platform="WeChat Pay", **bad)
			self.assertEqual(answer.status_code, 417, answer.text)
		self.assertEqual(served.HttpClient().get(NOTIFY).status_code, 405)

	def test_an_expired_order_is_closed_shown_as_failed_and_retried(self):
		bill = self.bills[5]
		made = self.order([bill])
		name = made["order"]
		past = add_to_date(now_datetime(), minutes=-30)
		frappe.db.set_value("Property Payment Order", name, {"creation": past, "expires_at": past})
		frappe.db.commit()
		self.assertEqual(pending.check(name), "closed")
		frappe.db.commit()
		self.assertEqual(self.standin.orders[name]["trade_state"], "CLOSED")  # closed at the platform too
		seen = self.status(name).json()["message"]
		self.assertEqual((seen["status"], seen["label"], seen["can_retry"]), ("Closed", "支付失败", True))

		answer = self.resident.call(f"{API}.retry", order=name)
		self.assertEqual(answer.status_code, 200, answer.text)
		again = answer.json()["message"]
		self.assertNotEqual(again["order"], name)
		order = frappe.get_doc("Property Payment Order", again["order"])
		self.assertEqual((order.status, order.retry_of, [b.sales_invoice for b in order.bills]),
			("Pending", name, [bill]))  # fmt: skip
		self.assertIn(order.name, self.standin.orders)
		# the neighbour cannot retry (nor see) it
		self.assertEqual(self.other.call(f"{API}.retry", order=name).status_code, 404)
