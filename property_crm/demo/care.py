"""The demo's care step: a care policy per estate (quarterly visits, monthly for residents tagged elderly
living alone), marketing consent for a share of residents and a share of stale files (`demo.generate.care`),
notices per estate and building with some read receipts, community events with sign-ups and attendance,
upcoming holiday campaigns, a verification round; then the real jobs run as the scheduler would: the
periodic visit planner and the daily care job for the last three days. Once only (a default marks it)."""

import random
import time
from collections import defaultdict

import frappe
from frappe.utils import add_days, getdate, now_datetime, today

from property_crm.demo.generate import care as demo_care
from property_crm.property_care import care
from property_crm.property_care.rules import care as rules
from property_crm.property_households.rules.occupancy import current_occupants

CARE_DONE = "property_crm_demo_care"
ELDERLY = "Elderly Living Alone"
REGISTRATION_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "event", "estate", "resident",
	"attendees", "status", "attended", "registered_on"]  # fmt: skip


def seed_care(rng: random.Random, progress) -> None:
	if frappe.db.get_default(CARE_DONE):
		progress(f"care: kept as it is ({frappe.db.count('Property Care Event'):,} care events)")
		return
	started = time.monotonic()
	day = getdate(today())
	files = frappe.get_all("Property Owner", pluck="name", order_by="name asc")
	updates = demo_care.file_updates(files, day, rng)
	for chunk in range(0, len(updates), 5000):
		part = updates[chunk : chunk + 5000]
		for field, getter in (
			("marketing_consent", lambda u: int(u.marketing_consent)),
			("last_verified_on", lambda u: u.last_verified_on),
			("privacy_consent_date", lambda u: u.privacy_consent_date),
		):
			by_value = defaultdict(list)
			for u in part:
				by_value[getter(u)].append(u.name)
			for value, names in by_value.items():
				frappe.db.sql(
					f"update `tabProperty Owner` set `{field}` = %s where name in %s", (value, tuple(names))
				)
	elderly = tag_elderly(day)
	estates = frappe.get_all("Property Estate", pluck="name", order_by="name asc")
	for estate in estates:
		if not frappe.db.exists("Property Care Policy", estate):
			frappe.get_doc(
				{"doctype": "Property Care Policy", "estate": estate, "default_frequency": "Quarterly",
					"rules": [{"tag": ELDERLY, "frequency": "Monthly"}]}
			).insert(ignore_permissions=True)  # fmt: skip
	notices, reads = make_notices(day, rng)
	events, signups = make_events(estates, day, rng)
	for holiday, word in (("Mid-Autumn Festival", "中秋"), ("Spring Festival", "春节")):
		dates = (rules.holiday_date(holiday, year) for year in (day.year, day.year + 1))
		send_on = next((d for d in dates if d >= day), None)
		if send_on:
			frappe.get_doc(
				{"doctype": "Property Greeting Campaign", "campaign_name": f"{send_on.year}年{word}问候",
					"holiday": holiday, "send_on": send_on, "status": "Scheduled",
					"message": "{0}，物业服务中心祝您节日快乐，阖家幸福！"}
			).insert(ignore_permissions=True)  # fmt: skip
	frappe.get_doc(
		{"doctype": "Property Verification Round", "estate": estates[0], "sample_size": 30,
			"due_date": add_days(day, 14)}
	).insert(ignore_permissions=True)  # fmt: skip
	frappe.db.commit()
	visits = care.plan_return_visits(day)
	greetings = defaultdict(int)
	for back in (2, 1, 0):
		for action, n in care.daily_care(add_days(day, -back)).items():
			greetings[action] += n
	frappe.db.set_default(CARE_DONE, "1")
	frappe.db.commit()
	stale = sum(1 for u in updates if u.last_verified_on is None or (day - u.last_verified_on).days > 365)
	progress(
		f"care: {len(estates)} policies, {sum(u.marketing_consent for u in updates):,} residents with marketing "
		f"consent, {stale:,} stale files, {elderly:,} tagged elderly living alone, {notices} notices "
		f"({reads} read), {events} events ({signups} sign-ups), {sum(visits.values()):,} periodic visits "
		f"planned, greetings of the last 3 days: {greeting_counts(greetings)} — in {time.monotonic() - started:.0f} s"
	)


