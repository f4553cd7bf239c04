"""Complaints on a real site: the lifecycle per role, refused transitions, the reopen loop, acknowledgement,
ERPNext's SLA, the escalation ladder and the hotline deadline, return visits, auto-closing — and anonymity
over every read path a member of staff (or an attacker with their login) could use."""

import json
from datetime import datetime, timedelta

import frappe
from frappe.model.workflow import WorkflowTransitionError, apply_workflow, get_transitions
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_datetime, now_datetime

from property_crm.property_complaints import complaints
from property_crm.property_complaints.rules.complaint import ANONYMOUS
from property_crm.tests.factories import (
	SiteClient,
	act,
	forget_cached_email_accounts,
	make_complaint,
	make_estate,
	make_outgoing_email_account,
	make_place,
	make_user,
	unique,
)
from property_crm.tests.records import linked_doctypes

test_ignore = linked_doctypes("Complaint")

CS, TE, M, AC = (
	"Property Customer Service",
	"Property Technician",
	"Property Manager",
	"Property Accountant",
)


def as_user(user, function, *args, **kwargs):
	current = frappe.session.user
	frappe.set_user(user)
	try:
		return function(*args, **kwargs)
	finally:
		frappe.set_user(current)


class TestComplaintLifecycle(FrappeTestCase):
	def setUp(self):
		super().setUp()
		self.estate, self.unit, self.resident = make_place()
		self.cs = make_user([CS], [self.estate.name])
		self.cs2 = make_user([CS], [self.estate.name])
		self.manager = make_user([M], [self.estate.name])
		frappe.db.set_value("Property Estate", self.estate.name, "manager", self.manager)

	def test_whole_lifecycle_by_role(self):
		doc = as_user(self.cs, make_complaint, self.unit, self.resident, responsible_person=self.cs)
		self.assertTrue(doc.name.startswith(f"CMP-{datetime.now().year}-"))
		self.assertEqual(
			(doc.status, doc.estate, doc.building), ("Registered", self.estate.name, self.unit.building)
		)
		self.assertEqual((doc.severity, doc.priority, doc.responsible_department),
			("Medium", "Medium", "Customer Service"))  # fmt: skip
		self.assertEqual(doc.complainant_name, self.resident.full_name)
		self.assertTrue(doc.acknowledged_on, "acknowledged at registration")
		self.assertEqual(doc.service_level_agreement, "SLA-Complaint-Complaint Standard")
		self.assertTrue(doc.response_by and doc.sla_resolution_by)

		doc = act(doc, "Investigate", self.cs)
		self.assertTrue(doc.first_responded_on, "assessing it is the SLA's first response")
		with self.assertRaises(frappe.ValidationError) as refused:
			act(doc, "Resolve", self.cs)
		self.assertIn("Root Cause", str(refused.exception))
		self.assertEqual(frappe.db.get_value("Complaint", doc.name, "status"), "Investigating")

		doc = self._resolve(doc, self.cs)
		self.assertEqual(doc.status, "Resolved")
		self.assertTrue(doc.resolved_on)
		self.assertEqual(doc.agreement_status, "Fulfilled")
		visits = frappe.get_all("Return Visit", filters={"reference_doctype": "Complaint",
			"reference_name": doc.name}, fields=["visitor", "status", "unit"])  # fmt: skip
		self.assertEqual(len(visits), 1, "a return visit after every resolution")
		self.assertTrue(visits[0].visitor, "customer service of the estate makes it")
		self.assertNotEqual(visits[0].visitor, self.cs, "never the responsible person")
		self.assertIn(CS, frappe.get_roles(visits[0].visitor))

		with self.assertRaises(frappe.ValidationError) as refused:
			act(doc, "Close", self.cs)
		self.assertIn("Feedback", str(refused.exception))
		status = as_user(self.cs, complaints.record_feedback, doc.name, "Satisfied", "满意")
		self.assertEqual(status, "Closed")
		doc.reload()
		self.assertTrue(doc.closed_on and doc.feedback_on)
		self.assertEqual(
			frappe.db.get_value("Return Visit", {"reference_name": doc.name}, "status"), "Not Needed"
		)

	def _resolve(self, doc, user):
		doc = frappe.get_doc("Complaint", doc.name)
		doc.update({"findings": "门岗监控显示保安语气生硬", "root_cause": "Staff Conduct",
			"resolution": "已对当班保安批评教育并当面道歉", "corrective_action": "门岗服务礼仪培训"})  # fmt: skip
		as_user(user, doc.save)
		return act(doc, "Resolve", user)

	def test_refused_transitions_and_roles(self):
		doc = make_complaint(self.unit, self.resident)
		doc = act(doc, "Escalate", self.cs)
		self.assertEqual(
			as_user(self.cs, get_transitions, doc), [], "an escalated complaint is the manager's"
		)
		with self.assertRaises(WorkflowTransitionError):
			act(doc, "Investigate", self.cs)
		doc = act(doc, "Investigate", self.manager)
		doc = self._resolve(doc, self.cs)
		doc = act(doc, "Reopen", self.cs)
		doc = self._resolve(act(doc, "Investigate", self.cs), self.cs)
		as_user(self.cs, complaints.record_feedback, doc.name, "Satisfied")
		closed = frappe.get_doc("Complaint", doc.name)
		self.assertEqual(closed.status, "Closed")
		with self.assertRaises(WorkflowTransitionError):
			act(closed, "Reopen", self.cs)  # only a manager reopens a closed complaint
		withdrawn = act(make_complaint(self.unit, self.resident), "Withdraw", self.cs)
		self.assertEqual(as_user(self.manager, get_transitions, withdrawn), [], "withdrawn is final")

	def test_reopen_loop_by_feedback_and_by_return_visit(self):
		doc = self._resolve(act(make_complaint(self.unit, self.resident), "Investigate", self.cs), self.cs)
		self.assertEqual(complaints.record_feedback(doc.name, "Not Satisfied", "还是很吵"), "Reopened")
		doc.reload()
		self.assertEqual((doc.status, doc.reopen_count, doc.feedback), ("Reopened", 1, "Not Satisfied"))
		doc = self._resolve(act(doc, "Investigate", self.cs), self.cs)
		self.assertFalse(doc.feedback, "a new resolution waits for new feedback")
		visit = frappe.get_doc("Return Visit", {"reference_name": doc.name, "status": "Open"})
		visit.outcome, visit.notes = "Unsatisfied", "电话回访：仍不满意"
		visit.save()
		doc.reload()
		self.assertEqual((doc.status, doc.reopen_count), ("Reopened", 2))
		doc = self._resolve(act(doc, "Investigate", self.cs), self.cs)
		visit = frappe.get_doc("Return Visit", {"reference_name": doc.name, "status": "Open"})
		visit.outcome = "Satisfied"
		visit.save()
		self.assertEqual(frappe.db.get_value("Complaint", doc.name, "status"), "Closed")

	def test_feedback_only_on_a_resolved_complaint(self):
		doc = make_complaint(self.unit, self.resident)
		with self.assertRaises(frappe.ValidationError):
			complaints.record_feedback(doc.name, "Satisfied")
		with self.assertRaises(frappe.ValidationError):
			complaints.record_feedback(doc.name, "Great")

	def test_hotline_case(self):
		with self.assertRaises(frappe.ValidationError) as refused:
			make_complaint(self.unit, self.resident, channel="12345 Hotline")
		self.assertIn("External Reference", str(refused.exception))
		doc = make_complaint(self.unit, self.resident, channel="12345 Hotline", external_reference="GD2026-1188",
			hotline_reply_deadline=now_datetime() + timedelta(days=3))  # fmt: skip
		doc = self._resolve(act(doc, "Investigate", self.cs), self.cs)
		doc = frappe.get_doc("Complaint", doc.name)
		doc.feedback = "Satisfied"
		doc.save()
		with self.assertRaises(frappe.ValidationError) as refused:
			act(doc, "Close", self.cs)
		self.assertIn("hotline", str(refused.exception).lower())
		doc.reload()
		doc.hotline_reply = "已回复12345：已整改并向业主道歉"
		doc.save()
		self.assertTrue(doc.hotline_replied_on, "stamped when the reply is recorded")
		self.assertEqual(act(doc, "Close", self.cs).status, "Closed")

	def test_auto_close_after_the_waiting_days(self):
		frappe.db.set_single_value("Property CRM Settings", "complaint_close_days", 7)
		frappe.clear_document_cache("Property CRM Settings", "Property CRM Settings")
		quiet = self._resolve(act(make_complaint(self.unit, self.resident), "Investigate", self.cs), self.cs)
		hotline = make_complaint(self.unit, self.resident, channel="12345 Hotline", external_reference="GD-1",
			hotline_reply_deadline=now_datetime() + timedelta(days=3))  # fmt: skip
		hotline = self._resolve(act(hotline, "Investigate", self.cs), self.cs)
		recent = self._resolve(act(make_complaint(self.unit, self.resident), "Investigate", self.cs), self.cs)
		for doc in (quiet, hotline):
			frappe.db.set_value("Complaint", doc.name, "resolved_on", now_datetime() - timedelta(days=8))
		complaints.auto_close_silent()
		status = {
			d.name: frappe.db.get_value("Complaint", d.name, "status") for d in (quiet, hotline, recent)
		}
		self.assertEqual(status, {quiet.name: "Closed", hotline.name: "Resolved", recent.name: "Resolved"})

	def test_repeats_are_linked_and_counted(self):
		first = make_complaint(self.unit, self.resident)
		second = make_complaint(self.unit, self.resident, complaint_category="Noise")
		third = make_complaint(self.unit, self.resident)
		self.assertEqual((second.repeat_of, second.repeat_count), (first.name, 1))
		self.assertEqual((third.repeat_of, third.repeat_count), (second.name, 2))
		# an anonymous complaint keeps its repeat on the identity; a later named one never points at it
		hidden = make_complaint(self.unit, self.resident, is_anonymous=1)
		hidden.reload()
		self.assertEqual((hidden.repeat_of, hidden.repeat_count), (None, 0))
		self.assertEqual(frappe.db.get_value("Complaint Identity", hidden.identity, "repeat_of"), third.name)
		fourth = make_complaint(self.unit, self.resident)
		self.assertEqual((fourth.repeat_of, fourth.repeat_count), (third.name, 3))

	def test_category_targets_and_severity_in_erpnext_sla(self):
		category = frappe.get_doc({"doctype": "Complaint Category", "category_name": unique("电梯困人"),
			"default_severity": "High", "response_hours": 1, "resolution_hours": 8}).insert()  # fmt: skip
		category.reload()
		self.assertEqual(category.service_level_agreement, f"SLA-Complaint-Complaint - {category.name}")
		start = datetime(2026, 6, 8, 9, 0)  # a Monday, within service hours
		with self.freeze_time(start):
			high = make_complaint(self.unit, self.resident, complaint_category=category.name)
			critical = make_complaint(self.unit, self.resident, complaint_category=category.name,
				severity="Critical")  # fmt: skip
		self.assertEqual(high.service_level_agreement, category.service_level_agreement)
		self.assertEqual((high.severity, high.priority), ("High", "High"))
		self.assertEqual(critical.priority, "Urgent")
		# Medium 8 h → High 8 × 48/72 h; Critical 8 × 24/72 h, in service hours (08:30–17:30)
		self.assertEqual(get_datetime(critical.sla_resolution_by), start + timedelta(hours=8 / 3))
		self.assertLess(get_datetime(critical.response_by), get_datetime(high.response_by))

	def test_escalation_ladder_and_hotline_deadline(self):
		start = datetime(2026, 6, 8, 9, 0)
		with self.freeze_time(start):
			doc = make_complaint(self.unit, self.resident, severity="Critical", channel="12345 Hotline",
				external_reference="GD-9", hotline_reply_deadline=start + timedelta(hours=6))  # fmt: skip
		due = get_datetime(doc.sla_resolution_by)  # 24 h of service time later
		with self.freeze_time(start + timedelta(hours=5)):  # 83 % of the hotline's time used
			complaints.escalate()
		row = frappe.db.get_value("Complaint", doc.name, ["escalation_level", "hotline_escalation_level",
			"status"], as_dict=True)  # fmt: skip
		self.assertEqual(
			(row.escalation_level, row.hotline_escalation_level, row.status), (0, 1, "Registered")
		)
		with self.freeze_time(start + timedelta(hours=10, minutes=1)):  # hotline overdue by more than 4 h
			complaints.escalate()
		row = frappe.db.get_value("Complaint", doc.name, ["hotline_escalation_level", "status"], as_dict=True)
		self.assertEqual((row.hotline_escalation_level, row.status), (2, "Escalated"))
		with self.freeze_time(due + timedelta(hours=4, minutes=1)):
			complaints.escalate()
		self.assertEqual(frappe.db.get_value("Complaint", doc.name, "escalation_level"), 2)
		alerts = frappe.get_all("Notification Log", filters={"for_user": self.manager,
			"document_name": doc.name, "subject": ("like", "%Escalation%")})  # fmt: skip
		self.assertGreaterEqual(len(alerts), 3)


