"""What the resident portal calls to pay bills online (a signed-in resident only; staff pay at the desk).

	create_order(bills, platform, channel)  → {order, status, amount, launch{kind,url,code,params}, qr, status_route}
	order_status(order)                    → {order, status, state, label, paid_at, amount, receipt_route, can_retry}
	retry(order)                           → a new order for the same bills (a new attempt), as create_order

Only the resident's own orders exist for them (404 otherwise). The amount is the server's: the sum of what
is owed on the chosen bills now. `order_status` of a Pending order asks the platform itself (at most once
per 5 s per order) and records a payment it reports: the resident's return to the page.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from property_crm.property_fees.payments import orders
from property_crm.property_fees.payments.integration_log import log_request
from property_crm.property_fees.payments.platforms import NotificationRejected, get_platform
from property_crm.property_fees.rules import payments as rules
from property_crm.rate_limits import limited
from property_crm.wechat import binding

QUERY_EVERY_SECONDS = 5
STATE_LABELS = {
	"Paying": "Paying",
	"Paid": "Payment Successful",  # 已支付 ("Paid" alone is a bill's 已缴清); the portal pages say the same
	"Payment Failed": "Payment Failed",
	"Refunded": "Refunded",
	"Partly Refunded": "Partly Refunded",
}


def _resident() -> str:
	from property_crm.property_households.resident_portal import current_resident

	if frappe.session.user == "Guest":
		raise frappe.PermissionError(_("Please log in to pay your bills."))
	return current_resident()


def _client_ip() -> str | None:
	return getattr(frappe.local, "request_ip", None)


def _launched(order, launch) -> dict:
	from property_crm.property_households.qr import qr_svg_data_uri

	out = {
		"order": order.name,
		"status": order.status,
		"amount": order.amount,
		"platform": order.platform,
		"launch": {"kind": launch.kind, "url": launch.url, "code": launch.code, "params": launch.params},
		"qr": qr_svg_data_uri(launch.code or launch.url) if launch.kind == "qr" else None,
		"status_route": orders.status_route(order.name),
	}
	return out


@frappe.whitelist(methods=["POST"])
@limited("payment")
def create_order(bills, platform: str, channel: str) -> dict:
	"""A payment order for the chosen bills (a JSON list of invoice names), launched at the platform. WeChat
	Pay's JSAPI pays as the WeChat user bound to the resident's file (property_crm.wechat.binding), never an
	openid the browser sends."""
	resident = _resident()
	order, launch = orders.create_order(
		resident,
		orders.parse_bills(bills),
		platform,
		channel,
		_client_ip(),
		openid=binding.openid_of(resident),
	)
	return _launched(order, launch)


@frappe.whitelist(methods=["POST"])
@limited("payment")
def retry(order: str, channel: str | None = None) -> dict:
	"""A new attempt for the bills of a failed (or still pending) order; a paid order is not paid twice."""
	resident = _resident()
	previous = orders.order_of_resident(order, resident)
	if previous.status in rules.PAID_STATUSES:
		frappe.throw(_("This payment order is already paid."), frappe.ValidationError)
	bills = [row.sales_invoice for row in previous.bills]
	still_owed = {bill.name for bill in orders.payable_bills(resident)}
	new, launch = orders.create_order(
		resident,
		[name for name in bills if name in still_owed] or bills,  # none left: the rule says why
		previous.platform,
		channel or previous.channel,
		_client_ip(),
		openid=binding.openid_of(resident),
		retry_of=previous.name,
	)
	return _launched(new, launch)


@frappe.whitelist(methods=["GET", "POST"])
@limited("payment_status")
def order_status(order: str) -> dict:
	"""The resident's view of their order; a Pending one is checked with the platform (once per 5 s)."""
	resident = _resident()
	doc = orders.order_of_resident(order, resident)
	if doc.status == "Pending":
		refresh(doc.name)
		doc = orders.order_of_resident(order, resident)
	return view(doc)


def view(doc) -> dict:
	state = rules.resident_state(doc.status)
	return {
		"order": doc.name,
		"status": doc.status,
		"state": state,
		"label": _(STATE_LABELS[state]),
		"platform": doc.platform,
		"amount": doc.amount,
		"paid_at": doc.paid_at,
		"expires_at": doc.expires_at,
		"bills": [{"sales_invoice": row.sales_invoice, "amount": row.amount} for row in doc.bills],
		"receipt_route": f"/property/receipts/{doc.payment_entry}"
		if doc.payment_entry and doc.status in rules.PAID_STATUSES
		else None,
		"can_retry": rules.can_retry(doc.status),
	}


def refresh(name: str) -> str | None:
	"""Ask the platform about a Pending order (at most once per 5 s per order) and record a payment."""
	key = frappe.cache.make_key(f"property_crm:payment_query:{name}")
	if not frappe.cache.set(key, 1, ex=QUERY_EVERY_SECONDS, nx=True):
		return None  # asked a moment ago
	platform = frappe.db.get_value(orders.ORDER, name, "platform")
	try:
		notice = get_platform(platform).query(name)
		frappe.db.set_value(orders.ORDER, name, "last_queried_at", now_datetime(), update_modified=False)
		result = orders.fulfil(notice, source="query") if notice.state == "paid" else notice.state
		frappe.db.commit()
		return result
	except NotificationRejected as error:
		frappe.db.rollback()
		log_request(platform, "query rejected", {"out_trade_no": name}, error=str(error),
			reference=(orders.ORDER, name), status="Failed")  # fmt: skip
		frappe.db.commit()
	except frappe.ValidationError:  # the platform could not be asked now: the job asks again later
		frappe.db.rollback()
	return None
