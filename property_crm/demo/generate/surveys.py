"""The demo's surveys, as plain data and pure generators (no Frappe): the three templates a property
company uses (the yearly survey, the short survey after a repair, the one after a complaint), believable
answers — a household's mood drives its ratings, a detractor explains, a repair's own rating drives its
short survey — and the scores of each answer set (`property_surveys.rules.survey.score`), so the database side only
bulk-inserts rows."""

import random
from collections.abc import Sequence

from property_crm.property_surveys.rules import survey as rules
from property_crm.property_surveys.rules.survey import Question

ANNUAL = "年度满意度调查 Annual Satisfaction Survey"
AFTER_REPAIR = "维修服务回访 After-repair Survey"
AFTER_COMPLAINT = "投诉处理回访 After-complaint Survey"

# question rows as Survey Question fields
TEMPLATES: dict[str, list[dict]] = {
	ANNUAL: [
		{"question_key": "overall", "text_zh": "您对物业服务的总体满意度如何？", "text_en": "Overall, how satisfied are you with our service?",
			"question_type": rules.RATING, "dimension": "Service Quality", "weight": 2, "required": 1},
		{"question_key": "why_low", "text_zh": "请告诉我们哪里做得不好", "text_en": "Please tell us what we did badly",
			"question_type": rules.TEXT, "condition_question": "overall", "condition_operator": "<=", "condition_value": "2"},
		{"question_key": "attitude", "text_zh": "客服及工作人员的服务态度", "text_en": "Attitude of our staff",
			"question_type": rules.RATING, "dimension": "Attitude", "weight": 1, "required": 1},
		{"question_key": "speed", "text_zh": "报修响应及处理速度", "text_en": "Speed of repairs",
			"question_type": rules.RATING, "dimension": "Efficiency", "weight": 1},
		{"question_key": "clean", "text_zh": "公共区域清洁及绿化", "text_en": "Cleanliness and greenery of public areas",
			"question_type": rules.RATING, "dimension": "Environment", "weight": 1},
		{"question_key": "safe", "text_zh": "小区安全及门禁管理", "text_en": "Security and access control",
			"question_type": rules.RATING, "dimension": "Security", "weight": 1},
		{"question_key": "fees", "text_zh": "物业费收费是否合理透明", "text_en": "Are our fees fair and clear?",
			"question_type": rules.YES_NO, "dimension": "Fees", "weight": 1},
		{"question_key": "issues", "text_zh": "您最希望改进的方面（可多选）", "text_en": "What should we improve first? (several)",
			"question_type": rules.MULTIPLE, "options": "电梯\n停车\n噪音\n保洁\n绿化"},
		{"question_key": "parking_note", "text_zh": "停车方面的具体问题", "text_en": "What is the parking problem?",
			"question_type": rules.TEXT, "condition_question": "issues", "condition_operator": "=", "condition_value": "停车"},
		{"question_key": "recommend", "text_zh": "您向亲友推荐本小区物业的可能性有多大？", "text_en": "How likely are you to recommend us?",
			"question_type": rules.NPS, "required": 1},
	],
	AFTER_REPAIR: [
		{"question_key": "done", "text_zh": "本次维修服务您满意吗？", "text_en": "Are you satisfied with this repair?",
			"question_type": rules.RATING, "dimension": "Service Quality", "weight": 2, "required": 1},
		{"question_key": "on_time", "text_zh": "师傅是否按约定时间上门？", "text_en": "Did the technician come on time?",
			"question_type": rules.YES_NO, "dimension": "Efficiency", "weight": 1, "required": 1},
		{"question_key": "polite", "text_zh": "师傅的服务态度", "text_en": "The technician's manner",
			"question_type": rules.RATING, "dimension": "Attitude", "weight": 1},
		{"question_key": "what_wrong", "text_zh": "哪里不满意？", "text_en": "What was wrong?",
			"question_type": rules.TEXT, "condition_question": "done", "condition_operator": "<=", "condition_value": "2"},
	],
	AFTER_COMPLAINT: [
		{"question_key": "handled", "text_zh": "您对投诉的处理结果满意吗？", "text_en": "Are you satisfied with how we handled your complaint?",
			"question_type": rules.RATING, "dimension": "Service Quality", "weight": 2, "required": 1},
		{"question_key": "heard", "text_zh": "工作人员是否认真听取了您的意见？", "text_en": "Did our staff listen to you?",
			"question_type": rules.YES_NO, "dimension": "Attitude", "weight": 1},
		{"question_key": "recommend", "text_zh": "您向亲友推荐本小区物业的可能性有多大？", "text_en": "How likely are you to recommend us?",
			"question_type": rules.NPS},
	],
}  # fmt: skip

