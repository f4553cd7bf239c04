"""A campaign's life: start, the audience, sending invitations as a background job (batched inserts,
progress, e-mail through Frappe's Email Queue), the phone call list and paper forms, live response rates,
closing."""

import json
import secrets
import time

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_days, cint, now_datetime, today

from property_crm.property_households.residents import check_occupant
from property_crm.property_surveys import surveys
from property_crm.property_surveys.rules import survey as rules
from property_crm.protected_fields import protect_row

CAMPAIGN, INVITATION = surveys.CAMPAIGN, surveys.INVITATION
INVITATION_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "campaign", "person",
	"person_name", "mobile", "mobile_encrypted", "mobile_hash", "unit", "estate", "building", "channel",
	"status", "uses_left", "valid_from", "valid_until", "token_hash", "respondent_key", "sent_on"]  # fmt: skip


def validate_campaign(doc) -> None:
	if doc.ends_on and doc.starts_on and str(doc.ends_on) < str(doc.starts_on):
		frappe.throw(
			_("Ends On: the campaign cannot end before it starts."), title=_("Please correct this value")
		)
	if doc.template and frappe.db.get_value(surveys.TEMPLATE, doc.template, "disabled"):
		frappe.throw(
			_("Survey Template: {0} is disabled.").format(doc.template), title=_("Please correct this value")
		)
	if doc.kind != "Post-service" and not (doc.channel_portal or doc.channel_email or doc.channel_phone
		or doc.channel_paper):  # fmt: skip
		frappe.throw(_("Channels: choose at least one channel."), title=_("Please correct this value"))
	before = doc.get_doc_before_save()
	if before and before.status != "Draft" and before.anonymous != doc.anonymous:
		frappe.throw(_("Anonymous: chosen once, before the campaign starts."), title=_("Not allowed"))
	if cint(doc.exclude_days) < 0 or cint(doc.link_valid_days) < 0:
		frappe.throw(_("Days: give 0 or more."), title=_("Please correct this value"))


# ------------------------------------------------------------------ actions (desk)
def _campaign_for_write(campaign: str):
	doc = frappe.get_doc(CAMPAIGN, campaign)
	doc.check_permission("write")
	return doc


@frappe.whitelist(methods=["POST"])
def start(campaign: str) -> str:
	doc = _campaign_for_write(campaign)
	if doc.status != "Draft":
		frappe.throw(_("Only a draft campaign can start."), title=_("Not allowed"))
	doc.status = "Running"
	doc.starts_on = doc.starts_on or today()
	doc.save()
	return doc.status


@frappe.whitelist(methods=["POST"])
def close(campaign: str) -> str:
	doc = _campaign_for_write(campaign)
	doc.status = "Closed"
	doc.ends_on = doc.ends_on or today()
	doc.save()
	return doc.status


@frappe.whitelist(methods=["POST"])
def send_invitations(campaign: str) -> str:
	"""Queue the sending job (one at a time per campaign); progress shows on the campaign's form."""
	doc = _campaign_for_write(campaign)
	if doc.status != "Running":
		frappe.throw(_("Start the campaign before sending invitations."), title=_("Not yet"))
	if doc.kind == "Post-service":
		frappe.throw(_("After-service surveys are sent when the work is done."), title=_("Not allowed"))
	doc.db_set("sending_status", _("Queued"), update_modified=False)
	frappe.enqueue(
		"property_crm.property_surveys.campaigns.send_job",
		queue="long",
		timeout=3600,
		job_id=f"survey-invitations-{campaign}",
		deduplicate=True,
		campaign=campaign,
		user=frappe.session.user,
	)
	return _("Queued")


def send_job(campaign: str, user: str | None = None) -> int:
	return make_invitations(campaign, progress=True)


