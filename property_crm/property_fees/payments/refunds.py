"""Refunds of online payments (退款): asked for by an accountant with a reason, approved by a second person
above the threshold of Property CRM Settings, paid back through the platform's refund API, reversed in ERPNext.

The refund's name (RFD-2026-00001) is our out_refund_no at the platform, so asking the platform twice never
refunds twice; `execute` locks the refund's row and does nothing unless it is Approved (or Refunding, to ask
again), so executing twice never reverses twice either.

The reversing entry (see the README): ERPNext refuses a Pay entry that references a paid Sales Invoice
("already fully paid"), and its party check refuses a Pay entry that references the original Payment Entry
for a Customer. So the refund is ERPNext's own two steps for money paid back on a paid invoice:
1. a Payment Entry of type Pay to the Customer from the platform's Mode of Payment account, unallocated,
   reference no = our out_refund_no;
2. the original payment re-allocated with ERPNext's Unreconcile Payment and Payment Reconciliation: the
   refunded amount of it now settles the refund's Pay entry, and what the payment had paid of the refunded
   bills (the last bill of the order first, after anything it kept as an advance) is taken off them, so
   those bills owe again in Accounts Receivable and the customer's balance is right.
"""

from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import Abs, Sum
from frappe.utils import now_datetime, today

from property_crm.property_fees.payments.platforms import PlatformError, get_platform, log_request, redact
from property_crm.property_fees.rules import payments_refund as rules

REFUND = "Property Payment Refund"
ORDER = "Property Payment Order"
SETTINGS = "Property CRM Settings"
DEFAULT_THRESHOLD = Decimal("1000")
REFUNDABLE_ORDERS = ("Paid", "Partly Refunded")


def _require_role():
	if not set(frappe.get_roles()) & set(rules.APPROVER_ROLES):
		raise frappe.PermissionError(_("Only a property accountant or manager handles refunds."))


def threshold() -> Decimal:
	"""Property CRM Settings' refund approval threshold (1000 when never set)."""
	found = frappe.db.sql(
		"select value from `tabSingles` where doctype = %s and field = 'refund_approval_threshold'", SETTINGS
	)
	value = found[0][0] if found else None
	return rules.yuan(value) if value not in (None, "") else DEFAULT_THRESHOLD


def refunded_so_far(order: str, statuses=rules.ACTIVE, exclude: str | None = None) -> Decimal:
	"""What the refunds of ``order`` in ``statuses`` add up to."""
	filters = {"payment_order": order, "status": ("in", statuses)}
	if exclude:
		filters["name"] = ("!=", exclude)
	amounts = frappe.get_all(REFUND, filters=filters, pluck="amount")
	return sum((rules.yuan(a) for a in amounts), Decimal("0.00"))


def check(doc, order=None):
	"""The refund's amount and reason against its order (ValidationError 417 on a problem)."""
	if not doc.payment_order or not frappe.db.exists(ORDER, doc.payment_order):
		frappe.throw(
			_("Payment Order: choose the paid payment order to refund."), title=_("Please correct this value")
		)
	order = order or frappe.get_doc(ORDER, doc.payment_order)
	# whoever refunds must be allowed to read the order (its estate): no refund of another estate's payment
	order.check_permission("read")
	if order.status not in REFUNDABLE_ORDERS:
		frappe.throw(
			_("Payment order {0} is {1}; only a paid order can be refunded.").format(
				order.name, _(order.status)
			),
			title=_("Not possible"),
		)
	if not (doc.reason or "").strip():
		frappe.throw(_("Reason: say why the payment is refunded."), title=_("Please correct this value"))
	problem = rules.amount_problem(doc.amount, order.amount, refunded_so_far(order.name, exclude=doc.name))
	if problem == "not_a_number":
		frappe.throw(
			_("Refund Amount: {0} is not a number.").format(doc.amount), title=_("Please correct this value")
		)
	if problem == "not_positive":
		frappe.throw(_("Refund Amount must be more than 0."), title=_("Please correct this value"))
	if problem == "too_much":
		left = rules.refundable(order.amount, refunded_so_far(order.name, exclude=doc.name))
		frappe.throw(
			_("Refund Amount {0} is more than what is left to refund of this payment ({1}).").format(
				rules.yuan(doc.amount), left
			),
			title=_("Please correct this value"),
		)


