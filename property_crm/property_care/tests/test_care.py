"""Customer care on a real site: periodic return visits (policy, fairness, unreachable), the daily care job
(consent for every greeting), holiday campaigns, stale files, verification rounds and merging files."""

from collections import Counter
from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate

from property_crm.masks import mask_mobile
from property_crm.property_care import care
from property_crm.property_households.merge import merge_files
from property_crm.protected_fields import plain_value
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_complaint,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
	valid_mobile,
)

ELDERLY = "Elderly Living Alone"


def tag(name: str) -> str:
	if not frappe.db.exists("Property Resident Tag", name):
		frappe.get_doc({"doctype": "Property Resident Tag", "tag_name": name}).insert()
	return name


def make_policy(estate: str, visitors: list[str], **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Property Care Policy",
			"estate": estate,
			"default_frequency": "Quarterly",
			"rules": [{"tag": tag(ELDERLY), "frequency": "Monthly"}],
			"visitors": [{"user": user} for user in visitors],
		}
		| kwargs
	).insert()


class TestVisitPlanner(FrappeTestCase):
	def setUp(self):
		self.estate = make_estate()
		building = make_building(self.estate.name, "1")
		self.units = []
		for n in range(7):
			person = make_owner(tags=[{"tag": tag(ELDERLY)}] if n == 0 else [])
			self.units.append(
				make_unit(building, f"{101 + n}", floor=1, occupants=[occupant(person, primary_contact=1)])
			)
		make_unit(building, "999", floor=1)  # vacant: nobody to visit
		self.staff = [make_user(["Property Customer Service"], [self.estate.name]) for _ in range(3)]
		self.policy = make_policy(self.estate.name, self.staff)
		# after the first interval every household's first visit is due
		self.day = getdate(add_days(self.policy.creation, 95))

	def visits(self):
		return frappe.get_all(
			"Return Visit",
			filters={"estate": self.estate.name, "reference_doctype": "Property Unit"},
			fields=["name", "unit", "visitor", "due_date", "status"],
		)

	def test_every_due_household_once_evenly_across_staff(self):
		self.assertEqual(care.plan_return_visits(self.day, self.estate.name), {self.estate.name: 7})
		visits = self.visits()
		self.assertEqual(sorted(v.unit for v in visits), sorted(u.name for u in self.units))
		load = Counter(v.visitor for v in visits)
		self.assertEqual(set(load), set(self.staff))
		self.assertLessEqual(max(load.values()) - min(load.values()), 1)
		# a second run the same day (or while visits are open) plans nothing more
		self.assertEqual(care.plan_return_visits(self.day, self.estate.name), {self.estate.name: 0})

	def test_elderly_living_alone_monthly_others_quarterly(self):
		care.plan_return_visits(self.day, self.estate.name)
		for visit in self.visits():
			doc = frappe.get_doc("Return Visit", visit.name)
			doc.update({"outcome": "Satisfied", "satisfaction": 5})
			doc.save()
		next_month = getdate(add_days(self.day, 31))
		self.assertEqual(care.plan_return_visits(next_month, self.estate.name), {self.estate.name: 1})
		elderly = [v for v in self.visits() if v.status == "Open"]
		self.assertEqual([v.unit for v in elderly], [self.units[0].name])
		in_a_quarter = getdate(add_days(self.day, 93))
		self.assertEqual(care.plan_return_visits(in_a_quarter, self.estate.name), {self.estate.name: 6})

	def test_unreachable_is_retried_then_flagged(self):
		self.policy.db_set("unreachable_retries", 2)
		care.plan_return_visits(self.day, self.estate.name)
		unit = self.units[1].name
		for _attempt in range(3):
			visit = frappe.get_all(
				"Return Visit",
				filters={"unit": unit, "status": "Open"},
				pluck="name",
				order_by="creation desc",
			)[0]
			doc = frappe.get_doc("Return Visit", visit)
			doc.outcome = "Unreachable"
			doc.save()
		visits = frappe.get_all("Return Visit", filters={"unit": unit}, fields=["status", "outcome"])
		self.assertEqual(len(visits), 3)  # the first and two retries, then no more
		self.assertEqual({v.outcome for v in visits}, {"Unreachable"})
		self.assertTrue(frappe.db.exists("Property Care Event", {"unit": unit, "event_type": "Unreachable"}))
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": "Property Unit", "reference_name": unit}))


