"""How the demo's residents pay their bills (pure, seeded): most on time, some late, some in part, a few
not at all — enough for arrears in every ageing bucket, partial payments and late fees. And how much water
their homes use, month by month, for the metered water on their bills."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# behaviour: weight
HABITS = {"on time": 62, "late": 14, "partial": 10, "partial then rest": 6, "unpaid": 8}
# the demo's portal residents (a01.owner…): everything paid but the last three months' bills
BEHIND = "behind"


@dataclass(frozen=True)
class Payment:
	on: date
	share: float  # of the bill's amount


def payments(
	rng: random.Random, posting: date, due: date, today: date, habit: str | None = None
) -> list[Payment]:
	"""The payments of one bill, none after `today`."""
	habit = habit or rng.choices(list(HABITS), weights=list(HABITS.values()))[0]
	plan: list[Payment] = []
	if habit == "on time":
		plan = [Payment(posting + timedelta(days=rng.randint(0, (due - posting).days)), 1.0)]
	elif habit == "late":
		plan = [Payment(due + timedelta(days=rng.randint(6, 75)), 1.0)]
	elif habit == "partial":
		plan = [Payment(due - timedelta(days=rng.randint(0, 5)), rng.choice((0.3, 0.5, 0.6)))]
	elif habit == BEHIND:
		# on time, but the bills of the last three months not yet: two overdue ones and the current one, left
		# for the demo's portal residents to pay online (/property/pay)
		months_back = (today.year - posting.year) * 12 + today.month - posting.month
		if months_back >= 3:
			plan = [Payment(posting + timedelta(days=rng.randint(0, (due - posting).days)), 1.0)]
	elif habit == "partial then rest":
		first = rng.choice((0.4, 0.5))
		on = due + timedelta(days=rng.randint(1, 20))
		plan = [Payment(on, first), Payment(on + timedelta(days=rng.randint(10, 60)), round(1 - first, 2))]
	return [p for p in plan if p.on <= today]


def habit_of(rng: random.Random) -> str:
	"""A payer's habit, kept over the months (arrears pile up for the same households)."""
	return rng.choices(list(HABITS), weights=list(HABITS.values()))[0]


# ------------------------------------------------------------------ water meters
SUMMER, WINTER = (6, 7, 8, 9), (12, 1, 2)


def water_use(rng: random.Random, month: date, people: int) -> Decimal:
	"""A home's water in a month, in m³ to 0.1: some 2.4-3.6 m³ a person, a quarter more in summer, a tenth
	less in winter; an empty home a drip or nothing."""
	if people <= 0:
		return Decimal(rng.choice(("0.0", "0.0", "0.3", "0.6")))
	season = 1.25 if month.month in SUMMER else 0.9 if month.month in WINTER else 1.0
	return Decimal(str(round(people * rng.uniform(2.4, 3.6) * season, 1)))


def meter_months(
	rng: random.Random, months: list[date], people: int, start: Decimal
) -> list[tuple[date, Decimal, Decimal, Decimal]]:
	"""A meter's readings over consecutive `months`: (month, previous, current, consumption), each month
	starting where the last one ended, from `start`."""
	out, reading = [], start
	for month in months:
		used = water_use(rng, month, people)
		out.append((month, reading, reading + used, used))
		reading += used
	return out