def _lock_order(name: str):
	"""The payment order, its row locked so two refunds of it are checked one after the other."""
	if not name or not frappe.db.exists(ORDER, name):
		frappe.throw(_("Payment order {0} does not exist.").format(name), frappe.DoesNotExistError)
	frappe.db.get_value(ORDER, name, "name", for_update=True)
	order = frappe.get_doc(ORDER, name)
	order.check_permission("read")
	return order


@frappe.whitelist(methods=["POST"])
def request_refund(payment_order=None, amount=None, reason=None, refund=None) -> dict:
	"""Ask for a refund of a paid order (or send a Draft refund made in the desk on its way). At or below the
	approval threshold it is refunded at once; above it, it waits for a second person's approval."""
	_require_role()
	if refund:
		doc = frappe.get_doc(REFUND, refund)
		doc.check_permission("write")
		if doc.status != "Draft":
			frappe.throw(_("This refund has already been asked for."), title=_("Not possible"))
		order = _lock_order(doc.payment_order)
	else:
		order = _lock_order(payment_order)
		try:
			amount = rules.yuan(amount)
		except Exception:
			frappe.throw(
				_("Refund Amount: {0} is not a number.").format(amount), title=_("Please correct this value")
			)
		doc = frappe.get_doc(
			{"doctype": REFUND, "payment_order": order.name, "amount": amount, "reason": reason}
		)
		doc.insert()
	check(doc, order)
	user = frappe.session.user
	values = {"requested_by": user, "requested_at": now_datetime()}
	if rules.needs_approval(doc.amount, threshold()):
		doc.db_set(values | {"status": "Awaiting Approval"})
		doc.add_comment(
			"Info",
			_("Refund of {0} asked for (reason: {1}); it waits for a second approval.").format(
				rules.yuan(doc.amount), doc.reason
			),
		)
	else:
		doc.db_set(values | {"status": "Approved", "approved_by": user, "approved_at": now_datetime()})
		doc.add_comment(
			"Info", _("Refund of {0} asked for (reason: {1}).").format(rules.yuan(doc.amount), doc.reason)
		)
		execute(doc.name)
	doc.reload()
	return {"name": doc.name, "status": doc.status}


def _awaiting(name: str):
	_require_role()
	if not name or not frappe.db.exists(REFUND, name):
		frappe.throw(_("Refund {0} does not exist.").format(name), frappe.DoesNotExistError)
	frappe.db.get_value(REFUND, name, "name", for_update=True)
	doc = frappe.get_doc(REFUND, name)
	doc.check_permission("read")
	# the approver must be allowed to read the refunded order too (its estate)
	frappe.get_doc(ORDER, doc.payment_order).check_permission("read")
	if doc.status != "Awaiting Approval":
		frappe.throw(_("Refund {0} is not awaiting approval.").format(name), title=_("Not possible"))
	problem = rules.approval_problem(frappe.session.user, frappe.get_roles(), doc.requested_by)
	if problem == "self":
		raise frappe.PermissionError(
			_(
				"A refund above the approval threshold is approved by another person than the one who asked for it."
			)
		)
	if problem:
		raise frappe.PermissionError(_("Only a property accountant or manager handles refunds."))
	return doc


@frappe.whitelist(methods=["POST"])
def approve_refund(name: str) -> dict:
	"""The second approval of a refund above the threshold; the refund is then made at once."""
	doc = _awaiting(name)
	check(doc)
	doc.db_set({"status": "Approved", "approved_by": frappe.session.user, "approved_at": now_datetime()})
	doc.add_comment("Info", _("Refund approved by {0}.").format(frappe.session.user))
	execute(doc.name)
	doc.reload()
	return {"name": doc.name, "status": doc.status}


@frappe.whitelist(methods=["POST"])
def reject_refund(name: str, note: str | None = None) -> dict:
	doc = _awaiting(name)
	doc.db_set({"status": "Rejected", "approved_by": frappe.session.user, "approved_at": now_datetime()})
	doc.add_comment(
		"Info", _("Refund refused by {0}.").format(frappe.session.user) + (f" {note}" if note else "")
	)
	return {"name": doc.name, "status": doc.status}


def _platform_message(raw) -> str:
	"""A short, secret-free message out of the platform's answer."""
	raw = redact(raw or {})
	if isinstance(raw, dict):
		for key in ("sub_msg", "message", "msg", "error", "status", "code"):
			if raw.get(key):
				return str(raw[key])[:500]
	return _("The payment platform refused the refund.")


