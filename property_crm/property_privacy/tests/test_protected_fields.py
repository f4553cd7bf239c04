"""ID numbers and mobiles encrypted at rest, masked everywhere, revealed one at a time with a logged reason
(property_crm/protected_fields.py, property_privacy/reveal.py), through the doors a user or attacker uses."""

import gzip
import json
import subprocess

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import decrypt

from property_crm import protected_fields
from property_crm.masks import mask_id, mask_mobile
from property_crm.rate_limits import reset_counters
from property_crm.tests.factories import (
	make_building,
	make_estate,
	make_owner,
	make_unit,
	make_user,
	occupant,
	valid_mainland_id,
	valid_mobile,
)
from property_crm.tests.records import linked_doctypes
from property_crm.tests.served import HttpClient

test_ignore = linked_doctypes("Property Owner")

REVEAL = "property_crm.property_privacy.reveal.reveal"


class TestProtectedFields(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		cls.building = make_building(cls.estate.name)
		cls.id_number = valid_mainland_id()
		cls.mobile = valid_mobile()
		cls.owner = make_owner(
			id_type="Mainland ID Card",
			id_number=cls.id_number,
			date_of_birth="1980-05-17",
			mobile=cls.mobile,
			family_members=[{"member_name": "李小", "relation": "Child", "mobile": valid_mobile()}],
		)
		cls.unit = make_unit(cls.building, unit_number="0801", floor=8, occupants=[occupant(cls.owner)])
		cls.manager = make_user(["Property Manager"], [cls.estate.name])
		cls.service = make_user(["Property Customer Service"], [cls.estate.name])
		cls.technician = make_user(["Property Technician"], [cls.estate.name])
		cls.accountant = make_user(["Property Accountant"], [cls.estate.name])
		frappe.db.commit()

	def setUp(self):
		reset_counters()

	# --- at rest ---------------------------------------------------------------------------------------

	def test_rest_create_with_a_plain_id_stores_the_mask_and_the_ciphertext(self):
		id_number, mobile = valid_mainland_id(), valid_mobile()
		response = HttpClient(self.manager).post(
			"/api/resource/Property Owner",
			json={
				"full_name": "王测试",
				"resident_type": "Owner",
				"mobile": f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
				"id_type": "Mainland ID Card",
				"id_number": id_number.lower(),
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		data = response.json()["data"]
		self.assertEqual(data["id_number"], mask_id(id_number))
		self.assertEqual(data["mobile"], mask_mobile(mobile))
		self.assertNotIn(id_number, response.text)
		self.assertNotIn(mobile, response.text)
		self.assertNotIn("id_number_encrypted", data)  # no role reads the ciphertext
		row = frappe.db.get_value(
			"Property Owner",
			data["name"],
			["id_number", "id_number_encrypted", "id_number_hash", "mobile", "mobile_encrypted"],
			as_dict=True,
		)
		self.assertEqual(row.id_number, id_number[:4] + "**********" + id_number[-4:])
		self.assertEqual(decrypt(row.id_number_encrypted), id_number)
		self.assertEqual(decrypt(row.mobile_encrypted), mobile)
		self.assertEqual(
			protected_fields.find_by_value("Property Owner", "id_number", id_number), [data["name"]]
		)
		self.assertEqual(protected_fields.plain_value_of("Property Owner", data["name"], "mobile"), mobile)

	def test_bad_id_is_refused_before_anything_is_stored(self):
		good = valid_mainland_id()
		bad = good[:17] + next(c for c in "0123456789X" if c != good[17])
		response = HttpClient(self.manager).post(
			"/api/resource/Property Owner",
			json={
				"full_name": "错号",
				"resident_type": "Owner",
				"id_type": "Mainland ID Card",
				"id_number": bad,
			},
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertFalse(frappe.db.exists("Property Owner", {"full_name": "错号"}))

	def test_a_masked_value_sent_back_keeps_the_secret_and_a_stranger_mask_is_refused(self):
		client = HttpClient(self.manager)
		got = client.get(f"/api/resource/Property Owner/{self.owner.name}").json()["data"]
		got["occupation"] = "教师"
		got["id_number_hash"] = "0" * 64  # a hash sent by the client is never kept
		response = client.request("PUT", f"/api/resource/Property Owner/{self.owner.name}", json=got)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			protected_fields.plain_value_of("Property Owner", self.owner.name, "id_number"), self.id_number
		)
		self.assertEqual(
			protected_fields.plain_value_of("Property Owner", self.owner.name, "mobile"), self.mobile
		)
		found = protected_fields.find_by_value("Property Owner", "id_number", self.id_number)
		self.assertEqual(found, [self.owner.name])
		response = client.request(
			"PUT", f"/api/resource/Property Owner/{self.owner.name}", json={"mobile": "139****0000"}
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("full value", response.text)

	def test_duplicate_id_number_is_refused_through_the_hash(self):
		response = HttpClient(self.manager).post(
			"/api/resource/Property Owner",
			json={
				"full_name": "重复",
				"resident_type": "Owner",
				"id_type": "Mainland ID Card",
				"id_number": self.id_number,
			},
		)
		self.assertEqual(response.status_code, 409, response.text)
		self.assertIn(self.owner.name, response.text)

	def test_occupant_and_family_rows_are_protected_too(self):
		unit = frappe.get_doc("Property Unit", self.unit.name)
		row = unit.occupants[0]
		self.assertEqual(row.mobile, mask_mobile(self.mobile))
		self.assertEqual(protected_fields.plain_value(row, "mobile"), self.mobile)
		member = frappe.get_doc("Property Owner", self.owner.name).family_members[0]
		self.assertTrue(member.mobile_encrypted.startswith("gAAAAA"))
		self.assertIn("*", member.mobile)

	def test_sql_dump_holds_no_plaintext_id_number_or_mobile(self):
		owners = frappe.get_all(
			"Property Owner",
			fields=["name", "id_number", "id_number_encrypted", "mobile", "mobile_encrypted"],
		)
		# files deleted by Frappe's personal-data deletion hold its marker "[REDACTED]", no number
		ids = [
			value
			for value in (protected_fields.plain_value(o, "id_number") for o in owners if o.id_number)
			if value != protected_fields.REDACTED
		]
		self.assertIn(self.id_number, ids)
		mobiles = [
			value
			for value in (protected_fields.plain_value(o, "mobile") for o in owners if o.mobile)
			if value != protected_fields.REDACTED
		]
		conf = frappe.conf
		dump = subprocess.run(
			["mysqldump", "-h", conf.db_host or "127.0.0.1", "-u", conf.db_name, f"-p{conf.db_password}",
			 "--single-transaction", "--skip-extended-insert", conf.db_name],
			capture_output=True, check=True, timeout=600,
		).stdout.decode("utf-8", "replace")  # fmt: skip
		self.assertIn(mask_id(self.id_number), dump)  # the dump is real and has our rows
		leaked = [value for value in ids if value in dump]
		self.assertEqual(leaked, [], "plain ID numbers found in the SQL dump")
		# mobiles: masked in the resident files (Contacts keep the number the SMS gateway dials)
		owner_rows = "\n".join(
			line for line in dump.splitlines() if line.startswith("INSERT INTO `tabProperty Owner`")
		)
		self.assertIn(mask_mobile(self.mobile), owner_rows)
		leaked = [value for value in mobiles if value in owner_rows]
		self.assertEqual(leaked, [], "plain mobiles in the resident files of the SQL dump")

	# --- masked for every reader ---------------------------------------------------------------------------

	def test_rest_list_and_report_builder_export_show_masks(self):
		client = HttpClient(self.service)
		doc = client.get(f"/api/resource/Property Owner/{self.owner.name}").json()["data"]
		self.assertEqual(doc["mobile"], mask_mobile(self.mobile))
		self.assertNotIn(self.mobile, json.dumps(doc))
		listed = client.call(
			"frappe.client.get_list",
			doctype="Property Owner",
			fields=json.dumps(["name", "mobile", "mobile_encrypted", "mobile_hash"]),
			filters=json.dumps({"name": self.owner.name}),
		)
		self.assertEqual(listed.status_code, 200, listed.text)
		self.assertNotIn(self.mobile, listed.text)
		self.assertNotIn("gAAAAA", listed.text)
		manager = HttpClient(self.manager)
		export = manager.post(
			"/api/method/frappe.desk.reportview.export_query",
			data={
				"doctype": "Property Owner",
				"file_format_type": "CSV",
				"fields": json.dumps(
					[
						"`tabProperty Owner`.`name`",
						"`tabProperty Owner`.`mobile`",
						"`tabProperty Owner`.`id_number`",
					]
				),
				"filters": json.dumps([["Property Owner", "name", "=", self.owner.name]]),
				"title": "Property Owner",
			},
		)
		self.assertEqual(export.status_code, 200, export.text[:300])
		self.assertIn(mask_mobile(self.mobile), export.text)
		self.assertIn(mask_id(self.id_number), export.text)
		self.assertNotIn(self.mobile, export.text)
		self.assertNotIn(self.id_number, export.text)

	def test_no_door_sends_the_ciphertext(self):
		client = HttpClient(self.manager)
		responses = [
			client.get(
				"/api/method/frappe.desk.form.load.getdoc",
				params={"doctype": "Property Owner", "name": self.owner.name},
			),
			client.call(
				"frappe.client.get_value",
				doctype="Property Owner",
				fieldname=json.dumps(["id_number", "id_number_encrypted", "mobile_encrypted"]),
				filters=json.dumps({"name": self.owner.name}),
			),
			client.call("frappe.client.get", doctype="Property Unit", name=self.unit.name),
		]
		doc = client.get(
			"/api/method/frappe.desk.form.load.getdoc",
			params={"doctype": "Property Owner", "name": self.owner.name},
		).json()["docs"][0]
		responses.append(
			client.post(
				"/api/method/frappe.desk.form.save.savedocs", data={"doc": json.dumps(doc), "action": "Save"}
			)
		)
		for response in responses:
			self.assertIn(response.status_code, (200, 403), response.text[:300])
			self.assertNotIn("gAAAAA", response.text, response.url)
			self.assertNotIn(self.id_number, response.text, response.url)
			self.assertNotIn(self.mobile, response.text, response.url)
		self.assertEqual(responses[-1].status_code, 200, responses[-1].text[:300])

	# --- reveal ------------------------------------------------------------------------------------------

	def test_reveal_refused_to_a_role_without_the_need(self):
		for user, fieldname in (
			(self.technician, "mobile"),
			(self.accountant, "mobile"),
			(self.service, "id_number"),  # customer service calls residents; it checks no ID documents
		):
			response = HttpClient(user).call(
				REVEAL,
				doctype="Property Owner",
				name=self.owner.name,
				fieldname=fieldname,
				reason="回电核实身份",
			)
			self.assertEqual(response.status_code, 403, (user, fieldname, response.text))
			self.assertNotIn(self.mobile, response.text)
			self.assertNotIn(self.id_number, response.text)

	def test_reveal_refused_outside_the_users_estates(self):
		other = make_user(["Property Manager"], [make_estate().name])
		frappe.db.commit()
		response = HttpClient(other).call(
			REVEAL, doctype="Property Owner", name=self.owner.name, fieldname="mobile", reason="回电核实身份"
		)
		self.assertEqual(response.status_code, 403, response.text)

	def test_reveal_needs_a_reason_and_post(self):
		client = HttpClient(self.service)
		response = client.call(
			REVEAL, doctype="Property Owner", name=self.owner.name, fieldname="mobile", reason=" "
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("Reason", response.text)
		response = client.get(
			f"/api/method/{REVEAL}",
			params={
				"doctype": "Property Owner",
				"name": self.owner.name,
				"fieldname": "mobile",
				"reason": "回电核实",
			},
		)
		self.assertNotEqual(response.status_code, 200, response.text)
		self.assertNotIn(self.mobile, response.text)
		response = client.call(
			REVEAL, doctype="Property Owner", name=self.owner.name, fieldname="full_name", reason="回电核实"
		)
		self.assertEqual(response.status_code, 417, response.text)

	def test_reveal_with_a_reason_returns_the_value_and_writes_the_access_log(self):
		before = frappe.db.count("Access Log", {"user": self.manager, "method": "Reveal"})
		response = HttpClient(self.manager).call(
			REVEAL,
			doctype="Property Owner",
			name=self.owner.name,
			fieldname="id_number",
			reason="办理产权变更核对证件",
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"]["value"], self.id_number)
		logs = frappe.get_all(
			"Access Log",
			filters={"user": self.manager, "method": "Reveal"},
			fields=["export_from", "reference_document", "filters"],
			order_by="creation desc",
		)
		self.assertEqual(len(logs), before + 1)
		self.assertEqual(
			(logs[0].export_from, logs[0].reference_document), ("Property Owner", self.owner.name)
		)
		self.assertIn("办理产权变更核对证件", logs[0].filters)
		self.assertIn("id_number", logs[0].filters)

	def test_customer_service_reveals_a_family_members_mobile(self):
		member = frappe.get_doc("Property Owner", self.owner.name).family_members[0]
		response = HttpClient(self.service).call(
			REVEAL, doctype="Property Family Member", name=member.name, fieldname="mobile", reason="联系家属"
		)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"]["value"], protected_fields.plain_value(member, "mobile"))
		log = frappe.get_all(
			"Access Log",
			filters={"user": self.service, "method": "Reveal"},
			fields=["reference_document"],
			limit=1,
		)
		self.assertEqual(log[0].reference_document, self.owner.name)

	# --- conversion and rotation ------------------------------------------------------------------------

	def test_the_patch_converts_legacy_plaintext_and_its_history(self):
		legacy = make_owner()
		id_number, mobile = valid_mainland_id(), valid_mobile()
		frappe.db.sql(
			"""update `tabProperty Owner` set id_type = 'Mainland ID Card', id_number = %s, id_number_encrypted = null,
			id_number_hash = null, mobile = %s, mobile_encrypted = null where name = %s""",
			(id_number, mobile, legacy.name),
		)
		version = frappe.get_doc(
			{
				"doctype": "Version",
				"ref_doctype": "Property Owner",
				"docname": legacy.name,
				"data": json.dumps({"changed": [["id_number", "", id_number]]}),
			}
		).insert(ignore_permissions=True)
		self.assertEqual(
			protected_fields.plain_value_of("Property Owner", legacy.name, "id_number"), id_number
		)
		from property_crm.patches.v0_9.protect_personal_fields import execute

		execute()
		row = frappe.db.get_value("Property Owner", legacy.name, ["id_number", "mobile"], as_dict=True)
		self.assertEqual(row.id_number, mask_id(id_number))
		self.assertEqual(row.mobile, mask_mobile(mobile))
		self.assertEqual(
			protected_fields.plain_value_of("Property Owner", legacy.name, "id_number"), id_number
		)
		self.assertEqual(
			protected_fields.find_by_value("Property Owner", "id_number", id_number), [legacy.name]
		)
		self.assertNotIn(id_number, frappe.db.get_value("Version", version.name, "data"))
		self.assertIn(mask_id(id_number), frappe.db.get_value("Version", version.name, "data"))

	def test_rotation_reencrypts_and_values_stay_readable(self):
		old_key = frappe.conf.encryption_key
		old_cipher = frappe.db.get_value("Property Owner", self.owner.name, "id_number_encrypted")
		old_hash = frappe.db.get_value("Property Owner", self.owner.name, "id_number_hash")
		done = protected_fields.rotate_site_key()
		self.addCleanup(frappe.db.commit)
		self.assertEqual(done["unreadable"], 0)
		self.assertNotEqual(frappe.conf.encryption_key, old_key)
		self.assertFalse(frappe.conf.get(protected_fields.PREVIOUS_KEY))
		self.assertEqual(frappe.get_site_config().get("encryption_key"), frappe.conf.encryption_key)
		new_cipher, new_hash = frappe.db.get_value(
			"Property Owner", self.owner.name, ["id_number_encrypted", "id_number_hash"]
		)
		self.assertNotEqual(new_cipher, old_cipher)
		self.assertNotEqual(new_hash, old_hash)
		self.assertEqual(
			protected_fields.plain_value_of("Property Owner", self.owner.name, "id_number"), self.id_number
		)
		self.assertEqual(
			protected_fields.find_by_value("Property Owner", "id_number", self.id_number), [self.owner.name]
		)
		# the served site reads with the new key: reveal still works over HTTP
		response = HttpClient(self.manager).call(
			REVEAL, doctype="Property Owner", name=self.owner.name, fieldname="mobile", reason="轮换后核对"
		)
		self.assertEqual(response.json()["message"]["value"], self.mobile)

	def test_reads_work_during_a_rotation_with_either_key(self):
		from cryptography.fernet import Fernet

		current = frappe.conf.encryption_key
		cipher = protected_fields.encrypt_value("13812345678", current)
		frappe.local.conf[protected_fields.PREVIOUS_KEY] = current
		frappe.local.conf.encryption_key = Fernet.generate_key().decode()
		try:
			self.assertEqual(protected_fields.decrypt_value(cipher), "13812345678")
			self.assertEqual(len(protected_fields.hashes_of("13812345678")), 2)
		finally:
			frappe.local.conf.encryption_key = current
			frappe.local.conf.pop(protected_fields.PREVIOUS_KEY, None)