# ------------------------------------------------------------------ audience
def audience(doc) -> list[dict]:
	"""Rows (person, unit, estate, building, name, mobile, email, channel) to invite for the campaign."""
	estates = [row.estate for row in doc.estates]
	buildings = [row.building for row in doc.buildings]
	types = [t for t, on in (("Owner", doc.owners), ("Tenant", doc.tenants), ("Family Member",
		doc.family_members)) if on]  # fmt: skip
	occupant, unit, person = (
		frappe.qb.DocType("Property Unit Occupant"),
		frappe.qb.DocType("Property Unit"),
		frappe.qb.DocType("Property Owner"),
	)
	day = today()
	query = (
		frappe.qb.from_(occupant)
		.join(unit).on(unit.name == occupant.parent)
		.join(person).on(person.name == occupant.resident)
		.select(occupant.resident.as_("person"), occupant.parent.as_("unit"), occupant.relation,
			occupant.primary_contact, person.resident_type, person.full_name, person.mobile, person.email,
			person.mobile_encrypted, person.mobile_hash, person.language,
			unit.estate, unit.building)
		.where((occupant.parenttype == "Property Unit") & (occupant.parentfield == "occupants"))
		.where(occupant.move_out.isnull() | (occupant.move_out >= day))
		.where(occupant.move_in.isnull() | (occupant.move_in <= day))
	)  # fmt: skip
	if estates:
		query = query.where(unit.estate.isin(estates))
	if buildings:
		query = query.where(unit.building.isin(buildings))
	rows = query.run(as_dict=True)
	tags_of: dict[str, tuple] = {}
	wanted_tags = {row.tag for row in doc.tags}
	if wanted_tags:
		for row in frappe.get_all(
			"Property Owner Tag",
			filters={"parenttype": "Property Owner", "tag": ("in", list(wanted_tags))},
			fields=["parent", "tag"],
			limit_page_length=0,
		):
			tags_of[row.parent] = (*tags_of.get(row.parent, ()), row.tag)
	recent = recently_surveyed(doc.name, cint(doc.exclude_days))
	chosen = rules.select_audience(
		[
			rules.Occupant(
				r.person,
				r.unit,
				r.relation or "",
				bool(r.primary_contact),
				r.resident_type,
				tags_of.get(r.person, ()),
			)
			for r in rows
		],
		per_household=doc.one_per == "Household",
		recently_surveyed=recent,
		resident_types=set(types) if types and len(types) < 3 else None,
		tags=wanted_tags or None,
	)
	by_pair = {(r.person, r.unit): r for r in rows}
	out = []
	for person_name, unit_name in chosen:
		row = by_pair[(person_name, unit_name)]
		row.channel = (
			"E-mail" if doc.channel_email and row.email
			else "Phone" if doc.channel_phone and row.mobile and not doc.channel_portal
			else "Portal" if doc.channel_portal
			else "Phone" if doc.channel_phone
			else "Paper"
		)  # fmt: skip
		out.append(row)
	return out


def recently_surveyed(campaign: str, days: int) -> set[str]:
	"""People invited by another (non post-service) campaign in the last `days` days."""
	if days <= 0:
		return set()
	invitation, other = frappe.qb.DocType(INVITATION), frappe.qb.DocType(CAMPAIGN)
	rows = (
		frappe.qb.from_(invitation)
		.join(other).on(other.name == invitation.campaign)
		.select(invitation.person).distinct()
		.where((other.kind == "Campaign") & (invitation.campaign != campaign))
		.where(invitation.creation >= add_days(now_datetime(), -days))
		.where(invitation.person.isnotnull())
		.run()
	)  # fmt: skip
	return {row[0] for row in rows}


def make_invitations(campaign: str, progress: bool = False) -> int:
	"""Invite the campaign's audience (who is not invited yet): batched inserts, e-mails queued; returns
	how many were made. Running it again adds only people who were not invited."""
	started = time.monotonic()
	doc = frappe.get_doc(CAMPAIGN, campaign)
	rows = audience(doc)
	have = set(frappe.get_all(INVITATION, filters={"campaign": campaign}, pluck="respondent_key"))
	now = now_datetime()
	until = add_days(now, cint(doc.link_valid_days) or 30)
	per_household = doc.one_per == "Household"
	batch, mails, made = [], [], 0
	todo = [r for r in rows if rules.respondent_key(r.person, r.unit, per_household) not in have]
	total = len(todo) or 1
	key = surveys.signing_key()
	for index, row in enumerate(todo, start=1):
		token = rules.make_token(secrets.token_hex(16), key)
		name = frappe.generate_hash(length=12)
		protect_row(INVITATION, row)  # the file's mask, ciphertext and hash (a legacy plain number protected)
		batch.append((name, now, now, "Administrator", "Administrator", 0, campaign, row.person, row.full_name,
			row.mobile, row.mobile_encrypted, row.mobile_hash, row.unit, row.estate, row.building, row.channel,
			"Pending", 1, now, until,
			rules.token_hash(token), rules.respondent_key(row.person, row.unit, per_household), now))  # fmt: skip
		if row.channel == "E-mail":
			mails.append((name, token, row.email, row.language))
		if len(batch) >= surveys.CHUNK or index == len(todo):
			frappe.db.bulk_insert(INVITATION, INVITATION_FIELDS, batch, chunk_size=surveys.CHUNK)
			made += len(batch)
			batch = []
			for invitation, secret, email, language in mails:
				surveys.send_email(invitation, secret, email=email, title=doc.title, language=language)
			mails = []
			frappe.db.commit() if progress else None
			if progress:
				frappe.publish_progress(
					made * 100 / total,
					title=_("Sending invitations"),
					doctype=CAMPAIGN,
					docname=campaign,
					description=_("{0} of {1} invitations").format(made, len(todo)),
				)
	elapsed = time.monotonic() - started
	frappe.db.set_value(
		CAMPAIGN,
		campaign,
		{
			"sending_status": _("{0} invitations made in {1} s").format(made, round(elapsed, 1)),
			"sent_on": now,
		},
		update_modified=False,
	)
	surveys.refresh_counts(campaign)
	if progress:
		frappe.db.commit()
	return made