def execute(name: str) -> str:
	"""Refund an Approved refund through its platform (or ask again about a Refunding one) and, once
	refunded, reverse it in ERPNext. Locks the refund's row; anything else than Approved/Refunding is left
	as it is, so a second call never refunds nor reverses twice. Returns the refund's status."""
	frappe.db.get_value(REFUND, name, "name", for_update=True)
	doc = frappe.get_doc(REFUND, name)
	if doc.status not in ("Approved", "Refunding") or doc.reversing_entry:
		return doc.status
	order = frappe.get_doc(ORDER, doc.payment_order)
	platform = get_platform(order.platform)
	try:
		if doc.status == "Refunding" and hasattr(platform, "query_refund"):
			result = platform.query_refund(doc.name)
		else:  # the same out_refund_no again answers with that refund, never a second one
			result = platform.refund(
				order.name, doc.name, rules.yuan(doc.amount), rules.yuan(order.amount), doc.reason or ""
			)
	except PlatformError as e:
		message = str(e)
		if doc.status == "Refunding":  # asked again: still unknown, asked again later
			doc.db_set("error", message)
			return doc.status
		doc.db_set({"status": "Failed", "error": message})
		doc.add_comment("Info", _("The refund failed: {0}").format(message))
		return doc.status
	state = rules.next_state(result.state)
	if state == "Failed":
		message = _platform_message(result.raw)
		doc.db_set({"status": "Failed", "error": message, "refund_id": result.refund_id})
		doc.add_comment("Info", _("The refund failed: {0}").format(message))
		return doc.status
	if state == "Refunding":
		doc.db_set({"status": "Refunding", "refund_id": result.refund_id, "error": None})
		return doc.status
	_refunded(doc, order, result.refund_id)
	return doc.status


def _refunded(doc, order, refund_id):
	"""The platform paid it back: the refund, the order and ERPNext say so."""
	doc.db_set({"status": "Refunded", "refund_id": refund_id, "refunded_at": now_datetime(), "error": None})
	frappe.db.savepoint("refund_reversal")
	user = frappe.session.user
	# ERPNext's accounting doctypes are the accounts team's; the refund's own roles were checked above (as
	# orders._payment_entry does for the payment itself)
	frappe.set_user("Administrator")
	frappe.flags.ignore_account_permission = True
	try:
		doc.db_set("reversing_entry", reverse(doc, order))
	except Exception:
		# the money is back with the payer: the refund stays Refunded, the ledger is left to a person
		frappe.db.rollback(save_point="refund_reversal")
		frappe.log_error(
			title=f"Refund {doc.name}: reversing entry not made",
			message=frappe.get_traceback(),
			reference_doctype=REFUND,
			reference_name=doc.name,
		)
		doc.db_set(
			"error",
			_("Refunded by the platform, but the reversing entry could not be made; see the Error Log."),
		)
	finally:
		frappe.flags.ignore_account_permission = False
		frappe.set_user(user)
	refunded = refunded_so_far(order.name, statuses=("Refunded",))
	order.db_set({"refunded_amount": refunded, "status": rules.order_status(order.amount, refunded)})
	doc.add_comment("Info", _("Refunded by the platform ({0}).").format(refund_id or "-"))
	log_request(
		order.platform,
		"refund reversed",
		{"refund": doc.name, "order": order.name, "amount": str(rules.yuan(doc.amount))},
		output={"reversing_entry": doc.reversing_entry},
		reference=doc,
	)


def _allocations(payment_entry: str) -> list[frappe._dict]:
	"""What the payment entry is allocated to now (ERPNext's Payment Ledger), as Unreconcile Payment reads it."""
	ple = frappe.qb.DocType("Payment Ledger Entry")
	return (
		frappe.qb.from_(ple)
		.select(
			ple.account,
			ple.party_type,
			ple.party,
			ple.against_voucher_type.as_("reference_doctype"),
			ple.against_voucher_no.as_("reference_name"),
			Abs(Sum(ple.amount_in_account_currency)).as_("allocated_amount"),
			ple.account_currency,
		)
		.where(
			(ple.docstatus == 1)
			& (ple.delinked == 0)
			& (ple.voucher_type == "Payment Entry")
			& (ple.voucher_no == payment_entry)
			& (ple.voucher_no != ple.against_voucher_no)
		)
		.groupby(ple.against_voucher_type, ple.against_voucher_no)
		.run(as_dict=True)
	)


