"""Daily reconciliation (对账): the platform's statement of a day against our payments and refunds of it.

`daily` (scheduler) reconciles yesterday for each enabled platform; `reconcile` re-runs a day (accountants,
managers). The comparison is pure (`rules.reconciliation.compare`); the result is one Property Payment
Statement per platform and day (a re-run replaces its lines). On a discrepancy — or a statement that could
not be fetched — each Property Accountant gets a ToDo and an e-mail."""

from datetime import date, datetime, time, timedelta

import frappe
from frappe import _
from frappe.utils import get_url_to_form, getdate, now_datetime

from property_crm.property_fees.payments.platforms import (
	PLATFORM_NAMES,
	PlatformError,
	enabled_platforms,
	get_platform,
)
from property_crm.property_fees.rules import reconciliation as rules
from property_crm.property_fees.rules.payments_refund import APPROVER_ROLES, yuan

STATEMENT = "Property Payment Statement"
ORDER = "Property Payment Order"
REFUND = "Property Payment Refund"
ACCOUNTANT = "Property Accountant"
PAID_ORDERS = ("Paid", "Partly Refunded", "Refunded")


def _day_range(day: date) -> tuple[datetime, datetime]:
	return datetime.combine(day, time.min), datetime.combine(day + timedelta(days=1), time.min)


def our_entries(platform: str, day: date) -> list[rules.Entry]:
	"""Our payments (orders paid that day) and refunds (refunded that day) on ``platform``."""
	start, end = _day_range(day)
	order = frappe.qb.DocType(ORDER)
	orders = (
		frappe.qb.from_(order)
		.select(order.name, order.amount, order.transaction_id)
		.where(
			(order.platform == platform)
			& order.status.isin(PAID_ORDERS)
			& (order.paid_at >= start)
			& (order.paid_at < end)
		)
		.run(as_dict=True)
	)
	refund = frappe.qb.DocType(REFUND)
	refunds = (
		frappe.qb.from_(refund)
		.join(order)
		.on(order.name == refund.payment_order)
		.select(refund.name, refund.payment_order, refund.amount, refund.refund_id)
		.where(
			(order.platform == platform)
			& (refund.status == "Refunded")
			& (refund.refunded_at >= start)
			& (refund.refunded_at < end)
		)
		.run(as_dict=True)
	)
	return [rules.Entry("payment", o.name, yuan(o.amount), o.transaction_id) for o in orders] + [
		rules.Entry("refund", r.payment_order, yuan(r.amount), r.refund_id, r.name) for r in refunds
	]


def platform_entries(platform, day: date) -> list[rules.Entry]:
	return [
		rules.Entry(
			line.kind,
			line.out_trade_no,
			yuan(line.amount),
			line.transaction_id if line.kind == "payment" else None,
			line.out_refund_no,
		)
		for line in platform.statement(day)
	]


def _statement(platform: str, day: date):
	name = frappe.db.get_value(STATEMENT, {"platform": platform, "statement_date": day})
	if name:
		doc = frappe.get_doc(STATEMENT, name)
		doc.set("lines", [])
		return doc
	return frappe.get_doc({"doctype": STATEMENT, "platform": platform, "statement_date": day})


def run(platform_name: str, day) -> str:
	"""Reconcile ``day`` on one platform; saves (or replaces) its statement; alerts on a discrepancy."""
	day = getdate(day)
	platform = get_platform(platform_name)
	doc = _statement(platform.name, day)
	doc.fetched_at = now_datetime()
	doc.error = None
	try:
		theirs = platform_entries(platform, day)
	except PlatformError as e:
		doc.update({"status": "Failed", "error": str(e), "discrepancies": 0})
		doc.update({"platform_count": 0, "platform_total": 0, "our_count": 0, "our_total": 0})
	else:
		lines = rules.compare(theirs, our_entries(platform.name, day))
		totals = rules.totals(lines)
		doc.update(totals)
		doc.status = "Discrepancies" if totals["discrepancies"] else "Matched"
		for line in lines:
			doc.append(
				"lines",
				{
					"kind": line.kind,
					"out_trade_no": line.out_trade_no,
					"transaction_id": line.transaction_id,
					"out_refund_no": line.out_refund_no,
					"platform_amount": line.platform_amount,
					"our_amount": line.our_amount,
					"result": line.result,
					"note": line.note,
				},
			)
	doc.flags.ignore_permissions = True
	doc.save()
	if doc.status != "Matched":
		alert(doc)
	return doc.name


@frappe.whitelist(methods=["POST"])
def reconcile(platform: str, day: str) -> dict:
	"""Re-run a day's reconciliation (accountants and managers)."""
	if not set(frappe.get_roles()) & set(APPROVER_ROLES):
		raise frappe.PermissionError(_("Only a property accountant or manager reconciles payments."))
	if platform not in PLATFORM_NAMES:
		frappe.throw(
			_("Unknown payment platform: {0}").format(platform), title=_("Please correct this value")
		)
	try:
		day = getdate(day)
	except Exception:
		day = None
	if not day or not 1900 <= day.year < 2200:
		frappe.throw(_("{0} is not a valid date.").format(day), title=_("Please correct this value"))
	name = run(platform, day)
	doc = frappe.get_doc(STATEMENT, name)
	return {"name": name, "status": doc.status, "discrepancies": doc.discrepancies}


def daily(day=None) -> list[str]:
	"""Scheduler: yesterday's statement of each enabled platform, each on its own."""
	day = getdate(day) if day else getdate() - timedelta(days=1)
	done = []
	for platform in enabled_platforms():
		try:
			done.append(run(platform.name, day))
			frappe.db.commit()  # nosemgrep: each platform on its own
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=f"{platform.name}: reconciliation of {day} failed", message=frappe.get_traceback()
			)
	return done


def accountants() -> list[str]:
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
			& (has_role.role == ACCOUNTANT)
			& (user.enabled == 1)
			& (user.user_type == "System User")
			& user.name.notin(("Administrator", "Guest"))
		)
		.orderby(user.name)
		.run(pluck=True)
	)


def alert(doc) -> None:
	"""A ToDo for each Property Accountant (one open at a time per statement) and an e-mail to them all."""
	subject = _("Online payment reconciliation discrepancies {0} {1}").format(
		_(doc.platform), doc.statement_date
	)
	if doc.status == "Failed":
		body = _("The {0} statement of {1} could not be fetched: {2}").format(
			_(doc.platform), doc.statement_date, doc.error
		)
	else:
		body = _("{0} discrepancies between the {1} statement of {2} and our payments.").format(
			doc.discrepancies, _(doc.platform), doc.statement_date
		)
	users = accountants()
	for user in users:
		if frappe.db.exists(
			"ToDo",
			{"allocated_to": user, "reference_type": STATEMENT, "reference_name": doc.name, "status": "Open"},
		):
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"reference_type": STATEMENT,
				"reference_name": doc.name,
				"description": f"{subject}: {body}",
				"priority": "High",
				"date": getdate(),
			}
		).insert(ignore_permissions=True)
	if users:
		try:
			frappe.sendmail(
				recipients=users,
				subject=subject,
				message=f"<p>{frappe.utils.escape_html(body)}</p>"
				f'<p><a href="{get_url_to_form(STATEMENT, doc.name)}">{frappe.utils.escape_html(doc.name)}</a></p>',
				reference_doctype=STATEMENT,
				reference_name=doc.name,
			)
		except Exception:
			frappe.log_error(
				title=f"{doc.name}: reconciliation alert not e-mailed", message=frappe.get_traceback()
			)
