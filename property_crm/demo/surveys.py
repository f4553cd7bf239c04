"""The demo's surveys step: the three templates (`demo.generate.surveys`), linked to every service and
complaint category that has no survey yet; a yearly survey for each of the demo's two years (last year's
anonymous and closed, this year's named and running — the portal demo residents still have theirs to
answer), one invitation per household; streams of after-repair and after-complaint surveys for a share of
the completed orders and resolved named complaints of the two years (some invited people never answer);
follow-up visits for the named low answers (the older ones done). Everything is
bulk-inserted with its scores computed by `property_surveys.rules.survey`, as saving a response would. A second run adds
nothing (marked by a default)."""

import json
import random
import time
from datetime import datetime, timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

from property_crm.demo.generate import surveys as demo
from property_crm.property_surveys import surveys
from property_crm.property_surveys.rules import survey as rules

SURVEYS_DONE = "property_crm_demo_surveys"
CHUNK = 10_000
ADMIN = "Administrator"
BASE = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
RESPONSE_FIELDS = [*BASE, "naming_series", "campaign", "template", "channel", "is_anonymous", "submitted_on",
	"estate", "building", "unit", "person", "invitation", "reference_doctype", "reference_name", "technician",
	"category", "overall_score", "has_score", "response_class", "nps_value", "nps_class", "ratings_count", "satisfied_ratings",
	"low_score", "follow_up", "response_key"]  # fmt: skip
ANSWER_FIELDS = [*BASE, "parent", "parenttype", "parentfield", "idx", "question_key", "question", "question_type",
	"dimension", "value", "score"]  # fmt: skip
DIMENSION_FIELDS = [*BASE, "parent", "parenttype", "parentfield", "idx", "dimension", "score", "submitted_on",
	"estate", "building", "campaign", "category", "technician"]  # fmt: skip
INVITATION_FIELDS = [*BASE, "campaign", "person", "person_name", "mobile", "unit", "estate", "building", "channel",
	"status", "uses_left", "valid_from", "valid_until", "token_hash", "respondent_key", "sent_on", "response",
	"reference_doctype", "reference_name", "call_outcome", "call_attempts"]  # fmt: skip
VISIT_FIELDS = [*BASE, "naming_series", "reference_doctype", "reference_name", "estate", "unit", "status",
	"due_date", "method", "visitor", "outcome", "satisfaction", "on_unsatisfied", "notes"]  # fmt: skip
CHANNELS = (("Portal", 0.4), ("E-mail", 0.3), ("Phone", 0.25), ("Paper", 0.05))


