"""Nothing of an anonymous complainant reaches anyone below Property Manager — tried as a clerk (customer
service, reading the shared inbox) over real HTTP: the Complaint Analysis report, the complaint and its
Communications, Versions and Comments through REST, Report Builder group-by counts, link search and the
resident's own file (its timeline). The complainant's reply to the acknowledgement comes in through Frappe's
incoming-mail path (InboundMail) as a mail client sends it (In-Reply-To). A manager still reads who it was."""

import json
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import frappe
from frappe.email.receive import InboundMail
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.property_households.accounts import ensure_contact
from property_crm.tests.factories import (
	forget_cached_email_accounts,
	make_building,
	make_complaint,
	make_estate,
	make_outgoing_email_account,
	make_owner,
	make_unit,
	make_user,
	occupant,
	unique,
	without_committed_outgoing_account,
)
from property_crm.tests.served import HttpClient

CS = "Property Customer Service"
MANAGER = "Property Manager"


def shared_inbox() -> str:
	"""The estate office's shared mailbox (incoming; appends to Service Order, as the README sets it up)."""
	email = f"{unique('office').lower()}@property-crm.invalid"
	return (
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": f"Office {email}",
				"email_id": email,
				"enable_incoming": 1,
				"use_imap": 0,
				"append_to": "Service Order",
				"password": "not-used",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def reply(sender: str, to: str, subject: str, in_reply_to: str | None) -> bytes:
	message = EmailMessage()
	message["From"] = sender
	message["To"] = to
	message["Subject"] = f"Re: {subject}"
	message["Date"] = format_datetime(now_datetime().astimezone())
	message["Message-ID"] = make_msgid(domain="mail.example.com")
	if in_reply_to:
		message["In-Reply-To"] = in_reply_to
		message["References"] = in_reply_to
	message.set_content("我就是住在楼上的那个人，晚上十一点以后还在装修，请尽快处理。")
	return message.as_bytes()


class TestAnonymity(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.category = "Service Attitude"
		cls.estate = make_estate()
		building = make_building(cls.estate.name, "1")
		cls.email = f"{unique('anon').lower()}@example.com"
		cls.resident = make_owner(email=cls.email, preferred_channel="Email")
		cls.unit = make_unit(building, "601", floor=6, occupants=[occupant(cls.resident)])
		# the resident's Contact, linked to their file (what becoming an ERPNext Customer makes)
		ensure_contact(cls.resident)
		cls.inbox = shared_inbox()
		cls.clerk = make_user([CS])
		clerk = frappe.get_doc("User", cls.clerk)
		clerk.append("user_emails", {"email_account": cls.inbox})
		clerk.save(ignore_permissions=True)
		cls.manager = make_user([MANAGER])

		make_outgoing_email_account()
		forget_cached_email_accounts()
		# the resident complained once by name (by phone) and, a week later, anonymously
		cls.named = make_complaint(cls.unit, cls.resident, category=cls.category)
		cls.anonymous = make_complaint(cls.unit, cls.resident, category=cls.category, is_anonymous=1)
		cls.anonymous.reload()
		# four neighbours complained too: five complaints in the estate and category
		for number in ("602", "603", "604", "605"):
			neighbour = make_owner()
			make_complaint(
				make_unit(building, number, floor=6, occupants=[occupant(neighbour)]),
				neighbour,
				category=cls.category,
			)
		# elsewhere, a small group: another resident's named and anonymous complaints, nobody else's
		cls.small_estate = make_estate()
		other = make_owner()
		small_unit = make_unit(make_building(cls.small_estate.name, "1"), "101", floor=1,
			occupants=[occupant(other)])  # fmt: skip
		make_complaint(small_unit, other, category=cls.category)
		make_complaint(small_unit, other, category=cls.category, is_anonymous=1)
		# the acknowledgement went out from the identity record; the complainant answers it from their mail
		queued = frappe.db.get_value(
			"Email Queue",
			{"reference_doctype": "Complaint Identity", "reference_name": cls.anonymous.identity},
			["message_id"],
			as_dict=True,
		)
		assert queued, "the anonymous complainant was acknowledged by e-mail"
		subject = frappe.db.get_value(
			"Communication", {"reference_doctype": "Complaint Identity",
				"reference_name": cls.anonymous.identity}, "subject"
		)  # fmt: skip
		account = frappe.get_doc("Email Account", cls.inbox)
		cls.reply = InboundMail(
			reply(cls.email, account.email_id, subject, queued.message_id), account, uid=None, seen_status=0
		).process()
		# … and once more from a mail client that lost the threading headers (only the subject is left)
		cls.unthreaded = InboundMail(
			reply(cls.email, account.email_id, subject, None), account, uid=None, seen_status=0
		).process()
		frappe.db.commit()
		without_committed_outgoing_account()
		cls.as_clerk = HttpClient(cls.clerk)
		cls.as_manager = HttpClient(cls.manager)

	def identifying(self) -> list[str]:
		return [self.email, self.resident.full_name, self.resident.name, self.resident.mobile, self.unit.name]

	def assertNothingOfTheComplainant(self, response, what: str):
		self.assertLess(response.status_code, 500, what)
		text = response.text
		for value in self.identifying():
			self.assertNotIn(value, text, f"{what}: {value}")

	def test_the_reply_is_threaded_onto_the_identity_only(self):
		reply = frappe.get_doc("Communication", self.reply.name)
		self.assertEqual((reply.reference_doctype, reply.reference_name),
			("Complaint Identity", self.anonymous.identity))  # fmt: skip
		self.assertEqual(reply.timeline_links, [], "not on the resident's file or Contact")
		self.assertFalse(reply.email_account, "not listed in the shared inbox")
		on_identity = frappe.get_all("Communication", filters={"reference_doctype": "Complaint Identity",
			"reference_name": self.anonymous.identity}, pluck="name")  # fmt: skip
		self.assertGreaterEqual(len(on_identity), 2, "the acknowledgement and the reply")
		self.assertFalse(frappe.db.exists("Communication Link", {"parent": ("in", on_identity)}))

	def test_an_unthreaded_reply_keeps_no_address_on_an_order(self):
		reply = frappe.get_doc("Communication", self.unthreaded.name)
		self.assertEqual((reply.reference_doctype, reply.reference_name),
			("Complaint Identity", self.anonymous.identity))  # fmt: skip
		self.assertEqual((reply.timeline_links, reply.email_account), ([], None))
		# Frappe made an e-mailed order of it (the inbox appends to Service Order): it keeps no address
		self.assertFalse(frappe.db.exists("Service Order", {"requester_email": self.email}))
		orders = self.as_clerk.get("/api/resource/Service Order", params={"fields": json.dumps(["*"]),
			"filters": json.dumps([["channel", "=", "Email"], ["creation", ">=", str(self.anonymous.creation)]]),
			"limit_page_length": 100})  # fmt: skip
		self.assertEqual(orders.status_code, 200)
		self.assertNothingOfTheComplainant(orders, "e-mailed orders")
		self.assertNotIn(self.anonymous.name, orders.text)
		for order in orders.json()["data"]:
			response = self.as_clerk.call("frappe.desk.form.load.getdoc", doctype="Service Order",
				name=order["name"])  # fmt: skip
			self.assertNothingOfTheComplainant(response, order["name"])
			self.assertNotIn(self.anonymous.name, response.text)

	def test_clerk_reads_nothing_of_the_complainant_through_rest(self):
		name = self.anonymous.name
		doc = self.as_clerk.get(f"/api/resource/Complaint/{name}")
		self.assertEqual(doc.status_code, 200)
		data = doc.json()["data"]
		self.assertEqual(data["complainant_name"], "匿名")
		self.assertIsNone(data.get("acknowledged_via"), "the channel narrows who it was")
		self.assertTrue(data["acknowledged_on"])
		self.assertNothingOfTheComplainant(doc, "GET Complaint")

		for path, params in (
			("/api/resource/Communication", {"filters": json.dumps([["sender", "like", f"%{self.email}%"]]),
				"fields": json.dumps(["name", "sender", "subject", "content"])}),
			("/api/resource/Communication", {"filters": json.dumps([["reference_name", "in",
				[name, self.anonymous.identity]]]), "fields": json.dumps(["*"])}),
			("/api/resource/Communication", {"fields": json.dumps(["name", "sender", "subject"]),
				"limit_page_length": 500, "order_by": "creation desc"}),
			("/api/resource/Version", {"filters": json.dumps([["docname", "in", [name,
				self.anonymous.identity]]]), "fields": json.dumps(["data", "ref_doctype"])}),
			("/api/resource/Comment", {"filters": json.dumps([["reference_name", "in", [name,
				self.anonymous.identity]]]), "fields": json.dumps(["content", "comment_email", "owner"])}),
			("/api/resource/Complaint", {"filters": json.dumps([["name", "=", name]]),
				"fields": json.dumps(["*"])}),
		):  # fmt: skip
			self.assertNothingOfTheComplainant(self.as_clerk.get(path, params=params), f"{path} {params}")

		self.assertEqual(self.as_clerk.get(f"/api/resource/Communication/{self.reply.name}").status_code, 403)
		self.assertEqual(
			self.as_clerk.get(f"/api/resource/Complaint Identity/{self.anonymous.identity}").status_code, 403
		)
		response = self.as_clerk.call("frappe.client.get_list", doctype="Communication",
			filters=json.dumps({"sender": self.email}), fields=json.dumps(["name"]))  # fmt: skip
		self.assertEqual(response.json().get("message", []), [])

	def test_the_residents_file_does_not_show_the_anonymous_messages(self):
		response = self.as_clerk.call(
			"frappe.desk.form.load.getdoc", doctype="Property Owner", name=self.resident.name
		)
		self.assertEqual(response.status_code, 200)
		docinfo = json.dumps(response.json().get("docinfo", {}), ensure_ascii=False)
		self.assertNotIn(self.anonymous.name, docinfo)
		self.assertNotIn("十一点以后还在装修", docinfo)

	def test_group_by_counts_tell_nothing(self):
		filters = json.dumps([["Complaint", "name", "=", self.anonymous.name]])
		for field in ("acknowledged_via", "owner", "complainant", "unit", "repeat_of"):
			response = self.as_clerk.call(
				"frappe.desk.listview.get_group_by_count", doctype="Complaint", current_filters=filters,
				field=field,
			)  # fmt: skip
			self.assertLess(response.status_code, 500)
			names = [row.get("name") for row in response.json().get("message", [])]
			self.assertTrue(all(n in (None, "", "Administrator", self.anonymous.owner) for n in names), names)
			self.assertNotIn("Email", names, field)
		response = self.as_clerk.call("frappe.desk.reportview.get", doctype="Complaint",
			fields=json.dumps(["acknowledged_via", "count(name) as n"]), group_by="acknowledged_via",
			filters=json.dumps([["name", "in", [self.anonymous.name]]]))  # fmt: skip
		self.assertLess(response.status_code, 500)
		self.assertNotIn("Email", response.text)
		# the identity record cannot be counted nor searched by a clerk
		for method, params in (
			("frappe.desk.reportview.get", {"doctype": "Complaint Identity", "fields": json.dumps(
				["complainant", "count(name) as n"]), "group_by": "complainant"}),
			("frappe.desk.search.search_link", {"doctype": "Complaint Identity", "txt": self.resident.full_name}),
			("frappe.desk.search.search_link", {"doctype": "Complaint Identity", "txt": "",
				"ignore_user_permissions": 1}),
		):  # fmt: skip
			response = self.as_clerk.call(method, **params)
			self.assertNothingOfTheComplainant(response, method)
			self.assertNotIn(self.anonymous.identity, response.text)

	def run_report(self, client, estate: str) -> dict:
		response = client.call(
			"frappe.desk.query_report.run",
			report_name="Complaint Analysis",
			filters=json.dumps({"estate": estate, "group_by": "Estate"}),
		)
		self.assertEqual(response.status_code, 200, response.text[:300])
		return response.json()["message"]

	def test_report_counts_no_anonymous_complaint_among_repeat_complainants(self):
		clerk = self.run_report(self.as_clerk, self.estate.name)
		self.assertEqual([row["complaints"] for row in clerk["result"]], [6])
		self.assertEqual(clerk["result"][0]["repeat_complainants"], 0, "anonymous: nobody's")
		self.assertEqual(clerk["report_summary"][3]["value"], 0, "Repeat Complainants in the summary")

		manager = self.run_report(self.as_manager, self.estate.name)
		self.assertEqual(manager["result"][0]["repeat_complainants"], 1, "a manager counts them")
		self.assertEqual(manager["report_summary"][3]["value"], 1)

	def test_small_groups_show_no_per_person_figure(self):
		clerk = self.run_report(self.as_clerk, self.small_estate.name)
		self.assertEqual([row["complaints"] for row in clerk["result"]], [2])
		self.assertIsNone(clerk["result"][0]["repeat_complainants"])
		self.assertIsNone(clerk["report_summary"][3]["value"])
		manager = self.run_report(self.as_manager, self.small_estate.name)
		self.assertEqual(manager["result"][0]["repeat_complainants"], 1)

	def test_manager_still_reads_the_identity(self):
		response = self.as_manager.call(
			"property_crm.property_complaints.complaints.confidential_identity", complaint=self.anonymous.name
		)
		self.assertEqual(response.status_code, 200)
		identity = response.json()["message"]
		self.assertEqual(
			(identity["complainant"], identity["complainant_email"]), (self.resident.name, self.email)
		)
		self.assertEqual(
			frappe.db.get_value("Complaint Identity", self.anonymous.identity, "acknowledged_via"), "Email"
		)
		denied = self.as_clerk.call(
			"property_crm.property_complaints.complaints.confidential_identity", complaint=self.anonymous.name
		)
		self.assertEqual(denied.status_code, 403)
		# the manager reads the reply on the identity record's timeline
		response = self.as_manager.call(
			"frappe.desk.form.load.getdoc", doctype="Complaint Identity", name=self.anonymous.identity
		)
		self.assertEqual(response.status_code, 200)
		self.assertIn(self.reply.name, [c["name"] for c in response.json()["docinfo"]["communications"]])
