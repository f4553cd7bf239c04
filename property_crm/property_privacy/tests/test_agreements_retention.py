"""Confidentiality agreements (保密协议) and retention on a real site: an agreement's status and dates through
REST, who reads agreements, the guard on roles that read personal data (Off / Warn / Enforce) through
`PUT /api/resource/User`, the expiry reminder sent once, and the daily retention job anonymising a resident
who moved out years ago while keeping orders and occupancy dates."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_years, getdate, today

from property_crm.property_households import accounts
from property_crm.property_privacy import agreements, retention
from property_crm.property_privacy.rules import agreements as rules
from property_crm.tests.factories import (
	PASSWORD,
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	valid_mainland_id,
)
from property_crm.tests.pictures import encoded
from property_crm.tests.served import HttpClient

SETTINGS = "Property CRM Settings"
AGREEMENTS = "/api/resource/Confidentiality Agreement"


def set_settings(**values) -> None:
	for field, value in values.items():
		frappe.db.set_single_value(SETTINGS, field, value)
	frappe.db.commit()


def make_agreement(user: str, signed_on=None, valid_until=None, **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Confidentiality Agreement",
			"user": user,
			"agreement_version": "2026-01",
			"signed_on": signed_on or add_days(today(), -10),
			"valid_until": valid_until or add_years(today(), 1),
		}
		| kwargs
	).insert()


def server_messages(response) -> str:
	return " ".join(
		json.loads(m).get("message", "") for m in json.loads(response.json().get("_server_messages", "[]"))
	)


class TestAgreements(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		set_settings(agreement_enforcement="Warn", agreement_reminder_days="30,7")
		cls.manager = make_user(["Property Manager"])
		cls.it = make_user(["System Manager"])
		cls.clerk = make_user(["Property Customer Service"])
		cls.other_clerk = make_user(["Property Customer Service"])
		cls.clerk_agreement = make_agreement(cls.clerk).name
		cls.other_agreement = make_agreement(cls.other_clerk).name
		frappe.db.commit()
		cls.manager_http = HttpClient(cls.manager)
		cls.it_http = HttpClient(cls.it)

	@classmethod
	def tearDownClass(cls):
		set_settings(agreement_enforcement="Warn")
		super().tearDownClass()

	def post_agreement(self, client, **values):
		return client.post(AGREEMENTS, json={"agreement_version": "2026-01"} | values)

	def test_dates_and_status_through_rest(self):
		staff = make_user([])
		frappe.db.commit()
		before = frappe.db.count("Confidentiality Agreement", {"user": staff})
		response = self.post_agreement(
			self.manager_http, user=staff, signed_on=today(), valid_until=add_days(today(), -1)
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("Valid Until must be after Signed On", response.text)
		response = self.post_agreement(self.manager_http, user=staff, valid_until=add_days(today(), 30))
		self.assertEqual(response.status_code, 417, response.text)  # signed_on is required
		self.assertEqual(frappe.db.count("Confidentiality Agreement", {"user": staff}), before)

		cases = {
			"Current": (add_days(today(), -5), add_years(today(), 2)),
			"Expiring": (add_days(today(), -300), add_days(today(), 20)),
			"Expired": (add_years(today(), -2), add_days(today(), -30)),
		}
		for expected, (signed_on, valid_until) in cases.items():
			response = self.post_agreement(
				self.manager_http,
				user=staff,
				signed_on=str(signed_on),
				valid_until=str(valid_until),
				trainings=[{"training_date": str(signed_on), "topic": "客户信息保密", "trainer": "人事部"}],
			)
			self.assertEqual(response.status_code, 200, response.text)
			data = response.json()["data"]
			self.assertEqual(data["status"], expected)
			self.assertEqual(data["last_training_on"], str(signed_on))
		self.assertIn(staff, agreements.users_with_current_agreement())  # the Current and the Expiring one
		expired_only = make_user([])
		make_agreement(expired_only, add_years(today(), -2), add_days(today(), -1))
		self.assertNotIn(expired_only, agreements.users_with_current_agreement())

	def test_manager_does_not_record_own_agreement(self):
		response = self.post_agreement(
			self.manager_http, user=self.manager, signed_on=today(), valid_until=str(add_years(today(), 1))
		)
		self.assertEqual(response.status_code, 403, response.text)
		self.assertFalse(frappe.db.exists("Confidentiality Agreement", {"user": self.manager}))

	def test_staff_read_only_their_own(self):
		client = HttpClient(self.clerk)
		listed = client.get(AGREEMENTS, params={"fields": '["name","user"]', "limit_page_length": 0})
		self.assertEqual(listed.status_code, 200, listed.text)
		self.assertEqual({row["user"] for row in listed.json()["data"]}, {self.clerk})
		self.assertEqual(client.get(f"{AGREEMENTS}/{self.clerk_agreement}").status_code, 200)
		self.assertEqual(client.get(f"{AGREEMENTS}/{self.other_agreement}").status_code, 403)
		for reader in (self.manager_http, self.it_http):  # HR-like: managers and IT read every agreement
			self.assertEqual(reader.get(f"{AGREEMENTS}/{self.other_agreement}").status_code, 200)
		changed = client.request(
			"PUT", f"{AGREEMENTS}/{self.clerk_agreement}", json={"valid_until": "2099-12-31"}
		)
		self.assertEqual(changed.status_code, 403, changed.text)
		self.assertNotEqual(
			str(frappe.db.get_value("Confidentiality Agreement", self.clerk_agreement, "valid_until")),
			"2099-12-31",
		)

	def test_signed_scan_is_a_private_picture_never_a_pdf(self):
		def upload(content: bytes, name: str, content_type: str):
			return self.manager_http.post(
				"/api/method/upload_file",
				data={
					"doctype": "Confidentiality Agreement",
					"docname": self.clerk_agreement,
					"fieldname": "signed_scan",
					"is_private": 0,
				},
				files={"file": (name, content, content_type)},
			)

		def files() -> int:
			return frappe.db.count("File", {"attached_to_name": self.clerk_agreement})

		before = files()
		pdf = b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF"
		response = upload(pdf, "agreement.pdf", "application/pdf")
		self.assertEqual(response.status_code, 417, response.text[:300])
		self.assertEqual(files(), before)
		response = upload(encoded("PNG"), "agreement.png", "image/png")
		self.assertEqual(response.status_code, 200, response.text[:300])
		kept = response.json()["message"]
		self.assertTrue(kept["file_url"].startswith("/private/files/"))
		self.assertEqual(files(), before + 1)
		self.assertEqual(HttpClient().get(kept["file_url"]).status_code, 403)  # a guest gets nothing

	def grant(self, user: str, role: str = "Property Customer Service"):
		return self.it_http.request("PUT", f"/api/resource/User/{user}", json={"roles": [{"role": role}]})

	def roles_of(self, user: str) -> set[str]:
		return set(frappe.get_roles(user)) - {"All", "Guest"}

	def test_enforce_refuses_role_without_agreement(self):
		set_settings(agreement_enforcement="Enforce")
		staff = make_user([])
		frappe.db.commit()
		response = self.grant(staff)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("no current confidentiality agreement", response.text)
		frappe.clear_cache(user=staff)
		self.assertNotIn("Property Customer Service", self.roles_of(staff))
		# nor through a disabled account enabled later
		frappe.db.set_value("User", staff, "enabled", 0)
		frappe.get_doc({"doctype": "Has Role", "parent": staff, "parenttype": "User", "parentfield": "roles",
			"role": "Property Accountant"}).db_insert()  # fmt: skip
		frappe.db.commit()
		response = self.it_http.request("PUT", f"/api/resource/User/{staff}", json={"enabled": 1})
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.get_value("User", staff, "enabled"), 0)
		frappe.db.delete("Has Role", {"parent": staff, "role": "Property Accountant"})
		frappe.db.set_value("User", staff, "enabled", 1)
		frappe.db.commit()
		# an expired agreement is no agreement
		make_agreement(staff, add_years(today(), -2), add_days(today(), -1))
		frappe.db.commit()
		self.assertEqual(self.grant(staff).status_code, 417)
		# with a current one the role is granted
		make_agreement(staff)
		frappe.db.commit()
		response = self.grant(staff)
		self.assertEqual(response.status_code, 200, response.text)
		frappe.clear_cache(user=staff)
		self.assertIn("Property Customer Service", self.roles_of(staff))

	def test_warn_saves_with_a_warning_and_off_is_silent(self):
		set_settings(agreement_enforcement="Warn")
		staff = make_user([])
		frappe.db.commit()
		response = self.grant(staff, "Property Technician")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertIn("no current confidentiality agreement", server_messages(response))
		frappe.clear_cache(user=staff)
		self.assertIn("Property Technician", self.roles_of(staff))
		set_settings(agreement_enforcement="Off")
		other = make_user([])
		frappe.db.commit()
		response = self.grant(other, "Property Accountant")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertNotIn(
			"confidentiality agreement",
			server_messages(response) if "_server_messages" in response.json() else "",
		)
		set_settings(agreement_enforcement="Warn")

	def test_expiry_reminder_sent_once(self):
		staff = make_user(["Property Customer Service"])
		agreement = make_agreement(staff, add_days(today(), -360), add_days(today(), 5))
		frappe.db.commit()

		def reminders(user):
			return frappe.db.count("Notification Log", {"for_user": user, "document_name": agreement.name})

		agreements.daily()
		self.assertEqual(reminders(staff), 1)
		self.assertEqual(reminders(self.it), 1)  # IT (System Manager) and unrestricted managers are told
		self.assertEqual(
			frappe.db.get_value("Confidentiality Agreement", agreement.name, "status"), "Expiring"
		)
		agreements.daily()
		agreements.daily(on=add_days(today(), 1))
		self.assertEqual(reminders(staff), 1)
		# a renewal is reminded afresh when its own time comes, and an expired one shows as such
		agreements.daily(on=add_days(today(), 6))
		self.assertEqual(
			frappe.db.get_value("Confidentiality Agreement", agreement.name, "status"), "Expired"
		)
		self.assertEqual(reminders(staff), 1)


class TestRetention(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		set_settings(retention_years=3)
		estate = make_estate()
		building = make_building(estate.name, "1")
		category = make_category()
		day = getdate(today())
		cls.gone = make_owner(id_type="Mainland ID Card", id_number=valid_mainland_id(), email=f"gone{frappe.generate_hash(length=8)}@property-crm.invalid",
			notes="左邻右舍都认识", family_members=[{"member_name": "李小明", "relation": "Child", "mobile": "13812345678"}])  # fmt: skip
		cls.recent = make_owner()
		cls.current = make_owner()
		cls.moved_in, cls.moved_out = add_years(day, -8), add_years(day, -4)
		cls.unit = make_unit(
			building,
			"101",
			floor=1,
			occupants=[
				occupant(cls.gone, move_in=str(cls.moved_in), move_out=str(cls.moved_out)),
				occupant(cls.current, move_in=str(add_days(cls.moved_out, 1)), primary_contact=1),
			],
		)
		make_unit(
			building,
			"102",
			floor=1,
			occupants=[
				occupant(cls.recent, move_in=str(add_years(day, -5)), move_out=str(add_years(day, -1)))
			],
		)
		# an order of the old resident's time (made now, as the unit's current resident, then moved back)
		cls.gone.reload()
		cls.had_id_number = frappe.db.get_value("Property Owner", cls.gone.name, "id_number")
		cls.login = portal_login(cls.gone)
		cls.gone.reload()
		cls.customer = accounts.ensure_customer(cls.gone)
		cls.gone.reload()
		cls.contact = cls.gone.contact
		cls.order = make_order(cls.unit, category, requester=cls.current)
		frappe.db.set_value(
			"Service Order",
			cls.order.name,
			{
				"requester": cls.gone.name,
				"requester_name": cls.gone.full_name,
				"creation": add_years(day, -5),
			},
			update_modified=False,
		)
		frappe.db.commit()
		cls.before = {
			name: frappe.db.get_value("Property Owner", name, ["full_name", "mobile"], as_dict=True)
			for name in (cls.recent.name, cls.current.name)
		}
		cls.result = retention.daily()

	@classmethod
	def tearDownClass(cls):
		set_settings(retention_years=3)
		super().tearDownClass()

	def test_moved_out_long_ago_is_anonymised(self):
		self.assertTrue(self.had_id_number)
		row = frappe.db.get_value("Property Owner", self.gone.name, ["*"], as_dict=True)
		self.assertTrue(rules.is_anonymised(row.full_name), row.full_name)
		self.assertNotIn(self.gone.full_name, json.dumps(row, default=str))
		for field in ("mobile", "id_number", "email", "notes", "id_number_encrypted", "id_number_hash",
				"mobile_encrypted", "mobile_hash"):  # fmt: skip
			self.assertFalse(row.get(field), field)
		family = frappe.get_all(
			"Property Family Member", {"parent": self.gone.name}, ["member_name", "mobile"]
		)
		self.assertTrue(family and all(rules.is_anonymised(f.member_name) and not f.mobile for f in family))
		self.assertFalse(
			frappe.get_all("Version", {"ref_doctype": "Property Owner", "docname": self.gone.name})
		)

	def test_contact_customer_and_login_anonymised(self):
		owner = frappe.db.get_value(
			"Property Owner", self.gone.name, ["user", "contact", "customer"], as_dict=True
		)
		login = frappe.db.get_value("User", self.login, ["enabled", "first_name", "full_name"], as_dict=True)
		self.assertEqual(login.enabled, 0)
		self.assertTrue(rules.is_anonymised(login.first_name) and self.gone.full_name not in login.full_name)
		response = HttpClient().post("/api/method/login", data={"usr": self.login, "pwd": PASSWORD})
		self.assertEqual(response.status_code, 401, response.text[:200])
		self.assertTrue(owner.contact and self.gone.full_name not in owner.contact, owner.contact)
		contact = frappe.get_doc("Contact", owner.contact)
		self.assertTrue(rules.is_anonymised(contact.first_name))
		self.assertFalse(contact.phone_nos or contact.email_ids or contact.mobile_no or contact.email_id)
		self.assertEqual(owner.customer, frappe.db.get_value("Customer", {"property_owner": self.gone.name}))
		self.assertTrue(rules.is_anonymised(frappe.db.get_value("Customer", owner.customer, "customer_name")))
		self.assertNotIn(self.gone.full_name, owner.customer)

	def test_statistics_are_kept(self):
		stay = frappe.db.get_value(
			"Property Unit Occupant",
			{"parent": self.unit.name, "resident": self.gone.name},
			["move_in", "move_out", "resident_name", "mobile"],
			as_dict=True,
		)
		self.assertEqual(
			(getdate(stay.move_in), getdate(stay.move_out)), (getdate(self.moved_in), getdate(self.moved_out))
		)
		self.assertTrue(rules.is_anonymised(stay.resident_name))
		self.assertFalse(stay.mobile)
		order = frappe.db.get_value(
			"Service Order",
			self.order.name,
			["requester", "requester_name", "unit"],
			as_dict=True,
		)
		self.assertEqual((order.requester, order.unit), (self.gone.name, self.unit.name))
		self.assertTrue(rules.is_anonymised(order.requester_name))

	def test_current_and_recent_residents_untouched_and_rerun_idempotent(self):
		for name, before in self.before.items():
			after = frappe.db.get_value("Property Owner", name, ["full_name", "mobile"], as_dict=True)
			self.assertEqual(after, before)
			self.assertFalse(rules.is_anonymised(after.full_name))
		self.assertNotIn(self.gone.name, retention.files_past_retention())
		token = frappe.db.get_value("Property Owner", self.gone.name, "full_name")
		retention.daily()
		self.assertEqual(frappe.db.get_value("Property Owner", self.gone.name, "full_name"), token)

	def test_anonymised_records_still_save(self):
		"""Staff keep working on the unit and the file afterwards (a later save re-validates every row)."""
		unit = frappe.get_doc("Property Unit", self.unit.name)
		unit.save()
		owner = frappe.get_doc("Property Owner", self.gone.name)
		owner.occupation = None
		owner.save()
		self.assertTrue(
			rules.is_anonymised(frappe.db.get_value("Property Owner", self.gone.name, "full_name"))
		)
		frappe.db.rollback()

	def test_off_anonymises_nothing(self):
		set_settings(retention_years=0)
		self.assertEqual(retention.files_past_retention(), [])
		self.assertEqual(retention.daily(), {"files": 0, "occupancies": 0})
		set_settings(retention_years=3)
