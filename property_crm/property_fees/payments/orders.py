"""Payment orders: what a resident may pay, an order per attempt, and the payment recorded exactly once.

Exactly once. Every way a payment result reaches us — the platform's notification (and its retries and
duplicates), the resident's return to the order page (an active query), the pending-orders job — ends in
`fulfil(notice)`, which:
1. locks the order row (`SELECT … FOR UPDATE`): two deliveries of the same result queue one behind the other;
2. re-reads the order under the lock and decides (`rules.payments.decide`): another trade number, another
   platform or another amount than we asked is refused (NotificationRejected, nothing written); an order
   already paid with the same transaction id is left alone; paid with another transaction id is flagged for
   staff (never a second entry);
3. else makes ONE ERPNext Payment Entry (reference_no = the platform's transaction id), allocated to the
   order's invoices up to what each still owes now, the rest unallocated (an advance on the customer, shown
   to the accountants), submits it, and marks the order Paid with the transaction id — in the same database
   transaction, so a failure leaves nothing. `transaction_id` is UNIQUE in the database: the last guard.
"""

import json
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.query_builder import Order
from frappe.query_builder.functions import Count, Sum
from frappe.utils import add_to_date, cint, flt, get_datetime, get_url, getdate, now_datetime, today

from property_crm.property_fees import bills as bill_rules
from property_crm.property_fees.payments.platforms import (
	PLATFORM_NAMES,
	NotificationRejected,
	get_platform,
	log_request,
)
from property_crm.property_fees.rules import payments as rules

ORDER = "Property Payment Order"
SETTINGS = "Property CRM Settings"
ACCOUNTANT = "Property Accountant"
MANAGER = "Property Manager"
NOTIFY_METHODS = {
	"WeChat Pay": "property_crm.property_fees.payments.notify.wechat_pay",
	"Alipay": "property_crm.property_fees.payments.notify.alipay",
}
CLEARING_ACCOUNTS = {"WeChat Pay": "WeChat Pay Clearing", "Alipay": "Alipay Clearing"}


# ------------------------------------------------------------------ settings
def setting(fieldname: str, default=None):
	value = frappe.db.get_single_value(SETTINGS, fieldname)
	return default if value in (None, "") else value


def site_url() -> str:
	"""The public address the platforms call back and return residents to (no trailing slash)."""
	return (setting("payment_site_url") or get_url()).rstrip("/")


def notify_url(platform: str) -> str:
	return f"{site_url()}/api/method/{NOTIFY_METHODS[platform]}"


def status_route(order: str) -> str:
	return f"/property/payments/{order}"


# ------------------------------------------------------------------ payable bills
def payable_bills(resident: str) -> list[dict]:
	"""The resident's bills they may see with something owed, oldest first, late fees after their bill,
	overdue ones preselected, each with its payer (the invoice's Customer)."""
	from property_crm.property_households.resident_portal import reach_of

	customer = frappe.db.get_value("Property Owner", resident, "customer")
	reach = reach_of(resident)
	invoice = frappe.qb.DocType("Sales Invoice")
	item = frappe.qb.DocType("Sales Invoice Item")
	condition = bill_rules.visible_lines(reach, customer, invoice, item)
	if condition is None:
		return []
	rows = (
		frappe.qb.from_(item)
		.join(invoice)
		.on(invoice.name == item.parent)
		.where((invoice.docstatus == 1) & (item.parenttype == "Sales Invoice") & condition
			& (invoice.outstanding_amount > 0))
		.select(invoice.name, invoice.posting_date, invoice.due_date, invoice.property_billing_period,
			invoice.property_late_fee_of, invoice.customer, invoice.company, invoice.property_estate,
			invoice.grand_total, invoice.outstanding_amount, invoice.base_net_total,
			Sum(item.base_net_amount).as_("visible"), Count(item.name).as_("lines"))
		.groupby(invoice.name)
		.orderby(invoice.posting_date, order=Order.asc)
		.run(as_dict=True)
	)  # fmt: skip
	shaped = {row.name: bill_rules._shaped(row, customer) for row in rows}
	chosen = rules.payable(
		[
			rules.Bill(
				name=row.name,
				customer=row.customer,
				owed=rules.yuan(row.owed),
				due_date=getdate(row.due_date) if row.due_date else None,
				posting_date=getdate(row.posting_date) if row.posting_date else None,
				late_fee_of=row.property_late_fee_of,
			)
			for row in shaped.values()
		],
		getdate(today()),
	)
	out = []
	for bill in chosen:
		row = shaped[bill.name]
		out.append(
			frappe._dict(
				name=bill.name,
				customer=bill.customer,
				company=row.company,
				estate=row.property_estate,
				mine=row.mine,
				period=row.property_billing_period,
				posting_date=row.posting_date,
				due_date=row.due_date,
				amount=row.amount,
				owed=float(bill.owed),
				state=row.state,
				overdue=bill.overdue,
				preselected=bill.preselected,
				late_fee_of=bill.late_fee_of,
				late_fees=bill.late_fees,
			)
		)
	return out


