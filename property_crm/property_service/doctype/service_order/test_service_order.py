from datetime import datetime, timedelta

import frappe
from frappe.cache_manager import clear_doctype_map
from frappe.desk.form.assign_to import add as assign_to
from frappe.email.doctype.notification.notification import evaluate_alert
from frappe.model.workflow import WorkflowTransitionError, apply_workflow, get_transitions
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime

from property_crm.property_service import orders
from property_crm.property_service.service_levels import HOLIDAY_LIST
from property_crm.sms import sync_sms_notifications
from property_crm.tests.factories import (
	act,
	make_category,
	make_order,
	make_outgoing_email_account,
	make_place,
	make_user,
)
from property_crm.tests.records import linked_doctypes

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Service Order")


CS, TE, M = "Property Customer Service", "Property Technician", "Property Manager"


class ServiceOrderTestCase(FrappeTestCase):
	def setUp(self):
		# Frappe caches the Assignment Rules of a doctype; rules made by an earlier, rolled-back test
		# class would still be listed there.
		clear_doctype_map("Assignment Rule", "Service Order")
		super().setUp()


def assign(order, user):
	assign_to(
		{"assign_to": [user], "doctype": "Service Order", "name": order.name, "description": order.subject}
	)


class TestServiceOrderLifecycle(ServiceOrderTestCase):
	def setUp(self):
		super().setUp()
		self.estate, self.unit, self.resident = make_place()
		self.cs = make_user([CS])
		self.tech_a, self.tech_b = make_user([TE]), make_user([TE])
		self.category = make_category("Always", technicians=[self.tech_a, self.tech_b])

	def test_whole_lifecycle_by_role(self):
		frappe.set_user(self.cs)
		order = make_order(self.unit, self.category, self.resident)
		frappe.set_user("Administrator")
		self.assertTrue(order.name.startswith(f"SO-{datetime.now().year}-"))
		self.assertEqual(
			(order.status, order.estate, order.building), ("Draft", self.estate.name, f"{self.estate.name}-1")
		)

		order = act(order, "Accept", self.cs)
		technician = frappe.parse_json(frappe.db.get_value("Service Order", order.name, "_assign"))
		self.assertEqual(len(technician), 1, "the category's assignment rule assigns on acceptance")
		technician = technician[0]
		self.assertIn(technician, (self.tech_a, self.tech_b))
		self.assertTrue(
			frappe.db.exists(
				"ToDo", {"reference_name": order.name, "allocated_to": technician, "status": "Open"}
			),
			"the technician gets Frappe's assignment (ToDo and its notification)",
		)

		order = act(order, "Dispatch", self.cs)
		order = act(order, "Start", technician)
		self.assertEqual(order.status, "In Progress")
		with self.assertRaises(frappe.ValidationError):  # no completion notes yet
			act(order, "Complete", technician)

		frappe.set_user(technician)
		order = frappe.get_doc("Service Order", order.name)
		order.completion_notes = "更换阀芯，试水无渗漏"
		order.labour_hours = 1.5
		order.save()
		frappe.set_user("Administrator")
		order = act(order, "Complete", technician)
		self.assertEqual(order.status, "Completed")
		self.assertTrue(order.completed_on)

		visit = frappe.get_doc("Return Visit", {"reference_name": order.name})
		self.assertNotEqual(visit.visitor, technician, "the visitor is never the technician who did the job")
		self.assertEqual(visit.estate, self.estate.name)

		make_outgoing_email_account()
		# Frappe sends notifications after the commit this test does not make: evaluate them as it would
		for notification, event in (
			("New Service Order", "New"),
			("Service Order Completed", "Value Change"),
		):
			evaluate_alert(frappe.get_doc("Service Order", order.name), notification, event)
		mails = frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Service Order", "reference_name": order.name},
			pluck="name",
		)
		bodies = " ".join(frappe.get_doc("Email Queue", m).message for m in mails)
		recipients = {r.recipient for m in mails for r in frappe.get_doc("Email Queue", m).recipients}
		self.assertIn(self.cs, recipients, "customer service hears of the new order")
		self.assertIn(self.resident.email, recipients, "the requester hears of the completion")
		self.assertIn(f"/property/requests/{order.name}", bodies, "with the link to rate it")

		orders.rate(order.name, 5, "准时, 干净", "师傅很专业")
		order = act(order, "Close", self.cs)
		self.assertEqual((order.status, order.rating), ("Closed", 5))

	def test_round_robin_between_the_pool(self):
		assigned = []
		for _ in range(2):
			order = act(make_order(self.unit, self.category, self.resident), "Accept", self.cs)
			assigned += frappe.parse_json(frappe.db.get_value("Service Order", order.name, "_assign"))
		self.assertEqual(sorted(assigned), sorted([self.tech_a, self.tech_b]))

	def test_illegal_transitions_are_refused(self):
		order = make_order(self.unit, self.category, self.resident)
		with self.assertRaises(frappe.PermissionError):  # not even visible to an unassigned technician
			act(order, "Accept", self.tech_a)
		assign(order, self.tech_a)
		with self.assertRaises(WorkflowTransitionError):  # assigned, but accepting is the dispatcher's
			act(order, "Accept", self.tech_a)
		other = make_category("Never")  # no pool: nobody assigned on acceptance
		order = act(make_order(self.unit, other, self.resident), "Accept", self.cs)
		with self.assertRaises(frappe.ValidationError):  # dispatch needs an assignee
			act(order, "Dispatch", self.cs)
		assign(order, self.tech_a)
		order = act(order, "Dispatch", self.cs)
		with self.assertRaises(frappe.PermissionError):  # only the assignee (or a dispatcher) starts work
			act(order, "Start", self.tech_b)
		with self.assertRaises(frappe.ValidationError):  # cannot close what is not done
			act(order, "Close", self.cs)
		frappe.set_user(self.tech_a)
		actions = [t.action for t in get_transitions(frappe.get_doc("Service Order", order.name))]
		frappe.set_user("Administrator")
		self.assertEqual(actions, ["Start"])

	def test_requester_must_live_in_the_unit(self):
		_estate, _unit, stranger = make_place()
		with self.assertRaisesRegex(frappe.ValidationError, "Requester"):
			make_order(self.unit, self.category, stranger)

	def test_unit_and_category_are_required_except_on_unplaced_emailed_orders(self):
		nowhere = frappe._dict(name=None)
		with self.assertRaisesRegex(frappe.ValidationError, "Unit: choose the unit this request is for"):
			make_order(nowhere, self.category, channel="Phone")
		with self.assertRaisesRegex(frappe.ValidationError, "Category: choose the category of this request"):
			make_order(self.unit, nowhere, channel="Desk")
		# an e-mailed request may wait in Draft for customer service to place it (tests/test_email_intake.py)
		order = make_order(nowhere, nowhere, channel="Email", requester_email="someone@example.net")
		self.assertEqual((order.status, order.unit, order.estate), ("Draft", None, None))
		with self.assertRaisesRegex(frappe.ValidationError, "place this e-mailed request in a unit"):
			act(order, "Accept", self.cs)


