"""Customer care (客户关怀): periodic return visits, the daily care calendar, greeting campaigns, community
events. The rules are `property_care.rules.care`; this module reads and writes.

- `plan_return_visits` (daily): per estate policy (Property Care Policy: a default frequency, shorter ones
  for tags such as Elderly Living Alone), every occupied unit whose last periodic visit is old enough gets a
  Return Visit (reference: the Property Unit), shared evenly among the estate's customer service. A new
  household's first visit is spread over the first interval, so a policy does not plan every household on
  its first day. Outcomes feed the household's satisfaction trend; an unreachable household is retried a few
  days later, and after the policy's retries flagged (a care event and a task for the estate's manager).
- `daily_care` (daily): birthdays and move-in anniversaries of people living in the estates. A greeting goes
  out only with marketing consent, by the preferred channel (e-mail, SMS with a gateway, the portal), or
  becomes a call task for customer service (phone, WeChat); every case is a Property Care Event (also the
  skipped ones, with the reason), unique per resident, kind and day, so the job can run twice.
- `send_due_campaigns` (daily): holiday greetings (Property Greeting Campaign) on their day, the same rules.
"""

from calendar import isleap
from collections import defaultdict
from datetime import date

from pypika.terms import Case

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Count, Max, Sum
from frappe.utils import cint, getdate, now_datetime, today

from property_crm.mobile_numbers import full_mobile
from property_crm.property_care.rules import care as rules
from property_crm.property_households.rules.occupancy import current_occupants
from property_crm.validation import apply_rule

VISIT = "Return Visit"
UNIT = "Property Unit"
CS_ROLE = "Property Customer Service"
DEFAULT_BIRTHDAY = "{0}，物业服务中心祝您生日快乐，身体健康，万事如意！"
DEFAULT_ANNIVERSARY = "{0}，今天是您入住{1}周年的日子，感谢您一直以来对物业服务的支持！"


def daily() -> None:
	"""The scheduler's daily care run."""
	plan_return_visits()
	daily_care()
	send_due_campaigns()


# ------------------------------------------------------------------ policies and staff
def policies(estate: str | None = None) -> dict[str, frappe._dict]:
	"""Enabled care policies by estate, with their tag rules and visitors (three queries)."""
	filters = {"enabled": 1} | ({"estate": estate} if estate else {})
	found = {
		p.name: p
		for p in frappe.get_all(
			"Property Care Policy",
			filters=filters,
			fields=["name", "estate", "default_frequency", "method", "unreachable_retries", "birthday_greetings",
				"anniversary_greetings", "birthday_message", "anniversary_message", "creation"],
		)
	}  # fmt: skip
	for p in found.values():
		p.rules, p.visitors = {}, []
	if found:
		for row in frappe.get_all(
			"Property Care Policy Rule",
			filters={"parent": ("in", list(found)), "parenttype": "Property Care Policy"},
			fields=["parent", "tag", "frequency"],
		):
			found[row.parent].rules[row.tag] = row.frequency
		for row in frappe.get_all(
			"Property Care Staff",
			filters={"parent": ("in", list(found)), "parenttype": "Property Care Policy"},
			fields=["parent", "user"],
			order_by="idx asc",
		):
			found[row.parent].visitors.append(row.user)
	return {p.estate: p for p in found.values()}


def estate_staff(estate: str) -> list[str]:
	"""Enabled customer-service users restricted to the estate; else those restricted to no estate."""
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	perm = frappe.qb.DocType("User Permission")
	rows = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.left_join(perm)
		.on((perm.user == user.name) & (perm.allow == "Property Estate"))
		.select(user.name, perm.for_value)
		.where((has_role.role == CS_ROLE) & (has_role.parenttype == "User") & (user.enabled == 1))
		.run(as_dict=True)
	)
	mine = sorted({r.name for r in rows if r.for_value == estate})
	if mine:
		return mine
	restricted = {r.name for r in rows if r.for_value}
	return sorted({r.name for r in rows} - restricted)


# ------------------------------------------------------------------ periodic return visits
def households(estate: str, day: date) -> dict[str, list[str]]:
	"""Occupied units of the estate and the residents living there on `day` (one query)."""
	row = frappe.qb.DocType("Property Unit Occupant")
	unit = frappe.qb.DocType(UNIT)
	rows = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.select(row.parent.as_("unit"), row.resident, row.move_in, row.move_out)
		.where((row.parenttype == UNIT) & (unit.estate == estate))
		.run(as_dict=True)
	)
	out = defaultdict(list)
	for r in current_occupants(rows, day):
		out[r.unit].append(r.resident)
	return dict(out)


