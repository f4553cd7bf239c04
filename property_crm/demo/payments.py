"""The demo's online payments (线上缴费): WeChat Pay and Alipay in Sandbox mode, and a share of the residents
with bills (about 15 %, at most `CAP`) having paid online over the last week — every payment made through the
real path: a Property Payment Order made by `orders.create_order`, launched at the platform's stand-in (the
same stand-ins the tests and `bench property-crm-payment-standins` serve, started in-process for the step),
paid there, and the stand-in's signed notification handed to the notification endpoint's own code
(`notify.receive`: verification, `orders.fulfil`, one ERPNext Payment Entry). A mix of both platforms and of
their channels; some orders still Pending, some Closed, one paid for a bill the front desk was paid part of
meanwhile (the difference kept as an advance), one refunded, and one day reconciled against the stand-in's statement with a planted
amount mismatch, so the reconciliation report has something to show.

The stand-ins' keys (merchant, platform, API v3 key; Alipay app and Alipay keys) live in the site's private
folder (`payment_standins.json`, made on first use, never served nor committed); the settings are left
pointing at the command's default ports, so `bench --site SITE property-crm-payment-standins` beside the
served site takes real payments with the same keys. Once only (a default marks the step done)."""

import json
import os
import random
import secrets
import time
import urllib.request
from datetime import timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization

import frappe
from frappe.utils import add_days, get_datetime, get_system_timezone, getdate, now_datetime, today

PAYMENTS_DONE = "property_crm_demo_payments"
KEYS_FILE = "payment_standins.json"
WECHAT_PORT = 8601  # the command's default; Alipay's stand-in listens on the next port
SHARE = 0.15  # of the residents with bills
CAP = 60  # payments at most, whatever the demo's size (each is a real Payment Entry)
DAYS = 7  # the payments are spread over the last week
ORDER = "Property Payment Order"
WECHAT_CHANNELS = ("h5", "native")  # JSAPI needs a WeChat user's openid, which a demo resident has not
ALIPAY_CHANNELS = ("wap", "qr", "page")


# ------------------------------------------------------------------ keys and stand-ins (also the command's)
def keys_path() -> str:
	return frappe.get_site_path("private", KEYS_FILE)


def standin_keys() -> dict:
	"""The stand-ins' keys of this site: read from the private folder, or made (and written, owner-only)
	on first use."""
	path = keys_path()
	if os.path.exists(path):
		with open(path, encoding="utf-8") as handle:
			return json.load(handle)
	from property_crm.property_fees.tests.standins import alipay as alipay_standin
	from property_crm.property_fees.tests.standins import wechat_pay as wechat_standin

	merchant_private, merchant_public, serial_no = wechat_standin.make_merchant_keys()
	platform_private, _platform_public = alipay_standin.make_app_keys()
	app_private, app_public = alipay_standin.make_app_keys()
	alipay_private, _alipay_public = alipay_standin.make_app_keys()
	keys = {
		"wechat_pay": {
			"mchid": wechat_standin.DEFAULT_MCHID,
			"appid": wechat_standin.DEFAULT_APPID,
			"apiv3_key": secrets.token_hex(16),
			"merchant_private_key": merchant_private,
			"merchant_public_key": merchant_public,
			"merchant_serial_no": serial_no,
			"platform_private_key": platform_private,
			"platform_public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
		},
		"alipay": {
			"app_id": "2021" + "".join(random.choices("0123456789", k=12)),
			"seller_id": "2088" + "".join(random.choices("0123456789", k=12)),
			"app_private_key": app_private,
			"app_public_key": app_public,
			"alipay_private_key": alipay_private,
		},
	}
	os.makedirs(os.path.dirname(path), exist_ok=True)
	descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
	with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
		json.dump(keys, handle, indent=1)
	return keys


def _private(pem: str):
	return serialization.load_pem_private_key(pem.encode(), password=None)


def _public_pem(key) -> str:
	return (
		key.public_key()
		.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
		.decode()
	)


