"""Four-eyes principle (四眼原则) over real HTTP: nobody — Property Manager and System Manager included —
deletes a resident file, a unit, an occupancy row… or changes a file's name, ID number or a unit's owner
directly; a Data Change Request filed by one manager is decided by another (never the requester, whatever
the door), and an approved deletion of a file goes through Frappe's Personal Data Deletion Request."""

import json
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import (
	make_building,
	make_estate,
	make_owner,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
	valid_mainland_id,
)
from property_crm.tests.served import HttpClient

MANAGER = "Property Manager"
REQUEST = "Data Change Request"
METHOD = "property_crm.property_privacy.four_eyes.request_change"


def resource(doctype: str, name: str = "") -> str:
	return f"/api/resource/{quote(doctype)}" + (f"/{quote(name)}" if name else "")


class TestFourEyes(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		estate = make_estate()
		cls.estate = estate.name
		cls.building = make_building(estate.name)
		cls.owner = make_owner(id_type="Mainland ID Card", id_number=valid_mainland_id())
		cls.buyer = make_owner()
		cls.tenant = make_owner(resident_type="Tenant")
		cls.unit = make_unit(
			cls.building, "801", floor=8, occupants=[occupant(cls.owner), occupant(cls.tenant, "Tenant")]
		)
		cls.m1 = make_user([MANAGER], [estate.name])
		cls.m2 = make_user([MANAGER], [estate.name])
		cls.it = make_user(["System Manager", MANAGER])
		frappe.db.commit()
		cls.one, cls.two = HttpClient(cls.m1), HttpClient(cls.m2)

	def file_request(self, client, doctype, name, action, reason="录入错误", changes=None):
		params = {"doctype": doctype, "name": name, "action": action, "reason": reason}
		if changes is not None:
			params["changes"] = json.dumps(changes, ensure_ascii=False)
		response = client.call(METHOD, **params)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json()["message"]

	def decide(self, client, request: str, action: str):
		doc = frappe.get_doc(REQUEST, request).as_dict()
		return client.call(
			"frappe.model.workflow.apply_workflow", doc=json.dumps(doc, default=str), action=action
		)

	def assert_done(self, response):
		self.assertEqual(response.status_code, 200, response.text[:600])

	def assert_refused(self, response, status=417):
		self.assertEqual(response.status_code, status, response.text[:400])

	# ---- direct doors -------------------------------------------------------------------------------

	def test_direct_deletion_refused_for_managers_and_it(self):
		for client in (self.one, HttpClient(self.it)):
			response = client.request("DELETE", resource("Property Owner", self.owner.name))
			self.assert_refused(response)
			self.assertIn("Request deletion", response.text)
			self.assert_refused(
				client.call("frappe.client.delete", doctype="Property Owner", name=self.owner.name)
			)
			self.assert_refused(client.request("DELETE", resource("Property Unit", self.unit.name)))
		row = frappe.db.get_value("Property Unit Occupant", {"parent": self.unit.name, "relation": "Tenant"})
		gone = self.one.request("DELETE", resource("Property Unit Occupant", row))
		self.assertIn(gone.status_code, (403, 417), gone.text[:300])
		self.assertTrue(frappe.db.exists("Property Unit Occupant", row))
		self.assertTrue(frappe.db.exists("Property Owner", self.owner.name))
		self.assertTrue(frappe.db.exists("Property Unit", self.unit.name))

	def test_direct_guarded_changes_refused(self):
		hash_before = frappe.db.get_value("Property Owner", self.owner.name, "id_number_hash")
		refused = self.one.call("frappe.client.set_value", doctype="Property Owner", name=self.owner.name,
			fieldname="id_number", value=valid_mainland_id())  # fmt: skip
		self.assert_refused(refused)
		self.assertIn("ID Number", refused.text)
		self.assert_refused(self.one.call("frappe.client.set_value", doctype="Property Owner",
			name=self.owner.name, fieldname="full_name", value="改名"))  # fmt: skip
		self.assertEqual(
			frappe.db.get_value("Property Owner", self.owner.name, "id_number_hash"), hash_before
		)
		self.assertNotEqual(frappe.db.get_value("Property Owner", self.owner.name, "full_name"), "改名")
		# a unit's owner replaced, an occupancy row dropped: refused; an ordinary edit passes
		unit = self.one.get(resource("Property Unit", self.unit.name)).json()["data"]
		rows = unit["occupants"]
		owner_row = next(r for r in rows if r["relation"] == "Owner")
		swapped = [dict(r, resident=self.buyer.name) if r is owner_row else r for r in rows]
		self.assert_refused(
			self.one.request("PUT", resource("Property Unit", self.unit.name), json={"occupants": swapped})
		)
		dropped = [r for r in rows if r["relation"] != "Tenant"]
		self.assert_refused(
			self.one.request("PUT", resource("Property Unit", self.unit.name), json={"occupants": dropped})
		)
		self.assertEqual(frappe.db.count("Property Unit Occupant", {"parent": self.unit.name}), 2)
		fine = self.one.request("PUT", resource("Property Unit", self.unit.name), json={"notes": "南向"})
		self.assertEqual(fine.status_code, 200, fine.text[:300])

	# ---- requests -----------------------------------------------------------------------------------

	def test_deletion_needs_a_second_manager(self):
		person = make_owner()
		frappe.db.commit()
		request = self.file_request(self.one, "Property Owner", person.name, "Delete", reason="重复建档")
		doc = frappe.get_doc(REQUEST, request)
		self.assertEqual((doc.status, doc.requested_by), ("Pending", self.m1))
		self.assertIn(person.full_name, doc.before_json)
		# the other manager of the estate is asked (Frappe's assignment: a ToDo)
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": request, "allocated_to": self.m2}))
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": request, "allocated_to": self.m1}))
		# the requester cannot decide, by no door
		self.assertIn(self.decide(self.one, request, "Approve").status_code, (403, 417))
		self.assert_refused(self.one.call("frappe.client.set_value", doctype=REQUEST, name=request,
			fieldname="status", value="Approved"), 403)  # fmt: skip
		self.assert_refused(
			self.one.request("PUT", resource(REQUEST, request), json={"status": "Approved"}), 403
		)
		self.assertEqual(frappe.db.get_value(REQUEST, request, "status"), "Pending")
		self.assertEqual(frappe.db.get_value("Property Owner", person.name, "full_name"), person.full_name)
		# the second manager approves: Frappe's personal-data deletion anonymises the file
		approved = self.decide(self.two, request, "Approve")
		self.assertEqual(approved.status_code, 200, approved.text[:600])
		self.assertEqual(frappe.db.get_value("Property Owner", person.name, "full_name"), "[REDACTED]")
		doc = frappe.get_doc(REQUEST, request)
		self.assertEqual((doc.status, doc.approver), ("Approved", self.m2))
		deletion = json.loads(doc.after_json)["personal_data_deletion_request"]
		self.assertEqual(frappe.db.get_value("Personal Data Deletion Request", deletion, "status"), "Deleted")
		comments = frappe.get_all("Comment", filters={"reference_doctype": REQUEST, "reference_name": request},
			pluck="content")  # fmt: skip
		self.assertTrue(any(person.full_name in c and "approved" in c for c in comments), comments)
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": request, "status": "Open"}))
		# decided once: no second decision
		self.assertIn(self.decide(self.two, request, "Reject").status_code, (403, 417))

	def test_deleting_a_resident_with_a_portal_login_is_frappes_personal_data_deletion(self):
		person = make_owner(email=f"{unique('r').lower()}@example.com")
		make_unit(self.building, "1001", floor=10, occupants=[occupant(person)])
		user = portal_login(person)
		frappe.db.commit()
		request = self.file_request(self.one, "Property Owner", person.name, "Delete", reason="住户申请注销")
		self.assert_done(self.decide(self.two, request, "Approve"))
		self.assertEqual(frappe.db.get_value("Property Owner", person.name, "full_name"), "[REDACTED]")
		self.assertEqual(
			frappe.db.get_value("Property Unit Occupant", {"resident": person.name}, "resident_name"),
			"[REDACTED]",
		)
		self.assertFalse(frappe.db.exists("User", user), "Frappe renamed the resident's login")
		deletion = json.loads(frappe.db.get_value(REQUEST, request, "after_json"))[
			"personal_data_deletion_request"
		]
		self.assertEqual(frappe.db.get_value("Personal Data Deletion Request", deletion, "status"), "Deleted")

	def test_rejection_leaves_the_record_and_approved_change_applies(self):
		person = make_owner()
		frappe.db.commit()
		rejected = self.file_request(self.one, "Property Owner", person.name, "Delete")
		self.assert_done(self.decide(self.two, rejected, "Reject"))
		self.assertEqual(
			frappe.db.get_value(REQUEST, rejected, ["status", "approver"]), ("Rejected", self.m2)
		)
		self.assertEqual(frappe.db.get_value("Property Owner", person.name, "full_name"), person.full_name)
		# a change of name and ID number: the ID number never shown nor stored in the clear on the request
		new_id = valid_mainland_id()
		change = self.file_request(self.two, "Property Owner", person.name, "Change",
			changes={"full_name": "李新名", "id_type": "Mainland ID Card", "id_number": new_id})  # fmt: skip
		doc = frappe.get_doc(REQUEST, change)
		self.assertIn("李新名", doc.summary)
		for field in ("summary", "changes", "before_json", "after_json", "sealed_changes"):
			self.assertNotIn(new_id, doc.get(field) or "", field)
		approved = self.decide(self.one, change, "Approve")
		self.assertEqual(approved.status_code, 200, approved.text[:600])
		self.assertEqual(frappe.db.get_value("Property Owner", person.name, "full_name"), "李新名")
		saved = frappe.get_doc("Property Owner", person.name)
		if saved.meta.has_field("id_number_hash"):
			from property_crm.protected_fields import find_by_value

			self.assertEqual(find_by_value("Property Owner", "id_number", new_id), [person.name])
		else:
			self.assertEqual(saved.id_number, new_id)
		timeline = frappe.get_all("Comment", filters={"reference_doctype": "Property Owner",
			"reference_name": person.name}, pluck="content")  # fmt: skip
		self.assertTrue(any("李新名" in c and change in c for c in timeline), timeline)

	def test_unit_owner_transfer_and_occupant_removal_by_request(self):
		buyer = make_owner()
		seller = make_owner()
		tenant = make_owner(resident_type="Tenant")
		unit = make_unit(
			self.building, "902", floor=9, occupants=[occupant(seller), occupant(tenant, "Tenant")]
		)
		frappe.db.commit()
		transfer = self.file_request(
			self.one, "Property Unit", unit.name, "Change", changes={"owner": buyer.name}
		)
		self.assert_done(self.decide(self.two, transfer, "Approve"))
		rows = frappe.get_all("Property Unit Occupant", filters={"parent": unit.name},
			fields=["name", "resident", "relation", "move_out"])  # fmt: skip
		self.assertTrue(
			any(r.resident == buyer.name and r.relation == "Owner" and not r.move_out for r in rows)
		)
		self.assertTrue(any(r.resident == seller.name and r.move_out for r in rows))
		row = next(r.name for r in rows if r.resident == tenant.name)
		removal = self.file_request(self.two, "Property Unit Occupant", row, "Delete", reason="录错房号")
		self.assertIn(self.decide(self.two, removal, "Approve").status_code, (403, 417))
		self.assert_done(self.decide(self.one, removal, "Approve"))
		self.assertFalse(frappe.db.exists("Property Unit Occupant", row))
		self.assertEqual(frappe.db.get_value(REQUEST, removal, "estate"), self.estate)

	def test_bad_requests(self):
		bad = self.one.call(METHOD, doctype="Property Owner", name=self.owner.name, action="Change",
			reason="x", changes=json.dumps({"email": "a@b.c"}))  # fmt: skip
		self.assert_refused(bad)
		self.assert_refused(self.one.call(METHOD, doctype="Property Owner", name="DA-0000-00000",
			action="Delete", reason="x"), 404)  # fmt: skip
		self.assert_refused(self.one.call(METHOD, doctype="User", name=self.m2, action="Delete", reason="x"))
		no_reason = self.one.call(METHOD, doctype="Property Owner", name=self.owner.name, action="Delete",
			reason=" ")  # fmt: skip
		self.assert_refused(no_reason)
		# a technician (no delete right on files) may not file a deletion
		tech = make_user(["Property Technician"], [self.estate])
		frappe.db.commit()
		self.assert_refused(HttpClient(tech).call(METHOD, doctype="Property Unit", name=self.unit.name,
			action="Delete", reason="x"), 403)  # fmt: skip