def tags_of(residents: list[str]) -> dict[str, set[str]]:
	if not residents:
		return {}
	out = defaultdict(set)
	for r in frappe.get_all(
		"Property Owner Tag",
		filters={"parenttype": "Property Owner", "parent": ("in", residents)},
		fields=["parent", "tag"],
	):
		out[r.parent].add(r.tag)
	return out


def last_visits(estate: str) -> dict[str, frappe._dict]:
	"""Per unit: the last periodic visit's due date and whether one is open (one query)."""
	visit = frappe.qb.DocType(VISIT)
	open_case = Case().when(visit.status == "Open", 1).else_(0)
	rows = (
		frappe.qb.from_(visit)
		.select(visit.unit, Max(visit.due_date).as_("last"), Sum(open_case).as_("open"))
		.where((visit.reference_doctype == UNIT) & (visit.estate == estate))
		.groupby(visit.unit)
		.run(as_dict=True)
	)
	return {r.unit: r for r in rows}


def open_load(users: list[str]) -> dict[str, int]:
	if not users:
		return {}
	visit = frappe.qb.DocType(VISIT)
	rows = (
		frappe.qb.from_(visit)
		.select(visit.visitor, Count("*").as_("n"))
		.where((visit.status == "Open") & visit.visitor.isin(users))
		.groupby(visit.visitor)
		.run()
	)
	return {user: n for user, n in rows}


def plan_return_visits(day: date | str | None = None, estate: str | None = None) -> dict[str, int]:
	"""Plan the periodic return visits that are due; returns how many per estate."""
	day = getdate(day or today())
	planned = {}
	for estate_name, policy in policies(estate).items():
		homes = households(estate_name, day)
		tags = tags_of(sorted({r for people in homes.values() for r in people}))
		last = last_visits(estate_name)
		start = getdate(policy.creation)
		due = []
		for unit, people in homes.items():
			household_tags = set().union(*(tags.get(p, set()) for p in people))
			months = apply_rule(rules.interval_months, household_tags, policy.default_frequency, policy.rules)
			seen = last.get(unit)
			anchor = seen.last if seen else rules.first_visit_anchor(unit, months, start)
			if rules.visit_due(anchor, months, day, bool(seen and seen.open)):
				due.append(unit)
		if not due:
			planned[estate_name] = 0
			continue
		staff = policy.visitors or estate_staff(estate_name)
		plan = apply_rule(rules.plan, due, staff, open_load(staff))
		for unit, visitor in plan.items():
			new_visit(unit, estate_name, visitor, day, policy.method)
		planned[estate_name] = len(plan)
	return planned


def new_visit(unit: str, estate: str, visitor: str, due: date, method: str | None, notes: str | None = None):
	return frappe.get_doc(
		{
			"doctype": VISIT,
			"reference_doctype": UNIT,
			"reference_name": unit,
			"estate": estate,
			"unit": unit,
			"due_date": due,
			"method": method or "Phone",
			"visitor": visitor,
			"status": "Open",
			"on_unsatisfied": "Record only",
			"notes": notes,
		}
	).insert(ignore_permissions=True)  # Safe: the scheduler plans visits by the estate's own policy


def on_return_visit_outcome(visit) -> None:
	"""A periodic visit's outcome: unreachable households are retried, then flagged."""
	if visit.reference_doctype != UNIT or visit.outcome != "Unreachable":
		return
	previous = frappe.get_all(
		VISIT,
		filters={"reference_doctype": UNIT, "reference_name": visit.reference_name, "status": "Done"},
		fields=["outcome"],
		order_by="due_date desc, creation desc",
		limit=12,
	)
	attempts = 0
	for row in previous:
		if row.outcome != "Unreachable":
			break
		attempts += 1
	policy = policies(visit.estate).get(visit.estate)
	retries = cint(policy.unreachable_retries) if policy else rules.UNREACHABLE_RETRIES
	action, when = rules.after_unreachable(max(attempts, 1), getdate(today()), retries)
	if action == "retry":
		new_visit(visit.unit, visit.estate, visit.visitor, when, visit.method,
			_("Retry {0} after an unreachable visit ({1}).").format(attempts, visit.name))  # fmt: skip
		return
	flag_unreachable(visit, attempts)