class TestAcknowledgement(FrappeTestCase):
	def tearDown(self):
		# the outgoing account made in setUp must never reach a later commit (other modules expect none)
		frappe.db.rollback()
		super().tearDown()

	def setUp(self):
		super().setUp()
		make_outgoing_email_account()
		forget_cached_email_accounts()
		self.estate, self.unit, self.resident = make_place()
		frappe.db.set_value("Property Owner", self.resident.name, "preferred_channel", "Email")

	@staticmethod
	def mails(_self, doctype, name):
		queue = frappe.qb.DocType("Email Queue")
		recipient = frappe.qb.DocType("Email Queue Recipient")
		return (
			frappe.qb.from_(queue).join(recipient).on(recipient.parent == queue.name)
			.select(recipient.recipient, queue.message)
			.where((queue.reference_doctype == doctype) & (queue.reference_name == name))
			.run(as_dict=True)
		)  # fmt: skip

	def test_the_complainant_gets_the_reference_at_once(self):
		doc = make_complaint(self.unit, self.resident)
		self.assertEqual(doc.acknowledged_via, "Email")
		mails = [m for m in self.mails(None, "Complaint", doc.name) if m.recipient == self.resident.email]
		self.assertEqual(len(mails), 1)
		self.assertIn(doc.name, mails[0].message)

	def test_an_anonymous_complainant_too_without_a_trace_on_the_complaint(self):
		doc = make_complaint(self.unit, self.resident, is_anonymous=1)
		doc.reload()
		self.assertEqual(frappe.db.get_value("Complaint Identity", doc.identity, "acknowledged_via"), "Email")
		mails = self.mails(None, "Complaint Identity", doc.identity)
		self.assertEqual({m.recipient for m in mails}, {self.resident.email})
		self.assertIn(doc.name, mails[0].message)
		on_complaint = self.mails(None, "Complaint", doc.name)
		self.assertNotIn(self.resident.email, {m.recipient for m in on_complaint})
		communications = frappe.get_all("Communication", filters={"reference_doctype": "Complaint",
			"reference_name": doc.name}, fields=["recipients", "content"])  # fmt: skip
		for communication in communications:
			self.assertNotIn(self.resident.email, communication.recipients or "")
			self.assertNotIn(self.resident.full_name, communication.content or "")


