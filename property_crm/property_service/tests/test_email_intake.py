"""E-mail intake through Frappe's own incoming-mail path: raw RFC 822 mails handed to `InboundMail`, as
`EmailAccount.receive` does with what it fetched from the server (no mail server, nothing committed)."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import frappe
from frappe.cache_manager import clear_doctype_map
from frappe.core.doctype.communication.email import make as make_communication
from frappe.email.doctype.email_account.email_account import get_append_to
from frappe.email.receive import InboundMail
from frappe.model.workflow import apply_workflow
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.property_households.resident_portal import reach_of
from property_crm.property_service.intake import confirm_requester
from property_crm.property_service.resident_requests import orders_of
from property_crm.tests.factories import (
	make_building,
	make_category,
	make_estate,
	make_outgoing_email_account,
	make_owner,
	make_place,
	make_unit,
	make_user,
	occupant,
	portal_login,
	unique,
	without_committed_outgoing_account,
)

CS = "Property Customer Service"
INBOX = "service-inbox@property-crm.invalid"


def raw_mail(sender: str, subject: str, body: str, in_reply_to: str | None = None, html: str | None = None):
	"""A mail as it arrives from the server: bytes, UTF-8, RFC 2047-encoded Chinese headers."""
	message = EmailMessage()
	message["From"] = sender
	message["To"] = INBOX
	message["Subject"] = subject
	message["Date"] = format_datetime(now_datetime().astimezone())
	message["Message-ID"] = make_msgid(domain="mail.example.com")
	if in_reply_to:
		message["In-Reply-To"] = in_reply_to
		message["References"] = in_reply_to
	message.set_content(body)
	if html:
		message.add_alternative(html, subtype="html")
	return message.as_bytes()


def inbox() -> "frappe.Document":
	"""An incoming Email Account appending to Service Order (tests skip Frappe's server checks)."""
	name = frappe.db.get_value("Email Account", {"email_id": INBOX})
	if name:
		return frappe.get_doc("Email Account", name)
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": "Property CRM Test Service Inbox",
			"email_id": INBOX,
			"enable_incoming": 1,
			"use_imap": 0,
			"append_to": "Service Order",
			"password": "not-used",
		}
	).insert(ignore_permissions=True)


def communications(order: str) -> list:
	return frappe.get_all(
		"Communication",
		filters={"reference_doctype": "Service Order", "reference_name": order},
		fields=["name", "sender", "sent_or_received", "subject", "content"],
		order_by="creation asc",
	)


def info_comments(order: str) -> str:
	return " ".join(
		frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Service Order", "reference_name": order, "comment_type": "Info"},
			pluck="content",
		)
	)


class EmailIntakeTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		without_committed_outgoing_account()  # a sent notification would thread and commit here

	def setUp(self):
		clear_doctype_map("Assignment Rule", "Service Order")
		self.inbox = inbox()
		self.category = make_category("Never")
		frappe.db.set_single_value("Property CRM Settings", "email_default_category", self.category.name)
		self.estate, self.unit, self.resident = make_place()
		self.cs = make_user([CS])

	def receive(self, raw: bytes):
		"""What EmailAccount.receive does with each mail it fetched (less its commit)."""
		return InboundMail(raw, self.inbox, uid=None, seen_status=0).process()

	def confirm(self, order: str) -> "frappe.Document":
		"""Customer service confirm the suggested requester (the desk's Confirm Requester)."""
		frappe.set_user(self.cs)
		try:
			confirm_requester(order)
		finally:
			frappe.set_user("Administrator")
		return frappe.get_doc("Service Order", order)

	def order_of(self, communication) -> "frappe.Document":
		self.assertEqual(communication.reference_doctype, "Service Order")
		return frappe.get_doc("Service Order", communication.reference_name)