def make_standins(keys: dict):
	"""(WeChat Pay stand-in, Alipay stand-in) holding this site's keys, not yet listening."""
	from property_crm.property_fees.tests.standins.alipay import AlipayStandIn
	from property_crm.property_fees.tests.standins.wechat_pay import WeChatPayStandIn

	w, a = keys["wechat_pay"], keys["alipay"]
	wechat = WeChatPayStandIn(
		w["mchid"],
		w["appid"],
		w["apiv3_key"],
		w["merchant_public_key"],
		merchant_serial_no=w["merchant_serial_no"],
	)
	wechat.platform_key = _private(w["platform_private_key"])
	wechat.platform_public_key_pem = _public_pem(wechat.platform_key)
	wechat.public_key_id = w["platform_public_key_id"]
	alipay = AlipayStandIn(a["app_id"], a["app_public_key"])
	alipay.key = _private(a["alipay_private_key"])
	alipay.alipay_public_key_pem = _public_pem(alipay.key)
	alipay.seller_id = a["seller_id"]
	return wechat, alipay


def base_urls(port: int = WECHAT_PORT, host: str = "127.0.0.1") -> tuple[str, str]:
	return f"http://{host}:{port}", f"http://{host}:{port + 1}"


def configure(wechat, alipay, keys: dict, urls: tuple[str, str] | None = None) -> None:
	"""WeChat Pay Settings and Alipay Settings enabled in Sandbox mode, pointing at the stand-ins (at their
	running address, or at `urls` when given: the command's ports), with this site's keys. Commits."""
	from property_crm.property_fees.tests.standins import alipay as alipay_standin
	from property_crm.property_fees.tests.standins import wechat_pay as wechat_standin

	if urls:
		wechat.base_url, alipay.base = urls
	wechat_standin.configure_site(
		wechat, keys["wechat_pay"]["merchant_private_key"], keys["wechat_pay"]["merchant_serial_no"]
	)
	alipay_standin.configure_site(alipay, keys["alipay"]["app_private_key"])


def live_settings() -> list[str]:
	"""The platforms whose settings take real money (Live): never pointed at a stand-in."""
	return [
		doctype
		for doctype in ("WeChat Pay Settings", "Alipay Settings")
		if frappe.db.get_single_value(doctype, "environment") == "Live"
		and frappe.db.get_single_value(doctype, "enabled")
	]


# ------------------------------------------------------------------ the demo step
def seed_payments(rng: random.Random, progress, residents: list[str] | None = None) -> None:
	"""The step; `residents` (a test's own) instead of a sample of the site's residents with bills."""
	if frappe.db.get_default(PAYMENTS_DONE):
		progress(f"online payments: kept as they are ({frappe.db.count(ORDER):,} payment orders)")
		return
	if live_settings():
		progress("online payments: skipped, WeChat Pay or Alipay is set up Live on this site")
		return
	started = time.monotonic()
	# the demo made its company after the app was installed: the Modes of Payment (Cash, Bank Card, Bank
	# Transfer, WeChat Pay, Alipay) and their accounts now
	from property_crm.property_fees.payments import desk

	desk.after_setup_wizard()
	keys = standin_keys()
	wechat, alipay = make_standins(keys)
	wechat.start(0)
	alipay.start(0)
	try:
		configure(wechat, alipay, keys)
		made = _pay_online(rng, progress, {"WeChat Pay": wechat, "Alipay": alipay}, residents)
	finally:
		wechat.stop()
		alipay.stop()
		configure(wechat, alipay, keys, base_urls())  # where the command serves them
	frappe.db.set_default(PAYMENTS_DONE, "1")
	frappe.db.commit()
	if not made:
		progress("online payments: no resident with bills to pay; WeChat Pay and Alipay set up in Sandbox")
		return
	progress(
		f"online payments: {made['paid']} paid ({made['WeChat Pay']} WeChat Pay, {made['Alipay']} Alipay), "
		f"{made['Pending']} pending, {made['Closed']} closed, {made['advance']} kept as an advance, "
		f"{made['refunds']} refunded, {made['discrepancies']} reconciliation discrepancy on {made['day']}; "
		f"WeChat Pay and Alipay in Sandbox at {' and '.join(base_urls())} "
		f"in {time.monotonic() - started:.0f} s"
	)