class TestAnonymity(FrappeTestCase):
	"""Customer service sees 匿名 everywhere; the manager sees who filed it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.email = cls.resident.email
		cls.cs = make_user([CS], [cls.estate.name])
		cls.manager = make_user([M], [cls.estate.name])
		cls.far_cs = make_user([CS], [make_estate().name])
		cls.tech = make_user([TE], [cls.estate.name])
		cls.accountant = make_user([AC], [cls.estate.name])
		cls.doc = make_complaint(cls.unit, cls.resident, is_anonymous=1, subject="楼下夜间施工噪音",
			description="<p>每晚十一点后仍在施工</p>")  # fmt: skip
		cls.doc.reload()
		cls.named = make_complaint(cls.unit, cls.resident)
		cls.secrets = (
			cls.resident.full_name,
			cls.resident.mobile,
			cls.email,
			cls.unit.name,
			cls.resident.name,
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		for name in (cls.doc.name, cls.named.name):
			frappe.db.delete("Complaint Identity", {"complaint": name})
			frappe.db.delete("Return Visit", {"reference_name": name})
			frappe.db.delete("Complaint", name)
		frappe.db.commit()
		super().tearDownClass()

	def assertNothingOf(self, text: str, where: str):
		for secret in self.secrets:
			for form in {secret, json.dumps(secret)[1:-1]}:  # as it is, and as JSON writes it (\\u5f20…)
				self.assertNotIn(form, text, f"{where} shows {secret}")

	def test_the_complaint_row_holds_no_identity(self):
		row = frappe.db.get_value("Complaint", self.doc.name, "*", as_dict=True)
		self.assertEqual(row.complainant_name, ANONYMOUS)
		self.assertNothingOf(json.dumps(row, default=str, ensure_ascii=False), "the table row")
		identity = frappe.get_doc("Complaint Identity", self.doc.identity)
		self.assertEqual((identity.complainant, identity.unit, identity.contact_mobile),
			(self.resident.name, self.unit.name, self.resident.mobile))  # fmt: skip
		self.assertEqual(self.doc.estate, self.estate.name, "the estate stays: it decides who handles it")
		self.assertIsNone(row.building, "a one-unit building would name the household")

	def test_customer_service_reads_anonymous_over_every_path(self):
		client = SiteClient(self.cs)
		name = self.doc.name
		responses = {
			"form": client.get(
				"/api/method/frappe.desk.form.load.getdoc", {"doctype": "Complaint", "name": name}
			),
			"rest": client.get(f"/api/resource/Complaint/{name}"),
			"rest list": client.get(
				"/api/resource/Complaint", {"fields": '["*"]', "filters": json.dumps([["name", "=", name]])}
			),
			"client.get": client.get("/api/method/frappe.client.get", {"doctype": "Complaint", "name": name}),
			"client.get_list": client.get(
				"/api/method/frappe.client.get_list",
				{"doctype": "Complaint", "fields": '["*"]', "filters": json.dumps({"name": name})},
			),
			"client.get_value": client.get(
				"/api/method/frappe.client.get_value",
				{
					"doctype": "Complaint",
					"filters": json.dumps({"name": name}),
					"fieldname": '["complainant", "complainant_name", "unit", "contact_mobile", "owner"]',
				},
			),
			"report view": client.post(
				"/api/method/frappe.desk.reportview.get",
				{
					"doctype": "Complaint",
					"fields": json.dumps(
						[
							"`tabComplaint`.`name`",
							"`tabComplaint`.`complainant_name`",
							"`tabComplaint`.`unit`",
							"`tabComplaint`.`contact_mobile`",
							"`tabComplaint`.`owner`",
						]
					),
					"filters": json.dumps([["Complaint", "name", "=", name]]),
				},
			),
			"link search": client.get(
				"/api/method/frappe.desk.search.search_link",
				{"doctype": "Complaint", "txt": self.resident.full_name},
			),
			"print": client.get("/printview", {"doctype": "Complaint", "name": name}),
		}
		for where, response in responses.items():
			self.assertEqual(response.status_code, 200, f"{where}: {response.text[:300]}")
			text = response.get_data(as_text=True)
			self.assertNothingOf(text, where)
		self.assertEqual(responses["rest"].json["data"]["complainant_name"], ANONYMOUS)
		self.assertIn(name, responses["rest list"].get_data(as_text=True))
		self.assertIn("楼下夜间施工噪音", responses["print"].get_data(as_text=True))
		self.assertIn(
			"pcrm-complaint", responses["print"].get_data(as_text=True), "the Complaint Record format"
		)
		# the named complaint is theirs to read in full
		named = client.get(f"/api/resource/Complaint/{self.named.name}").json["data"]
		self.assertEqual(
			(named["complainant_name"], named["unit"]), (self.resident.full_name, self.unit.name)
		)

	def test_export_and_report_builder(self):
		client = SiteClient(self.cs)
		export = client.post("/api/method/frappe.desk.reportview.export_query", {"doctype": "Complaint",
			"file_format_type": "CSV", "fields": json.dumps(["`tabComplaint`.`name`",
				"`tabComplaint`.`complainant_name`", "`tabComplaint`.`unit`", "`tabComplaint`.`owner`"]),
			"filters": json.dumps([["Complaint", "name", "=", self.doc.name]])})  # fmt: skip
		# customer service has no export right; whatever comes back holds nobody
		self.assertNothingOf(export.get_data(as_text=True), "export")
		manager_export = SiteClient(self.manager).post("/api/method/frappe.desk.reportview.export_query",
			{"doctype": "Complaint", "file_format_type": "CSV", "fields": json.dumps(["`tabComplaint`.`name`",
				"`tabComplaint`.`complainant_name`", "`tabComplaint`.`unit`"]),
			"filters": json.dumps([["Complaint", "name", "=", self.doc.name]])})  # fmt: skip
		self.assertEqual(manager_export.status_code, 200)
		self.assertIn(self.doc.name, manager_export.get_data(as_text=True))
		self.assertNothingOf(manager_export.get_data(as_text=True), "the manager's export of the complaint")

	def test_link_search_keeps_to_the_estate_even_when_asked_to_ignore_user_permissions(self):
		doc = self.named  # committed by setUpClass, with no e-mail account (other modules' tests expect none)
		client = SiteClient(self.far_cs)
		for extra in ({}, {"ignore_user_permissions": 1}):
			found = client.get("/api/method/frappe.desk.search.search_link",
				{"doctype": "Complaint", "txt": doc.subject, **extra})  # fmt: skip
			self.assertEqual(found.status_code, 200, found.text)
			self.assertNotIn(doc.name, found.get_data(as_text=True), extra)
		mine = SiteClient(self.cs).get("/api/method/frappe.desk.search.search_link",
			{"doctype": "Complaint", "txt": doc.subject})  # fmt: skip
		self.assertIn(doc.name, mine.get_data(as_text=True))

	def test_technicians_and_accountants_have_no_complaints(self):
		for user in (self.tech, self.accountant):
			client = SiteClient(user)
			self.assertEqual(client.get(f"/api/resource/Complaint/{self.named.name}").status_code, 403, user)
			self.assertEqual(client.get("/api/resource/Complaint").status_code, 403, user)

	def test_the_identity_record_is_the_managers_alone(self):
		cs, manager, far = SiteClient(self.cs), SiteClient(self.manager), SiteClient(self.far_cs)
		self.assertEqual(cs.get(f"/api/resource/Complaint Identity/{self.doc.identity}").status_code, 403)
		self.assertEqual(cs.get("/api/resource/Complaint Identity").status_code, 403)
		search = cs.get("/api/method/frappe.desk.search.search_link", {"doctype": "Complaint Identity",
			"txt": self.resident.full_name})  # fmt: skip
		self.assertNothingOf(search.get_data(as_text=True), "identity link search")
		method = "/api/method/property_crm.property_complaints.complaints.confidential_identity"
		self.assertEqual(cs.get(method, {"complaint": self.doc.name}).status_code, 403)
		who = manager.get(method, {"complaint": self.doc.name})
		self.assertEqual(who.status_code, 200, who.text)
		self.assertEqual(who.json["message"]["complainant_name"], self.resident.full_name)
		self.assertEqual(
			manager.get(f"/api/resource/Complaint Identity/{self.doc.identity}").status_code, 200
		)
		# another estate's clerk sees neither complaint
		self.assertEqual(far.get(f"/api/resource/Complaint/{self.doc.name}").status_code, 403)
		self.assertEqual(far.get(f"/api/resource/Complaint/{self.named.name}").status_code, 403)

	def test_notification_text_and_history(self):
		text = frappe.render_template(frappe.get_doc("Notification", "New Complaint").message,
			{"doc": frappe.get_doc("Complaint", self.doc.name)})  # fmt: skip
		self.assertIn(ANONYMOUS, text)
		self.assertNothingOf(text, "the New Complaint notification")
		doc = frappe.get_doc("Complaint", self.doc.name)
		doc.findings = "施工方为三楼装修"
		doc.save()
		versions = frappe.get_all("Version", filters={"ref_doctype": "Complaint", "docname": doc.name},
			pluck="data")  # fmt: skip
		self.assertTrue(versions)
		self.assertNothingOf(" ".join(versions), "the version history")

	def test_staff_cannot_put_a_name_on_an_anonymous_complaint(self):
		doc = frappe.get_doc("Complaint", self.doc.name)
		doc.complainant = self.resident.name
		with self.assertRaises(frappe.ValidationError):
			doc.save()
		frappe.db.rollback()
		doc = frappe.get_doc("Complaint", self.doc.name)
		doc.is_anonymous = 0
		with self.assertRaises(frappe.ValidationError):
			doc.save()  # set only once


class TestAnonymousReturnVisit(FrappeTestCase):
	def test_only_a_manager_calls_back_an_anonymous_complainant(self):
		estate, unit, resident = make_place()
		make_user([CS], [estate.name])
		manager = make_user([M], [estate.name])
		frappe.db.set_value("Property Estate", estate.name, "manager", manager)
		doc = make_complaint(unit, resident, is_anonymous=1)
		doc = act(doc, "Investigate")
		doc = frappe.get_doc("Complaint", doc.name)
		doc.update({"root_cause": "Neighbour", "resolution": "已协调楼下住户"})
		doc.save()
		act(doc, "Resolve")
		visit = frappe.get_all(
			"Return Visit", filters={"reference_name": doc.name}, fields=["visitor", "unit"]
		)
		self.assertEqual(len(visit), 1)
		self.assertEqual(visit[0].visitor, manager)
		self.assertIsNone(visit[0].unit, "the visit names no unit either")
		self.assertEqual(
			frappe.db.get_value("Complaint Identity", doc.identity, "complaint_status"), "Resolved"
		)


class TestComplaintNotifications(FrappeTestCase):
	def tearDown(self):
		# the outgoing account made in setUp must never reach a later commit (other modules expect none)
		frappe.db.rollback()
		super().tearDown()

	def setUp(self):
		super().setUp()
		make_outgoing_email_account()
		forget_cached_email_accounts()
		self.estate, self.unit, self.resident = make_place()
		frappe.db.set_value("Property Owner", self.resident.name, "preferred_channel", "Email")
		self.cs = make_user([CS], [self.estate.name])
		self.far_cs = make_user([CS], [make_estate().name])
		self.handler = make_user([CS], [self.estate.name])

	def recipients(self, name, doctype="Complaint"):
		return {
			row.recipient: row.message
			for row in TestAcknowledgement.mails(None, doctype, name)  # the same query
		}

	def test_registered_goes_to_the_estates_customer_service_and_the_responsible_person(self):
		doc = make_complaint(self.unit, self.resident, responsible_person=self.handler)
		alerted = set(frappe.get_all("Notification Log", filters={"document_type": "Complaint",
			"document_name": doc.name}, pluck="for_user"))  # fmt: skip
		self.assertIn(self.cs, alerted)
		self.assertIn(self.handler, alerted)
		self.assertNotIn(self.far_cs, alerted, "another estate's clerk hears nothing of it")
		mails = self.recipients(doc.name)
		self.assertIn(self.cs, mails)
		self.assertNotIn(self.far_cs, mails)

	def test_resolved_tells_the_complainant_with_the_feedback_link(self):
		doc = make_complaint(self.unit, self.resident)
		doc = act(doc, "Investigate")
		doc = frappe.get_doc("Complaint", doc.name)
		doc.update({"root_cause": "Process", "resolution": "已调整巡逻排班"})
		doc.save()
		act(doc, "Resolve")
		mails = self.recipients(doc.name)
		feedback_mails = [
			m for r, m in mails.items() if r == self.resident.email and "/property/complaints/" in m
		]
		self.assertEqual(len(feedback_mails), 1)
		self.assertIn(f"/property/complaints/{doc.name}", feedback_mails[0])

	def test_the_anonymous_complainant_hears_through_the_identity_only(self):
		doc = make_complaint(self.unit, self.resident, is_anonymous=1)
		doc.reload()
		doc = act(doc, "Investigate")
		doc = frappe.get_doc("Complaint", doc.name)
		doc.update({"root_cause": "Process", "resolution": "已调整巡逻排班"})
		doc.save()
		act(doc, "Resolve")
		on_identity = self.recipients(doc.identity, "Complaint Identity")
		self.assertIn(f"/property/complaints/{doc.name}", on_identity.get(self.resident.email, ""))
		self.assertNotIn(self.resident.email, self.recipients(doc.name))