def reverse(doc, order) -> str:
	"""The refund's Pay entry, and the original payment re-allocated (see the module's docstring)."""
	original = frappe.get_doc("Payment Entry", order.payment_entry)
	amount = rules.yuan(doc.amount)
	allocations = _allocations(original.name)
	bill_order = {row.sales_invoice: row.idx for row in order.get("bills") or []}
	on_invoices = sorted(
		(
			a
			for a in allocations
			if a.reference_doctype == "Sales Invoice" and rules.yuan(a.allocated_amount) > 0
		),
		key=lambda a: (bill_order.get(a.reference_name, 10**6), a.reference_name),
	)
	unallocated = rules.yuan(original.paid_amount) - sum(
		(rules.yuan(a.allocated_amount) for a in allocations), Decimal("0.00")
	)
	before = [(a.reference_name, rules.yuan(a.allocated_amount)) for a in on_invoices]
	kept = rules.take_back(amount, unallocated, before)

	entry = frappe.new_doc("Payment Entry")
	entry.update(
		{
			"payment_type": "Pay",
			"company": original.company,
			"posting_date": today(),
			"mode_of_payment": original.mode_of_payment,
			"party_type": "Customer",
			"party": original.party,
			"paid_from": original.paid_to,
			"paid_to": original.paid_from,
			"paid_amount": amount,
			"received_amount": amount,
			"reference_no": doc.name,
			"reference_date": today(),
			"remarks": _("Refund {0} of online payment {1} ({2}): {3}").format(
				doc.name, order.name, original.name, doc.reason
			),
		}
	)
	entry.flags.ignore_permissions = True
	entry.insert()
	entry.submit()

	if kept != before:
		unreconcile = frappe.get_doc(
			{
				"doctype": "Unreconcile Payment",
				"company": original.company,
				"voucher_type": "Payment Entry",
				"voucher_no": original.name,
			}
		)
		for a in on_invoices:
			unreconcile.append("allocations", a)
		unreconcile.flags.ignore_permissions = True
		unreconcile.insert()
		unreconcile.submit()
		to_allocate = [(entry.doctype, entry.name, amount)] + [("Sales Invoice", i, a) for i, a in kept]
	else:
		to_allocate = [(entry.doctype, entry.name, amount)]
	_reconcile(original, to_allocate)
	return entry.name


def _reconcile(original, to_allocate: list[tuple[str, str, Decimal]]):
	"""ERPNext's Payment Reconciliation: ``original``'s unallocated amount to these vouchers, in order."""
	tool = frappe.get_doc(
		{
			"doctype": "Payment Reconciliation",
			"company": original.company,
			"party_type": "Customer",
			"party": original.party,
			"receivable_payable_account": original.paid_from,
		}
	)
	tool.get_unreconciled_entries()
	payments = [p.as_dict() for p in tool.payments if p.reference_name == original.name]
	outstanding = {(i.invoice_type, i.invoice_number): i for i in tool.invoices}
	invoices = []
	for voucher_type, voucher_no, amount in to_allocate:
		row = outstanding.get((voucher_type, voucher_no))
		if not row or not amount:
			continue
		row = row.as_dict()
		row["outstanding_amount"] = min(float(amount), row["outstanding_amount"])
		invoices.append(row)
	if not payments or not invoices:
		frappe.throw(_("The payment {0} could not be re-allocated.").format(original.name))
	tool.allocate_entries(frappe._dict(payments=payments, invoices=invoices))
	tool.validate_allocation()
	tool.reconcile_allocations()


def refresh_refunding() -> None:
	"""Scheduled (every few minutes, with the pending payments): ask the platform again about refunds still
	Refunding (its refund API answers the same out_refund_no with the refund's state)."""
	for name in frappe.get_all(REFUND, filters={"status": "Refunding"}, pluck="name", order_by="modified"):
		try:
			execute(name)
			frappe.db.commit()  # nosemgrep: each refund on its own
		except Exception:
			frappe.db.rollback()
			frappe.log_error(
				title=f"Refund {name}: asking the platform again failed", message=frappe.get_traceback()
			)
