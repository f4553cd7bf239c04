"""Secrets at rest: a survey link's token is kept by nobody once its mail is sent — not the Email Queue's
stored message (Frappe keeps the whole mail), not a Communication, not the SMS Log; only its hash on the
invitation. The mail goes through Frappe's own queue and sender (EmailQueue.send), as the scheduler sends it."""

import frappe
from frappe.email.doctype.email_queue.email_queue import EmailQueue
from frappe.tests.utils import FrappeTestCase

from property_crm.property_surveys import surveys
from property_crm.property_surveys.rules import survey as rules
from property_crm.tests.factories import (
	forget_cached_email_accounts,
	make_outgoing_email_account,
	make_place,
	without_committed_outgoing_account,
)
from property_crm.tests.survey_factories import make_campaign


def stored_anywhere(token: str) -> dict[str, int]:
	"""Rows of each table that hold the token in clear (any column that can hold text of a mail)."""
	like = f"%{token}%"
	return {
		"Email Queue": frappe.db.sql("select count(*) from `tabEmail Queue` where message like %s", like)[0][
			0
		],
		"Communication": frappe.db.sql(
			"select count(*) from `tabCommunication` where content like %s or subject like %s", (like, like)
		)[0][0],
		"SMS Log": frappe.db.sql("select count(*) from `tabSMS Log` where message like %s", like)[0][0],
		"Survey Invitation": frappe.db.sql(
			"select count(*) from `tabSurvey Invitation` where token_hash like %s", like
		)[0][0],
	}


class TestTokenAtRest(FrappeTestCase):
	def setUp(self):
		make_outgoing_email_account()
		forget_cached_email_accounts()

	def tearDown(self):
		# EmailQueue.send commits: the outgoing account must not stay on the site (other tests expect none)
		without_committed_outgoing_account()

	def test_sent_invitation_keeps_no_token(self):
		estate, unit, resident = make_place()
		campaign = make_campaign(estates=[{"estate": estate.name}])
		invitation, token = surveys.invite(campaign.name, resident.name, unit.name, channel="E-mail")
		self.assertTrue(surveys.send_email(invitation, token))
		queued = frappe.get_all(
			"Email Queue", filters={"reference_doctype": "Survey Invitation", "reference_name": invitation},
			fields=["name", "message", "status"],
		)  # fmt: skip
		self.assertEqual(len(queued), 1)
		# the mail carries the link until it is sent (it must reach the resident) …
		self.assertIn(token, surveys_decoded(queued[0].message))

		# … Frappe sends it (its scheduler's flush calls EmailQueue.send) and the every-tick job runs
		EmailQueue.find(queued[0].name).send()
		self.assertEqual(frappe.db.get_value("Email Queue", queued[0].name, "status"), "Sent")
		self.assertGreaterEqual(surveys.redact_sent_links(), 1)
		self.assertFalse(
			frappe.db.exists("Email Queue", {"name": queued[0].name, "message": ("not like", "X-Property%")}),
			"marked, so that the job reads it once",
		)
		surveys.redact_sent_links()  # a second run leaves it as it is

		message = frappe.db.get_value("Email Queue", queued[0].name, "message")
		self.assertNotIn(token, surveys_decoded(message), "no token left in the stored mail, decoded")
		self.assertIn("/property/s/redacted", surveys_decoded(message), "the rest of the mail is kept")
		self.assertEqual(stored_anywhere(token), {k: 0 for k in stored_anywhere(token)})
		self.assertEqual(
			frappe.db.get_value("Survey Invitation", invitation, "token_hash"), rules.token_hash(token)
		)
		# the link itself still works: only the stored copy of it is gone
		self.assertEqual(surveys.invitation_by_token(token).name, invitation)

	def test_unsent_mail_is_left_alone(self):
		estate, unit, resident = make_place()
		campaign = make_campaign(estates=[{"estate": estate.name}])
		invitation, token = surveys.invite(campaign.name, resident.name, unit.name, channel="E-mail")
		surveys.send_email(invitation, token)
		surveys.redact_sent_links()
		message = frappe.db.get_value("Email Queue", {"reference_name": invitation}, "message")
		self.assertIn(token, surveys_decoded(message), "a mail not sent yet still carries its link")


def surveys_decoded(message: str) -> str:
	"""The stored mail with its text parts decoded (quoted-printable may split a token across lines)."""
	import email

	parts = [message]
	for part in email.message_from_string(message).walk():
		if part.get_content_maintype() == "text" and not part.is_multipart():
			payload = part.get_payload(decode=True)
			if payload:
				parts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
	return "\n".join(parts)
