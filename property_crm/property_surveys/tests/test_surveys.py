"""Surveys on the site: template versions, one answer per person or household, scores stored on the
response, closed loop, post-service surveys, phone calls, sending invitations; over HTTP: the portal pages
(isolation, conditions enforced), the e-mailed token link (forged, expired, used, another person's, another
campaign's — all refused), anonymity in every read path, constant query counts."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, set_request
from frappe.website.serve import get_response_content

from property_crm.permissions import allowed_estates
from property_crm.property_surveys import campaigns as survey_campaigns
from property_crm.property_surveys import surveys
from property_crm.property_surveys.rules import survey as rules
from property_crm.tests.factories import (
	SiteClient,
	act,
	make_category,
	make_order,
	make_owner,
	make_place,
	make_unit,
	make_user,
	occupant,
	page_queries,
	portal_login,
	unique,
)
from property_crm.tests.survey_factories import make_campaign, make_template

GOOD = {"overall": "5", "clean": "4", "recommend": "9"}
LOW = {"overall": "1", "why": "电梯经常坏", "clean": "2", "recommend": "3"}


def answers(values: dict) -> str:
	return json.dumps(values, ensure_ascii=False)


class TestSurveyRecords(FrappeTestCase):
	def test_template_validation_refuses_bad_conditions(self):
		with self.assertRaises(frappe.ValidationError):
			make_template(
				[
					{
						"question_key": "a",
						"text_zh": "甲",
						"question_type": "Rating 1-5",
						"condition_question": "b",
						"condition_operator": "=",
						"condition_value": "1",
					},
					{"question_key": "b", "text_zh": "乙", "question_type": "Rating 1-5"},
				]
			)
		self.assertFalse(frappe.db.exists("Survey Template", {"title": ("like", "%甲%")}))

	def test_editing_an_answered_template_makes_a_new_version(self):
		template = make_template()
		campaign = make_campaign(template)
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		response = surveys.submit(invitation, answers(GOOD), "Portal")
		template.reload()
		template.questions[0].text_zh = "改过的问题"
		template.save()
		template.reload()
		self.assertNotEqual(
			template.questions[0].text_zh, "改过的问题", "the answered version keeps its questions"
		)
		self.assertEqual(template.is_latest, 0)
		new = frappe.get_doc("Survey Template", {"previous_version": template.name})
		self.assertEqual((new.version, new.is_latest, new.family), (2, 1, template.name))
		self.assertEqual(new.questions[0].text_zh, "改过的问题")
		self.assertEqual(surveys.latest_version(template.name), new.name)
		self.assertEqual(frappe.db.get_value("Survey Response", response, "template"), template.name)
		# an unanswered template is edited in place
		fresh = make_template()
		fresh.questions[0].text_zh = "就地修改"
		fresh.save()
		self.assertEqual(frappe.db.count("Survey Template", {"previous_version": fresh.name}), 0)

	def test_scores_stored_and_hidden_answers_ignored(self):
		campaign = make_campaign()
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		# "why" is shown only for overall <= 2: a forged answer to it is dropped
		name = surveys.submit(invitation, answers(GOOD | {"why": "forged"}), "Portal")
		doc = frappe.get_doc("Survey Response", name)
		self.assertEqual([a.question_key for a in doc.answers], ["overall", "clean", "recommend"])
		# overall (100 × 2) + clean (75 × 1) + recommend (90 × 1) over weights 4
		self.assertAlmostEqual(doc.overall_score, 91.25)
		self.assertEqual({d.dimension: d.score for d in doc.dimension_scores},
			{"Service Quality": 100.0, "Environment": 75.0})  # fmt: skip
		self.assertEqual((doc.nps_class, doc.response_class, doc.ratings_count, doc.satisfied_ratings),
			("Promoter", "Satisfied", 2, 2))  # fmt: skip
		self.assertFalse(doc.low_score)
		self.assertEqual(frappe.db.get_value("Survey Invitation", invitation, ["status", "uses_left"]),
			("Answered", 0))  # fmt: skip

	def test_required_and_invalid_answers_leave_nothing_behind(self):
		campaign = make_campaign()
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		for bad in ({"clean": "4"}, {"overall": "7"}, {"overall": "2"} | {"recommend": "eleven"}):
			with self.assertRaises(frappe.ValidationError):
				surveys.submit(invitation, answers(bad), "Portal")
		self.assertEqual(frappe.db.count("Survey Response", {"campaign": campaign.name}), 0)
		self.assertEqual(frappe.db.get_value("Survey Invitation", invitation, "uses_left"), 1)

	def test_one_answer_per_person_even_past_the_checks(self):
		campaign = make_campaign()
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		surveys.submit(invitation, answers(GOOD), "Portal")
		with self.assertRaises(frappe.PermissionError):
			surveys.submit(invitation, answers(GOOD), "Portal")
		# a paper form for the same person is refused too
		with self.assertRaises(frappe.PermissionError):
			survey_campaigns.record_answers(answers(GOOD), "Paper", campaign=campaign.name, person=resident.name,
				unit=unit.name)  # fmt: skip
		# the UNIQUE index holds without any check: a raw second row for the same respondent fails
		key = frappe.db.get_value("Survey Response", {"campaign": campaign.name}, "response_key")
		with self.assertRaises(Exception) as raised:
			frappe.db.sql(
				"insert into `tabSurvey Response` (name, campaign, response_key) values (%s, %s, %s)",
				(unique("SVR-"), campaign.name, key),
			)
		self.assertTrue(frappe.db.is_unique_key_violation(raised.exception))

	def test_responses_and_invitations_are_not_typed_in_or_altered(self):
		campaign = make_campaign()
		estate, unit, resident = make_place()
		clerk = make_user(["Property Customer Service"], [estate.name])
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		frappe.set_user(clerk)
		try:
			with self.assertRaises(frappe.ValidationError):
				frappe.get_doc({"doctype": "Survey Response", "campaign": campaign.name, "person": resident.name,
					"answers": [{"question_key": "overall", "value": "5"}]}).insert()  # fmt: skip
			with self.assertRaises(frappe.ValidationError):
				frappe.get_doc({"doctype": "Survey Invitation", "campaign": campaign.name, "person": resident.name,
					"token_hash": "0" * 64}).insert()  # fmt: skip
			doc = frappe.get_doc("Survey Invitation", invitation)
			doc.uses_left = 5
			with self.assertRaises(frappe.ValidationError):
				doc.save()
			doc.reload()
			doc.call_notes = "下午再打"
			doc.save()
		finally:
			frappe.set_user("Administrator")
		name = surveys.submit(invitation, answers(GOOD), "Portal")
		response = frappe.get_doc("Survey Response", name)
		response.overall_score = 10
		with self.assertRaises(frappe.ValidationError):
			response.save()

	def test_one_answer_per_household(self):
		campaign = make_campaign(one_per="Household")
		_estate, unit, first = make_place()
		second = make_owner()
		unit.append("occupants", occupant(second, "Family Member"))
		unit.save()
		survey_campaigns.record_answers(answers(GOOD), "Paper", campaign=campaign.name, person=first.name,
			unit=unit.name)  # fmt: skip
		with self.assertRaises(frappe.PermissionError):
			survey_campaigns.record_answers(answers(GOOD), "Paper", campaign=campaign.name, person=second.name,
				unit=unit.name)  # fmt: skip

	def test_audience_household_person_and_exclusion_window(self):
		estate, unit, owner = make_place()
		tenant = make_owner(resident_type="Tenant")
		unit.append("occupants", occupant(tenant, "Tenant"))
		unit.save()
		building = frappe.get_doc("Property Building", unit.building)
		other = make_owner()
		make_unit(building, "102", floor=1, occupants=[occupant(other)])
		per_household = make_campaign(one_per="Household", estates=[{"estate": estate.name}], exclude_days=30)
		per_person = make_campaign(one_per="Person", estates=[{"estate": estate.name}], exclude_days=30)
		chosen = {(r.person, r.unit) for r in survey_campaigns.audience(per_household)}
		self.assertEqual(len(chosen), 2)
		self.assertIn((owner.name, unit.name), chosen, "the primary contact speaks for the household")
		self.assertEqual(survey_campaigns.make_invitations(per_household.name), 2)
		self.assertEqual(survey_campaigns.make_invitations(per_household.name), 0, "a second run adds nobody")
		# the people just invited by the household campaign are left out of another for 30 days
		self.assertEqual({r.person for r in survey_campaigns.audience(per_person)}, {tenant.name})
		per_person.db_set("exclude_days", 0)
		per_person.reload()
		self.assertEqual(len(survey_campaigns.audience(per_person)), 3)
		tenants_only = make_campaign(one_per="Person", estates=[{"estate": estate.name}], owners=0)
		self.assertEqual({r.person for r in survey_campaigns.audience(tenants_only)}, {tenant.name})

	def test_closed_loop_low_score_and_detractor_open_a_follow_up(self):
		campaign = make_campaign()
		estate, unit, resident = make_place()
		clerk = make_user(["Property Customer Service"], [estate.name])
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		name = surveys.submit(invitation, answers(LOW), "Portal")
		response = frappe.get_doc("Survey Response", name)
		self.assertTrue(response.low_score)
		visit = frappe.get_doc("Return Visit", response.follow_up)
		self.assertEqual((visit.reference_doctype, visit.reference_name, visit.estate, visit.unit),
			("Survey Response", name, estate.name, unit.name))  # fmt: skip
		# the estate's customer service (the new clerk, or a clerk not restricted to any estate)
		self.assertIn("Property Customer Service", frappe.get_roles(visit.visitor))
		self.assertIn(allowed_estates(visit.visitor, "Survey Response"), (None, [estate.name]))
		self.assertTrue(clerk)
		days = frappe.get_cached_doc("Property CRM Settings").survey_follow_up_days or 2
		self.assertEqual(str(visit.due_date), str(add_days(frappe.utils.nowdate(), days)))
		visit.outcome = "Satisfied"
		visit.save()
		self.assertEqual(frappe.db.get_value("Return Visit", visit.name, "status"), "Done")
		# a detractor with good ratings is followed up too
		_e, unit2, resident2 = make_place()
		invitation2, _token = surveys.invite(campaign.name, resident2.name, unit2.name)
		name2 = surveys.submit(invitation2, answers({"overall": "5", "recommend": "2"}), "Portal")
		self.assertTrue(frappe.db.get_value("Survey Response", name2, "follow_up"))

	def test_anonymous_campaign_stores_no_person_and_opens_no_follow_up(self):
		campaign = make_campaign(anonymous=1)
		estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name)
		name = surveys.submit(invitation, answers(LOW), "Portal")
		row = frappe.db.get_value("Survey Response", name, "*", as_dict=True)
		self.assertEqual((row.person, row.unit, row.building, row.invitation, row.follow_up, row.low_score),
			(None, None, None, None, None, 0))  # fmt: skip
		self.assertEqual((row.estate, row.owner), (estate.name, "Administrator"))
		self.assertNotIn(resident.name, json.dumps(row, default=str))
		# the invitation does not even tell who took part: unchanged, and still one answer only
		self.assertEqual(frappe.db.get_value("Survey Invitation", invitation, ["status", "uses_left", "response"]),
			("Pending", 1, None))  # fmt: skip
		self.assertNotIn(invitation, row.response_key)
		self.assertFalse(frappe.db.exists("Return Visit", {"reference_name": name}))
		with self.assertRaises(frappe.PermissionError):
			surveys.submit(invitation, answers(GOOD), "Portal")
		# a raw second response with the same key: the UNIQUE index refuses it
		with self.assertRaises(Exception) as raised:
			frappe.db.sql(
				"insert into `tabSurvey Response` (name, campaign, response_key) values (%s, %s, %s)",
				(unique("SVR-"), campaign.name, row.response_key),
			)
		self.assertTrue(frappe.db.is_unique_key_violation(raised.exception))

	def test_post_service_survey_on_completed_order_and_resolved_complaint(self):
		template = make_template(
			[{"question_key": "q1", "text_zh": "维修满意吗？", "question_type": "Rating 1-5", "required": 1}]
		)
		category = make_category("Never", survey_template=template.name)
		_estate, unit, resident = make_place()
		order = make_order(unit, category, resident)
		frappe.db.set_value(
			"Service Order", order.name, {"status": "In Progress", "completion_notes": "换了水龙头"}
		)
		act(order, "Complete")
		invitation = surveys.invitation_for("Service Order", order.name)
		self.assertEqual(invitation.person, resident.name)
		name = surveys.submit(invitation.name, answers({"q1": "4"}), "Portal")
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "rating"), 4)
		self.assertEqual(frappe.db.get_value("Survey Response", name, ["reference_name", "category"]),
			(order.name, category.name))  # fmt: skip
		# a second order of the same person has its own survey in the same post-service campaign
		campaign = frappe.db.get_value("Survey Invitation", invitation.name, "campaign")
		self.assertEqual(frappe.db.get_value("Survey Campaign", campaign, ["kind", "status"]),
			("Post-service", "Running"))  # fmt: skip

	def test_a_site_without_outgoing_mail_still_completes_the_order_and_invites_on_the_portal(self):
		from property_crm.tests.factories import forget_cached_email_accounts

		frappe.db.delete("Email Account", {"enable_outgoing": 1})  # undone with the test's transaction
		forget_cached_email_accounts()
		try:
			template = make_template(
				[{"question_key": "q1", "text_zh": "满意吗？", "question_type": "Rating 1-5", "required": 1}]
			)
			category = make_category("Never", survey_template=template.name)
			_estate, unit, resident = make_place()
			self.assertTrue(frappe.db.get_value("Property Owner", resident.name, "email"))
			order = make_order(unit, category, resident)
			frappe.db.set_value(
				"Service Order", order.name, {"status": "In Progress", "completion_notes": "好了"}
			)
			act(order, "Complete")
			self.assertEqual(frappe.db.get_value("Service Order", order.name, "status"), "Completed")
			invitation = surveys.invitation_for("Service Order", order.name)
			self.assertEqual(invitation.person, resident.name)
			self.assertFalse(
				frappe.db.exists(
					"Email Queue",
					{"reference_doctype": "Survey Invitation", "reference_name": invitation.name},
				)
			)
		finally:
			forget_cached_email_accounts()

	def test_resolved_named_complaint_invites_its_complainant_anonymous_one_nobody(self):
		from property_crm.tests.factories import make_complaint

		template = make_template(
			[{"question_key": "q1", "text_zh": "处理满意吗？", "question_type": "Rating 1-5", "required": 1}]
		)
		frappe.db.set_value("Complaint Category", "Service Attitude", "survey_template", template.name)
		estate, unit, resident = make_place()
		make_user(["Property Customer Service"], [estate.name])
		for anonymous in (0, 1):
			doc = act(make_complaint(unit, resident, is_anonymous=anonymous), "Investigate")
			doc = frappe.get_doc("Complaint", doc.name)
			doc.update({"root_cause": "Staff Conduct", "resolution": "已向住户道歉并培训保安"})
			doc.save()
			act(doc, "Resolve")
			invitation = surveys.invitation_for("Complaint", doc.name)
			if anonymous:
				self.assertIsNone(invitation, "an anonymous complainant is known only to the identity record")
			else:
				self.assertEqual(invitation.person, resident.name)
				name = surveys.submit(invitation.name, answers({"q1": "2"}), "Portal")
				self.assertEqual(frappe.db.get_value("Survey Response", name, "category"), "Service Attitude")

	def test_phone_call_outcomes(self):
		campaign = make_campaign(channel_phone=1)
		_estate, unit, resident = make_place()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name, channel="Phone")
		with self.assertRaises(frappe.ValidationError):
			survey_campaigns.record_call(invitation, "Call Back")  # needs a time
		survey_campaigns.record_call(invitation, "Unreachable")
		survey_campaigns.record_call(invitation, "Call Back", str(add_days(now_datetime(), 1)))
		self.assertEqual(frappe.db.get_value("Survey Invitation", invitation, ["status", "call_attempts"]),
			("Call Back", 2))  # fmt: skip
		name = survey_campaigns.record_answers(answers(GOOD), "Phone", invitation=invitation)
		self.assertEqual(frappe.db.get_value("Survey Response", name, "channel"), "Phone")
		self.assertEqual(frappe.db.get_value("Survey Invitation", invitation, ["status", "call_outcome"]),
			("Answered", "Answered"))  # fmt: skip
		with self.assertRaises(frappe.ValidationError):
			survey_campaigns.record_call(invitation, "Refused")

	def test_customer_service_of_another_estate_cannot_record(self):
		campaign = make_campaign()
		_estate, unit, resident = make_place()
		other = make_estate_user()
		invitation, _token = surveys.invite(campaign.name, resident.name, unit.name, channel="Phone")
		frappe.set_user(other)
		try:
			with self.assertRaises(frappe.PermissionError):
				survey_campaigns.record_call(invitation, "Refused")
		finally:
			frappe.set_user("Administrator")

	def test_sending_is_a_background_job_with_progress_and_mail(self):
		from unittest.mock import patch

		from property_crm.tests.factories import forget_cached_email_accounts, make_outgoing_email_account

		make_outgoing_email_account()
		forget_cached_email_accounts()
		estate, unit, resident = make_place()  # the resident has an e-mail address
		frappe.db.set_value("Property Owner", resident.name, "language", "zh")
		building = frappe.get_doc("Property Building", unit.building)
		for number in ("102", "103"):
			make_unit(building, number, floor=1, occupants=[occupant(make_owner())])
		campaign = make_campaign(one_per="Household", estates=[{"estate": estate.name}], status="Draft")
		with self.assertRaises(frappe.ValidationError):
			survey_campaigns.send_invitations(campaign.name)  # not started
		survey_campaigns.start(campaign.name)
		with patch("frappe.enqueue") as enqueue:
			survey_campaigns.send_invitations(campaign.name)
		self.assertEqual(enqueue.call_args.args[0], "property_crm.property_surveys.campaigns.send_job")
		self.assertEqual(enqueue.call_args.kwargs["queue"], "long")
		with patch("frappe.publish_progress") as progress, patch("frappe.db.commit"):
			survey_campaigns.send_job(**{k: v for k, v in enqueue.call_args.kwargs.items()
				if k in ("campaign", "user")})  # fmt: skip
		self.assertEqual(progress.call_args.args[0], 100)
		rows = frappe.get_all("Survey Invitation", filters={"campaign": campaign.name},
			fields=["person", "channel", "token_hash"])  # fmt: skip
		self.assertEqual(len(rows), 3)
		self.assertEqual({r.channel for r in rows if r.person == resident.name}, {"E-mail"})
		self.assertTrue(all(len(r.token_hash) == 64 for r in rows))
		mail = frappe.get_all("Email Queue", filters={"reference_doctype": "Survey Invitation",
			"reference_name": ("in", frappe.get_all("Survey Invitation", {"campaign": campaign.name}, pluck="name"))},
			fields=["name", "message"])  # fmt: skip
		self.assertEqual(len(mail), 1)
		self.assertIn("/property/s/", mail[0].message)
		import email

		html = next(
			part.get_payload(decode=True).decode()
			for part in email.message_from_string(mail[0].message).walk()
			if part.get_content_type() == "text/html"
		)
		self.assertIn(
			"请告诉我们", html, "in the resident's language (Chinese unless their file says English)"
		)
		self.assertIn("?_lang=zh", html)
		self.assertEqual(frappe.db.get_value("Survey Campaign", campaign.name, "invitations"), 3)

	def test_progress_by_place(self):
		campaign = make_campaign()
		estate, unit, resident = make_place()
		building = frappe.get_doc("Property Building", unit.building)
		other = make_owner()
		unit2 = make_unit(building, "102", floor=1, occupants=[occupant(other)])
		first, _t = surveys.invite(campaign.name, resident.name, unit.name)
		surveys.invite(campaign.name, other.name, unit2.name)
		surveys.submit(first, answers(GOOD), "Portal")
		rows = survey_campaigns.progress_by_place(campaign.name)
		self.assertEqual(
			[(r.estate, r.invitations, r.answered, r.rate) for r in rows], [(estate.name, 2, 1, 50.0)]
		)
		self.assertEqual(frappe.db.get_value("Survey Campaign", campaign.name, "response_rate"), 50.0)


def make_estate_user() -> str:
	from property_crm.tests.factories import make_estate

	return make_user(["Property Customer Service"], [make_estate().name])


class TestSurveyPortal(FrappeTestCase):
	"""Over Frappe's HTTP stack: pages, the token link, refusals, anonymity in read paths."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# FrappeTestCase restores the site's config after each class: the tests make many users a minute
		frappe.local.conf.throttle_user_limit = 100_000
		cls.template = make_template()
		cls.campaign = make_campaign(cls.template)
		cls.other_campaign = make_campaign(cls.template)
		cls.estate, cls.unit, cls.resident = make_place()
		cls.user = portal_login(cls.resident)
		cls.housemate = make_owner(email=f"{unique('h').lower()}@example.com")
		cls.unit.append("occupants", occupant(cls.housemate, "Family Member"))
		cls.unit.save()
		cls.housemate_user = portal_login(cls.housemate)
		cls.mine, cls.my_token = surveys.invite(cls.campaign.name, cls.resident.name, cls.unit.name)
		cls.theirs, cls.their_token = surveys.invite(cls.campaign.name, cls.housemate.name, cls.unit.name)
		cls.other, cls.other_token = surveys.invite(
			cls.other_campaign.name, cls.housemate.name, cls.unit.name
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		super().tearDownClass()

	def post(self, client, **data):
		return client.post("/api/method/property_crm.property_surveys.api.submit_answers", data)

	def test_list_shows_only_my_invitations(self):
		client = SiteClient(self.user)
		page = client.get("/property/surveys")
		self.assertEqual(page.status_code, 200)
		self.assertIn(f"/property/surveys/{self.mine}", page.text)
		self.assertNotIn(self.theirs, page.text)
		self.assertNotIn(self.other, page.text)
		# a housemate's invitation does not open for me, over the page and the method
		self.assertEqual(client.get(f"/property/surveys/{self.theirs}").status_code, 404)
		response = self.post(client, invitation=self.theirs, answers=answers(GOOD))
		self.assertEqual(response.status_code, 403)
		self.assertEqual(frappe.db.get_value("Survey Invitation", self.theirs, "uses_left"), 1)

	def test_post_service_survey_replaces_the_rating_on_the_request_page(self):
		template = make_template([{"question_key": "q1", "text_zh": "维修满意吗？", "text_en": "Happy with the repair?",
			"question_type": "Rating 1-5", "required": 1}])  # fmt: skip
		category = make_category("Never", survey_template=template.name)
		order = make_order(self.unit, category, self.resident)
		frappe.db.set_value(
			"Service Order", order.name, {"status": "In Progress", "completion_notes": "修好了"}
		)
		act(order, "Complete")
		invitation = surveys.invitation_for("Service Order", order.name)
		frappe.db.commit()
		client = SiteClient(self.user)
		page = client.get(f"/property/requests/{order.name}").text
		self.assertIn(f'href="/property/surveys/{invitation.name}"', page)
		self.assertNotIn('id="rate-form"', page)
		self.assertIn(f"/property/surveys/{invitation.name}", client.get("/property/surveys").text)
		ok = self.post(client, invitation=invitation.name, answers=answers({"q1": "5"}))
		self.assertEqual(ok.status_code, 200, ok.text)
		self.assertEqual(frappe.db.get_value("Service Order", order.name, "rating"), 5)
		# the housemate sees the household's order, but not the requester's survey
		self.assertNotIn(
			"order-survey", SiteClient(self.housemate_user).get(f"/property/requests/{order.name}").text
		)

	def test_answer_page_renders_questions_with_conditions(self):
		client = SiteClient(self.user)
		page = client.get(f"/property/surveys/{self.mine}")
		self.assertEqual(page.status_code, 200)
		self.assertIn('data-cond-key="overall"', page.text)
		self.assertIn("Overall, how satisfied are you?", page.text)
		self.assertIn(
			"您对物业服务总体满意吗", client.get(f"/property/s/{self.my_token}", {"_lang": "zh"}).text
		)

	def test_token_refusals_over_http(self):
		guest = SiteClient()
		good = self.my_token
		forged = good[:-1] + ("0" if good[-1] != "0" else "1")
		unsigned = rules.make_token("deadbeef" * 4, b"not-the-site-key")
		for token in (forged, unsigned, "abc"):
			self.assertEqual(self.post(guest, token=token, answers=answers(GOOD)).status_code, 403, token)
			self.assertIn("survey-message", guest.get(f"/property/s/{token}").text)
		# another person's token with my invitation; another campaign's token with my invitation
		self.assertEqual(
			self.post(guest, token=self.their_token, invitation=self.mine, answers=answers(GOOD)).status_code,
			403,
		)
		self.assertEqual(
			self.post(guest, token=self.other_token, invitation=self.mine, answers=answers(GOOD)).status_code,
			403,
		)
		# a signed-in resident cannot use someone else's link
		me = SiteClient(self.user)
		self.assertEqual(self.post(me, token=self.their_token, answers=answers(GOOD)).status_code, 403)
		self.assertIn("survey-message", me.get(f"/property/s/{self.their_token}").text)
		self.assertEqual(frappe.db.count("Survey Response", {"campaign": self.campaign.name}), 0)

	def test_campaign_past_its_end_refuses_answers(self):
		campaign = make_campaign(self.template)
		_estate, unit, person = make_place()
		invitation, _token = surveys.invite(campaign.name, person.name, unit.name)
		campaign.db_set("ends_on", add_days(frappe.utils.nowdate(), -1))
		with self.assertRaises(frappe.PermissionError):
			surveys.submit(invitation, answers(GOOD), "Portal")
		self.assertGreaterEqual(survey_campaigns.close_ended(), 1)
		self.assertEqual(frappe.db.get_value("Survey Campaign", campaign.name, "status"), "Closed")
		self.assertEqual(
			frappe.db.get_value("Survey Campaign", self.campaign.name, "status"), "Running", "no end date"
		)

	def test_expired_token_refused(self):
		invitation, token = surveys.invite(self.other_campaign.name, self.resident.name, self.unit.name)
		frappe.db.set_value("Survey Invitation", invitation, "valid_until", add_days(now_datetime(), -1))
		frappe.db.commit()
		guest = SiteClient()
		self.assertIn("expired", guest.get(f"/property/s/{token}", {"_lang": "en"}).text)
		self.assertEqual(self.post(guest, token=token, answers=answers(GOOD)).status_code, 403)

	def test_token_link_answers_once_without_login_and_conditions_enforced(self):
		campaign = make_campaign(self.template)
		_estate, unit, person = make_place()
		invitation, token = surveys.invite(campaign.name, person.name, unit.name)
		frappe.db.commit()
		guest = SiteClient()
		page = guest.get(f"/property/s/{token}")
		self.assertEqual(page.status_code, 200)
		self.assertIn('id="survey-form"', page.text)
		# a required question missing: refused with the reason, nothing stored
		missing = self.post(guest, token=token, answers=answers({"clean": "3"}))
		self.assertEqual(missing.status_code, 417, missing.text)
		ok = self.post(guest, token=token, invitation=invitation, answers=answers(GOOD | {"why": "hidden"}))
		self.assertEqual(ok.status_code, 200, ok.text)
		name = ok.json["message"]["response"]
		keys = frappe.get_all("Survey Answer", filters={"parent": name}, pluck="question_key")
		self.assertNotIn("why", keys)
		self.assertEqual(frappe.db.get_value("Survey Response", name, "channel"), "E-mail")
		# used: refused
		self.assertEqual(self.post(guest, token=token, answers=answers(GOOD)).status_code, 403)
		self.assertIn("survey-message", guest.get(f"/property/s/{token}").text)

	def test_anonymous_answers_in_every_read_path(self):
		campaign = make_campaign(self.template, anonymous=1)
		invitation, token = surveys.invite(campaign.name, self.resident.name, self.unit.name)
		frappe.db.commit()
		ok = self.post(SiteClient(), token=token, answers=answers(LOW))
		self.assertEqual(ok.status_code, 200, ok.text)
		self.assertIsNone(ok.json["message"]["response"], "the resident is not told the response's name")
		# the resident sees it answered (their own invitation's key is looked up for them), nobody else can
		self.assertNotIn(
			f"/property/surveys/{invitation}", SiteClient(self.user).get("/property/surveys").text
		)
		self.assertIn("survey-message", SiteClient().get(f"/property/s/{token}").text)
		name = frappe.db.get_value("Survey Response", {"campaign": campaign.name}, "name")
		manager = make_user(["Property Manager"])
		frappe.db.commit()
		staff = SiteClient(manager)
		identifying = (self.resident.name, self.unit.name, self.user, invitation)
		fields = json.dumps(["*"])
		paths = [
			(f"/api/resource/Survey Response/{name}", {}),
			("/api/resource/Survey Response", {"filters": json.dumps([["campaign", "=", campaign.name]]),
				"fields": fields}),
			("/api/method/frappe.client.get_list", {"doctype": "Survey Response", "fields": fields,
				"filters": json.dumps({"campaign": campaign.name})}),
			("/api/method/frappe.client.get", {"doctype": "Survey Response", "name": name}),
			("/api/method/frappe.desk.reportview.get", {"doctype": "Survey Response", "fields": fields,
				"filters": json.dumps({"campaign": campaign.name})}),
		]  # fmt: skip
		export = staff.post(
			"/api/method/frappe.desk.reportview.export_query",
			{"doctype": "Survey Response", "file_format_type": "CSV", "fields": json.dumps(["*"]),
				"filters": json.dumps({"campaign": campaign.name})},
		)  # fmt: skip
		self.assertEqual(export.status_code, 200, export.text[:300])
		self.assertIn(campaign.name, export.get_data(as_text=True))
		for value in identifying:
			self.assertNotIn(value, export.get_data(as_text=True), "export")
		for path, params in paths:
			response = staff.get(path, params)
			self.assertEqual(response.status_code, 200, path)
			self.assertIn(campaign.name, response.text, path)
			for value in identifying:
				self.assertNotIn(value, response.text, path)
		from property_crm.property_surveys.report.satisfaction_summary.satisfaction_summary import execute

		frappe.set_user(manager)
		try:
			_columns, data, *_rest = execute(frappe._dict(group_by="Building", from_date="2000-01-01",
				to_date="2100-01-01", campaign=campaign.name))  # fmt: skip
		finally:
			frappe.set_user("Administrator")
		self.assertNotIn(self.unit.building, json.dumps(data, default=str))
		self.assertEqual(sum(row.get("anonymous_low") or 0 for row in data), 1)

	def test_query_count_is_constant(self):
		count = page_queries

		frappe.set_user(self.user)
		try:
			small = {p: count(p) for p in ("/property/surveys", f"/property/surveys/{self.mine}")}
			frappe.set_user("Administrator")
			for _i in range(15):
				surveys.invite(make_campaign(self.template).name, self.resident.name, self.unit.name)
			template = frappe.get_doc("Survey Template", self.template.name)
			frappe.set_user(self.user)
			large = {p: count(p) for p in ("/property/surveys", f"/property/surveys/{self.mine}")}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(small, large)
		self.assertLess(max(large.values()), 30, large)
		self.assertTrue(template)
