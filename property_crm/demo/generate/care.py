"""The demo's customer care, generated without Frappe: which residents consent to greetings, which files
are left stale (for the Stale Files report), who is tagged elderly living alone, notices per estate and
building, community events with sign-ups and attendance. Seeded, so a demo is the same every time."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MARKETING_SHARE = 0.45  # residents who agreed to greetings
STALE_SHARE = 0.12  # files not verified for years
NO_CONSENT_SHARE = 0.05  # files without a privacy consent date
ELDERLY_AGE = 70

NOTICES = (
	("Water Cut", "{building}号楼停水通知", "因二次供水设备检修，{day}日 9:00–17:00 {building}号楼停水，请提前储水。"),
	("Lift Maintenance", "{building}号楼电梯维保通知", "{day}日 14:00–16:00 {building}号楼电梯例行维护保养，请走楼梯，注意安全。"),
	("Power Cut", "{building}号楼计划停电通知", "供电局线路检修，{day}日 8:00–12:00 {building}号楼停电。"),
	("Community", "小区消防演练通知", "{day}日上午 10:00 在中心广场举行消防演练，欢迎业主参加。"),
	("Safety", "汛期安全提示", "近期强降雨，请关好门窗，车辆勿停放在地下车库低洼处。"),
	("Fees", "物业费缴纳提醒", "本季度物业费已出账，可在“我的账单”中查看并缴纳。"),
)  # fmt: skip
EVENTS = (
	("中秋游园会", "中心广场", 120), ("社区义诊", "物业服务中心", 60), ("亲子手工课", "会所活动室", 30),
	("长者茶话会", "会所活动室", 40), ("垃圾分类宣传", "小区南门", 0), ("夏日露天电影", "中心广场", 200),
)  # fmt: skip


@dataclass(frozen=True)
class FileUpdate:
	name: str
	marketing_consent: bool
	last_verified_on: date | None
	privacy_consent_date: date | None


def file_updates(names: list[str], today: date, rng: random.Random) -> list[FileUpdate]:
	out = []
	for name in names:
		stale = rng.random() < STALE_SHARE
		verified = (
			None if stale and rng.random() < 0.4
			else today - timedelta(days=rng.randint(800, 2500)) if stale
			else today - timedelta(days=rng.randint(10, 330))
		)  # fmt: skip
		consent = None if rng.random() < NO_CONSENT_SHARE else today - timedelta(days=rng.randint(30, 3000))
		out.append(FileUpdate(name, rng.random() < MARKETING_SHARE, verified, consent))
	return out


def elderly_alone(households: dict[str, list[tuple[str, date | None]]], today: date) -> list[str]:
	"""Residents 70 or older living alone (a unit with one current occupant)."""
	out = []
	for people in households.values():
		if len(people) == 1 and people[0][1] and (today - people[0][1]).days >= ELDERLY_AGE * 365:
			out.append(people[0][0])
	return out


def notices(buildings: dict[str, list[str]], today: date, rng: random.Random) -> list[dict]:
	"""Per estate: a few current notices (some for one building), and one expired."""
	out = []
	for estate, numbers in sorted(buildings.items()):
		for kind, title, body in rng.sample(NOTICES, 3):
			building_no = rng.choice(numbers) if "{building}" in title and numbers else None
			day = today + timedelta(days=rng.randint(1, 10))
			out.append(
				{"estate": estate, "building_no": building_no, "notice_type": kind,
					"title": title.format(building=building_no or ""), "valid_from": today - timedelta(days=rng.randint(0, 5)),
					"valid_to": day, "body": "<p>" + body.format(building=building_no or "", day=day.day) + "</p>"}
			)  # fmt: skip
		out.append(
			{"estate": estate, "building_no": None, "notice_type": "Community", "title": "春节安全提示",
				"valid_from": today - timedelta(days=300), "valid_to": today - timedelta(days=280),
				"body": "<p>春节期间请注意燃放烟花爆竹安全。</p>"}
		)  # fmt: skip
	return out


def events(estates: list[str], today: date, rng: random.Random) -> list[dict]:
	"""Per estate: two past events (with attendance) and two upcoming ones (sign-up open)."""
	out = []
	for estate in sorted(estates):
		for n, (title, place, capacity) in enumerate(rng.sample(EVENTS, 4)):
			day = (
				today + timedelta(days=rng.randint(5, 40))
				if n >= 2
				else today - timedelta(days=rng.randint(10, 200))
			)
			start = datetime.combine(day, time(rng.choice((9, 10, 14, 19))))
			out.append(
				{"estate": estate, "title": title, "location": place, "capacity": capacity, "starts_on": start,
					"ends_on": start + timedelta(hours=2), "status": "Planned" if day >= today else "Done",
					"sign_up_open": 1 if day >= today else 0}
			)  # fmt: skip
	return out


def sign_ups(event: dict, residents: list[str], rng: random.Random) -> list[dict]:
	"""Sign-ups within the capacity; for a past event most of them attended."""
	chosen, taken = [], 0
	limit = int(event["capacity"] * 0.7) if event["capacity"] else 50  # room left for the portal
	for resident in rng.sample(residents, min(len(residents), limit)):
		people = rng.choice((1, 1, 2, 2, 3))
		if taken + people > limit:
			break
		taken += people
		chosen.append(
			{"resident": resident, "attendees": people,
				"attended": int(event["status"] == "Done" and rng.random() < 0.8)}
		)  # fmt: skip
	return chosen
