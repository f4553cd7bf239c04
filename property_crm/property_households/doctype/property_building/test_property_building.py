import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import make_building, make_estate
from property_crm.tests.records import linked_doctypes

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Property Building")


class TestPropertyBuilding(FrappeTestCase):
	def test_unique_within_estate_only(self):
		first, second = make_estate(), make_estate()
		building = make_building(first.name, "b3")
		self.assertEqual(building.name, f"{first.name}-B3")
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "Building No."):
			make_building(first.name, "B3")
		self.assertEqual(make_building(second.name, "B3").name, f"{second.name}-B3")
		self.assertEqual(frappe.db.get_value("Property Estate", first.name, "building_count"), 1)

	def test_building_number_must_be_a_code(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Building No."):
			make_building(make_estate().name, "2-3")


class TestPropertyEstate(FrappeTestCase):
	def test_code_is_normalised_and_hours_checked(self):
		estate = make_estate(code="a" + frappe.generate_hash(length=5))
		self.assertEqual(estate.name, estate.estate_code)
		self.assertTrue(estate.name.isupper() or estate.name.isdigit())
		with self.assertRaisesRegex(frappe.ValidationError, "Service Ends At"):
			make_estate(service_start_time="18:00:00", service_end_time="08:00:00")
		with self.assertRaisesRegex(frappe.ValidationError, "Estate Code"):
			make_estate(code="A 01!")
