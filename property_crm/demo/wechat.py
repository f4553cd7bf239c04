"""The demo's WeChat Official Account (微信公众号): WeChat Official Account Settings in Sandbox mode pointing at
the stand-in's default port (8701, `property_crm.tests.wechat_standin`; the browser tour starts one there with
the site's appid and secret), every resident with a portal login bound to a WeChat openid (through
`binding.bind`, as the menu's OAuth entry binds), about 15 % of the last year's service orders and some
complaints received by WeChat (more in recent months, as the account caught on), and two weeks of template
messages of the completed-request notification on WeChat Delivery — sent through the real path
(`notify.send` → the client → a stand-in started in-process for the step), some refused because the resident
unfollowed the account, one day's batch refused for quota. Once only (a default marks the step done)."""

import random
import secrets

import frappe
from frappe.utils import add_days, add_months, add_to_date, now_datetime

WECHAT_DONE = "property_crm_demo_wechat"
PORT = 8701
ORDER_SHARE = 0.15  # of the last year's orders
COMPLAINT_SHARE = 0.12  # of the last year's complaints
DELIVERY_DAYS = 14
SETTINGS = "WeChat Official Account Settings"
OPENID_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def seed_wechat(rng: random.Random, progress) -> None:
	if frappe.db.get_default(WECHAT_DONE):
		progress(f"WeChat: kept as it is ({frappe.db.count('WeChat Binding')} bindings)")
		return
	from property_crm.tests.wechat_standin import DEFAULT_APPID, random_aes_key

	settings = frappe.get_doc(SETTINGS)
	if settings.environment != "Live":  # a real Official Account set up on this site is kept
		settings.update(
			{
				"enabled": 1,
				"environment": "Sandbox",
				"mode": "Safe",
				"api_base_url": f"http://127.0.0.1:{PORT}",
				"oauth_base_url": f"http://127.0.0.1:{PORT}",
				"site_url": frappe.utils.get_url().rstrip("/"),
				"appid": DEFAULT_APPID,
				"app_secret": secrets.token_hex(16),
				"token": "demo" + secrets.token_hex(8),
				"encoding_aes_key": random_aes_key(),
				"template_request_completed": "DEMO-REQUEST-COMPLETED",
				"template_complaint_acknowledged": "DEMO-COMPLAINT-ACKNOWLEDGED",
			}
		)
		settings.flags.ignore_permissions = True  # Safe: the demo's own configuration
		settings.save()
	bound = bind_portal_residents(rng)
	orders = wechat_orders(rng)
	complaints = wechat_complaints(rng)
	frappe.db.commit()
	sent = deliveries(rng)
	frappe.db.set_default(WECHAT_DONE, "1")
	frappe.db.commit()
	progress(
		f"WeChat: {bound} residents bound, {orders} service orders and {complaints} complaints by WeChat, "
		f"{sent} template messages"
	)


def bind_portal_residents(rng: random.Random) -> int:
	from property_crm.wechat import binding

	made = 0
	for resident, user in frappe.get_all(
		"Property Owner", filters={"user": ("is", "set")}, fields=["name", "user"], as_list=True
	):
		if frappe.db.exists("WeChat Binding", {"resident": resident}):
			continue
		openid = "o" + "".join(rng.choices(OPENID_LETTERS, k=27))
		if frappe.db.exists("WeChat Binding", {"openid": openid}):
			continue
		binding.bind(openid, resident, user)
		# they chose WeChat on their file: notices about their requests and complaints reach them there
		frappe.db.set_value("Property Owner", resident, "preferred_channel", "WeChat", update_modified=False)
		made += 1
	return made


def _share_by_month(rng: random.Random, names: list[tuple[str, object]], share: float) -> list[str]:
	"""About `share` of `names` (name, date), more in recent months: 1/2 the share a year ago, 3/2 now."""
	if not names:
		return []
	now = now_datetime()
	chosen = []
	for name, when in names:
		age = max(0.0, min(1.0, (now - when).days / 365.0))
		if rng.random() < share * (1.5 - age):
			chosen.append(name)
	return chosen


def wechat_orders(rng: random.Random) -> int:
	since = add_months(now_datetime(), -12)
	rows = frappe.get_all(
		"Service Order",
		filters={
			"creation": (">=", since),
			"requester": ("is", "set"),
			"channel": ("in", ("Phone", "Desk", "Portal")),
		},
		fields=["name", "creation"],
		as_list=True,
	)
	chosen = _share_by_month(rng, rows, ORDER_SHARE)
	for start in range(0, len(chosen), 500):
		order = frappe.qb.DocType("Service Order")
		frappe.qb.update(order).set(order.channel, "WeChat").where(
			order.name.isin(chosen[start : start + 500])
		).run()
	return len(chosen)