def _rule_error(error: rules.PaymentRuleError):
	frappe.throw(_(error.message).format(*error.params), frappe.ValidationError, title=_("Not possible"))


def parse_bills(bills) -> list[str]:
	"""A JSON list (or a list) of invoice names; anything else is a 417."""
	if isinstance(bills, str):
		try:
			bills = json.loads(bills)
		except ValueError:
			bills = None
	if not isinstance(bills, list) or not all(isinstance(b, str) for b in bills):
		frappe.throw(_("Bills: a list of bills is expected."), frappe.ValidationError)
	return bills


# ------------------------------------------------------------------ creating an order
def create_order(
	resident: str,
	bills: list[str],
	platform: str,
	channel: str,
	client_ip: str | None,
	openid: str | None = None,
	retry_of: str | None = None,
):
	"""A new Pending order for the chosen bills, launched at the platform: (order doc, Launch)."""
	if platform not in PLATFORM_NAMES:
		frappe.throw(_("Unknown payment platform: {0}").format(platform), frappe.ValidationError)
	gateway = get_platform(platform)
	if not gateway.enabled():
		frappe.throw(
			_("Payment with {0} is not available at the moment.").format(_(platform)), frappe.ValidationError
		)
	if channel not in gateway.channels:
		frappe.throw(
			_("{0} cannot be paid that way ({1}).").format(_(platform), channel), frappe.ValidationError
		)
	payable = payable_bills(resident)
	try:
		customer, chosen, total = rules.choose(
			bills,
			[rules.Bill(b.name, b.customer, rules.yuan(b.owed), late_fee_of=b.late_fee_of,
				late_fees=b.late_fees) for b in payable],
		)  # fmt: skip
	except rules.PaymentRuleError as error:
		_rule_error(error)
	by_name = {b.name: b for b in payable}
	picked = [by_name[b.name] for b in chosen]
	if len({b.company for b in picked}) > 1:
		_rule_error(rules.PaymentRuleError(rules.TWO_PAYERS))

	supersede(resident, [b.name for b in picked])
	order = frappe.get_doc(
		{
			"doctype": ORDER,
			"platform": platform,
			"channel": channel,
			"status": "Pending",
			"resident": resident,
			"customer": customer,
			"company": picked[0].company,
			"estate": picked[0].estate,
			"amount": float(total),
			"expires_at": add_to_date(
				now_datetime(), minutes=cint(setting("order_expiry_minutes", 15)) or 15
			),
			"retry_of": retry_of,
			"bills": [
				{
					"sales_invoice": b.name,
					"amount": b.owed,
					"period": b.period,
					"late_fee_of": b.late_fee_of,
				}
				for b in picked
			],
		}
	)
	order.insert(ignore_permissions=True)  # Safe: the server writes orders; amount and bills are its own
	launch = gateway.launch(
		order,
		channel,
		client_ip or "127.0.0.1",
		site_url() + status_route(order.name),
		notify_url(platform),
		openid=openid,
	)
	return order, launch