def seed_surveys(
	rng: random.Random,
	progress,
	annual_rate: float = 0.35,
	repair_rate: float = 0.3,
	invited_rate: float = 0.6,
) -> dict:
	if frappe.db.get_default(SURVEYS_DONE):
		progress(f"surveys: kept as they are ({frappe.db.count('Survey Response'):,} responses)")
		return {}
	started = time.monotonic()
	surveys.install_dimensions()
	templates = ensure_templates()
	link_categories(templates)
	writer = Writer(rng)
	now = now_datetime().replace(microsecond=0)
	households = household_rows()
	pending = portal_people()
	for years_ago, anonymous, status in ((1, 1, "Closed"), (0, 0, "Running")):
		year = now.year - years_ago
		opens = datetime(year, 3, 1, 9)
		if opens > now:
			opens = now - timedelta(days=20)
		closes = min(opens + timedelta(days=45), now)
		campaign = ensure_campaign(
			f"{year} 年度满意度调查", templates[demo.ANNUAL], status, anonymous, opens.date(), closes.date()
		)
		for row in households:
			answered = row.person not in pending and rng.random() < annual_rate
			writer.invitation(campaign, row, opens, answered=answered and not anonymous)
			if answered:
				when = opens + timedelta(seconds=rng.randint(0, int((closes - opens).total_seconds())))
				writer.response(campaign, demo.ANNUAL, templates[demo.ANNUAL], demo.annual_answers(rng,
					demo.mood_of(rng)), when, row, anonymous=bool(anonymous))  # fmt: skip
	repair_campaign = surveys.post_service_campaign(templates[demo.AFTER_REPAIR])
	orders = completed_orders(now - timedelta(days=730))
	for order in demo.sample(rng, orders, repair_rate / invited_rate):  # invited; some answer
		order.reference = ("Service Order", order.name)
		answered = rng.random() < invited_rate
		writer.invitation(repair_campaign, order, order.completed_on, answered=answered)
		if answered:
			when = min(order.completed_on + timedelta(hours=rng.randint(2, 72)), now)
			writer.response(repair_campaign, demo.AFTER_REPAIR, templates[demo.AFTER_REPAIR],
				demo.repair_answers(rng, order.rating or None), when, order)  # fmt: skip
	complaint_campaign = surveys.post_service_campaign(templates[demo.AFTER_COMPLAINT])
	for complaint in demo.sample(
		rng, resolved_complaints(now - timedelta(days=730)), repair_rate / invited_rate
	):
		complaint.reference = ("Complaint", complaint.name)
		answered = rng.random() < invited_rate
		writer.invitation(complaint_campaign, complaint, complaint.resolved_on, answered=answered)
		if answered:
			when = min(complaint.resolved_on + timedelta(hours=rng.randint(2, 96)), now)
			writer.response(complaint_campaign, demo.AFTER_COMPLAINT, templates[demo.AFTER_COMPLAINT],
				demo.complaint_answers(rng), when, complaint)  # fmt: skip
	writer.flush(final=True)
	for campaign in frappe.get_all("Survey Campaign", pluck="name"):
		surveys.refresh_counts(campaign)
	frappe.db.set_default(SURVEYS_DONE, str(writer.responses))
	frappe.db.commit()
	figures = {"responses": writer.responses, "invitations": writer.invitations, "follow_ups": writer.visits}
	progress(
		f"surveys: 3 templates, 2 yearly campaigns, after-repair and after-complaint streams — {writer.invitations:,} "
		f"invitations, {writer.responses:,} responses, {writer.visits:,} follow-up visits in "
		f"{time.monotonic() - started:.0f} s"
	)
	return figures


def ensure_templates() -> dict[str, str]:
	out = {}
	for title, rows in demo.TEMPLATES.items():
		name = frappe.db.get_value("Survey Template", {"title": title, "is_latest": 1}, "name")
		if not name:
			doc = frappe.get_doc({"doctype": "Survey Template", "title": title, "questions": rows})
			doc.insert(ignore_permissions=True)  # Safe: demo data made by the system.
			name = doc.name
		out[title] = name
	return out


def link_categories(templates: dict[str, str]) -> None:
	frappe.db.sql(
		"""update `tabService Category` set survey_template = %s
		where is_group = 0 and ifnull(survey_template, '') = ''""",
		templates[demo.AFTER_REPAIR],
	)
	frappe.db.sql(
		"update `tabComplaint Category` set survey_template = %s where ifnull(survey_template, '') = ''",
		templates[demo.AFTER_COMPLAINT],
	)


def ensure_campaign(title, template, status, anonymous, starts_on, ends_on) -> str:
	name = frappe.db.get_value("Survey Campaign", {"title": title}, "name")
	if name:
		return name
	doc = frappe.get_doc(
		{"doctype": "Survey Campaign", "title": title, "template": template, "one_per": "Household",
			"exclude_days": 0, "anonymous": anonymous, "starts_on": starts_on, "ends_on": None if status == "Running"
			else ends_on, "channel_portal": 1, "channel_email": 1, "channel_phone": 1, "channel_paper": 1,
			"link_valid_days": 60}
	)  # fmt: skip
	doc.insert(ignore_permissions=True)  # Safe: demo data made by the system.
	doc.db_set("status", status)
	return doc.name