def wechat_complaints(rng: random.Random) -> int:
	options = (frappe.get_meta("Complaint").get_field("channel").options or "").split("\n")
	if "WeChat" not in options:
		return 0
	since = add_months(now_datetime(), -12)
	rows = frappe.get_all(
		"Complaint",
		filters={
			"received_on": (">=", since),
			"complainant": ("is", "set"),
			"identity": ("is", "not set"),
			"channel": ("in", ("Phone", "Desk", "Portal")),
		},
		fields=["name", "received_on"],
		as_list=True,
	)
	chosen = _share_by_month(rng, rows, COMPLAINT_SHARE)
	for start in range(0, len(chosen), 500):
		complaint = frappe.qb.DocType("Complaint")
		frappe.qb.update(complaint).set(complaint.channel, "WeChat").where(
			complaint.name.isin(chosen[start : start + 500])
		).run()
	return len(chosen)


def deliveries(rng: random.Random) -> int:
	"""Template messages of "Service Order Completed" for the bound residents' completed orders, sent through
	the client to a stand-in run in-process for the step; each record dated on one of the last two weeks."""
	from property_crm.tests.wechat_standin import WeChatStandIn
	from property_crm.wechat import client, notify

	settings = client.settings()
	bound = frappe.get_all("WeChat Binding", fields=["resident", "openid"])
	if not bound or not frappe.db.exists("Notification", "Service Order Completed"):
		return 0
	notification = frappe.get_doc("Notification", "Service Order Completed")
	template = notify.template_id(notification)
	standin = WeChatStandIn(settings.appid, settings.app_secret)
	standin.start(0)
	real_base = frappe.db.get_single_value(SETTINGS, "api_base_url")
	frappe.db.set_single_value(SETTINGS, "api_base_url", standin.base_url)
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	client.forget_token(settings.appid)
	sent = 0
	try:
		unfollowed = {row.openid for row in bound[: max(1, len(bound) // 6)]}
		standin.unsubscribed = unfollowed
		quota_day = rng.randrange(1, DELIVERY_DAYS)
		for day in range(DELIVERY_DAYS):
			standin.quota_exceeded = day == quota_day
			for row in rng.sample(bound, k=min(len(bound), rng.randint(2, 5))):
				orders = frappe.get_all(
					"Service Order",
					filters={"requester": row.resident},
					pluck="name",
					limit=1,
					order_by="creation desc",
				)
				if not orders:
					continue
				doc = frappe.get_doc("Service Order", orders[0])
				data = {
					"first": {"value": "您的报修已完成。"},
					"keyword1": {"value": doc.name},
					"keyword2": {"value": doc.subject or ""},
					"remark": {"value": "请评价我们的服务"},
				}
				url = frappe.utils.get_url(f"/property/requests/{doc.name}")
				before = now_datetime()
				notify.send(notification.name, doc, row.resident, template, data, url)
				when = add_to_date(
					add_days(now_datetime(), day - DELIVERY_DAYS + 1), hours=-rng.randint(0, 8)
				)
				record = frappe.qb.DocType("Integration Request")
				frappe.qb.update(record).set(record.creation, when).set(record.modified, when).where(
					(record.creation >= before) & (record.integration_request_service == notify.SERVICE)
				).run()
				sent += 1
		# WeChat's delivery reports for most of the accepted messages
		for msgid in frappe.get_all(
			"Integration Request",
			filters={"integration_request_service": notify.SERVICE, "status": "Completed"},
			pluck="request_id",
		):
			status = "success" if rng.random() < 0.93 else "failed:user block"
			notify.on_delivery_report(
				{"MsgType": "event", "Event": "TEMPLATESENDJOBFINISH", "MsgID": msgid, "Status": status}
			)
		# the quota day's messages were given up (no retry in a demo): the record says so
		frappe.db.set_value(
			"Integration Request",
			{"integration_request_service": notify.SERVICE, "status": "Queued"},
			"status",
			"Failed",
			update_modified=False,
		)
	finally:
		standin.stop()
		frappe.db.set_single_value(SETTINGS, "api_base_url", real_base)
		frappe.clear_document_cache(SETTINGS, SETTINGS)
		client.forget_token(settings.appid)
	frappe.db.commit()
	return sent