def payers(rng: random.Random) -> list[str]:
	"""A sample (SHARE, at most CAP) of the residents who owe something on their fee bills."""
	invoice = frappe.qb.DocType("Sales Invoice")
	owner = frappe.qb.DocType("Property Owner")
	residents = (
		frappe.qb.from_(owner)
		.join(invoice)
		.on(invoice.customer == owner.customer)
		.select(owner.name)
		.distinct()
		.where(
			(invoice.docstatus == 1)
			& (invoice.outstanding_amount > 0)
			& invoice.property_estate.isnotnull()
			# the portal logins' bills are left for a person trying the demo to pay (demo.fees: "behind")
			& owner.user.isnull()
		)
		.orderby(owner.name)
		.run(pluck=True)
	)
	count = min(CAP, max(min(len(residents), 8), round(len(residents) * SHARE)))
	return rng.sample(residents, count)


def _pay_online(rng: random.Random, progress, standins: dict, residents: list[str] | None) -> dict | None:
	from property_crm.property_fees.payments import orders

	residents = residents or payers(rng)
	if not residents:
		return None
	made = {"paid": 0, "WeChat Pay": 0, "Alipay": 0, "Pending": 0, "Closed": 0, "advance": 0, "refunds": 0,
		"discrepancies": 0, "day": None}  # fmt: skip
	fates = _fates(len(residents))
	bar = progress.bar("online payments", len(residents))
	paid = []
	for i, (resident, fate) in enumerate(zip(residents, fates, strict=True)):
		platform = "WeChat Pay" if i % 5 < 3 else "Alipay"  # WeChat Pay the more used, as in China
		channel = rng.choice(WECHAT_CHANNELS if platform == "WeChat Pay" else ALIPAY_CHANNELS)
		bills = orders.payable_bills(resident)
		if not bills:
			bar.update(i + 1)
			continue
		chosen = [b.name for b in bills if b.preselected and not b.late_fee_of] or [bills[0].name]
		try:
			order, launch = orders.create_order(resident, chosen, platform, channel, "127.0.0.1")
		except frappe.ValidationError:  # bills of two payers or companies: this resident pays at the desk
			frappe.db.rollback()
			bar.update(i + 1)
			continue
		if launch.kind == "redirect":  # the phone opens the platform's cashier page
			urllib.request.urlopen(launch.url, timeout=30).read()
		if fate == "Pending":
			made["Pending"] += 1
		elif fate == "Closed":
			orders.close_order(order.name, reason="超时未支付")
			made["Closed"] += 1
		else:
			if fate == "advance":  # the front desk took part of the money meanwhile
				_pay_at_desk(order)
			moment = _paid_moment(rng, order)
			_pay(standins[platform], platform, order.name, moment)
			frappe.db.set_value(ORDER, order.name, "creation", moment - timedelta(minutes=2),
				update_modified=False)  # fmt: skip
			made["paid"] += 1
			made[platform] += 1
			made["advance"] += fate == "advance"
			paid.append(order.name)
		frappe.db.commit()
		bar.update(i + 1)
	made["refunds"] = _refund(rng, paid)
	made["day"], made["discrepancies"] = _reconcile(standins, paid)
	frappe.db.commit()
	return made


def _fates(count: int) -> list[str]:
	"""What becomes of each attempt: one in ten still Pending, one in ten Closed, one advance, the rest paid."""
	fates = ["Paid"] * count
	for i in range(count):
		if i % 10 == 3:
			fates[i] = "Pending"
		elif i % 10 == 7:
			fates[i] = "Closed"
	fates[1 if count > 1 else 0] = "advance"
	return fates


def _paid_moment(rng: random.Random, order):
	"""A moment of the last DAYS days (not before its newest bill, not in the future), in office-ish hours."""
	latest = max(
		getdate(frappe.db.get_value("Sales Invoice", b.sales_invoice, "posting_date")) for b in order.bills
	)
	day = max(add_days(getdate(today()), -rng.randint(0, DAYS - 1)), latest)
	moment = get_datetime(day).replace(
		hour=rng.randint(7, 21), minute=rng.randint(0, 59), second=rng.randint(0, 59)
	)
	return min(moment, now_datetime() - timedelta(minutes=1))