def supersede(resident: str, invoices: list[str]) -> list[str]:
	"""Close the resident's earlier Pending orders for the same bills (a new attempt replaces them)."""
	wanted = set(invoices)
	closed = []
	for name in frappe.get_all(ORDER, filters={"resident": resident, "status": "Pending"}, pluck="name"):
		mine = set(frappe.get_all("Property Payment Order Bill", filters={"parent": name, "parenttype": ORDER},
			pluck="sales_invoice"))  # fmt: skip
		if mine == wanted and close_order(name, reason=_("Replaced by a new payment attempt.")):
			closed.append(name)
	return closed


def close_order(name: str, reason: str | None = None, status: str = "Closed") -> bool:
	"""Close a Pending order at the platform and here. False when the platform says it was paid (then it
	is fulfilled) or could not be reached (it stays Pending for the job)."""
	platform = frappe.db.get_value(ORDER, name, "platform")
	gateway = get_platform(platform)
	try:
		notice = gateway.query(name)
		if notice.state == "paid":
			fulfil(notice, source="query")
			return False
		gateway.close(name)
	except frappe.ValidationError as error:
		if isinstance(error, NotificationRejected):
			raise
		frappe.db.set_value(ORDER, name, "error", _("The platform could not be reached to close the order."))
		return False
	row = frappe.db.get_value(ORDER, name, ["status"], as_dict=True, for_update=True)
	if row and row.status == "Pending":
		doc = frappe.get_doc(ORDER, name)
		doc.status = status
		doc.error = reason
		doc.save(ignore_permissions=True)  # Safe: the server's own record of an attempt
		return True
	return False


# ------------------------------------------------------------------ exactly once
def fulfil(notice, source: str = "notification") -> str:
	"""Record a verified payment result exactly once; returns "fulfilled", "noop", "conflict" or "ignored".

	Raises NotificationRejected (nothing written) when the notice is not about what we asked. The caller
	commits (or rolls back) the transaction."""
	row = None
	if rules.valid_trade_number(notice.out_trade_no):
		row = frappe.db.get_value(
			ORDER,
			notice.out_trade_no,
			["name", "status", "platform", "amount", "transaction_id"],
			as_dict=True,
			for_update=True,  # the lock: every delivery of this order's result waits here for the one before
		)
	decision = rules.decide(
		row.status if row else None,
		row.platform if row else None,
		row.amount if row else None,
		row.transaction_id if row else None,
		notice.platform,
		notice.amount,
		notice.state,
		notice.transaction_id,
	)
	if decision == rules.REJECT:
		if not row:
			reason = _("No payment order {0}.").format(notice.out_trade_no)
		elif row.platform != notice.platform:
			reason = _("Payment order {0} is not a {1} order.").format(row.name, _(notice.platform))
		else:
			reason = _("The amount paid ({0}) is not the amount of payment order {1} ({2}).").format(
				notice.amount, row.name, rules.yuan(row.amount)
			)
		raise NotificationRejected(reason)
	if decision in (rules.IGNORE, rules.NOOP):
		return {rules.IGNORE: "ignored", rules.NOOP: "noop"}[decision]
	if decision == rules.CONFLICT:
		_flag(
			row.name,
			_("A second payment ({0}) was reported for this paid order; check it with the platform.").format(
				notice.transaction_id
			),
		)
		return "conflict"
	other = frappe.db.get_value(ORDER, {"transaction_id": notice.transaction_id, "name": ("!=", row.name)})
	if other:
		raise NotificationRejected(
			_("Transaction {0} already paid payment order {1}.").format(notice.transaction_id, other)
		)
	_record_payment(row.name, notice, source)
	return "fulfilled"


