"""Frappe's personal-data download and deletion requests reach a resident's whole file: child rows (family,
vehicles, occupancy), survey invitations, care events, event registrations, notice reads and the notes of
return visits on their requests — not only the doctypes `user_data_fields` can filter by an address."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, today

from property_crm.property_surveys import surveys
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_estate,
	make_order,
	make_outgoing_email_account,
	make_owner,
	make_unit,
	occupant,
	portal_login,
	unique,
	without_committed_outgoing_account,
)
from property_crm.tests.survey_factories import make_campaign

PLATE = "沪A·{}"


class TestPersonalData(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()
		without_committed_outgoing_account()

	def setUp(self):
		make_outgoing_email_account()
		self.estate = make_estate()
		building = make_building(self.estate.name, "1")
		self.email = f"{unique('pd').lower()}@example.com"
		self.plate = PLATE.format(unique("")[-5:])
		self.resident = make_owner(
			email=self.email,
			family_members=[{"member_name": "王小明", "relation": "Child", "mobile": "13800000000",
				"date_of_birth": "2015-03-01", "notes": "对花生过敏"}],
			vehicles=[{"plate_number": self.plate, "vehicle_type": "Car", "brand_model": "比亚迪 汉"}],
		)  # fmt: skip
		self.plate = self.resident.vehicles[0].plate_number  # as the file normalised it
		self.unit = make_unit(building, "301", floor=3, occupants=[occupant(self.resident)])
		self.user = portal_login(self.resident)
		self.resident.reload()
		campaign = make_campaign(estates=[{"estate": self.estate.name}])
		self.invitation, _token = surveys.invite(campaign.name, self.resident.name, self.unit.name, "Phone")
		frappe.db.set_value("Survey Invitation", self.invitation, "call_notes", "晚上八点后方便接电话")
		self.care = frappe.get_doc(
			{"doctype": "Property Care Event", "event_type": "Birthday", "resident": self.resident.name,
				"on_date": today(), "estate": self.estate.name, "notes": "独居老人，需上门"}
		).insert()  # fmt: skip
		event = frappe.get_doc(
			{"doctype": "Property Event", "title": unique("中秋游园会"), "estate": self.estate.name,
				"capacity": 30, "max_party": 4, "starts_on": add_days(now_datetime(), 7)}
		).insert()  # fmt: skip
		self.registration = frappe.get_doc(
			{"doctype": "Property Event Registration", "event": event.name, "resident": self.resident.name,
				"unit": self.unit.name, "attendees": 2}
		).insert()  # fmt: skip
		notice = frappe.get_doc(
			{"doctype": "Property Notice", "estate": self.estate.name, "valid_from": today(),
				"title": unique("停水通知"), "body": "<p>9:00-17:00</p>"}
		).insert()  # fmt: skip
		self.read = frappe.get_doc(
			{"doctype": "Property Notice Read", "notice": notice.name, "user": self.user,
				"resident": self.resident.name}
		).insert()  # fmt: skip
		order = make_order(self.unit, make_category("Never"), self.resident)
		self.visit = frappe.get_doc(
			{"doctype": "Return Visit", "reference_doctype": "Service Order", "reference_name": order.name,
				"due_date": today(), "notes": "住户说师傅态度很好，但家里有狗要提前打电话"}
		).insert(ignore_permissions=True)  # fmt: skip

	def expected(self) -> dict[str, str]:
		"""Each record that must be covered, by doctype → its name."""
		return {
			"Property Family Member": self.resident.family_members[0].name,
			"Property Vehicle": self.resident.vehicles[0].name,
			"Property Unit Occupant": frappe.db.get_value(
				"Property Unit Occupant", {"parent": self.unit.name, "resident": self.resident.name}
			),
			"Survey Invitation": self.invitation,
			"Property Care Event": self.care.name,
			"Property Event Registration": self.registration.name,
			"Property Notice Read": self.read.name,
			"Return Visit": self.visit.name,
		}

	def test_download_contains_every_record_of_the_resident(self):
		request = frappe.get_doc({"doctype": "Personal Data Download Request", "user": self.user}).insert(
			ignore_permissions=True
		)
		content = frappe.get_doc(
			"File",
			{"attached_to_doctype": "Personal Data Download Request", "attached_to_name": request.name},
		).get_content()
		data = json.loads(content)
		for doctype, name in self.expected().items():
			self.assertIn(name, [row["name"] for row in data.get(doctype, [])], doctype)
		self.assertIn(self.plate, content)
		self.assertIn("对花生过敏", content, "readable, not escaped")
		self.assertIn("家里有狗", content)
		self.assertIn("晚上八点后", content)

	def test_deletion_redacts_every_record_of_the_resident(self):
		request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": self.user}).insert(
			ignore_permissions=True
		)
		# a resident with a portal login has two Contacts with their address: the file's and the User's
		self.assertEqual(frappe.db.count("Contact", {"email_id": self.user}), 2)
		request.db_set("status", "Pending Approval")
		request.reload()
		request.trigger_data_deletion()

		family = frappe.db.get_value("Property Family Member", self.expected()["Property Family Member"],
			["member_name", "mobile", "date_of_birth", "notes"], as_dict=True)  # fmt: skip
		self.assertEqual(family.member_name, "[REDACTED]")
		self.assertEqual(family.mobile, "[REDACTED]")
		# a protected mobile's ciphertext and hash go with it (property_crm/protected_fields.py)
		hidden = frappe.db.get_value(
			"Property Family Member",
			self.expected()["Property Family Member"],
			["mobile_encrypted", "mobile_hash"],
		)
		self.assertFalse(
			any((value or "").startswith("gAAAAA") or len(value or "") == 64 for value in hidden)
		)
		self.assertEqual(str(family.date_of_birth), "1111-01-01")
		self.assertEqual(family.notes, "[REDACTED]")
		vehicle = frappe.db.get_value(
			"Property Vehicle", self.expected()["Property Vehicle"], ["plate_number", "brand_model"]
		)
		self.assertEqual(vehicle, ("[REDACTED]", "[REDACTED]"))
		occupancy = self.expected()["Property Unit Occupant"]
		self.assertEqual(
			frappe.db.get_value("Property Unit Occupant", occupancy, "resident_name"), "[REDACTED]"
		)
		self.assertEqual(
			frappe.db.get_value("Survey Invitation", self.invitation, ["person_name", "call_notes"]),
			("[REDACTED]", "[REDACTED]"),
		)
		self.assertEqual(
			frappe.db.get_value("Property Care Event", self.care.name, ["resident_name", "notes"]),
			("[REDACTED]", "[REDACTED]"),
		)
		self.assertEqual(
			frappe.db.get_value("Property Event Registration", self.registration.name, "resident_name"),
			"[REDACTED]",
		)
		self.assertEqual(frappe.db.get_value("Return Visit", self.visit.name, "notes"), "[REDACTED]")
		# Frappe's own part ran too: the file itself, and the user renamed
		self.assertEqual(frappe.db.get_value("Property Owner", self.resident.name, "full_name"), "[REDACTED]")
		self.assertFalse(frappe.db.exists("User", self.user))
		self.assertEqual(frappe.db.count("Contact", {"email_id": self.user}), 0)
		self.assertEqual(
			frappe.db.get_value("Personal Data Deletion Request", request.name, "status"), "Deleted"
		)
		# nothing of what was redacted is left in this resident's own rows (other tests' residents, and
		# earlier runs on a long-used site, carry the same notes)
		for doctype, filters in (
			("Property Family Member", {"parent": self.resident.name, "notes": "对花生过敏"}),
			("Property Vehicle", {"plate_number": self.plate}),
			("Property Care Event", {"name": self.care.name, "notes": "独居老人，需上门"}),
			("Return Visit", {"name": self.visit.name, "notes": ("like", "%有狗%")}),
		):
			self.assertFalse(frappe.db.exists(doctype, filters), doctype)