def flag_unreachable(visit, attempts: int) -> None:
	primary = frappe.db.get_value(UNIT, visit.unit, "primary_contact")
	if primary:
		add_event(
			"Unreachable", primary, getdate(today()), visit.estate, visit.unit,
			reason=_("{0} return visits in a row could not reach the household.").format(attempts),
		)  # fmt: skip
	manager = frappe.db.get_value("Property Estate", visit.estate, "manager")
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": manager or "Administrator",
			"description": _(
				"Household {0} could not be reached by {1} return visits in a row: check the contact details on file or visit in person."
			).format(visit.unit, attempts),
			"reference_type": UNIT,
			"reference_name": visit.unit,
			"priority": "High",
		}
	).insert(ignore_permissions=True)  # Safe: a task for the estate's manager, made by the system


# ------------------------------------------------------------------ care events and greetings
def add_event(kind: str, resident: str, on: date, estate=None, unit=None, **fields) -> str | None:
	"""A Property Care Event, once per resident, kind and day (the UNIQUE index decides)."""
	doc = frappe.get_doc(
		{"doctype": "Property Care Event", "event_type": kind, "resident": resident, "on_date": on,
			"estate": estate, "unit": unit} | fields
	)  # fmt: skip
	try:
		doc.insert(ignore_permissions=True)  # Safe: the care calendar's own record, made by the system
	except frappe.UniqueValidationError:
		return None
	return doc.name


def sms_ready() -> bool:
	return bool(frappe.db.get_single_value("SMS Settings", "sms_gateway_url"))


def deliver(
	person, subject: str, text: str, greeting: rules.Greeting, estate: str | None, staff=None
) -> None:
	"""Send a greeting by its channel (e-mail, SMS, portal) or make a call task for customer service."""
	if greeting.action == "send" and greeting.channel == "Email":
		from frappe.core.doctype.communication.email import make

		make(
			doctype="Property Owner",
			name=person.name,
			subject=subject,
			content=text,
			recipients=person.email,
			send_email=True,
			communication_medium="Email",
		)
		return
	if greeting.action == "send" and greeting.channel == "SMS":
		from frappe.core.doctype.sms_settings.sms_settings import send_sms

		# the file's column holds the mask: the gateway gets the full number, decrypted here only
		if number := full_mobile(person.name):
			send_sms([number], text)
	elif greeting.action == "send" and greeting.channel == "Portal":
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": person.user,
				"type": "Alert",
				"document_type": "Property Owner",
				"document_name": person.name,
				"subject": subject,
				"email_content": text,
			}
		).insert(ignore_permissions=True)  # Safe: a greeting to the resident's own login
	elif greeting.action == "task":
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": staff or "Administrator",
				"description": _("Greet {0} ({1}) by {2}: {3}").format(
					person.full_name, person.mobile or "", _(greeting.channel), text
				),
				"reference_type": "Property Owner",
				"reference_name": person.name,
				"date": today(),
			}
		).insert(ignore_permissions=True)  # Safe: a task for customer service, made by the system
	if greeting.action in ("send", "task"):
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "SMS"
				if greeting.channel == "SMS"
				else "Other"
				if greeting.channel == "Portal"
				else "Phone",
				"sent_or_received": "Sent",
				"subject": subject,
				"content": text,
				"status": "Linked" if greeting.action == "send" else "Open",
				"phone_no": person.mobile,
				"reference_doctype": "Property Owner",
				"reference_name": person.name,
			}
		).insert(ignore_permissions=True)  # Safe: the record of a greeting the system sent or planned


def calendar_days(day: date) -> list[tuple[int, int]]:
	"""(month, day) pairs whose anniversaries fall on `day`: 29 February's on 28 February in common years."""
	days = [(day.month, day.day)]
	if (day.month, day.day) == (2, 28) and not isleap(day.year):
		days.append((2, 29))
	return days