def _record_payment(name: str, notice, source: str) -> None:
	order = frappe.get_doc(ORDER, name)
	paid_at = get_datetime(notice.paid_at) if notice.paid_at else now_datetime()
	invoice = frappe.qb.DocType("Sales Invoice")
	names = [row.sales_invoice for row in order.bills]
	now_owed = dict(
		frappe.qb.from_(invoice)
		.select(invoice.name, invoice.outstanding_amount)
		.where((invoice.name.isin(names)) & (invoice.docstatus == 1))
		.for_update()
		.run()
	)
	allocations, advance = rules.allocate(
		order.amount,
		[
			(row.sales_invoice, min(rules.yuan(row.amount), rules.yuan(now_owed.get(row.sales_invoice, 0))))
			for row in order.bills
		],
	)
	entry = _payment_entry(order, allocations, notice.transaction_id, paid_at)
	order.update(
		{
			"status": "Paid",
			"transaction_id": notice.transaction_id,
			"payment_entry": entry,
			"paid_at": paid_at,
			"advance_amount": float(advance),
			"needs_attention": 1 if advance > 0 else 0,
			"error": None,
		}
	)
	if advance > 0:
		order.error = _("{0} could not be allocated: the bills were settled meanwhile.").format(advance)
	order.save(ignore_permissions=True)  # Safe: a verified payment result
	log_request(
		order.platform,
		f"fulfil ({source})",
		{"out_trade_no": order.name, "transaction_id": notice.transaction_id, "amount": str(notice.amount)},
		output={"payment_entry": entry, "advance": str(advance)},
		reference=order,
	)
	if advance > 0:
		_notify_accountants(
			order,
			_(
				"Payment {0} of {1}: {2} was kept as an advance on customer {3} because the bills were "
				"settled meanwhile (Payment Entry {4})."
			).format(order.name, order.amount, advance, order.customer, entry),
		)