class TestDailyCare(FrappeTestCase):
	def setUp(self):
		self.estate = make_estate()
		self.building = make_building(self.estate.name, "1")
		self.cs = make_user(["Property Customer Service"], [self.estate.name])
		make_policy(self.estate.name, [self.cs])
		from property_crm.tests.factories import make_outgoing_email_account

		make_outgoing_email_account()

	def person(self, n: int, **kwargs):
		owner = make_owner(**kwargs)
		make_unit(self.building, f"{200 + n}", floor=2, occupants=[occupant(owner, move_in="2019-06-10")])
		return owner

	def test_greetings_only_with_marketing_consent_by_preferred_channel(self):
		day = date(2026, 6, 10)
		mail = self.person(1, date_of_birth="1960-06-10", marketing_consent=1, preferred_channel="Email",
			email=f"{unique('m').lower()}@example.com")  # fmt: skip
		silent = self.person(2, date_of_birth="1970-06-10", marketing_consent=0, preferred_channel="Email",
			email=f"{unique('s').lower()}@example.com")  # fmt: skip
		caller = self.person(3, date_of_birth="1950-06-10", marketing_consent=1, preferred_channel="Phone")
		leap = self.person(4, date_of_birth="1988-02-29", marketing_consent=1, preferred_channel="Phone")
		care.daily_care(day)
		events = {
			(e.resident, e.event_type): e
			for e in frappe.get_all("Property Care Event", filters={"estate": self.estate.name}, fields=["*"])
		}
		self.assertEqual(events[(mail.name, "Birthday")].action, "Sent")
		self.assertEqual(events[(mail.name, "Birthday")].channel, "Email")
		self.assertEqual(events[(silent.name, "Birthday")].action, "Skipped")
		self.assertEqual(events[(silent.name, "Birthday")].reason, "No marketing consent")
		self.assertEqual(events[(caller.name, "Birthday")].action, "Task")
		# every living resident moved in on 10 June 2019: anniversaries too, by the same consent rule
		self.assertEqual(events[(silent.name, "Move-in Anniversary")].action, "Skipped")
		self.assertEqual(events[(mail.name, "Move-in Anniversary")].years, 7)
		# nothing at all reached the resident without consent: no e-mail, no task, no message
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": silent.name}))
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": silent.name}))
		self.assertTrue(
			frappe.db.exists("Communication", {"reference_name": mail.name, "communication_medium": "Email"})
		)
		self.assertEqual(
			frappe.db.get_value("ToDo", {"reference_name": caller.name}, "allocated_to"), self.cs
		)
		# 29 February: greeted on 28 February of a common year
		self.assertNotIn((leap.name, "Birthday"), events)
		care.daily_care(date(2027, 2, 28))
		self.assertTrue(
			frappe.db.exists("Property Care Event", {"resident": leap.name, "event_type": "Birthday"})
		)
		# a second run of the same day greets nobody twice
		before = frappe.db.count("Communication", {"reference_name": mail.name})
		care.daily_care(day)
		self.assertEqual(frappe.db.count("Communication", {"reference_name": mail.name}), before)
		self.assertEqual(frappe.db.count("Property Care Event", {"resident": mail.name, "on_date": day}), 2)

	def test_holiday_campaign_respects_consent(self):
		yes = self.person(
			5, marketing_consent=1, preferred_channel="Email", email=f"{unique('y').lower()}@example.com"
		)
		no = self.person(
			6, marketing_consent=0, preferred_channel="Email", email=f"{unique('n').lower()}@example.com"
		)
		campaign = frappe.get_doc(
			{
				"doctype": "Property Greeting Campaign",
				"campaign_name": "中秋问候",
				"holiday": "Mid-Autumn Festival",
				"estate": self.estate.name,
				"status": "Scheduled",
				"message": "{0}，中秋快乐！",
			}
		).insert()
		self.assertEqual(str(campaign.send_on), "2026-09-25")  # from the holiday's date this year
		care.send_due_campaigns(date(2026, 9, 25))
		campaign.reload()
		self.assertEqual((campaign.status, campaign.sent_count, campaign.skipped_count), ("Sent", 1, 1))
		self.assertTrue(
			frappe.db.exists("Communication", {"reference_name": yes.name, "subject": "中秋问候"})
		)
		self.assertFalse(frappe.db.exists("Communication", {"reference_name": no.name}))


