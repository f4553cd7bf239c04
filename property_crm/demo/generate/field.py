"""Today's work for the field staff (pure: no frappe, no database).

Every technician, cleaner, guard and gardener gets a day of open jobs in his own categories (`today_jobs`):
jobs to start (Dispatched) at the residents' preferred times today, one job already in progress (unless he
has one), one job past its SLA or about to be (alternately), and one repeat repair: the same unit and
category as a visit he closed a few weeks ago, which the demo writes too. The requester is the unit's
primary contact, who lives there (the occupancy rule), and wrote a line or two about the problem.
The dicts have the fields `generate.orders.make_order` gives, so the orders step's bulk insert writes them.
"""

import random
from datetime import date, datetime, time, timedelta

from property_crm.demo.generate.orders import CategoryInfo, UnitInfo, make_order
from property_crm.property_service.rules.service import escalation_level

# a field staffer's day: to start, to start, to start (SLA breached or nearly), to start (a repeat repair);
# and one in progress when he has none
TO_START = 2
DAY_START, DAY_END = time(8, 30), time(20, 0)
SLOT = timedelta(minutes=30)
DETAILS = (
	"麻烦师傅尽快来看看，谢谢。",
	"白天家里有老人在，来之前请先打电话。",
	"下午两点以后家里有人。",
	"已经两天了，越来越严重。",
	"上午在家，中午要出门。",
	"楼下邻居也反映了，请一起看看。",
	"孩子在家上网课，尽量别太吵，谢谢。",
)
REPEAT_DETAIL = "上次师傅来修过，没几天又坏了，麻烦再来看看。"


def today_slots(rng: random.Random, now: datetime, count: int) -> list[datetime]:
	"""`count` preferred times on half-hours of today's service day (08:30–20:00), the later ones first
	choice (a resident asks for a time still to come); earlier ones of today when too few are left."""
	day = now.date()
	slots, moment = [], datetime.combine(day, DAY_START)
	while moment <= datetime.combine(day, DAY_END):
		slots.append(moment)
		moment += SLOT
	later = [s for s in slots if s > now]
	pool = later if len(later) >= count else slots
	return sorted(rng.sample(pool, min(count, len(pool))))


def _respond(order: dict, opened: datetime, now: datetime) -> None:
	"""Someone accepted it soon after it came in, within the response target."""
	limit = max(order["response_by"], opened + timedelta(minutes=2))
	responded = to_second(min(opened + min(timedelta(minutes=20), (limit - opened) / 2), now))
	order["first_responded_on"] = responded
	order["modified"] = max(responded, order["modified"])


def to_second(moment: datetime) -> datetime:
	return moment.replace(microsecond=0)


def _job(rng, status, category, unit, technician, opened, due, slot, detail, context) -> dict:
	targets, now, escalate_at, second = context
	opened, due = to_second(opened), due.replace(second=0, microsecond=0)
	order = make_order(rng, opened, status, category, unit, targets, now, escalate_at, second)
	order["technician"] = technician
	order["requester"] = unit.requester
	order["sla_resolution_by"] = due
	order["response_by"] = min(order["response_by"], due)
	_respond(order, opened, now)
	order["agreement_status"] = "Failed" if now > due else "Resolution Due"
	order["escalation_level"] = escalation_level(now, opened, due, escalate_at, second)
	order["preferred_time"] = slot
	order["description"] = f"<p>{order['subject']}。{detail}</p>"
	return order


def staff_units(rng: random.Random, units: list[UnitInfo], index: int, today: date) -> list[UnitInfo]:
	"""The homes a staffer walks between today: two buildings (the `index`-th estate's and the next one's,
	so every estate's dispatcher sees everyone), units whose primary contact already lives there."""
	lived = [u for u in units if u.requester and u.requester_since and u.requester_since <= today]
	estates = sorted({u.estate for u in lived})
	if not estates:
		return []
	chosen = []
	for estate in (estates[index % len(estates)], estates[(index + 1) % len(estates)]):
		buildings = sorted({u.building for u in lived if u.estate == estate})
		building = rng.choice(buildings)
		chosen += [u for u in lived if u.building == building and u not in chosen]
	return chosen


def today_jobs(
	rng: random.Random,
	staff: list[tuple[str, list[CategoryInfo], bool]],
	units: list[UnitInfo],
	targets: dict[str, tuple[float, float]],
	now: datetime,
	escalate_at_percent: float = 80,
	second_escalation: timedelta = timedelta(hours=4),
) -> list[dict]:
	"""The new orders for `staff` [(user, his categories, whether he has a job in progress already)], oldest
	first: for each, the day's jobs (above) and the earlier visit his repeat repair repeats (Closed)."""
	orders = []
	for index, (user, categories, in_progress) in enumerate(staff):
		homes = staff_units(rng, units, index, now.date())
		if not homes or not categories:
			continue
		count = TO_START + 2 + (0 if in_progress else 1)
		slots = today_slots(rng, now, count)
		homes = rng.sample(homes, min(count, len(homes))) + rng.choices(homes, k=max(0, count - len(homes)))
		context = (targets, now, escalate_at_percent, second_escalation)

		def job(status, opened, due, slot, detail, category=None, unit=None, user=user, context=context):
			category = category or rng.choice(categories)
			unit = unit or homes.pop()
			return _job(rng, status, category, unit, user, opened, due, slot, detail, context)

		for _ in range(TO_START):
			opened = now - timedelta(hours=rng.uniform(2, 20))
			due = max(slots[0], now) + timedelta(hours=rng.uniform(3, 24))
			orders.append(job("Dispatched", opened, due, slots.pop(0), rng.choice(DETAILS)))
		if index % 2:  # past its deadline: opened two days ago, due an hour or three ago
			opened = now - timedelta(hours=rng.uniform(40, 56))
			due = now - timedelta(minutes=rng.randint(40, 180))
		else:  # about to be: less than an hour and a half left of a deadline mostly used up
			opened = now - timedelta(hours=rng.uniform(8, 20))
			due = now + timedelta(minutes=rng.randint(30, 85))
		orders.append(job("Dispatched", opened, due, slots.pop(0), rng.choice(DETAILS)))
		if not in_progress:
			opened = now - timedelta(hours=rng.uniform(3, 8))
			due = now + timedelta(hours=rng.uniform(4, 10))
			orders.append(job("In Progress", opened, due, slots.pop(0), rng.choice(DETAILS)))
		# the repeat: his visit of three to five weeks ago, closed, and today's call about the same thing
		category, unit = rng.choice(categories), homes.pop()
		first_opened = to_second(now - timedelta(days=rng.randint(21, 35), hours=rng.uniform(0, 6)))
		first = make_order(
			rng, first_opened, "Closed", category, unit, targets, now, escalate_at_percent, second_escalation
		)
		first["technician"] = user
		first["requester"] = unit.requester
		orders.append(first)
		opened = now - timedelta(hours=rng.uniform(1, 6))
		due = max(slots[0], now) + timedelta(hours=rng.uniform(4, 24))
		repeat = job("Dispatched", opened, due, slots.pop(0), REPEAT_DETAIL, category, unit)
		repeat["subject"] = first["subject"]
		repeat["description"] = f"<p>{first['subject']}。{REPEAT_DETAIL}</p>"
		repeat["repeats"] = first
		orders.append(repeat)
	orders.sort(key=lambda o: o["creation"])
	return orders


def link_repeats(orders: list[dict]) -> None:
	"""Once named (`generate.orders.name_orders`): each repeat repair names the visit it repeats."""
	for order in orders:
		if order.get("repeats"):
			order["repeat_of"] = order["repeats"]["name"]
