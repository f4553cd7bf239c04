"""Two years of a property company's service orders, generated (pure: no frappe, no database).

Every order is a plain dict with the fields the desk stores, consistent with the rules the app enforces
elsewhere: the SLA targets and service hours of ERPNext's agreement, the escalation ladder, the
return-visit policies, ratings only on finished work, a requester only once they lived in the unit.
The season shows: plumbing, air-conditioning, pest control and greenery peak in summer; heating and
pipes in winter. The newest orders are spread over every workflow state, so the desk has work in hand.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from property_crm.property_service.rules.service import STATES, escalation_level, needs_return_visit

SERVICE_DAY = (time(8, 30), time(17, 30))
SUMMER, WINTER = (6, 7, 8, 9), (12, 1, 2)
# how busy a month is, relative to spring and autumn
MONTH_VOLUME = {6: 1.25, 7: 1.4, 8: 1.35, 9: 1.1, 12: 1.15, 1: 1.25, 2: 1.1}
CHANNELS = (("Phone", 35), ("Portal", 25), ("Desk", 12), ("QR", 10), ("WeChat", 13), ("Email", 5))
GOOD_REASONS = ("On time", "Friendly", "Clean work", "Problem solved")
BAD_REASONS = ("Too slow", "Not fixed")
GOOD_COMMENTS = ("师傅很专业，谢谢！", "来得很快，问题解决了", "态度很好", "干活利索，还帮忙清理了现场", "")
BAD_COMMENTS = ("等了很久才有人来", "修完第二天又坏了", "师傅没带配件，跑了两趟", "")
SUBJECTS = {
	"Plumbing and Electrical": ("厨房水龙头漏水", "卫生间跳闸", "插座没电", "热水器不出热水", "马桶水箱漏水"),
	"Pipes and Drains": ("下水道堵塞", "水管冻裂漏水", "地漏返味", "厨房下水慢"),
	"Doors and Windows": ("门锁损坏", "窗户关不严", "纱窗破损", "入户门异响"),
	"Elevator": ("电梯异响", "电梯困人", "电梯按钮失灵", "电梯门关不上"),
	"Public Facilities": ("楼道灯不亮", "单元门禁坏了", "信报箱损坏", "健身器材损坏"),
	"Household Appliances": ("油烟机不转", "燃气灶打不着火", "洗衣机排水故障"),
	"Air Conditioning": ("空调不制冷", "空调漏水", "空调外机噪音大"),
	"Heating": ("暖气不热", "暖气片漏水", "地暖温度低"),
	"Public Area Cleaning": ("楼道有垃圾", "电梯厅地面脏", "车库积水需清理"),
	"Waste Removal": ("装修垃圾清运", "大件家具清运"),
	"Pest Control": ("楼道有蟑螂", "地下室有老鼠", "蚊虫较多请消杀"),
	"Access Control": ("门禁卡失效", "访客无法进入", "车辆识别失败"),
	"Parking Order": ("车位被占用", "消防通道停车"),
	"Patrol Request": ("夜间有陌生人徘徊", "楼下有人吵闹"),
	"Greenery Care": ("草坪需要修剪", "花坛缺水"),
	"Tree Trimming": ("树枝挡住窗户", "树木倒伏"),
}
MATERIALS = {  # item code: (Chinese name, rate)
	"PCRM-TAP": ("水龙头", 85.0),
	"PCRM-VALVE": ("角阀", 25.0),
	"PCRM-PIPE": ("PPR 水管（米）", 12.0),
	"PCRM-SWITCH": ("空气开关", 45.0),
	"PCRM-SOCKET": ("五孔插座", 18.0),
	"PCRM-LOCK": ("门锁锁芯", 120.0),
	"PCRM-SEAL": ("门窗密封条（米）", 8.0),
	"PCRM-REFRIGERANT": ("空调冷媒", 180.0),
	"PCRM-DRAIN": ("管道疏通剂", 30.0),
}
CATEGORY_MATERIALS = {
	"Plumbing and Electrical": ("PCRM-TAP", "PCRM-VALVE", "PCRM-SWITCH", "PCRM-SOCKET"),
	"Pipes and Drains": ("PCRM-PIPE", "PCRM-DRAIN", "PCRM-VALVE"),
	"Doors and Windows": ("PCRM-LOCK", "PCRM-SEAL"),
	"Household Appliances": ("PCRM-SWITCH", "PCRM-SOCKET"),
	"Air Conditioning": ("PCRM-REFRIGERANT",),
	"Waste Removal": (),
}


@dataclass
class CategoryInfo:
	name: str
	priority: str = "Medium"
	chargeable: int = 0
	return_visit_policy: str = "Only if unrated"
	season: str | None = None
	technicians: list[str] = field(default_factory=list)
	response_hours: float = 0  # 0: the priority's standard target
	resolution_hours: float = 0


@dataclass
class UnitInfo:
	name: str
	estate: str
	building: str
	requester: str | None = None  # the primary contact
	requester_since: date | None = None  # their move-in


def add_service_hours(start: datetime, hours: float, day: tuple[time, time] = SERVICE_DAY) -> datetime:
	"""`hours` of service time after `start`, counting only the service hours of each day (every day)."""
	remaining = timedelta(hours=hours)
	moment = start
	while True:
		opens, closes = (datetime.combine(moment.date(), t) for t in day)
		if moment < opens:
			moment = opens
		if moment >= closes:
			moment = datetime.combine(moment.date() + timedelta(days=1), day[0])
			continue
		if moment + remaining <= closes:
			return moment + remaining
		remaining -= closes - moment
		moment = datetime.combine(moment.date() + timedelta(days=1), day[0])


def season_weight(category: CategoryInfo, month: int) -> float:
	if category.season == "summer":
		return 3.0 if month in SUMMER else 0.6
	if category.season == "winter":
		return 3.0 if month in WINTER else 0.5
	return 1.0


def status_for_age(rng: random.Random, age: timedelta) -> str:
	"""Old orders are finished; the last two weeks hold the work in hand."""
	if age > timedelta(days=14):
		return rng.choices(("Closed", "Cancelled"), (93, 7))[0]
	if age > timedelta(days=2):
		return rng.choices(
			("Completed", "Closed", "In Progress", "On Hold", "Awaiting Parts", "Awaiting Resident",
				"Dispatched", "Cancelled", "Reopened"),
			(40, 25, 10, 3, 4, 3, 6, 5, 4),
		)[0]  # fmt: skip
	return rng.choices(
		("Draft", "Accepted", "Dispatched", "In Progress", "Completed", "Cancelled"), (25, 20, 20, 20, 10, 5)
	)[0]


def opening_times(rng: random.Random, count: int, now: datetime, months: int) -> list[datetime]:
	"""`count` moments in the last `months` months, busier in summer and winter, mostly in the day."""
	start = now - timedelta(days=round(months * 30.44))
	span = (now - start).total_seconds()
	out = []
	while len(out) < count:
		moment = start + timedelta(seconds=rng.random() * span)
		if rng.random() * 1.4 > MONTH_VOLUME.get(moment.month, 0.9):
			continue
		hour = rng.choices(
			range(24), [1, 0, 0, 0, 0, 1, 2, 5, 9, 10, 10, 8, 6, 7, 8, 8, 7, 7, 8, 9, 8, 5, 3, 2]
		)[0]
		moment = moment.replace(
			hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0
		)
		if moment < now:
			out.append(moment)
	return sorted(out)


def make_orders(
	rng: random.Random,
	count: int,
	units: list[UnitInfo],
	categories: list[CategoryInfo],
	targets: dict[str, tuple[float, float]],
	now: datetime,
	months: int = 24,
	escalate_at_percent: float = 80,
	second_escalation: timedelta = timedelta(hours=4),
) -> list[dict]:
	"""The orders, oldest first. The newest ones are live work for every role, even in a small demo
	(`live_work`): each state once, two open jobs for every technician of a pool, a few new requests
	waiting for customer service; the rest follow the season and their age."""
	leaves = [c for c in categories if c.technicians] or categories
	moments = opening_times(rng, count, now, months)
	forced = live_work(rng, leaves)[:count]
	orders = []
	for position, opened in enumerate(moments):
		newest_rank = count - 1 - position
		if newest_rank < len(forced):  # live work needs a believable age: opened in the last few days
			status, technician = forced[newest_rank]
			opened = now - timedelta(hours=rng.randint(30, 120))
			pool = [c for c in leaves if technician in c.technicians] if technician else leaves
		else:
			status, technician, pool = status_for_age(rng, now - opened), None, leaves
		category = rng.choices(pool, [season_weight(c, opened.month) for c in pool])[0]
		unit = rng.choice(units)
		order = make_order(
			rng, opened, status, category, unit, targets, now, escalate_at_percent, second_escalation
		)
		if technician:
			order["technician"] = technician
		orders.append(order)
	orders.sort(key=lambda o: o["creation"])
	return orders


NEW_REQUESTS = 4  # requests waiting for customer service to accept, beyond the one Draft of every state
OPEN_JOBS = ("Dispatched", "In Progress")  # each technician's live jobs


def live_work(rng, leaves) -> list[tuple[str, str | None]]:
	"""(state, technician) of the newest orders, newest first: every state once (so a demo of a dozen
	orders has them all), then each pool technician's open jobs and new requests, each part shuffled."""
	technicians = sorted({t for c in leaves for t in c.technicians})
	states = [(state, None) for state in STATES]
	more = [(state, technician) for technician in technicians for state in OPEN_JOBS]
	more += [("Draft", None)] * NEW_REQUESTS
	rng.shuffle(states)
	rng.shuffle(more)
	return states + more