class TestDataQuality(FrappeTestCase):
	def test_stale_files_rules_and_estate_isolation(self):
		from property_crm.property_care.report.stale_files.stale_files import execute

		estate, other = make_estate(), make_estate()
		building, other_building = make_building(estate.name, "1"), make_building(other.name, "1")
		fresh = make_owner(
			last_verified_on="2026-01-05", privacy_consent_date="2025-01-01", email="fresh@example.com"
		)
		old = make_owner(last_verified_on="2020-01-01", privacy_consent_date="2020-01-01",
			family_members=[{"member_name": "无档案的孩子", "relation": "Child"}])  # fmt: skip
		number = plain_value(old, "mobile")  # the column holds the mask; a twin has the same number
		twin = make_owner(mobile=number, privacy_consent_date="2020-01-01", last_verified_on="2026-01-05")
		# the same mask, another number: not a duplicate (compared by the keyed hash, not the mask)
		lookalike = make_owner(mobile=number[:3] + ("0000" if number[3:7] != "0000" else "1111") + number[7:],
			privacy_consent_date="2020-01-01", last_verified_on="2026-01-05")  # fmt: skip
		self.assertEqual(lookalike.mobile, old.mobile)
		bad = make_owner(privacy_consent_date="2020-01-01", last_verified_on="2026-01-05")
		frappe.db.set_value("Property Owner", bad.name, "mobile", "12345")  # an imported bad number
		far = make_owner()
		make_unit(building, "101", floor=1, occupants=[occupant(fresh), occupant(old)])
		make_unit(building, "102", floor=1, occupants=[occupant(twin), occupant(bad), occupant(lookalike)])
		make_unit(other_building, "101", floor=1, occupants=[occupant(far)])
		_columns, rows, _msg, _chart, summary = execute({"estate": estate.name, "months": 12})
		by = {}
		for row in rows:
			by.setdefault(row["full_name"], row)
		self.assertNotIn(fresh.full_name, by)
		self.assertIn("Not verified", by[old.full_name]["reasons"])
		self.assertIn("Possible duplicate", by[old.full_name]["reasons"])
		self.assertEqual(by[old.full_name]["duplicates"], twin.name)
		self.assertIn("Invalid mobile", by[bad.full_name]["reasons"])
		self.assertNotIn(lookalike.full_name, by)
		self.assertIn("Occupant without a file", by["无档案的孩子"]["reasons"])
		self.assertNotIn(far.full_name, by)
		self.assertEqual({row["label"]: row["value"] for row in summary}["Invalid mobile"], 1)
		# a clerk of the other estate sees none of these files
		clerk = make_user(["Property Customer Service"], [other.name])
		frappe.set_user(clerk)
		try:
			_c, rows, *_ = execute({"months": 12})
		finally:
			frappe.set_user("Administrator")
		names = {row["resident"] for row in rows}
		self.assertIn(far.name, names)
		self.assertFalse(names & {old.name, twin.name, bad.name})

	def test_verification_round_samples_assigns_and_verifies(self):
		estate = make_estate()
		building = make_building(estate.name, "1")
		people = [make_owner() for _ in range(6)]
		for n, person in enumerate(people):
			make_unit(building, f"{301 + n}", floor=3, occupants=[occupant(person)])
		staff = [make_user(["Property Customer Service"], [estate.name]) for _ in range(2)]
		round_ = frappe.get_doc(
			{"doctype": "Property Verification Round", "estate": estate.name, "sample_size": 4,
				"staff": [{"user": u} for u in staff]}
		).insert()  # fmt: skip
		self.assertEqual(len(round_.items), 4)
		self.assertEqual(
			Counter(row.assigned_to for row in round_.items), Counter({staff[0]: 2, staff[1]: 2})
		)
		for row in round_.items:
			row.result = "Verified"
		round_.save()
		self.assertEqual(round_.status, "Completed")
		self.assertEqual(
			str(frappe.db.get_value("Property Owner", round_.items[0].resident, "last_verified_on")),
			frappe.utils.today(),
		)