def _payment_entry(order, allocations, transaction_id: str, paid_at) -> str:
	"""ONE submitted ERPNext Payment Entry of the whole amount, allocated as given, the rest unallocated."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	mode = get_platform(order.platform).mode_of_payment()
	with as_administrator():  # a notification arrives as Guest, a return as the resident (as ERPNext's
		# payment_request.on_payment_authorized, which sets the user to Administrator)
		account = ensure_modes_of_payment(order.company)[mode]
		entry = get_payment_entry(
			"Sales Invoice",
			order.bills[0].sales_invoice,
			party_amount=order.amount,
			bank_account=account,
			bank_amount=order.amount,
			payment_type="Receive",  # also when the first bill was settled meanwhile (ERPNext would say "Pay")
			reference_date=getdate(paid_at),
			ignore_permissions=True,
		)
		entry.set("references", [])
		for invoice, amount in allocations:
			total, due_date = frappe.db.get_value("Sales Invoice", invoice, ["grand_total", "due_date"])
			entry.append(
				"references",
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": invoice,
					"due_date": due_date,
					"total_amount": total,
					"allocated_amount": float(amount),
				},
			)
		entry.update(
			{
				"mode_of_payment": mode,
				"paid_to": account,
				"paid_amount": order.amount,
				"received_amount": order.amount,
				"reference_no": transaction_id,
				"reference_date": getdate(paid_at),
				"remarks": _("{0} payment {1} (transaction {2}) of payment order {3}").format(
					_(order.platform), order.amount, transaction_id, order.name
				),
			}
		)
		entry.set_missing_ref_details(force=True)
		entry.flags.ignore_permissions = True  # Safe: a verified payment of the server's own order
		entry.insert()
		entry.submit()
		return entry.name


@contextmanager
def as_administrator():
	"""Run as Administrator, then give the request back its user, session and form data untouched
	(`frappe.set_user` resets the session id and data)."""
	local = frappe.local
	saved = (local.session.user, local.session.sid, local.session.data, local.form_dict)
	frappe.set_user("Administrator")
	frappe.flags.ignore_account_permission = True
	try:
		yield
	finally:
		frappe.flags.ignore_account_permission = False
		user, sid, data, form_dict = saved
		frappe.set_user(user)
		local.session.sid, local.session.data, local.form_dict = sid, data, form_dict


def _flag(name: str, message: str) -> None:
	doc = frappe.get_doc(ORDER, name)
	doc.needs_attention = 1
	doc.error = message
	doc.save(ignore_permissions=True)  # Safe: the server's own note for staff
	log_request(doc.platform, "conflict", {"out_trade_no": name}, error=message, reference=doc)
	_notify_accountants(doc, message)


def _notify_accountants(order, message: str) -> None:
	"""A ToDo on the order for each accountant (else each property manager)."""
	users = _users_with_role(ACCOUNTANT) or _users_with_role(MANAGER)
	for user in users:
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"reference_type": ORDER,
				"reference_name": order.name,
				"description": message,
				"priority": "High",
				"role": ACCOUNTANT,
			}
		).insert(ignore_permissions=True)  # Safe: the server's task for staff


def _users_with_role(role: str) -> list[str]:
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	return (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where((has_role.role == role) & (has_role.parenttype == "User") & (user.enabled == 1)
			& (user.user_type == "System User") & user.name.notin(["Administrator", "Guest"]))
		.orderby(user.name)
		.run(pluck=True)
	)  # fmt: skip


# ------------------------------------------------------------------ Modes of Payment
def ensure_modes_of_payment(company: str | None = None) -> dict[str, str]:
	"""Modes of Payment "WeChat Pay" and "Alipay" (type Bank), each with a clearing account (a Bank account
	under the company's Bank Accounts group); {mode: account} for `company`. Made if missing."""
	companies = [company] if company else frappe.get_all("Company", pluck="name")
	accounts = {}
	for mode in PLATFORM_NAMES:
		if not frappe.db.exists("Mode of Payment", mode):
			frappe.get_doc({"doctype": "Mode of Payment", "mode_of_payment": mode, "type": "Bank",
				"enabled": 1}).insert(ignore_permissions=True)  # fmt: skip
		doc = None
		for name in companies:
			account = _clearing_account(name, mode)
			if not account:
				continue
			if name == company:
				accounts[mode] = account
			row = frappe.db.get_value("Mode of Payment Account",
				{"parent": mode, "parenttype": "Mode of Payment", "company": name}, ["name", "default_account"],
				as_dict=True)  # fmt: skip
			if row and row.default_account:
				if name == company:
					accounts[mode] = row.default_account
				continue
			doc = doc or frappe.get_doc("Mode of Payment", mode)
			line = next((line for line in doc.accounts if row and line.name == row.name), None)
			if line:
				line.default_account = account
			else:
				doc.append("accounts", {"company": name, "default_account": account})
		if doc:
			doc.save(ignore_permissions=True)  # Safe: set-up of the app's own modes of payment
	return accounts


def _clearing_account(company: str, mode: str) -> str | None:
	abbr = frappe.db.get_value("Company", company, "abbr")
	if not abbr:
		return None
	name = f"{CLEARING_ACCOUNTS[mode]} - {abbr}"
	if frappe.db.exists("Account", name):
		return name
	parent = frappe.db.get_value(
		"Account", {"company": company, "is_group": 1, "account_type": "Bank"}, "name"
	) or frappe.db.get_value("Account", {"company": company, "is_group": 1, "account_name": "Bank Accounts"})
	if not parent:
		return None
	currency = frappe.db.get_value("Company", company, "default_currency")
	return (
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": CLEARING_ACCOUNTS[mode],
				"company": company,
				"parent_account": parent,
				"account_type": "Bank",
				"account_currency": currency,
				"is_group": 0,
			}
		)
		.insert(ignore_permissions=True)  # Safe: set-up of the app's clearing accounts
		.name
	)


def after_migrate() -> None:
	"""after_install / after_migrate: the Modes of Payment, once ERPNext has companies and a chart."""
	try:
		if frappe.db.exists("DocType", "Mode of Payment") and frappe.get_all("Company", limit=1):
			ensure_modes_of_payment()
	except Exception:
		frappe.log_error(
			title="Property CRM: Modes of Payment for online payments", message=frappe.get_traceback()
		)


# ------------------------------------------------------------------ the resident's view of an order
def order_of_resident(name, resident: str):
	"""The resident's own order, or DoesNotExistError (404) — another's order is not said to exist."""
	if not isinstance(name, str) or not rules.valid_trade_number(name):
		raise frappe.DoesNotExistError(_("Payment order not found."))
	row = frappe.db.get_value(ORDER, {"name": name, "resident": resident}, "name")
	if not row:
		raise frappe.DoesNotExistError(_("Payment order not found."))
	return frappe.get_doc(ORDER, row)
