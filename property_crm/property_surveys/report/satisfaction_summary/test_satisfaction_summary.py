"""Satisfaction Summary's figures against seeded responses: CSAT, NPS, dimensions, response rate, trend,
follow-ups, estate restrictions."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime

from property_crm.property_surveys import surveys
from property_crm.property_surveys.report.satisfaction_summary.satisfaction_summary import csat_card, execute
from property_crm.tests.factories import make_owner, make_place, make_unit, make_user, occupant
from property_crm.tests.survey_factories import make_campaign


def respond(campaign, person, unit, values, days_ago=0):
	invitation, _token = surveys.invite(campaign, person.name, unit.name)
	name = surveys.submit(invitation, json.dumps(values), "Portal")
	if days_ago:
		# as if answered then: the response and its dimension rows (which carry the time for the report)
		when = add_days(now_datetime(), -days_ago)
		frappe.db.set_value("Survey Response", name, "submitted_on", when, update_modified=False)
		frappe.db.set_value(
			"Survey Response Dimension", {"parent": name}, "submitted_on", when, update_modified=False
		)
	return name


class TestSatisfactionSummary(FrappeTestCase):
	def test_figures_by_estate_and_trend(self):
		campaign = make_campaign()
		estate, unit, first = make_place()
		building = frappe.get_doc("Property Building", unit.building)
		people = [first] + [make_owner() for _i in range(3)]
		units = [unit] + [
			make_unit(building, f"20{i}", floor=2, occupants=[occupant(p)]) for i, p in enumerate(people[1:])
		]
		# this period: ratings 5,4 | 2,1 | 5,5 ; NPS 10 (promoter), 3 (detractor), 8 (passive)
		respond(campaign.name, people[0], units[0], {"overall": "5", "clean": "4", "recommend": "10"})
		low = respond(campaign.name, people[1], units[1], {"overall": "2", "clean": "1", "recommend": "3"})
		respond(campaign.name, people[2], units[2], {"overall": "5", "clean": "5", "recommend": "8"})
		# previous period (100 days ago): one unhappy answer
		respond(campaign.name, people[3], units[3], {"overall": "1", "recommend": "0"}, days_ago=100)
		filters = frappe._dict(
			from_date=add_days(now_datetime(), -89).date(), to_date=now_datetime().date(), estate=estate.name
		)
		columns, data, _message, chart, summary = execute(filters | {"group_by": "Estate"})
		self.assertEqual(len(data), 1)
		row = data[0]
		self.assertEqual(row["responses"], 3)
		self.assertEqual(row["csat"], round(100 * 4 / 6, 1))  # 5,4,5,5 of 6 ratings
		self.assertEqual(row["nps"], 0.0)  # 1 promoter − 1 detractor of 3
		self.assertEqual(row["invitations"], 4)
		self.assertEqual(row["response_rate"], 75.0)
		self.assertEqual(row["previous_csat"], 0.0)
		self.assertEqual(row["csat_change"], round(100 * 4 / 6, 1))
		self.assertEqual(row["previous_nps"], -100.0)
		self.assertEqual(row["nps_change"], 100.0)
		self.assertEqual(row["dim_service_quality"], round((100 + 25 + 100) / 3, 1))
		self.assertEqual(row["follow_ups"], 1)
		self.assertEqual(row["follow_ups_closed"], 0)
		visit = frappe.get_doc("Return Visit", frappe.db.get_value("Survey Response", low, "follow_up"))
		visit.outcome = "Satisfied"
		visit.save()
		row = execute(filters | {"group_by": "Estate"})[1][0]
		self.assertEqual((row["follow_ups"], row["follow_ups_closed"]), (1, 1))
		self.assertTrue(chart and summary)
		self.assertIn("dim_environment", [c["fieldname"] for c in columns])
		by_month = execute(filters | {"group_by": "Month"})[1]
		self.assertEqual(sum(r["responses"] for r in by_month), 3)
		self.assertTrue(csat_card().endswith("%"))

	def test_estate_restriction(self):
		campaign = make_campaign()
		estate, unit, person = make_place()
		other_estate, other_unit, other = make_place()
		respond(campaign.name, person, unit, {"overall": "4"})
		respond(campaign.name, other, other_unit, {"overall": "2"})
		clerk = make_user(["Property Customer Service"], [estate.name])
		frappe.set_user(clerk)
		try:
			data = execute(frappe._dict(group_by="Estate", campaign=campaign.name))[1]
		finally:
			frappe.set_user("Administrator")
		self.assertEqual([r["group"] for r in data], [estate.name])
		self.assertTrue(other_estate)
