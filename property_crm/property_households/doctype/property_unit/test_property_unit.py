import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import make_building, make_estate, make_owner, make_unit, occupant
from property_crm.tests.records import linked_doctypes

# our tests make their own records (factories): no test-record walk into ERPNext
test_ignore = linked_doctypes("Property Unit")


class TestPropertyUnit(FrappeTestCase):
	def setUp(self):
		self.estate = make_estate()
		self.building = make_building(self.estate.name, "2")

	def test_named_from_estate_building_and_number(self):
		unit = make_unit(self.building, "1203", floor=12)
		self.assertEqual(unit.name, f"{self.estate.name}-2-1203")
		self.assertEqual(frappe.db.get_value("Property Building", self.building.name, "unit_count"), 1)
		self.assertEqual(frappe.db.get_value("Property Estate", self.estate.name, "unit_count"), 1)

	def test_unit_unique_within_building(self):
		make_unit(self.building, "501", floor=5)
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "Unit No."):
			make_unit(self.building, "501", floor=5)

	def test_areas(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Inner Area|inner area"):
			make_unit(self.building, "601", floor=6, built_up_area=80, inner_area=90)
		with self.assertRaisesRegex(frappe.ValidationError, "Built-up Area|built-up area"):
			make_unit(self.building, "602", floor=6, built_up_area=0, inner_area=0)

	def test_floor_within_building(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Floor|floor"):
			make_unit(self.building, "9901", floor=99)

	def test_building_must_belong_to_the_estate(self):
		other = make_estate()
		with self.assertRaisesRegex(frappe.ValidationError, "Building"):
			make_unit(self.building, "701", floor=7, estate=other.name)

	def test_move_out_not_before_move_in(self):
		owner = make_owner()
		with self.assertRaisesRegex(frappe.ValidationError, "[Mm]ove-out"):
			make_unit(self.building, "801", floor=8, occupants=[occupant(owner, move_out="2019-01-01")])

	def test_one_primary_contact_at_a_time(self):
		a, b = make_owner(), make_owner()
		with self.assertRaisesRegex(frappe.ValidationError, "[Pp]rimary"):
			make_unit(
				self.building,
				"901",
				floor=9,
				occupants=[occupant(a, primary_contact=1), occupant(b, "Family Member", primary_contact=1)],
			)
		# the former owner's period ended before the new one began: allowed
		unit = make_unit(
			self.building,
			"902",
			floor=9,
			occupants=[
				occupant(a, primary_contact=1, move_out="2021-12-31"),
				occupant(b, primary_contact=1, move_in="2022-01-01"),
			],
		)
		self.assertEqual(unit.primary_contact, b.name)

	def test_status_follows_occupants(self):
		owner, tenant = make_owner(), make_owner(resident_type="Tenant")
		self.assertEqual(make_unit(self.building, "1001", floor=10).status, "Vacant")
		unit = make_unit(self.building, "1002", floor=10, occupants=[occupant(owner, primary_contact=1)])
		self.assertEqual(unit.status, "Occupied")
		unit.append("occupants", occupant(tenant, "Tenant"))
		unit.save()
		self.assertEqual(unit.status, "Rented")