def living_people(day: date, field: str) -> list[frappe._dict]:
	"""People living in a unit on `day` whose `field` (owner.date_of_birth or row.move_in) has this day's
	month and day, with what greeting them needs (one query)."""
	from frappe.query_builder.functions import Extract

	row = frappe.qb.DocType("Property Unit Occupant")
	unit = frappe.qb.DocType(UNIT)
	owner = frappe.qb.DocType("Property Owner")
	column = owner.date_of_birth if field == "date_of_birth" else row.move_in
	when = None
	for month, dom in calendar_days(day):
		this = (Extract("month", column) == month) & (Extract("day", column) == dom)
		when = this if when is None else when | this
	rows = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.join(owner)
		.on(owner.name == row.resident)
		.select(owner.name, owner.full_name, owner.date_of_birth, owner.marketing_consent, owner.preferred_channel,
			owner.mobile, owner.email, owner.user, row.move_in, row.move_out, row.primary_contact,
			unit.name.as_("unit"), unit.estate)
		.where((row.parenttype == UNIT) & when)
		.orderby(row.primary_contact, order=Order.desc)
		.run(as_dict=True)
	)  # fmt: skip
	return [r for r in rows if (not r.move_in or r.move_in <= day) and (not r.move_out or r.move_out >= day)]


def daily_care(day: date | str | None = None) -> dict[str, int]:
	"""Birthdays and move-in anniversaries of the day: greetings with consent, tasks, care events."""
	day = getdate(day or today())
	by_estate = policies()
	sms = sms_ready()
	counts = defaultdict(int)
	staff_of = {}
	load = defaultdict(int)

	def staff(estate):
		if estate not in staff_of:
			policy = by_estate.get(estate)
			staff_of[estate] = (policy.visitors if policy else []) or estate_staff(estate)
		people = staff_of[estate]
		if not people:
			return None
		chosen = rules.plan(["x"], people, {p: load[p] for p in people})["x"]
		load[chosen] += 1
		return chosen

	done = {
		(r.resident, r.event_type)
		for r in frappe.get_all(
			"Property Care Event", filters={"on_date": day}, fields=["resident", "event_type"]
		)
	}
	people = living_people(day, "date_of_birth")
	born = {key for key, _age in rules.birthdays([(r.name, r.date_of_birth) for r in people], day)}
	seen = set()
	for person in people:
		policy = by_estate.get(person.estate)
		if person.name not in born or person.name in seen or (policy and not policy.birthday_greetings):
			continue
		seen.add(person.name)
		if (person.name, "Birthday") in done:
			continue
		age = day.year - person.date_of_birth.year
		text = ((policy and policy.birthday_message) or DEFAULT_BIRTHDAY).format(person.full_name, age)
		counts[greet(person, "Birthday", day, _("Happy birthday"), text, sms, staff, years=age)] += 1

	stays = living_people(day, "move_in")
	seen = set()
	for stay in stays:
		policy = by_estate.get(stay.estate)
		if not rules.is_anniversary(stay.move_in, day, 1) or (policy and not policy.anniversary_greetings):
			continue
		if stay.name in seen or (stay.name, "Move-in Anniversary") in done:
			continue
		seen.add(stay.name)
		years = day.year - stay.move_in.year
		text = ((policy and policy.anniversary_message) or DEFAULT_ANNIVERSARY).format(stay.full_name, years)
		counts[greet(stay, "Move-in Anniversary", day, _("Thank you for living with us"), text, sms, staff, years=years)] += 1  # fmt: skip
	return dict(counts)


def greet(person, kind: str, day: date, subject: str, text: str, sms: bool, staff, **fields) -> str:
	"""One greeting: decide by consent and channel, record the care event, then deliver. Returns the action."""
	greeting = rules.greeting_for(
		bool(person.marketing_consent),
		person.preferred_channel,
		person.mobile,
		person.email,
		person.user,
		sms,
	)
	assignee = staff(person.estate) if greeting.action == "task" else None
	event = add_event(
		kind, person.name, day, person.estate, person.unit, action={"send": "Sent", "task": "Task"}.get(
			greeting.action, "Skipped"), channel=greeting.channel, reason=greeting.reason, **fields
	)  # fmt: skip
	if event is None:  # already greeted today (a second run)
		return "already"
	if greeting.action != "skip":
		deliver(person, subject, text, greeting, person.estate, assignee)
	return greeting.action


