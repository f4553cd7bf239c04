"""Bulk meter-reading entry for a building (抄表录入): the sheet (previous readings, walking order, a fixed
number of queries), saving all or nothing through the reading's own rules and the user's permissions, and
estate isolation over the REST route."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_fees import meter_entry
from property_crm.property_fees import meter_entry_api as api
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_estate,
	make_unit,
	make_user,
	queries_of,
)

CS, TE = "Property Customer Service", "Property Technician"
READING = "Property Meter Reading"
MARCH = "2026-03-01"


def make_reading(unit: str, period: str, current: float, meter_type: str = "Water", **kwargs):
	return frappe.get_doc(
		{
			"doctype": READING,
			"unit": unit,
			"meter_type": meter_type,
			"period": period,
			"current_reading": current,
		}
		| kwargs
	).insert()


def make_building_with_units(count: int, estate: str | None = None, building_no: str = "1"):
	estate = estate or make_estate().name
	building = make_building(estate, building_no, floors=30)
	units = [make_unit(building, f"{(i // 4 + 1)}{(i % 4 + 1):02d}", floor=i // 4 + 1) for i in range(count)]
	return building, units


def readings_of(units, period: str = MARCH, meter_type: str = "Water") -> dict[str, dict]:
	rows = frappe.get_all(
		READING,
		filters={"unit": ("in", [u.name for u in units]), "period": period, "meter_type": meter_type},
		fields=[
			"name",
			"unit",
			"previous_reading",
			"current_reading",
			"consumption",
			"meter_no",
			"reading_date",
		],
	)
	return {row.unit: row for row in rows}


def typed(unit, current, **kwargs) -> dict:
	return {"unit": unit.name, "current_reading": current} | kwargs


class TestBuildingSheet(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		self.building, self.units = make_building_with_units(5)
		self.clerk = make_user([CS], estates=[self.building.estate])
		u = self.units
		make_reading(u[0].name, "2026-01-01", 90, meter_no="W-1")
		make_reading(u[0].name, "2026-02-01", 100, meter_no="W-1")
		make_reading(u[1].name, "2025-11-01", 50.5, meter_no="W-2")  # not read since November
		make_reading(u[2].name, "2026-02-01", 300, meter_no="W-3")
		make_reading(u[2].name, MARCH, 310, meter_no="W-3")  # already entered for March
		make_reading(u[3].name, "2026-02-01", 7, meter_type="Electricity")  # another meter
		make_reading(u[4].name, "2026-04-01", 999)  # a later month is not "previous"

	def tearDown(self):
		frappe.set_user("Administrator")

	def sheet(self, period=MARCH, meter_type="Water"):
		frappe.set_user(self.clerk)
		return meter_entry.building_sheet(self.building.name, meter_type, period)

	def test_sheet_shows_previous_and_this_months_readings_in_walking_order(self):
		sheet = self.sheet("2026-03-17")
		self.assertEqual(
			(sheet["building"], sheet["meter_type"], sheet["period"]), (self.building.name, "Water", MARCH)
		)
		rows = {row["unit"]: row for row in sheet["rows"]}
		self.assertEqual([row["unit"] for row in sheet["rows"]], [u.name for u in self.units])  # 101…104, 201
		u = self.units
		self.assertEqual((rows[u[0].name]["previous_reading"], rows[u[0].name]["meter_no"]), (100, "W-1"))
		self.assertEqual(str(rows[u[0].name]["previous_period"]), "2026-02-01")
		self.assertIsNone(rows[u[0].name]["reading"])
		self.assertEqual(rows[u[1].name]["previous_reading"], 50.5)
		march = readings_of(u)[u[2].name]
		self.assertEqual(
			(
				rows[u[2].name]["reading"],
				rows[u[2].name]["current_reading"],
				rows[u[2].name]["previous_reading"],
			),
			(march.name, 310, 300),
		)
		self.assertEqual(rows[u[2].name]["consumption"], 10)
		for unit in (u[3], u[4]):
			self.assertIsNone(rows[unit.name]["previous_reading"])
			self.assertIsNone(rows[unit.name]["current_reading"])
		# the previous reading is what the reading's own rule measures from
		from property_crm.property_fees.doctype.property_meter_reading.property_meter_reading import (
			last_reading,
		)

		for unit in u[:2]:
			self.assertEqual(rows[unit.name]["previous_reading"], last_reading(unit.name, "Water", MARCH))
		electricity = {row["unit"]: row for row in self.sheet(meter_type="Electricity")["rows"]}
		self.assertEqual(electricity[u[3].name]["previous_reading"], 7)
		self.assertIsNone(electricity[u[0].name]["previous_reading"])

	def test_sheet_refuses_unknown_meter_type_and_month(self):
		for meter_type, period in (("Steam", MARCH), ("Water", "March")):
			with self.assertRaises(frappe.ValidationError):
				self.sheet(period, meter_type)

	def test_saving_creates_readings_with_their_consumption(self):
		u = self.units
		frappe.set_user(self.clerk)
		counts = api.save_building_readings(
			self.building.name,
			"Water",
			"2026-03",
			json.dumps(
				[
					typed(u[0], "112.5", meter_no="W-1"),
					typed(u[1], 60),
					typed(u[2], ""),  # already entered; empty: left as it is
					typed(u[3], "8"),
					typed(u[4], None),
				]
			),
			reading_date="2026-03-28",
		)
		self.assertEqual(counts, {"created": 3, "updated": 0, "unchanged": 0, "skipped": 2})
		march = readings_of(u)
		self.assertEqual((march[u[0].name].previous_reading, march[u[0].name].consumption), (100, 12.5))
		self.assertEqual(march[u[0].name].meter_no, "W-1")
		self.assertEqual(str(march[u[0].name].reading_date), "2026-03-28")
		self.assertEqual((march[u[1].name].previous_reading, march[u[1].name].consumption), (50.5, 9.5))
		self.assertEqual((march[u[3].name].previous_reading, march[u[3].name].consumption), (0, 8))
		self.assertEqual(march[u[2].name].current_reading, 310)  # untouched
		self.assertNotIn(u[4].name, march)
		self.assertEqual(frappe.db.get_value(READING, march[u[0].name].name, "owner"), self.clerk)

	def test_a_meter_never_read_starts_from_its_starting_reading(self):
		u = self.units
		sheet = {row["unit"]: row for row in self.sheet()["rows"]}
		self.assertEqual([unit.name for unit in u if sheet[unit.name]["first"]], [u[3].name, u[4].name])
		counts = api.save_building_readings(
			self.building.name,
			"Water",
			MARCH,
			json.dumps([typed(u[3], "1,250", previous_reading="1234.5"), typed(u[1], 60)]),
		)
		self.assertEqual(counts["created"], 2)
		march = readings_of(u)
		self.assertEqual((march[u[3].name].previous_reading, march[u[3].name].consumption), (1234.5, 15.5))
		self.assertEqual(self.sheet()["rows"][3]["previous_reading"], 1234.5)
		# April measures from March's reading; a starting reading for a meter read before is refused, all of it
		with self.assertRaises(frappe.ValidationError) as refused:
			api.save_building_readings(
				self.building.name,
				"Water",
				"2026-04",
				json.dumps([typed(u[0], 120), typed(u[3], "1260", previous_reading="0")]),
			)
		self.assertIn("2026-03", str(refused.exception))
		self.assertEqual(readings_of(u, "2026-04-01"), {u[4].name: readings_of(u, "2026-04-01")[u[4].name]})

	def test_a_lower_reading_rejects_the_whole_batch(self):
		u = self.units
		frappe.set_user(self.clerk)
		before, logged = frappe.db.count(READING), len(frappe.local.message_log)
		with self.assertRaises(frappe.ValidationError) as caught:
			meter_entry.save_building_readings(
				self.building.name,
				"Water",
				MARCH,
				[
					typed(u[0], 112.5),
					typed(u[1], 40),  # lower than 50.5, no meter change: refused by the reading's own rule
					typed(u[2], 295),  # the March reading, now below February's 300: refused too
					typed(u[3], "abc"),
					typed(u[4], 5),
				],
			)
		message = str(caught.exception)
		for unit in (u[1], u[2], u[3]):
			self.assertIn(f"<b>{unit.name}</b>", message)
		for unit in (u[0], u[4]):
			self.assertNotIn(f"<b>{unit.name}</b>", message)
		self.assertIn("Nothing was saved", message)
		self.assertEqual(frappe.db.count(READING), before)
		self.assertEqual(set(readings_of(u)), {u[2].name})
		self.assertEqual(readings_of(u)[u[2].name].current_reading, 310)
		# the rows' own messages are in the one error, not shown again on their own
		self.assertEqual(len(frappe.local.message_log), logged + 1)

	def test_meter_change_and_rollover_rows_are_accepted(self):
		u = self.units
		frappe.set_user(self.clerk)
		counts = meter_entry.save_building_readings(
			self.building.name,
			"Water",
			MARCH,
			[
				typed(u[0], 3, meter_change=1, old_meter_final_reading=104, meter_no="W-1-NEW"),
				typed(u[1], 2, rollover=1, meter_digits=2),
			],
		)
		self.assertEqual(counts["created"], 2)
		march = readings_of(u)
		self.assertEqual((march[u[0].name].consumption, march[u[0].name].meter_no), (7, "W-1-NEW"))  # 4 + 3
		self.assertEqual(march[u[1].name].consumption, 51.5)  # 100 - 50.5 + 2

	def test_saving_again_updates_only_what_changed(self):
		u = self.units
		frappe.set_user(self.clerk)
		first = [
			typed(u[0], 112.5, meter_no="W-1"),
			typed(u[1], 60, meter_no="W-2"),
			typed(u[2], 310, meter_no="W-3"),
		]
		self.assertEqual(
			meter_entry.save_building_readings(self.building.name, "Water", MARCH, first),
			{"created": 2, "updated": 0, "unchanged": 1, "skipped": 0},
		)
		names = {unit: row.name for unit, row in readings_of(u).items()}
		second = [
			typed(u[0], 115, meter_no="W-1"),
			typed(u[1], "60.0", meter_no="W-2"),
			typed(u[2], 320, meter_no="W-3"),
		]
		self.assertEqual(
			meter_entry.save_building_readings(self.building.name, "Water", MARCH, second),
			{"created": 0, "updated": 2, "unchanged": 1, "skipped": 0},
		)
		march = readings_of(u)
		self.assertEqual({unit: row.name for unit, row in march.items()}, names)  # the same readings
		self.assertEqual((march[u[0].name].current_reading, march[u[0].name].consumption), (115, 15))
		self.assertEqual(march[u[2].name].consumption, 20)
		# the sheet now shows what was saved
		rows = {row["unit"]: row for row in self.sheet()["rows"]}
		self.assertEqual(rows[u[0].name]["current_reading"], 115)
		self.assertEqual(rows[u[0].name]["reading"], names[u[0].name])

	def test_a_unit_of_another_building_is_refused(self):
		_other, (stranger,) = make_building_with_units(1, estate=self.building.estate, building_no="2")
		frappe.set_user(self.clerk)
		with self.assertRaises(frappe.ValidationError) as caught:
			meter_entry.save_building_readings(
				self.building.name, "Water", MARCH, [typed(self.units[0], 101), typed(stranger, 5)]
			)
		self.assertIn(stranger.name, str(caught.exception))
		self.assertEqual(readings_of([*self.units, stranger]).keys(), {self.units[2].name})

	def test_restricted_staff_and_technicians_are_refused(self):
		other, units = make_building_with_units(2)
		frappe.set_user(self.clerk)
		for call in (
			lambda: meter_entry.building_sheet(other.name, "Water", MARCH),
			lambda: meter_entry.save_building_readings(other.name, "Water", MARCH, [typed(units[0], 1)]),
		):
			with self.assertRaises(frappe.PermissionError):
				call()
		# a technician may read the building but not the readings
		frappe.set_user("Administrator")
		technician = make_user([TE])
		frappe.set_user(technician)
		with self.assertRaises(frappe.PermissionError):
			meter_entry.building_sheet(self.building.name, "Water", MARCH)


class TestSheetQueries(FrappeTestCase):
	def queries(self, building) -> int:
		meter_entry.building_sheet(building.name, "Water", MARCH)  # warm the caches (meta, permissions)
		seen, sheet = queries_of(meter_entry.building_sheet, building.name, "Water", MARCH)
		self.assertTrue(sheet["rows"])
		return len(seen)

	def test_query_count_does_not_grow_with_units(self):
		frappe.set_user("Administrator")
		counts = []
		for size in (3, 12):
			building, units = make_building_with_units(size)
			for unit in units:
				make_reading(unit.name, "2026-01-01", 10)
				make_reading(unit.name, "2026-02-01", 20)
			make_reading(units[0].name, MARCH, 25)
			clerk = make_user([CS], estates=[building.estate])
			frappe.set_user(clerk)
			try:
				counts.append(self.queries(building))
			finally:
				frappe.set_user("Administrator")
		self.assertEqual(counts[0], counts[1])
		self.assertLessEqual(counts[0], 10)


class TestMeterEntryOverRest(FrappeTestCase):
	"""Through `/api/method/…` over Frappe's real HTTP stack (its own connection: data is committed)."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.mine, cls.mine_units = make_building_with_units(2)
		cls.theirs, cls.their_units = make_building_with_units(2)
		cls.clerk = make_user([CS], estates=[cls.mine.estate])
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		units = [u.name for u in cls.mine_units + cls.their_units]
		frappe.db.delete(READING, {"unit": ("in", units)})
		for unit in units:
			frappe.delete_doc("Property Unit", unit, force=True, ignore_missing=True)
		for building in (cls.mine, cls.theirs):
			frappe.delete_doc("Property Building", building.name, force=True, ignore_missing=True)
			frappe.delete_doc("Property Estate", building.estate, force=True, ignore_missing=True)
		frappe.delete_doc("User", cls.clerk, force=True, ignore_missing=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_restricted_clerk_gets_only_their_estates_building(self):
		client = SiteClient(self.clerk)
		path = "/api/method/property_crm.property_fees.meter_entry_api.building_sheet"
		theirs = client.get(path, {"building": self.theirs.name, "meter_type": "Water", "period": MARCH})
		self.assertEqual(theirs.status_code, 403, theirs.text)
		self.assertEqual(theirs.json.get("exc_type"), "PermissionError")
		saved = client.post(
			"/api/method/property_crm.property_fees.meter_entry_api.save_building_readings",
			{"building": self.theirs.name, "meter_type": "Water", "period": MARCH,
				"rows": json.dumps([{"unit": self.their_units[0].name, "current_reading": 5}])},
		)  # fmt: skip
		self.assertEqual(saved.status_code, 403, saved.text)
		mine = client.get(path, {"building": self.mine.name, "meter_type": "Water", "period": MARCH})
		self.assertEqual(mine.status_code, 200, mine.text)
		self.assertEqual(
			[row["unit"] for row in mine.json["message"]["rows"]], [u.name for u in self.mine_units]
		)
		self.assertFalse(frappe.db.exists(READING, {"unit": self.their_units[0].name}))

	def test_clerk_saves_a_sheet_over_rest(self):
		client = SiteClient(self.clerk)
		response = client.post(
			"/api/method/property_crm.property_fees.meter_entry_api.save_building_readings",
			{"building": self.mine.name, "meter_type": "Gas", "period": "2026-03",
				"rows": json.dumps([{"unit": u.name, "current_reading": "12"} for u in self.mine_units])},
		)  # fmt: skip
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json["message"], {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0})
		self.assertEqual(frappe.db.count(READING, {"unit": ("in", [u.name for u in self.mine_units])}), 2)
		# a lower reading over REST: 417 naming the unit, nothing written
		response = client.post(
			"/api/method/property_crm.property_fees.meter_entry_api.save_building_readings",
			{"building": self.mine.name, "meter_type": "Gas", "period": "2026-04",
				"rows": json.dumps([{"unit": self.mine_units[0].name, "current_reading": "13"},
					{"unit": self.mine_units[1].name, "current_reading": "11"}])},
		)  # fmt: skip
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn(self.mine_units[1].name, response.text)
		self.assertEqual(frappe.db.count(READING, {"unit": ("in", [u.name for u in self.mine_units])}), 2)