class TestMerge(FrappeTestCase):
	def test_merge_moves_every_linked_record(self):
		from property_crm.property_households.accounts import ensure_customer

		estate = make_estate()
		building = make_building(estate.name, "1")
		keep = make_owner(full_name="王芳", mobile="")
		number, member_number = valid_mobile(), valid_mobile()
		duplicate = make_owner(full_name="王芳", mobile=number, vehicles=[{"plate_number": "沪B54321"}],
			family_members=[{"member_name": "王小红", "relation": "Child", "mobile": member_number}])  # fmt: skip
		ensure_customer(keep)
		ensure_customer(duplicate)
		duplicate_customer = frappe.db.get_value("Property Owner", duplicate.name, "customer")
		keep_customer = frappe.db.get_value("Property Owner", keep.name, "customer")
		unit = make_unit(building, "101", floor=1, occupants=[occupant(duplicate, primary_contact=1)])
		shared = make_unit(building, "102", floor=1,
			occupants=[occupant(keep, move_in="2020-01-01"), occupant(duplicate, move_in="2021-01-01")])  # fmt: skip
		order = make_order(unit, make_category("Never"), duplicate)
		named = make_complaint(unit, duplicate)
		anonymous = make_complaint(unit, duplicate, is_anonymous=1)
		event = frappe.get_doc(
			{"doctype": "Property Care Event", "event_type": "Birthday", "resident": duplicate.name,
				"on_date": "2026-01-01", "estate": estate.name}
		).insert()  # fmt: skip
		response = None
		if frappe.db.table_exists("Survey Response") and frappe.get_meta("Survey Response").has_field(
			"person"
		):
			response = unique("SR-M-")
			frappe.db.bulk_insert("Survey Response", ["name", "person", "unit", "estate", "channel"],
				[(response, duplicate.name, unit.name, estate.name, "Phone")])  # fmt: skip
		invoice = unique("SINV-M-")
		frappe.db.bulk_insert("Sales Invoice", ["name", "customer", "company", "docstatus", "posting_date"],
			[(invoice, duplicate_customer, frappe.db.get_value("Company", {}, "name"), 0, "2026-01-01")])  # fmt: skip

		self.assertEqual(merge_files(duplicate.name, keep.name), keep.name)

		self.assertFalse(frappe.db.exists("Property Owner", duplicate.name))
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "requester"), keep.name)
		self.assertEqual(frappe.db.get_value("Complaint", named.name, "complainant"), keep.name)
		identity = frappe.db.get_value("Complaint", anonymous.name, "identity")
		self.assertEqual(frappe.db.get_value("Complaint Identity", identity, "complainant"), keep.name)
		self.assertEqual(frappe.db.get_value("Property Care Event", event.name, "resident"), keep.name)
		if response:
			self.assertEqual(frappe.db.get_value("Survey Response", response, "person"), keep.name)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "customer"), keep_customer)
		self.assertFalse(frappe.db.exists("Customer", duplicate_customer))
		self.assertEqual(
			frappe.db.get_value("Property Unit Occupant", {"parent": unit.name}, "resident"), keep.name
		)
		rows = frappe.get_all(
			"Property Unit Occupant", filters={"parent": shared.name}, fields=["resident", "move_in"]
		)
		self.assertEqual([(r.resident, str(r.move_in)) for r in rows], [(keep.name, "2020-01-01")])  # one row
		kept = frappe.get_doc("Property Owner", keep.name)
		self.assertEqual([v.plate_number for v in kept.vehicles], ["沪B54321"])
		self.assertEqual([m.member_name for m in kept.family_members], ["王小红"])
		# the protected mobiles come along as numbers, masked in their columns (not as bare masks)
		self.assertEqual((kept.mobile, plain_value(kept, "mobile")), (mask_mobile(number), number))
		member = kept.family_members[0]
		self.assertEqual(
			(member.mobile, plain_value(member, "mobile")), (mask_mobile(member_number), member_number)
		)

	def test_only_managers_merge(self):
		a, b = make_owner(), make_owner()
		frappe.set_user(make_user(["Property Customer Service"]))
		try:
			with self.assertRaises(frappe.PermissionError):
				merge_files(a.name, b.name)
		finally:
			frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("Property Owner", a.name))
