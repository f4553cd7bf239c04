from datetime import datetime, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_service.report.service_order_analytics.service_order_analytics import execute
from property_crm.property_service.rules.service import Job, median_hours, rating_summary, repeat_repairs
from property_crm.tests.factories import make_category, make_order, make_place, make_user


class TestServiceOrderAnalytics(FrappeTestCase):
	def setUp(self):
		self.estate, self.unit, self.resident = make_place()
		self.other_estate, self.other_unit, self.other_resident = make_place()
		self.plumbing, self.lifts = make_category("Never"), make_category("Never")
		start = datetime.now() - timedelta(days=60)

		def order(unit, resident, category, opened, **values):
			doc = make_order(unit, category, resident)
			frappe.db.set_value(
				"Service Order", doc.name, {"creation": opened, **values}, update_modified=False
			)
			return doc.name

		self.first = order(self.unit, self.resident, self.plumbing, start, status="Closed", rating=5,
			agreement_status="Fulfilled", first_responded_on=start + timedelta(hours=1), completed_on=start + timedelta(hours=5))  # fmt: skip
		self.repeat = order(self.unit, self.resident, self.plumbing, start + timedelta(days=30), status="Completed", rating=3,
			agreement_status="Failed", first_responded_on=start + timedelta(days=30, hours=3), completed_on=start + timedelta(days=31))  # fmt: skip
		self.lift = order(
			self.unit, self.resident, self.lifts, start + timedelta(days=31), status="In Progress"
		)
		self.elsewhere = order(self.other_unit, self.other_resident, self.plumbing, start, status="Draft")

	def run_report(self, **filters):
		_columns, data, _message, chart, summary = execute({"group_by": "Category", **filters})
		return {row["group"]: row for row in data}, chart, summary

	def test_figures_match_the_orders(self):
		rows, chart, summary = self.run_report(estate=self.estate.name)
		plumbing = rows[self.plumbing.name]
		self.assertEqual((plumbing["orders"], plumbing["open"]), (2, 0))
		self.assertEqual(plumbing["median_response_hours"], 2.0)  # 1 h and 3 h
		self.assertEqual(plumbing["median_resolution_hours"], 14.5)  # 5 h and 24 h
		self.assertEqual(plumbing["sla_met_percent"], 50.0)
		self.assertEqual((plumbing["average_rating"], plumbing["rated"]), (4.0, 2))
		self.assertEqual(plumbing["repeat_repairs"], 1)
		self.assertEqual((rows[self.lifts.name]["orders"], rows[self.lifts.name]["open"]), (1, 1))
		self.assertEqual(sum(chart["data"]["datasets"][0]["values"]), 3)
		self.assertEqual(summary[0]["value"], 3)

	def test_figures_follow_the_domain_rules(self):
		"""The database's aggregation agrees with the pure functions on the same orders."""
		rows = frappe.get_all(
			"Service Order",
			filters={"estate": self.estate.name},
			fields=["name", "unit", "service_category", "creation", "first_responded_on", "sla_resolution_date",
				"completed_on", "rating"],
		)  # fmt: skip
		report, _chart, _summary = self.run_report(estate=self.estate.name)
		repeats = repeat_repairs(Job(r.name, r.unit, r.service_category, r.creation) for r in rows)
		for category in (self.plumbing.name, self.lifts.name):
			mine = [r for r in rows if r.service_category == category]
			expected_ratings = rating_summary(r.rating for r in mine)
			self.assertEqual(report[category]["average_rating"], expected_ratings["average"])
			self.assertEqual(report[category]["rated"], expected_ratings["count"])
			self.assertEqual(
				report[category]["median_response_hours"],
				median_hours(
					r.first_responded_on - r.creation if r.first_responded_on else None for r in mine
				),
			)
			resolved = [(r.sla_resolution_date or r.completed_on) for r in mine]
			self.assertEqual(
				report[category]["median_resolution_hours"],
				median_hours(
					end - r.creation if end else None for r, end in zip(mine, resolved, strict=True)
				),
			)
			self.assertEqual(report[category]["repeat_repairs"], sum(1 for r in mine if r.name in repeats))

	def test_repeat_of_is_set_when_filed(self):
		first = frappe.get_doc("Service Order", self.first)
		again = make_order(self.unit, self.plumbing, self.resident)
		self.assertEqual(again.repeat_of, self.repeat, "the latest earlier order of the unit and category")
		self.assertFalse(first.repeat_of)
		other_unit = make_order(self.other_unit, self.lifts, self.other_resident)
		self.assertFalse(other_unit.repeat_of)

	def test_group_by_estate_and_month(self):
		by_estate = execute({"group_by": "Estate", "service_category": self.plumbing.name})[1]
		self.assertEqual(
			{r["group"]: r["orders"] for r in by_estate}, {self.estate.name: 2, self.other_estate.name: 1}
		)
		by_month = execute({"group_by": "Month", "estate": self.estate.name})[1]
		self.assertEqual(sum(r["orders"] for r in by_month), 3)

	def test_estate_restriction_applies_to_the_report(self):
		manager = make_user(["Property Manager"], estates=[self.estate.name])
		frappe.set_user(manager)
		try:
			groups = {r["group"] for r in execute({"group_by": "Estate"})[1]}
		finally:
			frappe.set_user("Administrator")
		# e-mailed requests nobody has placed yet have no estate: every clerk sees them, to place them
		self.assertEqual(groups - {"Not set"}, {self.estate.name})