def make_order(rng, opened, status, category, unit, targets, now, escalate_at_percent, second_escalation):
	standard = targets.get(category.priority) or targets["Medium"]
	response_h = category.response_hours or standard[0]
	resolution_h = category.resolution_hours or standard[1]
	response_by = add_service_hours(opened, response_h)
	resolution_by = add_service_hours(opened, resolution_h)
	requester = unit.requester if unit.requester_since and unit.requester_since <= opened.date() else None
	order = {
		"creation": opened,
		"subject": rng.choice(SUBJECTS.get(category.name, ("报修",))),
		"service_category": category.name,
		"channel": rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0],
		"status": status,
		"unit": unit.name,
		"estate": unit.estate,
		"building": unit.building,
		"requester": requester,
		"priority": category.priority,
		"response_by": response_by,
		"sla_resolution_by": resolution_by,
		"first_responded_on": None,
		"completed_on": None,
		"sla_resolution_date": None,
		"agreement_status": "First Response Due",
		"technician": None,
		"rating": 0,
		"rating_reasons": None,
		"rating_comment": None,
		"rated_on": None,
		"labour_hours": 0,
		"materials": [],
		"escalation_level": 0,
		"return_visit": None,
		"modified": opened,
	}
	if status == "Draft":
		order["escalation_level"] = escalation_level(
			now, opened, resolution_by, escalate_at_percent, second_escalation
		)
		return order
	# someone answered: most within the response target
	late = rng.random() < 0.1
	delay = response_h * (rng.uniform(1.1, 3.0) if late else rng.uniform(0.1, 0.95))
	responded = min(add_service_hours(opened, delay), now)
	order["first_responded_on"] = responded
	order["modified"] = responded
	if status == "Cancelled":
		order["agreement_status"] = "Fulfilled"
		order["sla_resolution_date"] = responded
		return order
	if status == "Accepted":
		order["agreement_status"] = "Failed" if now > resolution_by else "Resolution Due"
		order["escalation_level"] = escalation_level(
			now, opened, resolution_by, escalate_at_percent, second_escalation
		)
		return order
	if category.technicians:
		order["technician"] = rng.choice(category.technicians)
	finished = status in ("Completed", "Closed")
	if not finished:
		order["agreement_status"] = (
			"Failed" if now > resolution_by or responded > response_by else "Resolution Due"
		)
		order["escalation_level"] = escalation_level(
			now, opened, resolution_by, escalate_at_percent, second_escalation
		)
		return order
	slow = rng.random() < 0.12
	work = resolution_h * (rng.uniform(1.05, 2.5) if slow else rng.uniform(0.15, 0.9))
	completed = add_service_hours(opened, work)
	if completed > now:
		completed = now - timedelta(minutes=rng.randint(5, 60))
	completed = max(completed, responded + timedelta(minutes=20))
	order["completed_on"] = completed
	order["sla_resolution_date"] = completed
	met = completed <= resolution_by and responded <= response_by
	order["agreement_status"] = "Fulfilled" if met else "Failed"
	order["escalation_level"] = escalation_level(
		completed, opened, resolution_by, escalate_at_percent, second_escalation
	)
	order["labour_hours"] = round(rng.uniform(0.5, 4), 1)
	order["modified"] = completed
	if category.chargeable and CATEGORY_MATERIALS.get(category.name) and rng.random() < 0.5:
		for code in rng.sample(
			CATEGORY_MATERIALS[category.name], k=min(2, len(CATEGORY_MATERIALS[category.name]))
		):
			order["materials"].append(
				{"item": code, "qty": rng.choice((1, 1, 2, 3)), "rate": MATERIALS[code][1]}
			)
	# the resident's rating: most rate well, slow work rates worse
	if rng.random() < 0.65 and (status == "Closed" or rng.random() < 0.5):
		weights = (2, 4, 10, 30, 54) if met else (12, 18, 25, 25, 20)
		rating = rng.choices((1, 2, 3, 4, 5), weights)[0]
		order["rating"] = rating
		reasons = GOOD_REASONS if rating >= 4 else BAD_REASONS
		order["rating_reasons"] = ", ".join(rng.sample(reasons, k=rng.randint(1, len(reasons))))
		order["rating_comment"] = rng.choice(GOOD_COMMENTS if rating >= 4 else BAD_COMMENTS) or None
		order["rated_on"] = min(completed + timedelta(hours=rng.uniform(0.5, 72)), now)
	if needs_return_visit(category.return_visit_policy, bool(order["rating"])):
		due = (completed + timedelta(days=3)).date()
		if due >= now.date():
			order["return_visit"] = {"status": "Open", "due_date": due}
		else:
			outcome = rng.choices(("Satisfied", "Unsatisfied", "Unreachable"), (84, 7, 9))[0]
			order["return_visit"] = {
				"status": "Done",
				"due_date": due,
				"outcome": outcome,
				"satisfaction": {"Satisfied": rng.choice((4, 5, 5)), "Unsatisfied": rng.choice((1, 2))}.get(
					outcome, 0
				),
				"method": rng.choices(("Phone", "WeChat", "On-site", "SMS"), (70, 15, 10, 5))[0],
			}
	return order


def name_orders(orders: list[dict], next_number: dict[str, int], digits: int = 5) -> dict[str, int]:
	"""Names as the naming series SO-.YYYY.- gives them, in order of creation; returns each year's last."""
	last = dict(next_number)
	for order in orders:
		prefix = f"SO-{order['creation'].year}-"
		last[prefix] = last.get(prefix, 0) + 1
		order["name"] = f"{prefix}{last[prefix]:0{digits}d}"
	return last