COMPLAINTS_TEXT = (
	"电梯经常故障，报修后很久才修好",
	"保安对访客态度很差",
	"垃圾清运不及时，有异味",
	"停车位被外来车辆占用",
)
PARKING_TEXT = ("晚上车位不够", "外来车辆乱停", "地库照明太暗")
REPAIR_TEXT = ("问题没有彻底解决", "师傅迟到了一个小时", "维修后没有清理现场")


def questions(template: str) -> list[Question]:
	return [
		Question(
			key=row["question_key"],
			type=row["question_type"],
			weight=float(row.get("weight") or 1),
			required=bool(row.get("required")),
			dimension=row.get("dimension"),
			options=rules.options_of(row.get("options")),
			condition_key=row.get("condition_question"),
			condition_operator=row.get("condition_operator"),
			condition_value=row.get("condition_value"),
			label=row["text_zh"],
		)
		for row in TEMPLATES[template]
	]


def _rating(rng: random.Random, mood: float) -> int:
	"""A 1–5 rating around a household's mood (0 = furious … 1 = delighted)."""
	return max(1, min(5, round(1 + 4 * mood + rng.gauss(0, 0.6))))


def mood_of(rng: random.Random) -> float:
	"""Most residents are content, some are not (a skewed distribution, as real surveys show)."""
	return min(1.0, max(0.0, rng.betavariate(5, 2)))


def annual_answers(rng: random.Random, mood: float) -> dict:
	answers: dict = {}
	answers["overall"] = str(_rating(rng, mood))
	if int(answers["overall"]) <= 2:
		answers["why_low"] = rng.choice(COMPLAINTS_TEXT)
	answers["attitude"] = str(_rating(rng, mood + 0.05))
	for key in ("speed", "clean", "safe"):
		if rng.random() < 0.9:  # some skip the optional questions
			answers[key] = str(_rating(rng, mood))
	if rng.random() < 0.85:
		answers["fees"] = rules.YES if rng.random() < 0.3 + 0.6 * mood else rules.NO
	picked = [o for o in ("电梯", "停车", "噪音", "保洁", "绿化") if rng.random() < 0.25]
	if picked:
		answers["issues"] = picked
		if "停车" in picked and rng.random() < 0.6:
			answers["parking_note"] = rng.choice(PARKING_TEXT)
	answers["recommend"] = str(max(0, min(10, round(10 * mood + rng.gauss(0, 1.2)))))
	return answers


def repair_answers(rng: random.Random, rating: int | None) -> dict:
	"""The short survey after a repair, in line with the order's own rating (when it has one)."""
	done = rating or _rating(rng, mood_of(rng))
	answers = {"done": str(done), "on_time": rules.YES if rng.random() < 0.55 + 0.1 * done else rules.NO}
	if rng.random() < 0.8:
		answers["polite"] = str(max(1, min(5, done + rng.choice((-1, 0, 0, 1)))))
	if done <= 2:
		answers["what_wrong"] = rng.choice(REPAIR_TEXT)
	return answers


def complaint_answers(rng: random.Random) -> dict:
	mood = rng.betavariate(3, 2)
	return {
		"handled": str(_rating(rng, mood)),
		"heard": rules.YES if rng.random() < 0.4 + 0.5 * mood else rules.NO,
		"recommend": str(max(0, min(10, round(10 * mood + rng.gauss(0, 1.5))))),
	}


def sample(rng: random.Random, items: Sequence, rate: float) -> list:
	"""Each item kept with probability `rate` (who answered), in order."""
	return [item for item in items if rng.random() < rate]


def scored(template: str, answers: dict) -> rules.Scores:
	qs = questions(template)
	return rules.score(qs, rules.clean_answers(qs, answers))
