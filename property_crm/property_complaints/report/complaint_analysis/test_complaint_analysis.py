import json
from datetime import datetime, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.property_complaints.report.complaint_analysis.complaint_analysis import execute
from property_crm.property_complaints.rules import analysis
from property_crm.tests.factories import (
	make_building,
	make_complaint,
	make_estate,
	make_owner,
	make_place,
	make_unit,
	make_user,
	occupant,
	unique,
)

ATTITUDE, NOISE = "Service Attitude", "Noise"


class TestComplaintAnalysis(FrappeTestCase):
	def setUp(self):
		self.estate = make_estate()
		self.b1 = make_building(self.estate.name, "1")
		self.b2 = make_building(self.estate.name, "2")
		self.r1, self.r2, self.r3 = make_owner(), make_owner(), make_owner()
		self.u1 = make_unit(self.b1, "101", 1, [occupant(self.r1, primary_contact=1)])
		self.u2 = make_unit(self.b1, "102", 1, [occupant(self.r2, "Tenant", primary_contact=1)])
		for number in range(
			103, 111
		):  # vacant: b1 has 10 units, so an anonymous complaint keeps its building
			make_unit(self.b1, str(number), 1)
		make_unit(self.b1, "111", 1, [occupant(make_owner(), move_out="2021-01-01")])  # moved out
		self.u4 = make_unit(self.b2, "201", 2, [occupant(self.r3, primary_contact=1)])
		make_unit(self.b2, "P01", 1, [occupant(self.r3)], usage="Parking")  # no household
		self.households = {self.b1.name: 2, self.b2.name: 1}
		self.other_estate, other_unit, other_resident = make_place()

		self.start = (now_datetime() - timedelta(days=40)).replace(hour=9, minute=0, second=0, microsecond=0)
		start = self.start
		hours = timedelta(hours=1)

		def complaint(offset_days, unit=None, person=None, category=ATTITUDE, **values):
			received = start + timedelta(days=offset_days)
			fields = {k: v for k, v in values.items() if k in ("is_anonymous", "channel", "external_reference",
				"hotline_reply_deadline", "estate")}  # fmt: skip
			if fields.get("channel") == "12345 Hotline":
				fields.setdefault("external_reference", unique("12345-"))
				fields.setdefault("hotline_reply_deadline", received + timedelta(days=3))
			doc = make_complaint(unit, person, category, **fields)
			later = {k: v for k, v in values.items() if k not in fields}
			frappe.db.set_value(
				"Complaint",
				doc.name,
				{"received_on": received, "acknowledged_on": None, **later},
				update_modified=False,
			)
			return doc.name

		self.c1 = complaint(0, self.u1, self.r1, status="Closed", acknowledged_on=start + timedelta(minutes=10),
			closed_on=start + 24 * hours, reopen_count=1, root_cause="Staff Conduct")  # fmt: skip
		self.c2 = complaint(2, self.u1, self.r1, status="Investigating",
			acknowledged_on=start + timedelta(days=2, minutes=30))  # fmt: skip
		# the tenant of u2 complains anonymously, three times, twice through the 12345 hotline
		self.c3 = complaint(3, self.u2, self.r2, is_anonymous=1, channel="12345 Hotline", status="Resolved",
			hotline_replied_on=start + timedelta(days=4), root_cause="Staff Conduct",
			acknowledged_on=start + timedelta(days=3, minutes=20))  # fmt: skip
		self.c3b = complaint(5, self.u2, self.r2, is_anonymous=1, status="Closed",
			closed_on=start + timedelta(days=5) + 48 * hours)  # fmt: skip
		self.c4 = complaint(6, self.u2, self.r2, NOISE, is_anonymous=1, channel="12345 Hotline",
			hotline_reply_deadline=start + timedelta(days=7))  # fmt: skip
		self.c5 = complaint(7, self.u4, self.r3, NOISE, status="Withdrawn")
		# a hotline case whose deadline has not come: not judged yet
		self.c6 = complaint(39, None, None, NOISE, estate=self.estate.name, channel="12345 Hotline",
			hotline_reply_deadline=now_datetime() + timedelta(days=2))  # fmt: skip
		frappe.db.set_value("Complaint", self.c6, "building", self.b2.name)
		# before the period; and in another estate
		self.old = complaint(-400, self.u1, self.r1)
		self.elsewhere = make_complaint(other_unit, other_resident).name

	def run_report(self, group_by, **filters):
		filters = {"from_date": self.start.date() - timedelta(days=1), "to_date": now_datetime().date(),
			"group_by": group_by, **filters}  # fmt: skip
		columns, data, _message, chart, summary = execute(filters)
		return columns, data, chart, summary

	def rows(self, group_by, **filters) -> dict:
		_columns, data, _chart, _summary = self.run_report(group_by, estate=self.estate.name, **filters)
		return {(row["group"], row.get("building")): row for row in data}

	def test_figures_match_the_complaints(self):
		months = analysis.period_months(self.start.date() - timedelta(days=1), now_datetime().date())
		rows = self.rows("Category x Building")
		attitude = rows[(ATTITUDE, self.b1.name)]
		self.assertEqual((attitude["complaints"], attitude["open"]), (4, 1))  # c1, c2, c3, c3b; c2 open
		self.assertEqual(attitude["median_acknowledge_minutes"], 20.0)  # 10, 30, 20
		self.assertEqual(attitude["median_close_hours"], 36.0)  # 24 h and 48 h
		self.assertEqual(attitude["reopen_rate"], 25.0)
		self.assertEqual(attitude["repeat_complainants"], 2, "r1 twice, and the anonymous r2 twice")
		self.assertEqual((attitude["hotline_cases"], attitude["hotline_on_time"]), (1, 100.0))
		self.assertEqual(attitude["households"], 2, "u1 and u2: not the vacant, moved-out or parking units")
		self.assertEqual(attitude["per_100_households"], round(4 * 100 / 2 / months, 2))
		noise_b1 = rows[(NOISE, self.b1.name)]
		self.assertEqual(
			(noise_b1["complaints"], noise_b1["open"], noise_b1["repeat_complainants"]), (1, 1, 0)
		)
		self.assertEqual(
			(noise_b1["hotline_cases"], noise_b1["hotline_on_time"]), (1, 0.0), "late: unanswered"
		)
		noise_b2 = rows[(NOISE, self.b2.name)]
		self.assertEqual((noise_b2["complaints"], noise_b2["open"], noise_b2["households"]), (2, 1, 1))
		self.assertEqual((noise_b2["hotline_cases"], noise_b2["hotline_on_time"]), (1, None), "not due yet")
		self.assertEqual(noise_b2["median_acknowledge_minutes"], None)

		estate = self.rows("Estate")[(self.estate.name, None)]
		self.assertEqual((estate["complaints"], estate["households"]), (7, 3))
		self.assertEqual(estate["repeat_complainants"], 2)
		self.assertEqual(estate["hotline_on_time"], 50.0)

		causes = self.rows("Root Cause x Building")
		self.assertEqual(causes[("Staff Conduct", self.b1.name)]["complaints"], 2)
		self.assertEqual(causes[(frappe._("Not set"), self.b1.name)]["complaints"], 3)

		months_rows = self.rows("Month")
		self.assertEqual(sum(r["complaints"] for r in months_rows.values()), 7)
		for row in months_rows.values():
			self.assertEqual(row["per_100_households"], round(row["complaints"] * 100 / 3, 2), "per month")

		_columns, data, chart, summary = self.run_report("Category", estate=self.estate.name)
		self.assertEqual(sum(chart["data"]["datasets"][0]["values"]), 7)
		self.assertEqual(summary[0]["value"], 7)
		self.assertEqual(summary[3]["value"], 2, "repeat complainants over the period")
		self.assertEqual({r["group"]: r["complaints"] for r in data}, {ATTITUDE: 4, NOISE: 3})

	def test_figures_follow_the_domain_rules(self):
		"""The database's figures agree with property_complaints.rules.analysis.figures on the same complaints."""
		complaint = frappe.qb.DocType("Complaint")
		identity = frappe.qb.DocType("Complaint Identity")
		stored = (
			frappe.qb.from_(complaint)
			.left_join(identity)
			.on(identity.name == complaint.identity)
			.select(complaint.star, identity.complainant.as_("identity_complainant"))
			.where(complaint.estate == self.estate.name)
			.where(complaint.received_on >= self.start)
			.run(as_dict=True)
		)
		now = now_datetime()
		months = analysis.period_months(self.start.date() - timedelta(days=1), now.date())
		facts = [
			(
				row,
				analysis.Facts(
					row.received_on, row.status, row.acknowledged_on, row.closed_on, row.reopen_count,
					row.complainant or row.identity_complainant or row.contact_mobile, row.channel,
					row.hotline_reply_deadline, row.hotline_replied_on,
				),
			)
			for row in stored
		]  # fmt: skip
		for label, key, homes in (
			(
				"Category x Building",
				lambda r: (r.complaint_category, r.building),
				lambda k: self.households.get(k[1]),
			),
			("Estate", lambda r: (r.estate, None), lambda k: 3),
			("Category", lambda r: (r.complaint_category, None), lambda k: 3),
		):
			report = self.rows(label)
			groups: dict = {}
			for row, fact in facts:
				groups.setdefault(key(row), []).append(fact)
			self.assertEqual(set(report), set(groups), label)
			for group, members in groups.items():
				expected = analysis.figures(members, homes(group), months, now)
				got = {k: report[group][k] for k in expected}
				self.assertEqual(got, expected, (label, group))

	def test_no_anonymous_complainant_in_the_report(self):
		identity = frappe.get_doc("Complaint Identity", {"complaint": self.c3})
		self.assertEqual((identity.complainant, identity.unit), (self.r2.name, self.u2.name))
		# from a small building (2 units): the complaint keeps no building, so no row points at its households
		small = make_complaint(self.u4, self.r3, NOISE, is_anonymous=1).name
		self.assertIsNone(frappe.db.get_value("Complaint", small, "building"))
		rows = self.rows("Category x Building")
		self.assertEqual(rows[(NOISE, self.b2.name)]["complaints"], 2, "c5 and c6, not the anonymous one")
		self.assertEqual(rows[(NOISE, None)]["complaints"], 1)
		self.assertIsNone(rows[(NOISE, None)]["households"])
		secrets = [
			self.r2.name,
			self.r2.full_name,
			self.r2.mobile,
			self.u2.name,
			self.r3.full_name,
			self.u4.name,
		]
		for user in ("Administrator", make_user(["Property Customer Service"])):
			frappe.set_user(user)
			try:
				for group_by in analysis.GROUPINGS:
					printed = json.dumps(self.run_report(group_by), default=str, ensure_ascii=False)
					for secret in secrets:
						self.assertNotIn(secret, printed, (user, group_by))
			finally:
				frappe.set_user("Administrator")

	def test_estate_restriction_applies_to_the_report(self):
		manager = make_user(["Property Manager"], estates=[self.other_estate.name])
		frappe.set_user(manager)
		try:
			_columns, data, _chart, _summary = self.run_report("Estate")
			by_building = self.run_report("Category x Building")[1]
		finally:
			frappe.set_user("Administrator")
		self.assertEqual({r["group"] for r in data}, {self.other_estate.name})
		self.assertEqual(data[0]["households"], 1)
		self.assertTrue(all(r["building"].startswith(self.other_estate.name) for r in by_building))
		everything = self.run_report("Estate")[1]
		self.assertLessEqual({self.estate.name, self.other_estate.name}, {r["group"] for r in everything})

	def test_period_and_groupings(self):
		today = datetime(2026, 11, 23).date()
		self.assertEqual(analysis.period(None, None, today), (datetime(2025, 12, 1).date(), today))
		self.assertEqual(analysis.grouping("nonsense"), analysis.DEFAULT_GROUPING)
		self.assertEqual(self.run_report("nonsense")[0][0]["options"], "Complaint Category")