# ------------------------------------------------------------------ live progress
@frappe.whitelist()
def progress_by_place(campaign: str) -> list[dict]:
	"""Invitations, answers and response rate per estate and building (one query)."""
	frappe.get_doc(CAMPAIGN, campaign).check_permission("read")
	invitation = frappe.qb.DocType(INVITATION)

	answered = Sum(Case().when(invitation.status == "Answered", 1).else_(0))
	rows = (
		frappe.qb.from_(invitation)
		.select(
			invitation.estate, invitation.building, Count("*").as_("invitations"), answered.as_("answered")
		)
		.where(invitation.campaign == campaign)
		.groupby(invitation.estate, invitation.building)
		.orderby(invitation.estate)
		.orderby(invitation.building)
		.run(as_dict=True)
	)
	if frappe.db.get_value(CAMPAIGN, campaign, "anonymous"):
		# anonymous: invitations never say who answered; the responses say how many, per estate only
		answered = dict(
			frappe.get_all(
				surveys.RESPONSE,
				filters={"campaign": campaign},
				fields=["estate", "count(name) as answered"],
				group_by="estate",
				as_list=True,
			)
		)
		by_estate: dict = {}
		for row in rows:
			by_estate.setdefault(row.estate, frappe._dict(estate=row.estate, building=None, invitations=0))
			by_estate[row.estate].invitations += row.invitations
		rows = list(by_estate.values())
		for row in rows:
			row.answered = int(answered.get(row.estate) or 0)
	for row in rows:
		row.answered = int(row.answered or 0)
		row.rate = rules.rate(row.answered, row.invitations)
	return rows


# ------------------------------------------------------------------ phone and paper (desk)
@frappe.whitelist()
def questions_for(campaign: str) -> dict:
	"""The template's questions for the desk's answer dialog (phone call or paper form)."""
	doc = frappe.get_doc(CAMPAIGN, campaign)
	doc.check_permission("read")
	lang = frappe.local.lang or "zh"
	return {
		"campaign": doc.name,
		"anonymous": doc.anonymous,
		"fields": [
			dialog_field(surveys.question_of(row, lang)) for row in surveys.question_rows(doc.template)
		],
	}


CHOICES = {rules.RATING: [str(n) for n in range(1, 6)], rules.NPS: [str(n) for n in range(11)],
	rules.YES_NO: [rules.YES, rules.NO]}  # fmt: skip