def household_rows() -> list:
	"""One row per unit: its primary contact (who speaks for the household), living there today."""
	return frappe.db.sql(
		"""select o.resident as person, o.parent as unit, u.estate, u.building, p.full_name, p.mobile
		from `tabProperty Unit Occupant` o
		join `tabProperty Unit` u on u.name = o.parent
		join `tabProperty Owner` p on p.name = o.resident
		where o.parenttype = 'Property Unit' and o.primary_contact = 1 and o.move_out is null
		order by o.parent""",
		as_dict=True,
	)


def portal_people() -> set[str]:
	"""The demo's portal residents: their yearly survey is left for them to answer on the portal."""
	return set(frappe.get_all("Property Owner", filters={"user": ("is", "set")}, pluck="name"))


def resolved_complaints(since) -> list:
	"""Named complaints resolved in the period (an anonymous complainant is never invited)."""
	return frappe.db.sql(
		"""select c.name, c.complainant as person, c.unit, c.estate, c.building, c.resolved_on,
			c.complaint_category as category, p.full_name, p.mobile
		from `tabComplaint` c join `tabProperty Owner` p on p.name = c.complainant
		where c.is_anonymous = 0 and c.resolved_on >= %s and c.status in ('Resolved', 'Closed')
		order by c.resolved_on""",
		since,
		as_dict=True,
	)


def completed_orders(since) -> list:
	return frappe.db.sql(
		"""select so.name, so.requester as person, so.unit, so.estate, so.building, so.completed_on,
			so.service_category as category, so._assign, so.rating, p.full_name, p.mobile
		from `tabService Order` so join `tabProperty Owner` p on p.name = so.requester
		where so.status in ('Completed', 'Closed') and so.completed_on >= %s
		order by so.completed_on""",
		since,
		as_dict=True,
	)


