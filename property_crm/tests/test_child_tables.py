"""Issue 18, finding 5: a child table read as a list follows the parent's permission level of its table field.

A technician may read the resident file of the requester of his open order, but not its family members,
vehicles or tags (the table fields are at permission level 2); he may read the occupants of that unit (level
0). Asking for the rows directly — `/api/resource/<child>?parent=…`, `frappe.client.get_list`,
`frappe.client.get_value`, `frappe.client.get_count`, Report Builder (`frappe.desk.reportview.get`) and its
export — returns them only to a role that reads the table field on the parent: which one is derived from
the parent's DocType meta, as the server derives it, for every child table of ours with personal data
(hooks.permission_query_conditions), over real HTTP."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm import hooks
from property_crm.permissions import readable_table
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_estate,
	make_order,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
)
from property_crm.tests.served import HttpClient
from property_crm.tests.survey_factories import make_campaign

ROLES = {
	"technician": "Property Technician",
	"accountant": "Property Accountant",
	"clerk": "Property Customer Service",
}
PERSONAL = set(hooks._PERSONAL_CHILD_TABLES)


def _insert_row(doctype: str, parent, parentfield: str, values: dict) -> str:
	row = frappe.get_doc(
		{"doctype": doctype, "parent": parent.name, "parenttype": parent.doctype, "parentfield": parentfield}
		| values
	)
	row.idx = 99
	row.db_insert()
	return row.name


class TestChildTables(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.users = {key: make_user([role]) for key, role in ROLES.items()}
		estate = make_estate()
		building = make_building(estate.name, "1")
		cls.resident = make_owner(
			email=f"{unique('r').lower()}@example.com",
			family_members=[{"member_name": "李小明", "relation": "Child", "mobile": "13800138000"}],
			vehicles=[{"plate_number": "沪A" + unique("")[-5:], "vehicle_type": "Car"}],
		)
		cls.unit = make_unit(building, "101", floor=1, occupants=[occupant(cls.resident, primary_contact=1)])
		cls.resident_user = portal_login(cls.resident)
		category = make_category(technicians=[cls.users["technician"]])
		order = make_order(cls.unit, category, cls.resident)
		# the technician's open order: he reads the requester's file and the unit (need-to-know)
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": cls.users["technician"],
				"reference_type": "Service Order",
				"reference_name": order.name,
				"description": "repair",
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Service Order",
			order.name,
			"_assign",
			json.dumps([cls.users["technician"]]),
			update_modified=False,
		)
		tag = frappe.db.get_value("Property Resident Tag", {}, "name") or (
			frappe.get_doc({"doctype": "Property Resident Tag", "tag_name": unique("VIP")})
			.insert(ignore_permissions=True)
			.name
		)
		_insert_row("Property Owner Tag", cls.resident, "tags", {"tag": tag})
		# a survey response with its answers and scores, and a verification round with its items
		campaign = make_campaign()
		response = frappe.get_doc(
			{"doctype": "Survey Response", "campaign": campaign.name, "person": cls.resident.name}
		)
		response.db_insert()
		_insert_row("Survey Answer", response, "answers", {"question_key": "overall", "value": "2"})
		_insert_row("Survey Response Dimension", response, "dimension_scores", {"score": 40})
		verification = frappe.get_doc({"doctype": "Property Verification Round", "estate": estate.name})
		verification.db_insert()
		_insert_row(
			"Property Verification Item",
			verification,
			"items",
			{"resident": cls.resident.name, "resident_name": cls.resident.full_name, "reasons": "old phone"},
		)
		# an online payment order (made by the server only) with the bill it pays
		payment = frappe.get_doc(
			{
				"doctype": "Property Payment Order",
				"platform": "WeChat Pay",
				"channel": "h5",
				"resident": cls.resident.name,
				"estate": estate.name,
				"amount": 1,
				"status": "Pending",
			}
		)
		payment.name = unique("PCRM").replace("-", "")
		payment.db_insert()
		_insert_row("Property Payment Order Bill", payment, "bills", {"amount": 1})
		cls.parents = {
			"Property Payment Order Bill": payment,
			"Property Unit Occupant": cls.unit,
			"Property Family Member": cls.resident,
			"Property Vehicle": cls.resident,
			"Property Owner Tag": cls.resident,
			"Survey Answer": response,
			"Survey Response Dimension": response,
			"Property Verification Item": verification,
		}
		frappe.db.commit()
		cls.clients = {key: HttpClient(user) for key, user in cls.users.items()}
		cls.clients["resident"] = HttpClient(cls.resident_user)

	def test_every_personal_child_table_is_covered(self):
		"""Each child table with personal data (people, their homes, vehicles, answers) is under the rule."""
		self.assertEqual(PERSONAL, set(self.parents))
		for doctype in PERSONAL:
			self.assertEqual(
				hooks.permission_query_conditions[doctype], "property_crm.permissions.child_query_conditions"
			)

	def _expected(self, key: str, child: str) -> bool:
		parent = self.parents[child]
		if key == "resident":
			return False
		fieldname = frappe.db.get_value(
			child, {"parent": parent.name, "parenttype": parent.doctype}, "parentfield"
		)
		return readable_table(self.users[key], parent.doctype, fieldname)

	def _reads(self, client, child: str, parent) -> dict[str, int]:
		"""How many of the parent's rows each door returns (0 for a refusal)."""
		filters = json.dumps([[child, "parent", "=", parent.name]])
		doors = {
			"rest": client.get(
				f"/api/resource/{child}",
				params={"parent": parent.doctype, "fields": '["name"]', "filters": filters},
			),
			"get_list": client.call(
				"frappe.client.get_list", doctype=child, parent=parent.doctype, filters=filters
			),
			"get_value": client.call(
				"frappe.client.get_value",
				doctype=child,
				parent=parent.doctype,
				fieldname="name",
				filters=filters,
			),
			"get_count": client.call("frappe.client.get_count", doctype=child, filters=filters),
			"reportview": client.call(
				"frappe.desk.reportview.get",
				doctype=child,
				parent_doctype=parent.doctype,
				fields=json.dumps([f"`tab{child}`.`name`"]),
				filters=filters,
			),
		}
		counts = {}
		for door, response in doors.items():
			self.assertLess(response.status_code, 500, f"{door} {child}: {response.text[:300]}")
			if response.status_code != 200:
				self.assertIn(response.status_code, (403, 417), f"{door} {child}: {response.text[:300]}")
				counts[door] = 0
				continue
			body = response.json()
			data = body.get("data", body.get("message"))
			if door == "get_count":
				counts[door] = int(data or 0)
			elif door == "get_value":
				counts[door] = 1 if data else 0
			elif door == "reportview":
				counts[door] = (
					len((data or {}).get("values", [])) if isinstance(data, dict) else len(data or [])
				)
			else:
				counts[door] = len(data or [])
		export = client.post(
			"/api/method/frappe.desk.reportview.export_query",
			data={
				"doctype": child,
				"parent_doctype": parent.doctype,
				"fields": json.dumps([f"`tab{child}`.`name`"]),
				"filters": filters,
				"file_format_type": "CSV",
			},
		)
		self.assertLess(export.status_code, 500, export.text[:300])
		found = [n for n in frappe.get_all(child, {"parent": parent.name}, pluck="name") if n in export.text]
		counts["export"] = len(found) if export.status_code == 200 else 0
		return counts

	def test_rows_only_to_who_reads_the_table_field(self):
		"""child table × role × door: rows come back exactly when the role reads that field on the parent."""
		for child, parent in self.parents.items():
			for key, client in self.clients.items():
				with self.subTest(child=child, role=key):
					counts = self._reads(client, child, parent)
					if self._expected(key, child):
						self.assertTrue(counts["get_list"] and counts["rest"], (child, key, counts))
					else:
						self.assertEqual(set(counts.values()), {0}, (child, key, counts))

	def test_technician_reads_occupants_not_vehicles(self):
		"""The reproduced case: the technician of an open order sees the household, not its vehicles."""
		technician = self.clients["technician"]
		vehicles = self._reads(technician, "Property Vehicle", self.resident)
		occupants = self._reads(technician, "Property Unit Occupant", self.unit)
		self.assertEqual(set(vehicles.values()), {0}, vehicles)
		self.assertEqual(occupants["get_list"], 1, occupants)
		# while the clerk and the accountant (level 2 readers) see the vehicle
		for key in ("clerk", "accountant"):
			self.assertEqual(self._reads(self.clients[key], "Property Vehicle", self.resident)["rest"], 1)