class TestKnownResident(EmailIntakeTestCase):
	def test_service_order_is_an_append_to_target(self):
		self.assertIn("Service Order", [row[0] for row in get_append_to()])
		meta = frappe.get_meta("Service Order")
		self.assertEqual((meta.sender_field, meta.subject_field), ("requester_email", "subject"))

	def test_mail_from_a_resident_becomes_a_placed_order(self):
		sender = f"张先生 <{self.resident.email.upper()}>"  # addresses compare without case
		communication = self.receive(
			raw_mail(
				sender,
				"厨房水管漏水",
				"您好：\n厨房水槽下面的水管一直在滴水 & 渗到柜子里，请尽快派人来看看。",
			)
		)
		order = self.order_of(communication)
		self.assertTrue(order.name.startswith(f"SO-{now_datetime().year}-"), "the naming series applies")
		# the sender's address only suggests the resident and unit: a From: header proves nothing
		self.assertEqual(
			(order.channel, order.subject, order.status, order.requester, order.unit),
			("Email", "厨房水管漏水", "Draft", None, None),
		)
		self.assertEqual(
			(order.suggested_requester, order.suggested_unit), (self.resident.name, self.unit.name)
		)
		self.assertEqual(order.service_category, self.category.name)
		self.assertNotEqual(
			order.contact_mobile, self.resident.mobile, "nothing of the file before confirming"
		)
		self.assertIn("Confirm Requester", info_comments(order.name))
		self.assertTrue(order.priority, "the SLA engine ran on the new order")
		# the mail body is the description: plain text escaped, one paragraph a line
		self.assertEqual(
			order.description,
			"<p>您好：</p><p>厨房水槽下面的水管一直在滴水 &amp; 渗到柜子里，请尽快派人来看看。</p>",
		)
		self.assertEqual(
			[(c.sender, c.sent_or_received) for c in communications(order.name)],
			[(self.resident.email.lower(), "Received")],
		)
		self.assertNotIn("before accepting it", info_comments(order.name), "nothing left to place")

		# customer service confirm the requester: the order is the resident's, placed in their unit
		order = self.confirm(order.name)
		self.assertEqual((order.requester, order.unit), (self.resident.name, self.unit.name))
		self.assertEqual((order.estate, order.service_category), (self.estate.name, self.category.name))
		self.assertEqual(order.requester_name, self.resident.full_name)
		self.assertEqual(order.contact_mobile, self.resident.mobile)
		self.assertEqual((order.suggested_requester, order.suggested_unit), (None, None))
		self.assertEqual(apply_workflow(order, "Accept").status, "Accepted")

	def test_html_mail_is_sanitised(self):
		html = '<p>门禁卡失灵</p><script>alert("x")</script><p onclick="steal()">请补办</p>'
		order = self.order_of(self.receive(raw_mail(self.resident.email, "门禁卡", "门禁卡失灵", html=html)))
		self.assertIn("门禁卡失灵", order.description)
		self.assertIn("请补办", order.description)
		self.assertNotIn("<script", order.description)
		self.assertNotIn("onclick", order.description)

	def test_replies_are_threaded_into_the_order(self):
		first = self.receive(raw_mail(self.resident.email, "阳台门关不上", "阳台推拉门卡住了。"))
		order = self.order_of(first)
		description = order.description
		count = frappe.db.count("Service Order")

		# customer service answers from the order (Frappe's own "New Email" on the form) …
		make_outgoing_email_account()
		frappe.set_user(self.cs)
		try:
			sent = make_communication(
				doctype="Service Order",
				name=order.name,
				subject=f"Re: 阳台门关不上 (#{order.name})",
				content="已收到，明天上午师傅上门。",
				recipients=self.resident.email,
				send_email=True,
			)["name"]
		finally:
			frappe.set_user("Administrator")
		message_id = frappe.db.get_value("Communication", sent, "message_id")

		# … the resident's mail client replies to that mail (In-Reply-To), with a subject of its own
		reply = self.receive(
			raw_mail(
				self.resident.email, "回复：时间", "好的，明天上午家里有人。", in_reply_to=f"<{message_id}>"
			)
		)
		self.assertEqual(self.order_of(reply).name, order.name)

		# a reply that lost its headers is still found by the order's name in the subject
		forwarded = self.receive(
			raw_mail(self.resident.email, f"Re: 阳台门关不上 (#{order.name})", "师傅几点到？")
		)
		self.assertEqual(self.order_of(forwarded).name, order.name)

		self.assertEqual(frappe.db.count("Service Order"), count, "no second order")
		self.assertEqual(
			[c.sent_or_received for c in communications(order.name)],
			["Received", "Sent", "Received", "Received"],
		)
		self.assertEqual(
			frappe.db.get_value("Service Order", order.name, "description"),
			description,
			"replies stay in the timeline; the request's description does not change",
		)

	def test_resident_with_several_units_is_left_to_choose(self):
		second = make_unit(
			frappe.get_doc("Property Building", self.unit.building),
			"102",
			floor=1,
			occupants=[occupant(self.resident, "Owner")],
		)
		order = self.order_of(self.receive(raw_mail(self.resident.email, "物业费发票", "请开发票。")))
		self.assertEqual((order.requester, order.unit, order.estate), (None, None, None))
		self.assertEqual((order.suggested_requester, order.suggested_unit), (self.resident.name, None))
		self.assertIn(second.name, info_comments(order.name))
		self.assertIn(self.unit.name, info_comments(order.name))

	def test_moved_out_unit_does_not_count(self):
		building = frappe.get_doc("Property Building", self.unit.building)
		make_unit(
			building, "103", floor=1, occupants=[occupant(self.resident, "Tenant", move_out="2021-06-30")]
		)
		order = self.order_of(self.receive(raw_mail(self.resident.email, "空调滴水", "空调外机滴水到楼下。")))
		self.assertEqual(
			(order.suggested_requester, order.suggested_unit), (self.resident.name, self.unit.name)
		)


