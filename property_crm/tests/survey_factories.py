"""Factories for survey tests (plain `make_*` functions; fresh records each call)."""

import frappe

from property_crm.tests.factories import unique

QUESTIONS = [
	{"question_key": "overall", "text_zh": "您对物业服务总体满意吗？", "text_en": "Overall, how satisfied are you?",
		"question_type": "Rating 1-5", "dimension": "Service Quality", "weight": 2, "required": 1},
	{"question_key": "why", "text_zh": "哪里让您不满意？", "text_en": "What went wrong?", "question_type": "Free Text",
		"condition_question": "overall", "condition_operator": "<=", "condition_value": "2"},
	{"question_key": "clean", "text_zh": "公共区域保洁", "text_en": "Cleanliness of public areas",
		"question_type": "Rating 1-5", "dimension": "Environment", "weight": 1},
	{"question_key": "recommend", "text_zh": "您会向亲友推荐本小区的物业吗？", "text_en": "Would you recommend us?",
		"question_type": "NPS 0-10"},
]  # fmt: skip


def make_template(questions=None, **kwargs):
	return frappe.get_doc(
		{
			"doctype": "Survey Template",
			"title": unique("满意度调查"),
			"questions": [dict(q) for q in (questions or QUESTIONS)],
		}
		| kwargs
	).insert()


def make_campaign(template=None, status: str = "Running", **kwargs):
	template = template or make_template()
	doc = frappe.get_doc(
		{
			"doctype": "Survey Campaign",
			"title": unique("年度满意度调查"),
			"template": template.name if hasattr(template, "name") else template,
			"one_per": "Person",
			"exclude_days": 0,
			"channel_portal": 1,
			"channel_email": 1,
			"channel_phone": 1,
		}
		| kwargs
	).insert()
	if status != "Draft":
		doc.db_set("status", status)
	return doc