def _pay(standin, platform: str, name: str, moment) -> str:
	"""The resident pays at the stand-in (at `moment`); its signed notification goes through the endpoint's
	own code (verification, `orders.fulfil`, commit), without an HTTP server of the site."""
	record = standin.mark_paid(name)
	beijing = moment.replace(tzinfo=ZoneInfo(get_system_timezone())).astimezone(ZoneInfo("Asia/Shanghai"))
	if platform == "WeChat Pay":
		record["success_time"] = beijing.isoformat()
	else:
		record["gmt_payment"] = beijing.strftime("%Y-%m-%d %H:%M:%S")
	headers, body = standin.notification(name)
	return _deliver(platform, headers, body)


def _deliver(platform: str, headers: dict, body: bytes) -> str:
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	from property_crm.property_fees.payments import notify

	environ = EnvironBuilder(
		path=f"/api/method/{notify.orders.NOTIFY_METHODS[platform]}",
		method="POST",
		headers=headers,
		data=body,
	).get_environ()
	before = getattr(frappe.local, "request", None)
	frappe.local.request = Request(environ)
	try:
		response = notify.receive(platform)
	finally:
		frappe.local.request = before
	if response.status_code >= 300:
		errors = frappe.get_all("Integration Request", filters={"status": "Failed"}, pluck="error",
			order_by="creation desc", limit=1)  # fmt: skip
		frappe.throw(f"{platform} notification refused: {errors[0] if errors else response.status_code}")
	return response.get_data(as_text=True)


def _pay_at_desk(order) -> None:
	"""Meanwhile the front desk took cash for half of the order's first bill (ERPNext's own Payment Entry):
	the online payment then settles the rest and keeps the difference as an advance on the customer."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	invoice = order.bills[0].sales_invoice
	owed = frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount")
	amount = round(owed / 2, 2)
	entry = get_payment_entry("Sales Invoice", invoice, party_amount=amount, bank_amount=amount)
	entry.mode_of_payment = "Cash"
	entry.paid_amount = entry.received_amount = amount
	entry.references[0].allocated_amount = amount
	entry.reference_no, entry.reference_date = f"DESK-{order.name}", getdate(today())
	entry.insert(ignore_permissions=True)
	entry.submit()


def _refund(rng: random.Random, paid: list[str]) -> int:
	"""The accountant refunds part of one payment (a resident paid a month twice over, say): under the
	approval threshold, refunded at once through the platform and reversed in ERPNext."""
	from property_crm.demo.company import DOMAIN
	from property_crm.property_fees.payments import refunds

	candidates = [n for n in paid if frappe.db.get_value(ORDER, n, "status") == "Paid"]
	if not candidates:
		return 0
	name = rng.choice(candidates)
	amount = min(frappe.db.get_value(ORDER, name, "amount"), 100.0)
	accountant = f"accountant@{DOMAIN}"
	user = frappe.session.user
	frappe.set_user(accountant if frappe.db.exists("User", accountant) else "Administrator")
	try:
		refunds.request_refund(
			payment_order=name, amount=amount, reason="业主重复缴纳当月物业费，退还多缴部分。"
		)
	finally:
		frappe.set_user(user)
	return frappe.db.count(refunds.REFUND, {"payment_order": name, "status": "Refunded"})


def _reconcile(standins: dict, paid: list[str]) -> tuple[str | None, int]:
	"""The busiest day of the week reconciled on both platforms against the stand-ins' statements (对账单),
	one payment shown by the platform with a yuan less than we recorded: an amount mismatch for the report
	and the accountant's alert."""
	from property_crm.property_fees.payments import reconciliation

	rows = frappe.get_all(
		ORDER, filters={"name": ("in", paid or [""])}, fields=["name", "platform", "amount", "paid_at"]
	)
	if not rows:
		return None, 0
	by_day: dict[tuple, list] = {}
	for row in rows:
		by_day.setdefault((getdate(row.paid_at), row.platform), []).append(row)
	(day, platform), group = max(by_day.items(), key=lambda item: (len(item[1]), item[0][0]))
	planted = min(group, key=lambda row: row.name)
	standins[platform].plant(planted.name, round(float(planted.amount) - 1, 2))
	found = 0
	for name in ("WeChat Pay", "Alipay"):
		statement = reconciliation.run(name, day)
		found += frappe.db.get_value(reconciliation.STATEMENT, statement, "discrepancies") or 0
	return str(day), found