def dialog_field(question: rules.Question) -> dict:
	"""A Frappe dialog field for one question; its condition becomes the field's `depends_on` (the server
	checks the answers again: a hidden question's answer is dropped)."""
	field = {"fieldname": question.key, "label": question.label, "reqd": 0, "bold": int(question.required)}
	if question.type in CHOICES:
		field |= {"fieldtype": "Select", "options": "\n".join(["", *CHOICES[question.type]])}
	elif question.type == rules.SINGLE:
		field |= {"fieldtype": "Select", "options": "\n".join(["", *question.options])}
	elif question.type == rules.MULTIPLE:
		field |= {"fieldtype": "MultiCheck", "options": [{"label": o, "value": o} for o in question.options]}
	else:
		field |= {"fieldtype": "Small Text"}
	if question.has_condition:
		key, operator, value = (json.dumps(question.condition_key), json.dumps(question.condition_operator),
			json.dumps(question.condition_value or ""))  # fmt: skip
		# the same rule as property_surveys.rules.survey.condition_holds, on the dialog's values
		field["depends_on"] = (
			"eval:((a, op, e) => { const v = Array.isArray(a) ? a.map(String) : (a === undefined || a === null"
			" || a === '' ? [] : [String(a)]); e = String(e).trim(); if (!v.length) return false;"
			" if (op === '=') return v.includes(e); if (op === '!=') return !v.includes(e);"
			" if (op === 'in') return e.split(',').map(s => s.trim()).some(x => v.includes(x));"
			" const g = parseFloat(v[0]), l = parseFloat(e); if (isNaN(g) || isNaN(l)) return false;"
			f" return op === '<=' ? g <= l : g >= l; }})(doc[{key}], {operator}, {value})"
		)
	return field


@frappe.whitelist(methods=["POST"])
def record_call(
	invitation: str, outcome: str, call_back_on: str | None = None, notes: str | None = None
) -> str:
	"""电话回访: customer service marks a call that did not give answers."""
	doc = frappe.get_doc(INVITATION, invitation)
	doc.check_permission("write")
	if outcome not in ("Unreachable", "Refused", "Call Back"):
		frappe.throw(
			_("Call Outcome: choose Unreachable, Refused or Call Back."), title=_("Please correct this value")
		)
	if doc.status == "Answered":
		frappe.throw(_("This survey has already been answered. Thank you!"), title=_("Not allowed"))
	if outcome == "Call Back" and not call_back_on:
		frappe.throw(_("Call Back On: give the time to call again."), title=_("Please correct this value"))
	doc.call_outcome = outcome
	doc.status = outcome
	doc.call_back_on = call_back_on if outcome == "Call Back" else None
	doc.call_attempts = cint(doc.call_attempts) + 1
	if notes:
		doc.call_notes = ((doc.call_notes or "") + "\n" + notes).strip()
	doc.save()
	return doc.status


@frappe.whitelist(methods=["POST"])
def record_answers(
	answers: str,
	channel: str = "Phone",
	invitation: str | None = None,
	campaign: str | None = None,
	person: str | None = None,
	unit: str | None = None,
) -> str:
	"""Answers taken on the phone (from the call list's invitation) or typed from a paper form."""
	if channel not in ("Phone", "Paper"):
		frappe.throw(_("Channel: choose Phone or Paper."), title=_("Please correct this value"))
	if not frappe.has_permission(surveys.RESPONSE, "create"):
		raise frappe.PermissionError(_("You may not record survey answers."))
	if invitation:
		frappe.get_doc(INVITATION, invitation).check_permission("write")
		if frappe.db.get_value(INVITATION, invitation, "status") == "Answered":
			surveys.refuse(_("This survey has already been answered. Thank you!"))
		name = surveys.submit(invitation, answers, channel)
		frappe.db.set_value(
			INVITATION, invitation, "call_attempts",
			cint(frappe.db.get_value(INVITATION, invitation, "call_attempts")) + (channel == "Phone"),
			update_modified=False,
		)  # fmt: skip
		return name
	doc = frappe.get_doc(CAMPAIGN, campaign)
	doc.check_permission("read")
	check_occupant(person, unit, "Resident")
	if person and not doc.anonymous:
		# a named paper form uses the person's invitation when there is one (one answer per person)
		key = rules.respondent_key(person, unit, doc.one_per == "Household")
		existing = frappe.db.get_value(INVITATION, {"campaign": campaign, "respondent_key": key}, "name")
		if existing:
			return surveys.submit(existing, answers, channel)
	return surveys.submit(None, answers, channel, campaign=campaign, person=person, unit=unit)


# ------------------------------------------------------------------ scheduled
def close_ended() -> int:
	"""Daily: running campaigns past their end date close (answers are refused from the day after anyway)."""
	names = frappe.get_all(
		CAMPAIGN,
		# (Frappe compares an empty date as 0001-01-01: a campaign without an end must be left out explicitly)
		filters=[
			["status", "=", "Running"],
			["kind", "=", "Campaign"],
			["ends_on", "is", "set"],
			["ends_on", "<", today()],
		],
		pluck="name",
	)
	for name in names:
		frappe.db.set_value(CAMPAIGN, name, "status", "Closed")
	return len(names)
