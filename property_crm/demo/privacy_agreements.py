"""The demo's confidentiality agreements (保密协议): every staff member holding a role that reads residents'
personal data gets a signed agreement with one or two training sessions; three expire within the reminder
window and one has expired, so the daily job's reminders and the Security Review's finding show. Then the
daily agreements job runs as the scheduler would. Once only (a default marks it)."""

import random

import frappe
from frappe.utils import add_days, getdate, today

from property_crm.property_privacy import agreements
from property_crm.property_privacy.rules.agreements import PERSONAL_DATA_ROLES

AGREEMENTS_DONE = "property_crm_demo_agreements"
TOPICS = (
	"客户信息保密与个人信息保护法",
	"住户档案查阅与导出规范",
	"数据泄露应急预案演练",
	"钓鱼邮件与账号安全",
)
TRAINERS = ("人事部 周经理", "信息部 吴工", "法务 郑律师")


def staff_users() -> list[str]:
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where(
			(has_role.parenttype == "User")
			& has_role.role.isin(list(PERSONAL_DATA_ROLES))
			& (user.enabled == 1)
			& (user.user_type == "System User")
			& user.name.notin(["Administrator", "Guest"])
		)
		.orderby(user.name)
		.run(pluck=True)
	)


def seed_agreements(rng: random.Random, progress) -> None:
	if frappe.db.get_default(AGREEMENTS_DONE):
		progress(f"agreements: kept as they are ({frappe.db.count('Confidentiality Agreement'):,})")
		return
	day = getdate(today())
	users = [u for u in staff_users() if not frappe.db.exists("Confidentiality Agreement", {"user": u})]
	expiring = set(rng.sample(users, min(3, len(users))))
	remaining = [u for u in users if u not in expiring]
	expired = rng.choice(remaining) if remaining else None
	for user in users:
		if user == expired:
			signed_on, valid_until = (
				add_days(day, -2 * 365 - rng.randint(5, 60)),
				add_days(day, -rng.randint(3, 20)),
			)
		elif user in expiring:
			signed_on, valid_until = (
				add_days(day, -365 - rng.randint(300, 700)),
				add_days(day, rng.randint(3, 25)),
			)
		else:
			signed_on = add_days(day, -rng.randint(20, 700))
			valid_until = add_days(signed_on, 3 * 365)
		sessions = sorted(
			{
				add_days(signed_on, rng.randint(0, max(0, min(330, (day - getdate(signed_on)).days))))
				for _ in range(2)
			}
		)
		frappe.get_doc(
			{
				"doctype": "Confidentiality Agreement",
				"user": user,
				"agreement_version": "2024-01" if getdate(signed_on).year < 2025 else "2025-01",
				"signed_on": signed_on,
				"valid_until": valid_until,
				"trainings": [
					{"training_date": when, "topic": rng.choice(TOPICS), "trainer": rng.choice(TRAINERS)}
					for when in sessions
				],
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	counts = agreements.daily()
	frappe.db.set_default(AGREEMENTS_DONE, "1")
	frappe.db.commit()
	progress(
		f"agreements: {len(users)} signed ({len(expiring)} expiring soon, {1 if expired else 0} expired), "
		f"{counts['reminded']} expiry reminders"
	)
