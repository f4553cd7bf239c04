"""The pending-orders job (every 5 minutes): orders still Pending after N minutes are asked about; a paid one
is fulfilled (exactly once, as a notification would), a closed or failed one is marked so; an order past its
expiry and still unpaid is closed at the platform and here (the resident sees 支付失败 and can retry).
Each order in its own transaction: one platform's trouble never stops the others."""

import frappe
from frappe.utils import add_to_date, cint, now_datetime

from property_crm.property_fees.payments import orders
from property_crm.property_fees.payments.integration_log import log_request
from property_crm.property_fees.payments.platforms import NotificationRejected, get_platform
from property_crm.property_fees.rules import payments as rules

BATCH = 200


def run() -> dict:
	"""The scheduled job; returns counts (for the tests and the console)."""
	now = now_datetime()
	minutes = cint(orders.setting("pending_query_minutes", 5))
	due = frappe.get_all(
		orders.ORDER,
		filters={"status": "Pending", "creation": ("<=", add_to_date(now, minutes=-minutes))},
		fields=["name", "platform", "creation", "expires_at"],
		order_by="creation asc",
		limit=BATCH,
	)
	expired_only = frappe.get_all(
		orders.ORDER,
		filters={
			"status": "Pending",
			"expires_at": ("<=", now),
			"name": ("not in", [r.name for r in due] or [""]),
		},
		fields=["name", "platform", "creation", "expires_at"],
		order_by="creation asc",
		limit=BATCH,
	)
	counts = {"paid": 0, "closed": 0, "failed": 0, "pending": 0, "errors": 0}
	for row in due + expired_only:
		try:
			outcome = check(row.name, now)
			counts[outcome] = counts.get(outcome, 0) + 1
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			counts["errors"] += 1
			frappe.log_error(title=f"Payment order {row.name}", message=frappe.get_traceback())
	return counts


def check(name: str, now=None) -> str:
	"""Query one Pending order; fulfil, mark failed/closed, or close it when expired. Returns the outcome."""
	now = now or now_datetime()
	row = frappe.db.get_value(orders.ORDER, name, ["status", "platform", "expires_at"], as_dict=True)
	if not row or row.status != "Pending":
		return "skipped"  # paid or closed meanwhile (a notification, the resident's return)
	gateway = get_platform(row.platform)
	try:
		notice = gateway.query(name)
	except frappe.ValidationError:
		notice = None  # the platform could not be asked now; an expired order is still closed below
	frappe.db.set_value(orders.ORDER, name, "last_queried_at", now, update_modified=False)
	if notice is not None and notice.state == "paid":
		try:
			result = orders.fulfil(notice, source="pending job")
		except NotificationRejected as error:
			log_request(row.platform, "query rejected", {"out_trade_no": name}, error=str(error),
				reference=(orders.ORDER, name), status="Failed")  # fmt: skip
			return "errors"
		return "paid" if result in ("fulfilled", "noop") else "pending"
	if notice is not None and notice.state in ("closed", "failed"):
		status = "Failed" if notice.state == "failed" else "Closed"
		_set_status(name, status)
		return status.lower()
	if rules.expired("Pending", row.expires_at, now):
		return "closed" if orders.close_order(name, reason=None) else "pending"
	return "pending"


def _set_status(name: str, status: str) -> None:
	current = frappe.db.get_value(orders.ORDER, name, "status", for_update=True)
	if current == "Pending":
		doc = frappe.get_doc(orders.ORDER, name)
		doc.status = status
		doc.save(ignore_permissions=True)  # Safe: the platform's answer about the server's own order
