"""Two years of a property company's complaints, generated (pure: no frappe, no database).

Every complaint is a plain dict with the fields the desk stores, consistent with the app's rules
(`property_complaints.rules.complaint`): the severity sets the priority and the SLA targets (service hours every day), resolving
needs a root cause and a resolution, closing needs the complainant's feedback or seven silent days and, for a
hotline case, the reply to the hotline; a complainant who is not satisfied reopens the complaint. About one
in ten is anonymous: its complainant, unit and contact are kept apart (`identity`), the complaint says 匿名
(and keeps its building only when the building is big enough to name nobody).
Some residents complain again and again (repeats within 180 days are linked). Noise and cleaning peak in
summer (renovation, square dancing, mosquitoes), fees around the new year's bills. The newest complaints
are spread over every workflow state, so the desk has work in hand.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from property_crm.demo.generate import people as demo
from property_crm.demo.generate.orders import UnitInfo, add_service_hours, opening_times
from property_crm.property_complaints.rules.complaint import (
	ANONYMOUS,
	REPEAT_WINDOW_DAYS,
	STATES,
	is_hotline,
	keeps_building,
	priority_of,
	targets_for,
)
from property_crm.property_service.rules.service import escalation_level

CHANNELS = (
	("Phone", 34),
	("Portal", 20),
	("Desk", 14),
	("12345 Hotline", 18),
	("Other External", 3),
	("Email", 6),
	("Letter", 5),
)
SEVERITY_UP = {"Low": "Medium", "Medium": "High", "High": "Critical", "Critical": "Critical"}
SUMMER, WINTER, NEW_YEAR = (6, 7, 8), (12, 1, 2), (12, 1)
HOTLINE_DAYS = 3  # the 12345 hotline expects a reply within three days
CLOSE_AFTER_DAYS = 7  # a resolved complaint without feedback closes by itself
FEEDBACK_CLOSE = timedelta(days=CLOSE_AFTER_DAYS)

# category: (subjects, seasonal months, weight in those months, usual root causes)
CATEGORIES = {
	"Service Attitude": (
		("客服电话长时间无人接听", "前台人员态度冷淡", "门岗保安说话粗鲁", "维修师傅态度差", "报修后客服互相推诿"),
		(), 1.0, ("Staff Conduct", "Staff Conduct", "Misunderstanding", "Process"),
	),
	"Environment and Cleaning": (
		("楼道垃圾多日未清", "垃圾桶满溢异味大", "绿化带积水蚊虫多", "电梯厅地面长期不拖", "草坪上宠物粪便无人清理"),
		SUMMER, 1.8, ("Process", "Contractor", "Staff Conduct"),
	),
	"Noise": (
		("楼上装修噪音扰民", "广场舞音乐声过大", "夜间临街商铺噪音", "空调外机噪音大", "清晨垃圾车作业噪音"),
		SUMMER, 2.0, ("Neighbour", "Contractor", "Process"),
	),
	"Safety and Security": (
		("陌生人随意进出小区", "门岗未登记访客", "车辆被刮后未调监控", "消防通道被杂物堵塞", "夜间巡逻不到位"),
		(), 1.0, ("Process", "Staff Conduct", "Facility Defect"),
	),
	"Facilities and Equipment": (
		("电梯一周内多次故障", "单元门禁损坏多日未修", "地下车库照明不足", "小区路灯不亮", "二次供水水质浑浊"),
		WINTER, 1.3, ("Facility Defect", "Contractor", "Process"),
	),
	"Fees and Charges": (
		("物业费计费面积有误", "停车费上涨未公示", "公摊水电费不透明", "有偿维修收费过高", "重复收取物业费"),
		NEW_YEAR, 1.8, ("Process", "Misunderstanding"),
	),
	"Parking Management": (
		("车位被外来车辆占用", "地库出入口拥堵", "电动车充电桩不够用", "消防通道违停无人管"),
		(), 1.0, ("Process", "Neighbour", "Staff Conduct"),
	),
	"Neighbours": (
		("邻居在公共楼道堆放杂物", "邻居家狗夜间吠叫", "楼上漏水邻居不配合", "邻居私搭乱建"),
		SUMMER, 1.3, ("Neighbour", "Misunderstanding"),
	),
	"Other Complaints": (
		("快递柜超时收费不合理", "小区通知公告不及时", "业主群信息发布混乱"),
		(), 0.6, ("Other Cause", "Misunderstanding", "Process"),
	),
}  # fmt: skip
DETAILS = (
	"已经反映过多次，一直没有解决。",
	"希望物业尽快处理并给予答复。",
	"严重影响日常生活，请尽快处理。",
	"请相关负责人尽快联系我。",
	"家里有老人和小孩，实在受不了。",
	"其他业主也有同样的意见。",
)
FINDINGS = {
	"Staff Conduct": "调取录音和监控，当班人员服务用语不规范。",
	"Process": "核查工作记录，相关流程未按规定执行。",
	"Facility Defect": "现场检查，设备老化存在故障。",
	"Contractor": "经核实，外包单位未按合同要求作业。",
	"Neighbour": "上门了解，问题由相邻住户引起。",
	"Misunderstanding": "与投诉人沟通，问题源于信息传达不清。",
	"Other Cause": "经调查，问题由其他原因造成。",
}
RESOLUTIONS = {
	"Staff Conduct": ("已向投诉人当面致歉，并对当班人员批评教育", "加强员工服务礼仪培训并纳入考核"),
	"Process": ("已按规定重新处理并向投诉人说明", "修订相关工作流程，增加复核环节"),
	"Facility Defect": ("已安排维修并复查运行正常", "纳入设备月度巡检计划"),
	"Contractor": ("已责令外包单位整改并复查合格", "按合同考核外包单位并扣减服务费"),
	"Neighbour": ("已上门协调，双方达成一致", "张贴文明公约，加强巡查劝导"),
	"Misunderstanding": ("已向投诉人详细解释并出示依据", "在公告栏和业主群公示相关说明"),
	"Other Cause": ("已协调相关单位处理完毕", "持续跟踪，定期回访"),
}
SATISFIED_COMMENTS = ("处理及时，满意", "态度很好，问题已解决", "谢谢物业", "")
UNSATISFIED_COMMENTS = ("问题没有根本解决", "处理太慢，还是老样子", "只是敷衍，没有实际改进")
COMPENSATIONS = (("减免一个月物业费", 300.0), ("赔偿维修费用", 500.0), ("赠送停车月卡", 200.0))


@dataclass
class CategoryInfo:
	"""A complaint category of the site: its name, default severity and department."""

	name: str
	severity: str = "Medium"
	department: str = "Customer Service"
	response_hours: float = 0
	resolution_hours: float = 0


NEW_COMPLAINTS = 3  # registered, not yet investigated: customer service's waiting work


def season_weight(category: str, month: int) -> float:
	"""How likely a category is in a month: its seasonal weight in its months (always, when it has none)."""
	_subjects, months, weight, _causes = CATEGORIES.get(category, ((), (), 1.0, ()))
	return weight if not months or month in months else 1.0


def status_for_age(rng: random.Random, age: timedelta) -> str:
	"""Old complaints are finished; the last days hold the work in hand."""
	if age > timedelta(days=30):
		return rng.choices(("Closed", "Withdrawn"), (93, 7))[0]
	if age > timedelta(days=CLOSE_AFTER_DAYS):
		return rng.choices(
			("Closed", "Withdrawn", "Investigating", "Escalated", "Reopened"), (68, 6, 14, 6, 6)
		)[0]
	return rng.choices(
		("Registered", "Investigating", "Escalated", "Resolved", "Reopened", "Closed", "Withdrawn"),
		(20, 28, 8, 25, 5, 8, 6),
	)[0]


def make_complaints(
	rng: random.Random,
	count: int,
	units: list[UnitInfo],
	categories: list[CategoryInfo],
	now: datetime,
	handlers: dict[str, list[str]] | None = None,
	months: int = 24,
	anonymous_share: float = 0.1,
	escalate_at_percent: float = 80,
	second_escalation: timedelta = timedelta(hours=4),
	building_units: dict[str, int] | None = None,
) -> list[dict]:
	"""The complaints, oldest first. The newest len(STATES) take one state each (every state is there even in
	a small demo), the next few are new complaints waiting for customer service (`NEW_COMPLAINTS`).
	`handlers`: estate → staff who handle its complaints; `building_units`: building → its
	number of units (default: counted in `units`), for what an anonymous complaint may keep."""
	if not units or not categories or count <= 0:
		return []
	moments = opening_times(rng, count, now, months)
	forced = list(STATES)
	rng.shuffle(forced)
	forced += ["Registered"] * NEW_COMPLAINTS
	# a few households complain again and again
	frequent = rng.sample(units, k=max(1, len(units) // 30))
	if building_units is None:
		building_units = {}
		for unit in units:
			building_units[unit.building] = building_units.get(unit.building, 0) + 1
	out = []
	for position, received in enumerate(moments):
		newest_rank = count - 1 - position
		if newest_rank < len(forced):
			status = forced[newest_rank]
			received = now - timedelta(hours=rng.randint(30, 120))
		else:
			status = status_for_age(rng, now - received)
		category = rng.choices(categories, [season_weight(c.name, received.month) for c in categories])[0]
		unit = rng.choice(frequent) if rng.random() < 0.2 else rng.choice(units)
		staff = (handlers or {}).get(unit.estate) or [None]
		out.append(
			make_complaint(
				rng, received, status, category, unit, rng.choice(staff), now, anonymous_share,
				escalate_at_percent, second_escalation, building_units.get(unit.building, 0),
			)
		)  # fmt: skip
	out.sort(key=lambda c: c["creation"])
	return out


def make_complaint(
	rng,
	received,
	status,
	category,
	unit,
	handler,
	now,
	anonymous_share,
	escalate_at_percent,
	second_escalation,
	units_in_building=0,
):
	subjects, _months, _weight, causes = CATEGORIES.get(
		category.name, (("其他投诉",), (), 1.0, ("Other Cause",))
	)
	subject = rng.choice(subjects)
	severity = SEVERITY_UP[category.severity] if rng.random() < 0.1 else category.severity
	priority = priority_of(severity)
	response_h, resolution_h = targets_for(category.response_hours, category.resolution_hours)[priority]
	channel = rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
	resident = unit.requester if unit.requester_since and unit.requester_since <= received.date() else None
	anonymous = rng.random() < anonymous_share
	caller = None if resident else demo.chinese_name(rng)[0]
	mobile = None if resident else demo.mobile(rng)
	if anonymous and channel == "Letter":
		mobile = None
	reachable = bool(resident or mobile)
	c = {
		"creation": received,
		"received_on": received,
		"modified": received,
		"subject": subject,
		"description": f"{subject}。{rng.choice(DETAILS)}",
		"complaint_category": category.name,
		"severity": severity,
		"priority": priority,
		"channel": channel,
		"status": status,
		"is_anonymous": int(anonymous),
		"estate": unit.estate,
		"building": unit.building,
		"unit": unit.name,
		"complainant": resident,
		"complainant_name": caller,
		"contact_mobile": mobile,
		"responsible_person": handler,
		"responsible_department": category.department,
		"response_by": add_service_hours(received, response_h),
		"sla_resolution_by": add_service_hours(received, resolution_h),
		"first_responded_on": None,
		"sla_resolution_date": None,
		"agreement_status": "First Response Due",
		"acknowledged_on": None,
		"acknowledged_via": None,
		"external_reference": None,
		"hotline_reply_deadline": None,
		"hotline_replied_on": None,
		"hotline_reply": None,
		"hotline_escalation_level": 0,
		"escalation_level": 0,
		"findings": None,
		"root_cause": None,
		"resolution": None,
		"corrective_action": None,
		"compensation": None,
		"compensation_amount": 0,
		"resolved_on": None,
		"feedback": None,
		"feedback_comment": None,
		"feedback_on": None,
		"reopen_count": 0,
		"closed_on": None,
		"repeat_of": None,
		"repeat_count": 0,
		"identity": None,
	}
	if reachable:
		c["acknowledged_via"] = "Portal" if channel == "Portal" else "SMS"
		c["acknowledged_on"] = min(received + timedelta(minutes=rng.lognormvariate(1.5, 1.0)), now)
	if is_hotline(channel):
		prefix = "12345" if channel == "12345 Hotline" else "ZJW"
		c["external_reference"] = f"{prefix}-{received:%Y%m%d}-{rng.randint(1000, 9999)}"
		c["hotline_reply_deadline"] = received + timedelta(days=HOTLINE_DAYS)
	live(rng, c, status, causes, response_h, now, escalate_at_percent, second_escalation)
	for field, value in c.items():
		if isinstance(value, datetime):
			c[field] = value.replace(microsecond=0)
	if anonymous:
		c["identity"] = {
			field: c[field] for field in ("complainant", "complainant_name", "unit", "contact_mobile")
		}
		c.update({"complainant": None, "complainant_name": ANONYMOUS, "unit": None, "contact_mobile": None})
		if not keeps_building(units_in_building):  # a small building would name its few households
			c["building"] = None
	return c


def live(rng, c, status, causes, response_h, now, escalate_at_percent, second_escalation) -> None:
	"""What happened to the complaint until `now`, by the state it is in (`response_h`: its response target
	in service hours)."""
	received, response_by, resolution_by = c["received_on"], c["response_by"], c["sla_resolution_by"]

	def escalation(at):
		return escalation_level(at, received, resolution_by, escalate_at_percent, second_escalation)

	if status == "Registered":
		c["agreement_status"] = "Failed" if now > response_by else "First Response Due"
		c["escalation_level"] = escalation(now)
		hotline_reply(rng, c, None, now)
		return
	late = rng.random() < 0.08
	responded = add_service_hours(
		received, response_h * (rng.uniform(1.1, 3) if late else rng.uniform(0.1, 0.9))
	)
	responded = min(max(responded, c["acknowledged_on"] or received), now)
	c["first_responded_on"] = c["modified"] = responded
	if status == "Withdrawn":
		withdrawn = min(responded + timedelta(hours=rng.uniform(1, 48)), now)
		c["sla_resolution_date"] = c["modified"] = withdrawn
		c["agreement_status"] = "Fulfilled" if withdrawn <= resolution_by else "Failed"
		hotline_reply(rng, c, withdrawn, now, "来电人已撤回投诉，已电话确认。")
		return
	cause = rng.choice(causes)
	c["findings"] = FINDINGS.get(cause)
	open_now = status in ("Investigating", "Escalated")
	if open_now:
		c["agreement_status"] = (
			"Failed" if now > resolution_by or responded > response_by else "Resolution Due"
		)
		c["escalation_level"] = escalation(now)
		if status == "Escalated":
			c["escalation_level"] = max(c["escalation_level"], 1)
		hotline_reply(rng, c, None, now)
		return
	# resolved at least once
	slow = rng.random() < 0.1
	span = (resolution_by - received) * (rng.uniform(1.05, 2.0) if slow else rng.uniform(0.2, 0.9))
	resolved = min(max(received + span, responded + timedelta(minutes=30)), now - timedelta(minutes=5))
	c["root_cause"] = cause
	c["resolution"], c["corrective_action"] = RESOLUTIONS.get(cause, RESOLUTIONS["Other Cause"])
	if cause in ("Staff Conduct", "Facility Defect", "Process") and rng.random() < 0.04:
		c["compensation"], c["compensation_amount"] = rng.choice(COMPENSATIONS)
	c["resolved_on"] = c["sla_resolution_date"] = c["modified"] = resolved
	met = resolved <= resolution_by and responded <= response_by
	c["agreement_status"] = "Fulfilled" if met else "Failed"
	c["escalation_level"] = escalation(resolved)
	hotline_reply(rng, c, resolved, now)
	if status == "Resolved":
		return
	answered = resolved + timedelta(hours=rng.uniform(2, 96))
	if status == "Reopened" or (status == "Closed" and rng.random() < 0.08):
		# not satisfied: reopened; a closed one was resolved again and then accepted
		c["feedback"], c["feedback_comment"] = "Not Satisfied", rng.choice(UNSATISFIED_COMMENTS)
		c["feedback_on"] = c["modified"] = min(answered, now)
		c["reopen_count"] = 1
		if status == "Reopened":
			c["agreement_status"] = "Failed" if now > resolution_by else "Resolution Due"
			return
		resolved = min(c["feedback_on"] + timedelta(hours=rng.uniform(4, 72)), now - timedelta(minutes=2))
		c["resolved_on"] = c["sla_resolution_date"] = resolved
		c["agreement_status"] = "Fulfilled" if resolved <= resolution_by else "Failed"
		answered = resolved + timedelta(hours=rng.uniform(2, 72))
		if c["hotline_replied_on"]:
			c["hotline_replied_on"] = max(c["hotline_replied_on"], min(resolved, now))
	# closed: the complainant's answer, or seven days of silence
	if rng.random() < 0.8 or resolved + FEEDBACK_CLOSE > now:
		c["feedback"], c["feedback_comment"] = "Satisfied", rng.choice(SATISFIED_COMMENTS) or None
		c["feedback_on"] = closed = min(answered, now)
	else:
		c["feedback"] = c["feedback_comment"] = c["feedback_on"] = None
		closed = resolved + FEEDBACK_CLOSE + timedelta(hours=rng.uniform(0, 23))
		closed = min(closed, now)
	if c["hotline_replied_on"] and c["hotline_replied_on"] > closed:
		closed = min(c["hotline_replied_on"] + timedelta(minutes=10), now)
	c["closed_on"] = c["modified"] = closed


def hotline_reply(rng, c, handled: datetime | None, now: datetime, text: str | None = None) -> None:
	"""The reply to the hotline: most by the deadline, some late, none yet for some open cases."""
	deadline = c["hotline_reply_deadline"]
	if not deadline:
		return
	received = c["received_on"]
	if handled is None:  # still open: an interim reply, or none yet
		if rng.random() < 0.5:
			replied = received + (deadline - received) * rng.uniform(0.2, 0.95)
		else:
			replied = None
	elif rng.random() < 0.85:
		replied = max(min(handled, deadline - timedelta(minutes=rng.randint(5, 600))), received)
	else:
		replied = max(handled, deadline) + timedelta(hours=rng.uniform(2, 48))
	if replied is not None and replied > now:
		replied = None if handled is None else now
	c["hotline_replied_on"] = replied
	if replied:
		c["hotline_reply"] = text or f"已联系来电人说明处理情况：{c['resolution'] or '正在调查处理'}。"
	else:
		c["hotline_escalation_level"] = escalation_level(now, received, deadline, 80, timedelta(hours=4))


def name_complaints(complaints: list[dict], next_number: dict[str, int], digits: int = 5) -> dict[str, int]:
	"""Names as the naming series CMP-.YYYY.- gives them, in order of creation; returns each year's last.
	An anonymous complaint's identity record has the complaint's name."""
	last = dict(next_number)
	for c in complaints:
		prefix = f"CMP-{c['creation'].year}-"
		last[prefix] = last.get(prefix, 0) + 1
		c["name"] = f"{prefix}{last[prefix]:0{digits}d}"
		if c["identity"] is not None:
			c["identity"]["name"] = c["name"]
	return last


def person_of(c: dict) -> str | None:
	return c["complainant"] or (c["identity"] or {}).get("complainant")


def link_repeats(complaints: list[dict]) -> None:
	"""What registering sets: the complainant's latest earlier complaint within the window (withdrawn ones
	aside) and how many there were; an anonymous complaint's link is on its identity."""
	earlier: dict[str, list[dict]] = {}
	window = timedelta(days=REPEAT_WINDOW_DAYS)
	for c in sorted(complaints, key=lambda c: c["creation"]):
		person = person_of(c)
		if not person:
			continue
		mine = [e for e in earlier.get(person, []) if c["creation"] - e["creation"] <= window]
		c["repeat_count"] = len(mine)
		if mine:
			target = c["identity"] if c["identity"] is not None else c
			target["repeat_of"] = mine[-1]["name"]
		if c["status"] != "Withdrawn":
			earlier.setdefault(person, []).append(c)