def tag_elderly(day) -> int:
	if not frappe.db.exists("Property Resident Tag", ELDERLY):
		frappe.get_doc({"doctype": "Property Resident Tag", "tag_name": ELDERLY}).insert(
			ignore_permissions=True
		)
	row = frappe.qb.DocType("Property Unit Occupant")
	owner = frappe.qb.DocType("Property Owner")
	rows = (
		frappe.qb.from_(row)
		.join(owner)
		.on(owner.name == row.resident)
		.select(row.parent.as_("unit"), row.resident, row.move_in, row.move_out, owner.date_of_birth)
		.where(row.parenttype == "Property Unit")
		.run(as_dict=True)
	)
	homes = defaultdict(list)
	for r in current_occupants(rows, day):
		homes[r.unit].append((r.resident, r.date_of_birth))
	names = demo_care.elderly_alone(homes, day)
	now = now_datetime()
	frappe.db.bulk_insert(
		"Property Owner Tag",
		["name", "creation", "modified", "owner", "modified_by", "parent", "parenttype", "parentfield", "idx", "tag"],
		[(frappe.generate_hash(length=10), now, now, "Administrator", "Administrator", name, "Property Owner",
			"tags", 99, ELDERLY) for name in names],
	)  # fmt: skip
	return len(names)


def make_notices(day, rng) -> tuple[int, int]:
	buildings = defaultdict(dict)
	for b in frappe.get_all("Property Building", fields=["name", "estate", "building_no"]):
		buildings[b.estate][b.building_no] = b.name
	rows = demo_care.notices({e: sorted(nums) for e, nums in buildings.items()}, day, rng)
	readers = frappe.get_all(
		"Property Owner", filters={"user": ("is", "set")}, fields=["name", "user"], limit=50
	)
	reads = 0
	for row in rows:
		building = buildings[row["estate"]].get(row.pop("building_no")) if row.get("building_no") else None
		notice = frappe.get_doc({"doctype": "Property Notice", "building": building} | row)
		notice.insert(ignore_permissions=True)
		for reader in readers[: rng.randint(0, len(readers))]:
			frappe.get_doc(
				{"doctype": "Property Notice Read", "notice": notice.name, "user": reader.user,
					"resident": reader.name, "read_on": now_datetime()}
			).insert(ignore_permissions=True)  # fmt: skip
			reads += 1
	return len(rows), reads


def make_events(estates, day, rng) -> tuple[int, int]:
	residents = defaultdict(list)
	row = frappe.qb.DocType("Property Unit Occupant")
	unit = frappe.qb.DocType("Property Unit")
	for r in (
		frappe.qb.from_(row).join(unit).on(unit.name == row.parent)
		.select(unit.estate, row.resident).where(row.parenttype == "Property Unit").limit(20000).run(as_dict=True)
	):  # fmt: skip
		residents[r.estate].append(r.resident)
	count, signups = 0, 0
	for event in demo_care.events(estates, day, rng):
		doc = frappe.get_doc({"doctype": "Property Event", "sign_up_open": 1, "status": "Planned"} | event)
		doc.insert(ignore_permissions=True)
		count += 1
		now = now_datetime()
		rows = [
			(frappe.generate_hash(length=10), now, now, "Administrator", "Administrator", doc.name, event["estate"],
				s["resident"], s["attendees"], "Registered", s["attended"], now)
			for s in demo_care.sign_ups(event, sorted(set(residents[event["estate"]])), rng)
		]  # fmt: skip
		# bulk: the generator keeps within the capacity and one sign-up per resident (the UNIQUE index holds)
		frappe.db.bulk_insert("Property Event Registration", REGISTRATION_FIELDS, rows)
		frappe.db.sql(
			"""update `tabProperty Event Registration` r join `tabProperty Owner` o on o.name = r.resident
			set r.resident_name = o.full_name where r.event = %s""",
			doc.name,
		)
		care.count_registrations(doc.name)
		signups += len(rows)
		if event["status"] != "Planned":
			doc.db_set({"status": event["status"], "sign_up_open": 0})
	return count, signups


GREETING_WORDS = {"send": "sent", "task": "left to staff to call", "skip": "not sent (no consent or no way to reach)",
	"already": "sent before"}  # fmt: skip


def greeting_counts(greetings: dict[str, int]) -> str:
	"""`{'task': 303, 'skip': 336}` as a person reads it: 303 left to staff to call, 336 not sent (…)."""
	return (
		", ".join(f"{n:,} {GREETING_WORDS.get(action, action)}" for action, n in sorted(greetings.items()))
		or "none"
	)
