import re
from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.masks import mask_id, mask_mobile
from property_crm.property_households import accounts
from property_crm.property_households.rules.identity import mainland_check_digit
from property_crm.protected_fields import find_by_value, plain_value
from property_crm.tests.factories import make_owner, valid_mainland_id, valid_mobile
from property_crm.tests.records import linked_doctypes

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Property Owner")


class TestPropertyOwner(FrappeTestCase):
	def test_archive_number_is_generated_unique_and_never_reused(self):
		first = make_owner()
		self.assertRegex(first.name, rf"^DA-{date.today().year}-\d{{5}}$")
		self.assertEqual(first.archive_number, first.name)
		second = make_owner()
		self.assertNotEqual(first.name, second.name)
		frappe.delete_doc("Property Owner", second.name)
		third = make_owner()
		self.assertNotEqual(third.name, second.name, "a deleted archive number was handed out again")

	def test_mobile_is_normalised_to_one_stored_form(self):
		mobile = valid_mobile()
		owner = make_owner(mobile=f"+86 {mobile[:3]}-{mobile[3:7]} {mobile[7:]}")
		# the column holds the mask of the normalised number, the number itself is encrypted beside it
		self.assertEqual((owner.mobile, plain_value(owner, "mobile")), (mask_mobile(mobile), mobile))
		hong_kong = make_owner(mobile="+852 9123 4567")
		self.assertEqual(
			(hong_kong.mobile, plain_value(hong_kong, "mobile")), ("+85*****4567", "+85291234567")
		)

	def test_bad_mobile_is_refused_naming_the_field(self):
		for bad in ("12345678901", "1380013800", "abc", "+86 010 1234 5678"):
			with self.assertRaisesRegex(frappe.ValidationError, "Mobile"):
				make_owner(mobile=bad)

	def test_bad_email_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Email"):
			make_owner(email="someone@@example")

	def test_mainland_id_check_digit_and_birth_date(self):
		good = valid_mainland_id(date(1985, 3, 9))
		owner = make_owner(id_type="Mainland ID Card", id_number=good.lower(), date_of_birth="1985-03-09")
		# the column holds the mask, the normalised number is encrypted beside it (protected_fields.py)
		self.assertEqual((owner.id_number, plain_value(owner, "id_number")), (mask_id(good), good.upper()))
		wrong_digit = good[:17] + next(c for c in "0123456789X" if c != good[17])
		with self.assertRaisesRegex(frappe.ValidationError, "ID Number"):
			make_owner(id_type="Mainland ID Card", id_number=wrong_digit)
		with self.assertRaisesRegex(frappe.ValidationError, "Date of Birth"):
			make_owner(id_type="Mainland ID Card", id_number=valid_mainland_id(), date_of_birth="1990-01-01")
		bad_date = "11010519990231" + "123"
		with self.assertRaisesRegex(frappe.ValidationError, "ID Number"):
			make_owner(id_type="Mainland ID Card", id_number=bad_date + mainland_check_digit(bad_date))

	def test_other_id_types_by_format(self):
		permit = make_owner(id_type="Hong Kong/Macau Permit", id_number="h12345678")
		self.assertEqual((permit.id_number, plain_value(permit, "id_number")), ("H******78", "H12345678"))
		with self.assertRaisesRegex(frappe.ValidationError, "ID Number"):
			make_owner(id_type="Taiwan Permit", id_number="T1234")

	def test_future_birth_date_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Date of Birth"):
			make_owner(date_of_birth="2999-01-01")

	def test_duplicate_id_number_is_refused_with_a_link_to_the_other_file(self):
		id_number = valid_mainland_id()
		first = make_owner(id_type="Mainland ID Card", id_number=id_number)
		with self.assertRaises(frappe.DuplicateEntryError) as caught:
			make_owner(id_type="Mainland ID Card", id_number=id_number)
		self.assertIn(f"/app/property-owner/{first.name}", str(caught.exception))
		self.assertEqual(find_by_value("Property Owner", "id_number", id_number), [first.name])

	def test_shared_mobile_only_warns(self):
		first = make_owner()
		frappe.clear_messages()
		second = make_owner(mobile=plain_value(first, "mobile"))  # the column holds only the mask
		self.assertTrue(frappe.db.exists("Property Owner", second.name))
		warnings = " ".join(str(m) for m in frappe.get_message_log())
		self.assertIn(first.name, warnings)

	def test_customer_is_created_once_with_contact(self):
		owner = make_owner(email="li.lei@example.com")
		customer = accounts.ensure_customer(owner)
		self.assertEqual(accounts.ensure_customer(frappe.get_doc("Property Owner", owner.name)), customer)
		self.assertEqual(frappe.db.count("Customer", {"property_owner": owner.name}), 1)
		owner.reload()
		self.assertEqual(owner.customer, customer)
		contact = frappe.get_doc("Contact", owner.contact)
		# ERPNext's Contact holds the mask, never the number (property_households/accounts.py)
		self.assertEqual(contact.mobile_no, mask_mobile(plain_value(owner, "mobile")))
		self.assertEqual(frappe.db.get_value("Customer", customer, "mobile_no"), contact.mobile_no)
		self.assertEqual(contact.email_id, "li.lei@example.com")
		self.assertTrue(contact.has_link("Customer", customer))
		self.assertTrue(contact.has_link("Property Owner", owner.name))
		self.assertEqual(
			frappe.db.count(
				"Dynamic Link", {"link_doctype": "Customer", "link_name": customer, "parenttype": "Contact"}
			),
			1,
		)

	def test_contact_follows_the_file(self):
		owner = make_owner(email="wang@example.com")
		accounts.ensure_customer(owner)
		owner.reload()
		new_mobile = valid_mobile()
		owner.mobile = new_mobile
		owner.save()
		self.assertEqual(frappe.db.get_value("Contact", owner.contact, "mobile_no"), mask_mobile(new_mobile))

	def test_portal_user_gets_the_resident_role(self):
		owner = make_owner()
		with self.assertRaisesRegex(frappe.ValidationError, "Email"):
			accounts.ensure_portal_user(owner)
		owner = make_owner(email=f"{frappe.generate_hash(length=8)}@example.com")
		user = accounts.ensure_portal_user(owner)
		self.assertEqual(frappe.db.get_value("User", user, "user_type"), "Website User")
		self.assertIn("Property Resident", frappe.get_roles(user))
		self.assertNotIn("Customer", frappe.get_roles(user), "no Customer yet, so no invoice pages")
		accounts.ensure_customer(frappe.get_doc("Property Owner", owner.name))
		self.assertIn("Customer", frappe.get_roles(user), "ERPNext's invoice pages once billed")
		self.assertEqual(frappe.db.get_value("Property Owner", owner.name, "user"), user)

	def test_units_shown_on_the_owner_form(self):
		from property_crm.tests.factories import make_building, make_estate, make_unit, occupant

		owner = make_owner()
		building = make_building(make_estate().name)
		unit = make_unit(building, occupants=[occupant(owner, primary_contact=1)])
		owner = frappe.get_doc("Property Owner", owner.name)
		owner.run_method("onload")
		units = owner.get_onload().get("units")
		self.assertEqual([u.name for u in units], [unit.name])
		self.assertEqual(units[0].relation, "Owner")


