"""Breach register (Data Incident) over real HTTP: a manager records an incident, adds the affected residents
by a query (only files he may read), sends each a notice by their channel (one Communication per resident,
kept on the row; a second run sends nothing), and the workflow refuses a step that lacks what it needs.
Other staff get nothing."""

import json
import threading
from datetime import timedelta
from http.server import HTTPServer

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime, now_datetime

from property_crm.tests.factories import (
	make_building,
	make_estate,
	make_outgoing_email_account,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
	valid_mobile,
)
from property_crm.tests.served import HttpClient
from property_crm.tests.sms_gateway import SmsGatewayHandler as _Gateway

INCIDENT = "Data Incident"
RESOURCE = "/api/resource/Data%20Incident"
METHOD = "property_crm.property_privacy.incidents."


def notices(incident: str) -> list[frappe._dict]:
	return frappe.get_all(
		"Communication",
		filters={"reference_doctype": INCIDENT, "reference_name": incident},
		fields=["name", "communication_medium", "content", "subject"],
	)


class TestDataIncidents(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.here, cls.there = make_estate(), make_estate()
		building = make_building(cls.here.name, "1")
		cls.by_mail = make_owner(
			preferred_channel="Email", email=f"{unique('m').lower()}@example.com", language="en"
		)
		cls.sms_mobile = valid_mobile()
		cls.by_sms = make_owner(preferred_channel="SMS", mobile=cls.sms_mobile, language="zh")
		cls.by_phone = make_owner(preferred_channel="Phone", mobile=valid_mobile())
		make_unit(
			building,
			"101",
			floor=1,
			occupants=[occupant(cls.by_mail, primary_contact=1), occupant(cls.by_sms)],
		)
		make_unit(building, "102", floor=1, occupants=[occupant(cls.by_phone, primary_contact=1)])
		cls.elsewhere = make_owner(preferred_channel="Email", email=f"{unique('x').lower()}@example.com")
		make_unit(make_building(cls.there.name, "1"), "101", floor=1, occupants=[occupant(cls.elsewhere)])
		cls.manager = make_user(["Property Manager"], [cls.here.name])
		cls.clerk = make_user(["Property Customer Service"], [cls.here.name])
		cls.had_account = frappe.db.exists("Email Account", "Property CRM Test Outgoing")
		make_outgoing_email_account()
		cls.sms_before = frappe.get_doc("SMS Settings").as_dict()
		cls.gateway = HTTPServer(("127.0.0.1", 0), _Gateway)
		threading.Thread(target=cls.gateway.serve_forever, daemon=True).start()
		settings = frappe.get_doc("SMS Settings")
		settings.update(
			{
				"sms_gateway_url": f"http://127.0.0.1:{cls.gateway.server_port}/send",
				"message_parameter": "text",
				"receiver_parameter": "to",
				"use_post": 0,
			}
		)
		settings.save()
		frappe.db.commit()
		cls.http = HttpClient(cls.manager)

	@classmethod
	def tearDownClass(cls):
		cls.gateway.shutdown()
		cls.gateway.server_close()
		frappe.set_user("Administrator")
		# back as it was, empty included (an unconfigured SMS Settings does not pass its own mandatory check)
		frappe.db.set_single_value(
			"SMS Settings",
			{
				k: cls.sms_before.get(k)
				for k in ("sms_gateway_url", "message_parameter", "receiver_parameter", "use_post")
			},
		)
		if not cls.had_account:
			frappe.db.delete("Email Account", {"name": "Property CRM Test Outgoing"})
		frappe.db.commit()
		super().tearDownClass()

	def create(self, **fields) -> dict:
		found = now_datetime() - timedelta(hours=2)
		response = self.http.post(
			RESOURCE,
			json={
				"title": "导出文件外泄",
				"severity": "High",
				"estate": self.here.name,
				"found_on": str(found),
				"description": "A spreadsheet of residents was e-mailed to a wrong address.",
				"notice_summary": "一份住户名单被误发至外部邮箱，我们已要求对方删除。",
				"data_name": 1,
				"data_mobile": 1,
				"containment_steps": [
					{"step_time": str(found), "action_taken": "Asked the recipient to delete it"}
				],
			}
			| fields,
		)
		self.assertEqual(response.status_code, 200, response.text)
		return response.json()["data"]

	def act(self, name: str, action: str):
		doc = self.http.get(f"{RESOURCE}/{name}").json()["data"]
		return self.http.call("frappe.model.workflow.apply_workflow", doc=json.dumps(doc), action=action)

	def test_residents_by_query_notices_by_channel_once(self):
		doc = self.create()
		self.assertEqual(
			get_datetime(doc["regulator_deadline"]), get_datetime(doc["found_on"]) + timedelta(hours=72)
		)
		# an incident of his estate takes only its residents
		response = self.http.call(METHOD + "add_residents", incident=doc["name"], estate=self.there.name)
		self.assertEqual(response.status_code, 417, response.text)
		# on a company-wide incident, another estate's residents are not his, even when he asks for that estate
		wide = frappe.get_doc(
			{
				"doctype": INCIDENT,
				"title": "全公司数据库备份外泄",
				"found_on": now_datetime(),
				"description": "x",
			}
		).insert()
		frappe.db.commit()
		wide = {"name": wide.name}
		response = self.http.call(METHOD + "add_residents", incident=wide["name"], estate=self.there.name)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json()["message"]["added"], 0)
		# no filter: all the files he may read
		response = self.http.call(METHOD + "add_residents", incident=wide["name"])
		self.assertEqual(response.status_code, 200, response.text)
		wide_rows = frappe.get_all(
			"Data Incident Resident", filters={"parent": wide["name"]}, pluck="resident"
		)
		self.assertNotIn(self.elsewhere.name, wide_rows)
		self.assertTrue({self.by_mail.name, self.by_sms.name, self.by_phone.name} <= set(wide_rows))
		response = self.http.call(METHOD + "add_residents", incident=doc["name"])
		self.assertEqual(response.status_code, 200, response.text)
		rows = frappe.get_all("Data Incident Resident", filters={"parent": doc["name"]}, pluck="resident")
		self.assertNotIn(self.elsewhere.name, rows)
		self.assertTrue({self.by_mail.name, self.by_sms.name, self.by_phone.name} <= set(rows))
		# a unit's residents only
		second = self.create()
		unit = frappe.db.get_value("Property Unit Occupant", {"resident": self.by_phone.name}, "parent")
		response = self.http.call(METHOD + "add_residents", incident=second["name"], unit=unit)
		self.assertEqual(response.json()["message"]["added"], 1, response.text)

		# now only the three of this estate, to count notices exactly
		frappe.db.delete("Data Incident Resident", {"parent": doc["name"], "resident": ("not in", [
			self.by_mail.name, self.by_sms.name, self.by_phone.name])})  # fmt: skip
		frappe.db.commit()
		_Gateway.received.clear()
		response = self.http.call(METHOD + "send_notices", incident=doc["name"])
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			response.json()["message"], {"sent": 2, "tasks": 1, "unreachable": 0, "queued": False}
		)
		sent = notices(doc["name"])
		self.assertEqual(len(sent), 3)
		self.assertEqual(sorted(c.communication_medium for c in sent), ["Email", "Phone", "SMS"])
		rows = {
			r.resident: r
			for r in frappe.get_all("Data Incident Resident", filters={"parent": doc["name"]}, fields=["*"])
		}
		self.assertEqual(rows[self.by_mail.name].notice_status, "Sent")
		self.assertEqual(rows[self.by_sms.name].notice_status, "Sent")
		self.assertEqual(rows[self.by_phone.name].notice_status, "Call Task")
		self.assertEqual({r.communication for r in rows.values()}, {c.name for c in sent})
		# each notice is in the resident file's timeline too
		for resident, row in rows.items():
			self.assertTrue(
				frappe.db.exists(
					"Communication Link",
					{"parent": row.communication, "link_doctype": "Property Owner", "link_name": resident},
				)
			)
		# by e-mail, in the resident's language; by SMS to the full number, in Chinese
		mail = next(c for c in sent if c.communication_medium == "Email")
		self.assertIn("Dear", mail.content)
		self.assertTrue(
			frappe.db.exists(
				"Email Queue Recipient",
				{
					"recipient": self.by_mail.email,
					"parent": (
						"in",
						frappe.get_all("Email Queue", {"communication": mail.name}, pluck="name"),
					),
				},
			)
		)
		self.assertEqual(
			[m["to"] for m in _Gateway.received], [self.sms_mobile], "the full number, not the masked one"
		)
		self.assertIn("数据安全事件", _Gateway.received[0]["text"])
		self.assertTrue(frappe.db.exists("ToDo", {"reference_type": INCIDENT, "reference_name": doc["name"]}))

		# a second run sends nothing twice
		response = self.http.call(METHOD + "send_notices", incident=doc["name"])
		self.assertEqual(response.json()["message"], {"sent": 0, "pending": 0, "queued": False})
		self.assertEqual(len(notices(doc["name"])), 3)
		self.assertEqual(len(_Gateway.received), 1)

		# the workflow: residents notified only when everyone has a notice or a reason
		self.assertEqual(self.act(doc["name"], "Contain").status_code, 200)
		response = self.act(doc["name"], "Notify Residents")
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn(self.by_phone.name, response.text)
		current = self.http.get(f"{RESOURCE}/{doc['name']}").json()["data"]
		for row in current["residents"]:
			if row["resident"] == self.by_phone.name:
				row["reason"] = "已电话告知本人"
		self.assertEqual(self.http.request("PUT", f"{RESOURCE}/{doc['name']}", json=current).status_code, 200)
		self.assertEqual(self.act(doc["name"], "Notify Residents").status_code, 200)
		self.assertEqual(self.act(doc["name"], "Report to Regulator").status_code, 417)
		self.http.request("PUT", f"{RESOURCE}/{doc['name']}", json={"regulator_reported_on": str(now_datetime()),
			"regulator_reference": "GA-2026-001"})  # fmt: skip
		self.assertEqual(self.act(doc["name"], "Report to Regulator").status_code, 200)
		# closing needs the lessons learned
		response = self.act(doc["name"], "Close")
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("lessons learned", response.text)
		self.http.request(
			"PUT", f"{RESOURCE}/{doc['name']}", json={"lessons_learned": "只按需导出，导出须审批。"}
		)
		self.assertEqual(self.act(doc["name"], "Close").status_code, 200)
		closed = frappe.db.get_value(INCIDENT, doc["name"], ["status", "closed_on"], as_dict=True)
		self.assertEqual(closed.status, "Closed")
		self.assertTrue(closed.closed_on)
		# proof stays: no deletion, no more residents
		self.assertEqual(self.http.request("DELETE", f"{RESOURCE}/{doc['name']}").status_code, 403)
		self.assertEqual(self.http.call(METHOD + "add_residents", incident=doc["name"]).status_code, 417)

	def test_notice_fields_are_not_forged_and_steps_not_skipped(self):
		doc = self.create()
		self.http.call(METHOD + "add_residents", incident=doc["name"], estate=self.here.name)
		current = self.http.get(f"{RESOURCE}/{doc['name']}").json()["data"]
		for row in current["residents"]:
			row["notice_status"] = "Sent"
		response = self.http.request("PUT", f"{RESOURCE}/{doc['name']}", json=current)
		self.assertEqual(response.status_code, 403, response.text)
		self.assertEqual(
			set(frappe.get_all("Data Incident Resident", {"parent": doc["name"]}, pluck="notice_status")),
			{"Pending"},
		)
		# nor a file he may not read, named by hand
		response = self.http.request(
			"PUT",
			f"{RESOURCE}/{doc['name']}",
			json={"residents": current["residents"] + [{"resident": self.elsewhere.name}]},
		)
		self.assertEqual(response.status_code, 403, response.text)
		self.assertNotIn(self.elsewhere.full_name, response.text)
		# a new row may not arrive already "sent" either
		response = self.http.request("PUT", f"{RESOURCE}/{doc['name']}", json={"residents": current["residents"]
			+ [{"resident": self.elsewhere.name, "notice_status": "Sent"}]})  # fmt: skip
		self.assertIn(response.status_code, (403, 417), response.text)
		# bad input: 4xx, never a 500
		self.assertEqual(self.http.call(METHOD + "add_residents").status_code, 404)
		self.assertEqual(self.http.call(METHOD + "send_notices", incident="DI-1999-0001").status_code, 404)
		response = self.http.call(METHOD + "add_residents", incident=doc["name"], created_from="not a date")
		self.assertEqual(response.status_code, 417, response.text)
		response = self.http.call(
			METHOD + "add_residents", incident=doc["name"], created_from="2026-12-01", created_to="2026-01-01"
		)
		self.assertEqual(response.status_code, 417, response.text)
		# the status moves only by the workflow's steps
		response = self.http.request("PUT", f"{RESOURCE}/{doc['name']}", json={"status": "Closed"})
		self.assertEqual(response.status_code, 417, response.text)
		self.assertEqual(frappe.db.get_value(INCIDENT, doc["name"], "status"), "Reported")

	def test_other_staff_get_nothing(self):
		doc = self.create()
		clerk = HttpClient(self.clerk)
		self.assertEqual(clerk.get(RESOURCE).status_code, 403)
		self.assertEqual(clerk.get(f"{RESOURCE}/{doc['name']}").status_code, 403)
		self.assertEqual(clerk.post(RESOURCE, json={"title": "x", "found_on": str(now_datetime()),
			"description": "x"}).status_code, 403)  # fmt: skip
		for method in ("add_residents", "send_notices"):
			response = clerk.call(METHOD + method, incident=doc["name"])
			self.assertEqual(response.status_code, 403, response.text)
		self.assertFalse(frappe.get_all("Data Incident Resident", {"parent": doc["name"]}))
		response = clerk.post(
			"/api/method/frappe.desk.reportview.get", data={"doctype": INCIDENT, "fields": '["name"]'}
		)
		self.assertEqual(response.status_code, 403)

	def test_many_residents_run_in_the_background_once(self):
		from frappe.utils.background_jobs import get_job, is_job_enqueued

		from property_crm.property_privacy import incidents

		doc = frappe.get_doc(INCIDENT, self.create()["name"])
		for _i in range(incidents.INLINE_LIMIT + 1):
			doc.append("residents", {"resident": make_owner(preferred_channel="Phone").name})
		doc.save()
		frappe.db.commit()
		response = self.http.call(METHOD + "send_notices", incident=doc.name)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			response.json()["message"], {"sent": 0, "pending": incidents.INLINE_LIMIT + 1, "queued": True}
		)
		job_id = f"data_incident_notices::{doc.name}"
		self.assertTrue(is_job_enqueued(job_id))
		self.assertFalse(notices(doc.name), "nothing sent by the request itself")
		try:
			# a second click while the job waits queues nothing more
			self.assertEqual(self.http.call(METHOD + "send_notices", incident=doc.name).status_code, 200)
			# the worker's part, as the manager who asked
			frappe.set_user(self.manager)
			incidents.run_notices(doc.name, commit_each=True)
		finally:
			frappe.set_user("Administrator")
			get_job(job_id).delete()
		self.assertEqual(len(notices(doc.name)), incidents.INLINE_LIMIT + 1)
		self.assertEqual(
			set(frappe.get_all("Data Incident Resident", {"parent": doc.name}, pluck="notice_status")),
			{"Call Task"},
		)
		response = self.http.call(METHOD + "send_notices", incident=doc.name)
		self.assertEqual(response.json()["message"], {"sent": 0, "pending": 0, "queued": False})
