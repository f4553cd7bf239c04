"""How the demo's residents pay their bills (pure, seeded): most on time, some late, some in part, a few
not at all — enough for arrears in every ageing bucket, partial payments and late fees."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

# behaviour: weight
HABITS = {"on time": 62, "late": 14, "partial": 10, "partial then rest": 6, "unpaid": 8}


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
	elif habit == "partial then rest":
		first = rng.choice((0.4, 0.5))
		on = due + timedelta(days=rng.randint(1, 20))
		plan = [Payment(on, first), Payment(on + timedelta(days=rng.randint(10, 60)), round(1 - first, 2))]
	return [p for p in plan if p.on <= today]


def habit_of(rng: random.Random) -> str:
	"""A payer's habit, kept over the months (arrears pile up for the same households)."""
	return rng.choices(list(HABITS), weights=list(HABITS.values()))[0]