class TestStranger(EmailIntakeTestCase):
	def test_stranger_mail_becomes_an_order_for_customer_service(self):
		stranger = f"{unique('li').lower()}@example.net"
		communication = self.receive(
			raw_mail(f"Li Lei <{stranger}>", "小区门口路灯不亮", "晚上很黑，请修一下。")
		)
		order = self.order_of(communication)
		self.assertEqual(
			(order.channel, order.status, order.unit, order.requester, order.estate),
			("Email", "Draft", None, None, None),
		)
		self.assertEqual((order.requester_email, order.requester_name), (stranger, "Li Lei"))
		self.assertEqual(order.service_category, self.category.name, "the settings' default category")
		self.assertIn(stranger, info_comments(order.name))
		self.assertFalse(order.repeat_of)

		# customer service see it — those restricted to an estate too (it has none yet)
		restricted = make_user([CS], estates=[self.estate.name])
		for user in (self.cs, restricted):
			frappe.set_user(user)
			try:
				self.assertEqual(
					frappe.get_list("Service Order", filters={"name": order.name}, pluck="name"), [order.name]
				)
				self.assertTrue(frappe.has_permission("Service Order", "write", order.name))
			finally:
				frappe.set_user("Administrator")

	def test_unplaced_order_cannot_be_accepted_until_placed(self):
		order = self.order_of(
			self.receive(raw_mail(f"{unique('wang')}@example.net", "电梯异响", "3号电梯有异响。"))
		)
		frappe.set_user(self.cs)
		try:
			with self.assertRaisesRegex(frappe.ValidationError, "place this e-mailed request in a unit"):
				apply_workflow(frappe.get_doc("Service Order", order.name), "Accept")
			self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Draft")

			# customer service places it (a unit, the resident who wrote) and accepts it
			doc = frappe.get_doc("Service Order", order.name)
			doc.unit = self.unit.name
			doc.requester = self.resident.name
			doc.save()
			accepted = apply_workflow(frappe.get_doc("Service Order", order.name), "Accept")
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(
			(accepted.status, accepted.estate, accepted.building, accepted.channel),
			("Accepted", self.estate.name, self.unit.building, "Email"),
		)
		self.assertEqual(accepted.requester_email, self.resident.email, "the file's address once placed")

	def test_order_without_a_category_waits_for_customer_service(self):
		frappe.db.set_single_value("Property CRM Settings", "email_default_category", None)
		order = self.order_of(self.receive(raw_mail(self.resident.email, "其他问题", "想咨询装修手续。")))
		self.assertEqual((order.unit, order.service_category), (None, None))
		order = self.confirm(order.name)
		self.assertEqual(order.unit, self.unit.name)
		self.assertIn("Property CRM Settings", info_comments(order.name))
		with self.assertRaisesRegex(frappe.ValidationError, "Category: choose the category of this e-mailed"):
			apply_workflow(frappe.get_doc("Service Order", order.name), "Accept")
		frappe.db.set_value("Service Order", order.name, "service_category", self.category.name)
		self.assertEqual(
			apply_workflow(frappe.get_doc("Service Order", order.name), "Accept").status, "Accepted"
		)

	def test_a_group_category_in_the_settings_is_not_used(self):
		group = make_category("Never", is_group=1)
		frappe.db.set_single_value("Property CRM Settings", "email_default_category", group.name)
		order = self.order_of(self.receive(raw_mail(f"{unique('zhao')}@example.net", "咨询", "你好")))
		self.assertIsNone(order.service_category)

	def test_spam_can_be_cancelled_unplaced(self):
		order = self.order_of(
			self.receive(raw_mail(f"{unique('promo')}@spam.example", "优惠活动", "点击领取"))
		)
		self.assertEqual(apply_workflow(order, "Cancel").status, "Cancelled")

	def test_household_sharing_an_address(self):
		shared = f"{unique('home').lower()}@example.com"
		building = make_building(make_estate().name, "3")
		wife, husband = make_owner(email=shared), make_owner(email=shared)
		unit = make_unit(building, "501", floor=5, occupants=[occupant(wife), occupant(husband, "Co-owner")])
		order = self.order_of(self.receive(raw_mail(shared, "楼上漏水", "卫生间天花板渗水。")))
		self.assertEqual(
			(order.requester, order.unit, order.suggested_requester, order.suggested_unit),
			(None, None, None, unit.name),
			"one home (a suggestion), but who wrote is unknown",
		)
		self.assertIn(wife.name, info_comments(order.name))