class Writer:
	"""Collects rows and bulk-inserts them in chunks."""

	def __init__(self, rng: random.Random):
		from property_crm.demo.common import current_series, visitors_by_estate

		self.rng = rng
		self.rows = {key: [] for key in ("Survey Response", "Survey Answer", "Survey Response Dimension",
			"Survey Invitation", "Return Visit")}  # fmt: skip
		self.series: dict[str, int] = {}
		self.current_series = current_series
		self.visitors = visitors_by_estate()
		self.threshold = float(frappe.get_cached_doc("Property CRM Settings").survey_follow_up_below or 60)
		self.responses = self.invitations = self.visits = 0
		self.last_invitation = None

	def next_name(self, prefix: str) -> str:
		self.series[prefix] = self.series.get(prefix, self.current_series(prefix)) + 1
		return (
			f"{prefix}{self.series[prefix]:06d}"
			if prefix.startswith("SVR")
			else f"{prefix}{self.series[prefix]:05d}"
		)

	def invitation(self, campaign: str, row, sent: datetime, answered: bool) -> None:
		reference = getattr(row, "reference", None) or row.get("reference")
		key = rules.respondent_key(
			row.person, row.unit, reference is None, ":".join(reference) if reference else None
		)
		name = frappe.generate_hash(length=12)
		self.last_invitation = name if answered else None
		status = "Answered" if answered else "Pending"
		self.rows["Survey Invitation"].append((name, sent, sent, ADMIN, ADMIN, 0, campaign, row.person,
			row.full_name, row.mobile, row.unit, row.estate, row.building, "Portal", status, 0 if answered else 1,
			sent, sent + timedelta(days=60), rules.token_hash(frappe.generate_hash(length=32)), key, sent, None,
			reference[0] if reference else None, reference[1] if reference else None, None, 0))  # fmt: skip
		self.invitations += 1

	def response(
		self, campaign, template_title, template, answers, when, row, anonymous: bool = False
	) -> None:
		questions = {q.key: q for q in demo.questions(template_title)}
		scores = demo.scored(template_title, answers)
		name = self.next_name(f"SVR-{when.year}-")
		reference = getattr(row, "reference", None) or row.get("reference")
		technician = None
		if reference and row.get("_assign"):
			assigned = json.loads(row._assign or "[]")
			technician = assigned[0] if assigned else None
		invitation = self.last_invitation
		if invitation and not anonymous:
			# the last invitation row is this person's: it points at the response
			last = list(self.rows["Survey Invitation"][-1])
			last[INVITATION_FIELDS.index("response")] = name
			self.rows["Survey Invitation"][-1] = tuple(last)
		# an anonymous campaign's invitation stays as it was; the response's key is its signed name
		anonymous_key = surveys.used_key(self.rows["Survey Invitation"][-1][0]) if anonymous else None
		low = not anonymous and rules.needs_follow_up(scores, self.threshold)
		visit = self.visit(name, row, when) if low else None
		channel = "Portal" if reference else self.channel()
		self.rows["Survey Response"].append((name, when, when, ADMIN, ADMIN, 0, "SVR-.YYYY.-.######", campaign,
			template, channel, int(anonymous), when, row.estate, None if anonymous else row.building,
			None if anonymous else row.unit, None if anonymous else row.person, None if anonymous else invitation,
			reference[0] if reference else None, reference[1] if reference else None, technician,
			row.get("category"), scores.overall or 0, int(scores.overall is not None), scores.response_class,
			scores.nps_value or 0, scores.nps_class,
			scores.ratings, scores.satisfied_ratings, int(low), visit,
			anonymous_key if anonymous else rules.respondent_key(row.person, row.unit, reference is None,
				":".join(reference) if reference else None)))  # fmt: skip
		for idx, (key, value) in enumerate(answers.items(), start=1):
			question = questions[key]
			self.rows["Survey Answer"].append((frappe.generate_hash(length=12), when, when, ADMIN, ADMIN, 0, name,
				"Survey Response", "answers", idx, key, question.label, question.type, question.dimension,
				json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value),
				scores.answer_scores.get(key) or 0))  # fmt: skip
		for idx, (dimension, score) in enumerate(scores.dimensions.items(), start=1):
			self.rows["Survey Response Dimension"].append((frappe.generate_hash(length=12), when, when, ADMIN,
				ADMIN, 0, name, "Survey Response", "dimension_scores", idx, dimension, score, when, row.estate,
				None if anonymous else row.building, campaign, row.get("category"), technician))  # fmt: skip
		self.responses += 1
		if len(self.rows["Survey Answer"]) >= CHUNK:
			self.flush()

	def channel(self) -> str:
		roll, total = self.rng.random(), 0.0
		for channel, share in CHANNELS:
			total += share
			if roll < total:
				return channel
		return "Portal"

	def visit(self, response: str, row, when: datetime) -> str:
		name = self.next_name(f"RV-{when.year}-")
		due = getdate(add_days(when, 2))
		old = when < now_datetime() - timedelta(days=14)
		outcome = self.rng.choices(("Satisfied", "Unsatisfied", "Unreachable"), (7, 2, 1))[0] if old else None
		clerks = self.visitors.get(row.estate) or [None]
		self.rows["Return Visit"].append((name, when, when, ADMIN, ADMIN, 0, "RV-.YYYY.-", "Survey Response",
			response, row.estate, row.unit, "Done" if outcome else "Open", due, "Phone",
			clerks[self.rng.randrange(len(clerks))], outcome, {"Satisfied": 4, "Unsatisfied": 2}.get(outcome, 0),
			"Record only", {"Satisfied": "回访后住户表示问题已解决", "Unsatisfied": "住户仍不满意，已转项目经理",
			"Unreachable": "电话无人接听"}.get(outcome)))  # fmt: skip
		self.visits += 1
		return name

	def flush(self, final: bool = False) -> None:
		fields = {"Survey Response": RESPONSE_FIELDS, "Survey Answer": ANSWER_FIELDS,
			"Survey Response Dimension": DIMENSION_FIELDS, "Survey Invitation": INVITATION_FIELDS,
			"Return Visit": VISIT_FIELDS}  # fmt: skip
		for doctype, rows in self.rows.items():
			frappe.db.bulk_insert(doctype, fields[doctype], rows, chunk_size=CHUNK)
			self.rows[doctype] = []
		if final:
			from property_crm.demo.common import set_series

			for prefix, number in self.series.items():
				set_series(prefix, number)
		frappe.db.commit()