class TestReturnVisits(ServiceOrderTestCase):
	def setUp(self):
		super().setUp()
		self.estate, self.unit, self.resident = make_place()
		self.cs = make_user([CS])
		self.tech = make_user([TE])

	def complete(self, category, rating=None):
		order = act(make_order(self.unit, category, self.resident), "Accept", self.cs)
		assign(order, self.tech)
		order = act(order, "Dispatch", self.cs)
		order = act(order, "Start", self.tech)
		frappe.db.set_value("Service Order", order.name, "completion_notes", "已修复")
		if rating:
			frappe.db.set_value("Service Order", order.name, "rating", rating)
		return act(order, "Complete", self.tech)

	def visits(self, order):
		return frappe.get_all(
			"Return Visit", filters={"reference_name": order.name}, fields=["name", "status"]
		)

	def test_policies(self):
		self.assertEqual(self.visits(self.complete(make_category("Never"))), [])
		self.assertEqual(len(self.visits(self.complete(make_category("Always"), rating=5))), 1)
		self.assertEqual(self.visits(self.complete(make_category("Only if unrated"), rating=4)), [])
		unrated = self.complete(make_category("Only if unrated"))
		self.assertEqual([v.status for v in self.visits(unrated)], ["Open"])
		orders.rate(unrated.name, 4)
		self.assertEqual([v.status for v in self.visits(unrated)], ["Not Needed"])

	def test_unsatisfied_outcome_reopens_the_order(self):
		order = self.complete(make_category("Always"))
		visit = frappe.get_doc("Return Visit", {"reference_name": order.name})
		visit.visitor = self.cs
		visit.outcome = "Unsatisfied"
		visit.satisfaction = 2
		visit.notes = "仍然滴水"
		visit.save()
		self.assertEqual(visit.status, "Done")
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Reopened")

	def test_visitor_cannot_be_the_technician(self):
		order = self.complete(make_category("Always"))
		visit = frappe.get_doc("Return Visit", {"reference_name": order.name})
		visit.visitor = self.tech
		with self.assertRaisesRegex(frappe.ValidationError, "Visitor"):
			visit.save()