class TestForgedSender(EmailIntakeTestCase):
	"""Anybody can write a resident's address in From:. Until customer service confirm the requester, the
	mail reaches nothing of the resident: not their home's portal, not their phone or inbox."""

	def setUp(self):
		super().setUp()
		make_outgoing_email_account()  # so that any message to the resident would be queued

	def tearDown(self):
		frappe.db.rollback()
		without_committed_outgoing_account()

	def messages_to_resident(self) -> int:
		queued = frappe.db.sql(
			"""select count(*) from `tabEmail Queue Recipient` where recipient=%s""", self.resident.email
		)[0][0]
		sms = frappe.db.count("SMS Log", {"requested_numbers": ("like", f"%{self.resident.mobile}%")})
		notes = frappe.db.count("Notification Log", {"for_user": self.resident.user or "-"})
		return queued + sms + notes

	def portal_orders(self) -> list[str]:
		return [row.name for row in orders_of(reach_of(self.resident.name))]

	def test_forged_mail_reaches_nothing_of_the_resident_until_confirmed(self):
		portal_login(self.resident)
		self.resident.reload()
		before = self.messages_to_resident()
		forged = f"{self.resident.full_name} <{self.resident.email}>"
		order = self.order_of(self.receive(raw_mail(forged, "请把我家门锁换掉", "钥匙丢了，请开门换锁。")))
		self.assertEqual((order.requester, order.unit, order.contact_mobile), (None, None, None))
		self.assertNotIn(order.name, self.portal_orders(), "not on the resident's portal")
		self.assertEqual(self.messages_to_resident(), before, "no message to the resident")

		# staff take it further without confirming: still nothing reaches the resident
		frappe.set_user(self.cs)
		try:
			doc = frappe.get_doc("Service Order", order.name)
			doc.description = (doc.description or "") + "<p>待核实</p>"
			doc.save()
		finally:
			frappe.set_user("Administrator")
		self.assertNotIn(order.name, self.portal_orders())
		self.assertEqual(self.messages_to_resident(), before)

		# a technician cannot confirm, nor can a resident
		for user in (make_user(["Property Technician"]), frappe.db.get_value("Property Owner",
			self.resident.name, "user")):  # fmt: skip
			frappe.set_user(user)
			try:
				with self.assertRaises(frappe.PermissionError):
					confirm_requester(order.name)
			finally:
				frappe.set_user("Administrator")
		self.assertIsNone(frappe.db.get_value("Service Order", order.name, "requester"))

		# customer service called the resident back: confirmed, it is theirs
		self.confirm(order.name)
		self.assertIn(order.name, self.portal_orders())

	def test_confirm_needs_a_suggestion_and_an_existing_order(self):
		stranger = self.order_of(self.receive(raw_mail(f"{unique('x')}@example.net", "你好", "咨询")))
		frappe.set_user(self.cs)
		try:
			with self.assertRaisesRegex(frappe.ValidationError, "no suggested requester"):
				confirm_requester(stranger.name)
			with self.assertRaises(frappe.DoesNotExistError):
				confirm_requester("SO-1999-99999")
		finally:
			frappe.set_user("Administrator")