class TestPersonalData(FrappeTestCase):
	def test_resident_file_is_in_a_personal_data_download(self):
		from frappe.website.doctype.personal_data_download_request.personal_data_download_request import (
			get_user_data,
		)

		email = f"{frappe.generate_hash(length=8)}@example.com"
		owner = make_owner(email=email)
		data = frappe.parse_json(get_user_data(email))
		self.assertEqual([row["name"] for row in data["Property Owner"]], [owner.name])


class TestOwnerDataImport(FrappeTestCase):
	def test_import_runs_the_same_checks(self):
		id_number = valid_mainland_id()  # the file's column holds only its mask
		existing = make_owner(id_type="Mainland ID Card", id_number=id_number)
		fresh_mobile = valid_mobile()
		csv = "\n".join(
			[
				"Full Name,Mobile,Resident Type,ID Type,ID Number",
				f"导入甲,{fresh_mobile},Owner,Mainland ID Card,{id_number}",
				f"导入乙,+86 {fresh_mobile},Owner,,",
				"导入丙,12345,Owner,,",
			]
		)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"owners-{frappe.generate_hash(length=6)}.csv",
				"content": csv.encode(),
			}
		).insert()
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Property Owner",
				"import_type": "Insert New Records",
				"import_file": file.file_url,
			}
		).insert()
		# The importer commits each good row and rolls back each bad one, so what it reads must be committed.
		frappe.db.commit()
		self.addCleanup(self.delete_imported, existing.name, data_import.name, file.name)
		from frappe.core.doctype.data_import.importer import Importer

		Importer("Property Owner", data_import=data_import).import_data()
		logs = frappe.get_all(
			"Data Import Log", filters={"data_import": data_import.name}, fields=["success", "messages"]
		)
		self.assertEqual(sorted(log.success for log in logs), [0, 0, 1])
		failures = " ".join(log.messages or "" for log in logs if not log.success)
		self.assertIn(existing.name, failures)
		self.assertIn("Mobile", failures)
		imported = find_by_value("Property Owner", "mobile", fresh_mobile)  # the number, normalised on import
		self.assertEqual(frappe.db.get_value("Property Owner", imported[0], "full_name"), "导入乙")
		self.assertEqual(
			frappe.db.get_value("Property Owner", imported[0], "mobile"), mask_mobile(fresh_mobile)
		)
		self.assertFalse(frappe.db.exists("Property Owner", {"full_name": "导入甲"}))

	@staticmethod
	def delete_imported(existing: str, data_import: str, file: str):
		for name in frappe.get_all("Property Owner", filters={"full_name": ("like", "导入%")}, pluck="name"):
			frappe.delete_doc("Property Owner", name, force=True)
		frappe.delete_doc("Property Owner", existing, force=True, ignore_missing=True)
		frappe.db.delete("Data Import Log", {"data_import": data_import})
		frappe.delete_doc("Data Import", data_import, force=True, ignore_missing=True)
		frappe.delete_doc("File", file, force=True, ignore_missing=True)
		frappe.db.commit()
