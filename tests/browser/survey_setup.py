"""Prepares the survey browser check on a site and prints its JSON (run with the bench's Python from the
bench's sites/ folder): a running campaign whose template has a condition (a low rating asks why), a
portal resident with an invitation, another resident's e-mailed link (the token is shown only here: the
site stores its hash), and a customer-service clerk of the estate with a phone invitation to record.

	../env/bin/python /path/to/tests/browser/survey_setup.py --site SITE --password PASSWORD
"""

import argparse
import json

import frappe
from frappe.utils.password import update_password

from property_crm.property_households import accounts
from property_crm.property_surveys import surveys

QUESTIONS = [
	{"question_key": "overall", "text_zh": "您对物业服务总体满意吗？", "text_en": "Overall, how satisfied are you?",
		"question_type": "Rating 1-5", "dimension": "Service Quality", "weight": 2, "required": 1},
	{"question_key": "why", "text_zh": "哪里让您不满意？", "text_en": "What went wrong?", "question_type": "Free Text",
		"condition_question": "overall", "condition_operator": "<=", "condition_value": "2"},
	{"question_key": "clean", "text_zh": "公共区域保洁", "text_en": "Cleanliness of public areas",
		"question_type": "Rating 1-5", "dimension": "Environment"},
	{"question_key": "recommend", "text_zh": "您会向亲友推荐我们吗？", "text_en": "Would you recommend us?",
		"question_type": "NPS 0-10", "required": 1},
]  # fmt: skip


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--password", required=True)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	# Frappe refuses more than 60 new users a minute; the tests may just have made many
	frappe.local.conf.throttle_user_limit = max(frappe.local.conf.get("throttle_user_limit") or 60, 10_000)
	frappe.local.lang = "zh"
	stamp = frappe.generate_hash(length=5)
	template = frappe.get_doc(
		{"doctype": "Survey Template", "title": f"浏览器检查问卷 {stamp}", "questions": QUESTIONS}
	).insert()
	campaign = frappe.get_doc(
		{"doctype": "Survey Campaign", "title": f"浏览器检查调查 {stamp}", "template": template.name,
			"one_per": "Person", "exclude_days": 0, "channel_portal": 1, "channel_email": 1, "channel_phone": 1}
	).insert()  # fmt: skip
	campaign.db_set("status", "Running")
	occupants = frappe.get_all(
		"Property Unit Occupant",
		filters={"parenttype": "Property Unit", "move_out": ("is", "not set")},
		fields=["resident", "parent"],
		order_by="parent",
		limit=3,
	)
	resident, guest, called = occupants
	user = accounts.ensure_portal_user(frappe.get_doc("Property Owner", resident.resident))
	update_password(user, args.password)
	frappe.db.set_value("User", user, "language", "zh")
	mine, _token = surveys.invite(campaign.name, resident.resident, resident.parent)
	_theirs, token = surveys.invite(campaign.name, guest.resident, guest.parent, channel="E-mail")
	phone, _t = surveys.invite(campaign.name, called.resident, called.parent, channel="Phone")
	estate = frappe.db.get_value("Property Unit", called.parent, "estate")
	clerk = f"survey.cs.{stamp.lower()}@example.com"
	doc = frappe.get_doc({"doctype": "User", "email": clerk, "first_name": "回访客服", "language": "zh",
		"send_welcome_email": 0, "roles": [{"role": "Property Customer Service"}]})  # fmt: skip
	doc.flags.no_welcome_mail = True
	doc.insert(ignore_permissions=True)
	update_password(clerk, args.password)
	frappe.get_doc(
		{"doctype": "User Permission", "user": clerk, "allow": "Property Estate", "for_value": estate}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	print(json.dumps({"resident": user, "invitation": mine, "token": token, "clerk": clerk,
		"phone_invitation": phone, "campaign": campaign.name}))  # fmt: skip
	frappe.destroy()


if __name__ == "__main__":
	main()