class TestServiceLevels(ServiceOrderTestCase):
	"""ERPNext's SLA engine on Service Orders: working hours 08:30–17:30 every day, the holiday list, pauses."""

	def setUp(self):
		super().setUp()
		self.estate, self.unit, self.resident = make_place()
		self.category = make_category("Never")
		self.tech = make_user([TE])

	def test_response_and_resolution_with_working_hours_and_holidays(self):
		national_day = get_datetime(
			frappe.db.get_value(
				"Holiday",
				{"parent": HOLIDAY_LIST, "description": "National Day"},
				"holiday_date",
				order_by="holiday_date asc",
			)
		)
		eve = national_day - timedelta(days=1) + timedelta(hours=16, minutes=30)  # 16:30 the day before
		with self.freeze_time(eve):
			order = make_order(self.unit, self.category, self.resident, priority="Urgent")
		self.assertEqual(
			order.service_level_agreement,
			frappe.db.get_value("Service Level Agreement", {"service_level": "Service Order Standard"}),
		)
		self.assertEqual(get_datetime(order.response_by), eve + timedelta(minutes=30))
		# 1 h left that day, three days of holiday, then 3 h from 08:30 on the fourth day
		self.assertEqual(
			get_datetime(order.sla_resolution_by), national_day + timedelta(days=3, hours=11, minutes=30)
		)

	def test_waiting_pauses_the_clock(self):
		start = datetime(2026, 6, 8, 9, 0)  # a Monday
		with self.freeze_time(start):
			order = make_order(self.unit, self.category, self.resident, priority="High")
		due = get_datetime(order.sla_resolution_by)
		with self.freeze_time(start + timedelta(hours=1)):
			order = act(order, "Accept")
			assign(order, self.tech)
			order = act(order, "Dispatch")
			order = act(order, "Start")
			order = act(order, "Wait for Parts")
		self.assertEqual(order.status, "Awaiting Parts")
		with self.freeze_time(start + timedelta(hours=3)):
			order = act(order, "Resume")
		self.assertEqual(order.total_hold_time, 7200)
		self.assertEqual(get_datetime(order.sla_resolution_by), due + timedelta(hours=2))
		with self.freeze_time(start + timedelta(hours=4)):
			frappe.db.set_value("Service Order", order.name, "completion_notes", "换件完成")
			order = act(order, "Complete")
		self.assertEqual(order.agreement_status, "Fulfilled")

	def test_category_targets_through_an_sla_condition(self):
		fast = make_category("Never", response_hours=1, resolution_hours=2)
		self.assertTrue(fast.service_level_agreement)
		start = datetime(2026, 6, 8, 9, 0)
		with self.freeze_time(start):
			order = make_order(self.unit, fast, self.resident, priority="Low")
		self.assertEqual(order.service_level_agreement, fast.service_level_agreement)
		self.assertEqual(get_datetime(order.sla_resolution_by), start + timedelta(hours=2))

	def test_escalation_ladder(self):
		manager = make_user([M])
		frappe.db.set_value("Property Estate", self.estate.name, "manager", manager)
		start = datetime(2026, 6, 8, 9, 0)
		with self.freeze_time(start):
			order = make_order(self.unit, self.category, self.resident, priority="Urgent")  # due 13:00
		with self.freeze_time(start + timedelta(hours=3, minutes=30)):  # 87.5 % of the time used
			orders.escalate_overdue()
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "escalation_level"), 1)
		with self.freeze_time(start + timedelta(hours=8, minutes=1)):  # overdue by more than 4 h
			orders.escalate_overdue()
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "escalation_level"), 2)
		alerts = frappe.get_all(
			"Notification Log", filters={"for_user": manager, "document_name": order.name}
		)
		self.assertEqual(len(alerts), 2)
		comments = frappe.get_all(
			"Comment", filters={"reference_name": order.name, "content": ("like", "%Escalation%")}
		)
		self.assertEqual(len(comments), 2)