def send_due_campaigns(day: date | str | None = None) -> int:
	"""Holiday greetings of the scheduled campaigns due by `day`."""
	day = getdate(day or today())
	names = frappe.get_all(
		"Property Greeting Campaign", filters={"status": "Scheduled", "send_on": ("<=", day)}, pluck="name"
	)
	for name in names:
		# a campaign may greet tens of thousands: a long job of its own, once (deduplicated by its id)
		frappe.enqueue(
			"property_crm.property_care.care.send_campaign",
			queue="long",
			timeout=3600,
			job_id=f"property-crm-campaign-{name}",
			deduplicate=True,
			now=bool(frappe.flags.in_test),
			name=name,
			day=day,
		)
	return len(names)


def send_campaign(name: str, day: date | None = None) -> dict[str, int]:
	"""Greet every resident living in the campaign's estate(s) with consent; the rest are recorded as skipped."""
	campaign = frappe.get_doc("Property Greeting Campaign", name)
	day = getdate(day or today())
	row = frappe.qb.DocType("Property Unit Occupant")
	unit = frappe.qb.DocType(UNIT)
	owner = frappe.qb.DocType("Property Owner")
	query = (
		frappe.qb.from_(row)
		.join(unit)
		.on(unit.name == row.parent)
		.join(owner)
		.on(owner.name == row.resident)
		.select(owner.name, owner.full_name, owner.marketing_consent, owner.preferred_channel, owner.mobile,
			owner.email, owner.user, row.move_in, row.move_out, unit.name.as_("unit"), unit.estate)
		.where(row.parenttype == UNIT)
		.orderby(row.primary_contact, order=Order.desc)
	)  # fmt: skip
	if campaign.estate:
		query = query.where(unit.estate == campaign.estate)
	counts = defaultdict(int)
	sms = sms_ready()
	seen = set()
	for person in current_occupants(query.run(as_dict=True), day):
		if person.name in seen:
			continue
		seen.add(person.name)
		greeting = rules.greeting_for(
			bool(person.marketing_consent),
			person.preferred_channel,
			person.mobile,
			person.email,
			person.user,
			sms,
		)
		event = add_event(
			"Holiday Greeting", person.name, day, person.estate, person.unit, campaign=campaign.name,
			action={"send": "Sent", "task": "Task"}.get(greeting.action, "Skipped"), channel=greeting.channel,
			reason=greeting.reason,
		)  # fmt: skip
		if event is None:
			continue
		counts[greeting.action] += 1
		# calls for a campaign are listed as its care events (action Task), not one ToDo each
		if greeting.action == "send":
			deliver(
				person,
				campaign.campaign_name,
				campaign.message.format(person.full_name),
				greeting,
				person.estate,
			)
	campaign.db_set(
		{
			"status": "Sent",
			"sent_count": counts["send"],
			"task_count": counts["task"],
			"skipped_count": counts["skip"],
		}
	)
	return dict(counts)


# ------------------------------------------------------------------ community events
def validate_registration(doc) -> None:
	event = frappe.db.get_value(
		"Property Event",
		doc.event,
		["estate", "capacity", "max_party", "sign_up_open", "status"],
		as_dict=True,
	)
	if not event:
		return  # Frappe's mandatory check names the missing event
	doc.estate = event.estate
	if doc.resident and not doc.resident_name:
		doc.resident_name = frappe.db.get_value("Property Owner", doc.resident, "full_name")
	doc.registered_on = doc.registered_on or now_datetime()
	if doc.status != "Registered" or not (
		doc.is_new() or doc.has_value_changed("attendees") or doc.has_value_changed("status")
	):
		return
	taken = frappe.db.sql(
		"""select coalesce(sum(attendees), 0) from `tabProperty Event Registration`
		where event = %s and status = 'Registered' and name != %s for update""",
		(doc.event, doc.name or ""),
	)[0][0]
	apply_rule(
		rules.check_sign_up, cint(event.capacity), cint(taken), cint(doc.attendees),
		bool(event.sign_up_open) and event.status == "Planned", cint(event.max_party) or 6,
	)  # fmt: skip


def count_registrations(event: str, excluding: str | None = None) -> None:
	reg = frappe.qb.DocType("Property Event Registration")
	query = frappe.qb.from_(reg).where(reg.event == event)
	if excluding:
		query = query.where(reg.name != excluding)
	registered, attended = query.select(
		Sum(Case().when(reg.status == "Registered", reg.attendees).else_(0)),
		Sum(Case().when(reg.attended == 1, reg.attendees).else_(0)),
	).run()[0]
	frappe.db.set_value(
		"Property Event",
		event,
		{"registered": cint(registered), "attended": cint(attended)},
		update_modified=False,
	)