class TestChargingAndClosing(ServiceOrderTestCase):
	def setUp(self):
		super().setUp()
		self.estate, self.unit, self.resident = make_place()
		self.category = make_category("Never", chargeable=1)
		for code, rate in (("PCRM-VALVE", 35), ("PCRM-LABOUR", 80)):
			if not frappe.db.exists("Item", code):
				frappe.get_doc(
					{"doctype": "Item", "item_code": code, "item_name": code, "item_group": "All Item Groups",
					 "stock_uom": "Nos", "is_stock_item": 0, "standard_rate": rate}
				).insert()  # fmt: skip

	def test_invoice_for_chargeable_lines(self):
		order = make_order(
			self.unit,
			self.category,
			self.resident,
			materials=[
				{"item": "PCRM-VALVE", "qty": 2, "rate": 35, "chargeable": 1},
				{"item": "PCRM-LABOUR", "qty": 1, "rate": 80, "chargeable": 1},
				{"item": "PCRM-VALVE", "qty": 1, "rate": 35, "chargeable": 0},
			],
		)
		self.assertEqual(order.chargeable_amount, 150)
		name = orders.make_sales_invoice(order.name)
		invoice = frappe.get_doc("Sales Invoice", name)
		self.assertEqual(invoice.docstatus, 0)
		self.assertEqual(invoice.service_order, order.name)
		self.assertEqual(
			invoice.customer, frappe.db.get_value("Property Owner", self.resident.name, "customer")
		)
		self.assertEqual(
			[(i.item_code, i.qty, i.rate) for i in invoice.items],
			[("PCRM-VALVE", 2, 35), ("PCRM-LABOUR", 1, 80)],
		)
		self.assertEqual(invoice.total, 150)
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "sales_invoice"), name)
		self.assertEqual(
			orders.make_sales_invoice(order.name), name, "a second click does not make a second invoice"
		)

	def test_nothing_chargeable(self):
		order = make_order(self.unit, self.category, self.resident)
		with self.assertRaisesRegex(frappe.ValidationError, "Materials"):
			orders.make_sales_invoice(order.name)

	def test_unrated_completed_orders_close_by_themselves(self):
		tech = make_user([TE])
		order = act(make_order(self.unit, self.category, self.resident), "Accept")
		assign(order, tech)
		for action in ("Dispatch", "Start"):
			order = act(order, action)
		frappe.db.set_value("Service Order", order.name, "completion_notes", "完成")
		order = act(order, "Complete")
		rated = make_order(self.unit, self.category, self.resident)
		frappe.db.set_value("Service Order", order.name, "completed_on", datetime.now() - timedelta(days=8))
		orders.auto_close_unrated()
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Closed")
		self.assertEqual(frappe.db.get_value("Service Order", rated.name, "status"), "Draft")


class TestSmsNotifications(FrappeTestCase):
	def test_sms_follows_the_sms_settings(self):
		settings = frappe.get_doc("SMS Settings")
		settings.sms_gateway_url = "http://127.0.0.1:9/send"
		settings.message_parameter = "text"
		settings.receiver_parameter = "to"
		settings.save()
		self.assertEqual(frappe.db.get_value("Notification", "Service Order Completed SMS", "enabled"), 1)
		# the gateway URL is mandatory in the form; a site without SMS has none at all
		frappe.db.set_single_value("SMS Settings", "sms_gateway_url", None)
		sync_sms_notifications()
		self.assertEqual(frappe.db.get_value("Notification", "Service Order Completed SMS", "enabled"), 0)
