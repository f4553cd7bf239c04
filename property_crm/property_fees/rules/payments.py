"""Online payment of bills: the choosing and deciding rules, without Frappe.

Amounts are `Decimal` yuan rounded to the fen. The Frappe side (`property_fees/payments/orders.py`) reads
the bills and orders and applies these rules.

Decisions:
- **What can be paid**: the bills the resident may see (the occupancy rule) with something owed, oldest first
  (due date, then posting date, then name). Overdue bills are preselected.
- **Late fees go with their bill** (the fee rules bill a late fee as its own invoice, `property_late_fee_of`
  = the bill, once the bill is settled or the cap is reached): a late-fee invoice is listed right after its
  bill, and chosen with it — choosing a bill brings its late fee still owed, and a late fee whose bill is
  still owed cannot be paid without the bill. A late fee whose bill is settled is a bill of its own
  (preselected when overdue, as every late fee is due from the day it is billed).
- **One payer per order**: an order pays the bills of one ERPNext Customer (one Payment Entry per payment).
- **The amount is the server's**: the sum of what is owed on the chosen bills now; never the client's.
- **Trade number** (our out_trade_no): "PCRM" + yyyymmddHHMMSS + 6 random digits = 24 letters and digits,
  within what both platforms accept (6–32, letters and digits).
- **Exactly once**: a verified notice for an order is refused unless its trade number, platform and amount
  are the order's; an order already paid with the same transaction id is left alone; paid with another
  transaction id is a conflict for staff (never a second Payment Entry); a pending, failed or closed order
  is fulfilled (money received late is still money received).
- **Allocation**: the payment is allocated to the order's invoices up to what each still owes when it
  arrives, in the order's order; what cannot be allocated (bills settled meanwhile) stays an advance on the
  customer.
- **What the resident sees**: Pending = 支付中; Paid, Refunded and Partly Refunded = 已支付 (and refunded);
  Failed and Closed = 支付失败, with a retry.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from property_crm.errors import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0")

STATUSES = ("Pending", "Paid", "Failed", "Closed", "Refunded", "Partly Refunded")
PAID_STATUSES = ("Paid", "Refunded", "Partly Refunded")
FAILED_STATUSES = ("Failed", "Closed")
PREFIX = "PCRM"
TRADE_NO = re.compile(r"^[A-Za-z0-9]{6,32}$")

# Message templates (English, translated on the Frappe side; every one is in translations/zh.csv).
NO_BILLS = "Choose at least one bill to pay."
NOT_PAYABLE = "Bill {0} cannot be paid online: it is not one of your bills, or nothing is owed on it."
TWO_PAYERS = "These bills are billed to different payers; pay the bills of one payer at a time."
ZERO_TOTAL = "There is nothing to pay on the chosen bills."
LATE_FEE_ALONE = "The late fee {0} is paid together with its bill {1}."
PAYMENT_MESSAGES = (NO_BILLS, NOT_PAYABLE, TWO_PAYERS, ZERO_TOTAL, LATE_FEE_ALONE)


class PaymentRuleError(DomainError):
	"""A refused choice of bills; its templates are listed in PAYMENT_MESSAGES."""


def yuan(value) -> Decimal:
	"""Round half-up to the fen."""
	if value is None or value == "":
		return ZERO.quantize(CENT)
	return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def fen(value) -> int:
	"""Yuan → fen (WeChat Pay counts in fen)."""
	return int(yuan(value) * 100)


# ------------------------------------------------------------------ trade numbers
def trade_number(now: datetime, digits: str) -> str:
	"""Our out_trade_no: PCRM + yyyymmddHHMMSS + the 6 random digits given."""
	if not (len(digits) == 6 and digits.isdigit()):
		raise ValueError("six digits expected")
	return f"{PREFIX}{now:%Y%m%d%H%M%S}{digits}"


def valid_trade_number(value) -> bool:
	return isinstance(value, str) and bool(TRADE_NO.match(value))


# ------------------------------------------------------------------ payable bills
@dataclass
class Bill:
	"""A bill the resident may see, with what is owed on it now."""

	name: str
	customer: str
	owed: Decimal
	due_date: date | None = None
	posting_date: date | None = None
	late_fee_of: str | None = None
	overdue: bool = False
	preselected: bool = False
	late_fees: list[str] = field(default_factory=list)  # names of its late-fee invoices still owed


def _key(bill: Bill):
	return (bill.due_date or date.max, bill.posting_date or date.max, bill.name)


def payable(bills: list[Bill], today: date) -> list[Bill]:
	"""The bills with something owed, oldest first, each late fee right after its bill; overdue preselected."""
	owed = [b for b in bills if yuan(b.owed) > 0]
	by_name = {b.name: b for b in owed}
	heads = []
	for bill in owed:
		bill.owed = yuan(bill.owed)
		bill.overdue = bool(bill.due_date and bill.due_date < today)
		bill.late_fees = []
		if not (bill.late_fee_of and bill.late_fee_of in by_name):
			heads.append(bill)
	out = []
	for head in sorted(heads, key=_key):
		fees = sorted((b for b in owed if b.late_fee_of == head.name), key=_key)
		head.late_fees = [b.name for b in fees]
		head.preselected = head.overdue
		out.append(head)
		for fee in fees:
			fee.preselected = head.preselected or fee.overdue
			out.append(fee)
	return out


def choose(wanted: list[str], bills: list[Bill]) -> tuple[str, list[Bill], Decimal]:
	"""(payer customer, the chosen bills in payable order, total) for the names the resident chose.

	`bills` is the output of `payable`. A chosen bill brings its late fees still owed; a late fee whose
	bill is still owed cannot be paid alone. Raises PaymentRuleError."""
	wanted = [w for w in dict.fromkeys(wanted or []) if w]
	if not wanted:
		raise PaymentRuleError(NO_BILLS)
	by_name = {b.name: b for b in bills}
	for name in wanted:
		if name not in by_name:
			raise PaymentRuleError(NOT_PAYABLE, name)
	chosen = set(wanted)
	for name in wanted:
		bill = by_name[name]
		chosen.update(bill.late_fees)
		if bill.late_fee_of and bill.late_fee_of in by_name and bill.late_fee_of not in chosen:
			raise PaymentRuleError(LATE_FEE_ALONE, name, bill.late_fee_of)
	picked = [b for b in bills if b.name in chosen]
	if len({b.customer for b in picked}) > 1:
		raise PaymentRuleError(TWO_PAYERS)
	total = sum((yuan(b.owed) for b in picked), ZERO).quantize(CENT)
	if total <= 0:
		raise PaymentRuleError(ZERO_TOTAL)
	return picked[0].customer, picked, total


# ------------------------------------------------------------------ notices
REJECT, NOOP, CONFLICT, FULFIL, IGNORE = "reject", "noop", "conflict", "fulfil", "ignore"


def decide(
	order_status: str | None,
	order_platform: str | None,
	order_amount,
	order_transaction_id: str | None,
	notice_platform: str,
	notice_amount,
	notice_state: str,
	notice_transaction_id: str | None,
) -> str:
	"""What a verified notice does to an order.

	- reject: no such order, another platform's, or not the amount we asked (nothing is written);
	- ignore: the notice says not paid (pending/closed/failed) — a notice never unpays an order;
	- noop: already paid with this very transaction;
	- conflict: already paid with ANOTHER transaction (staff must look; no second Payment Entry);
	- fulfil: record the payment (Pending, Failed or Closed: the money is real)."""
	if order_status is None or order_platform != notice_platform:
		return REJECT
	if notice_state != "paid":
		return IGNORE
	if yuan(notice_amount) != yuan(order_amount) or not notice_transaction_id:
		return REJECT
	if order_status in PAID_STATUSES:
		return NOOP if order_transaction_id == notice_transaction_id else CONFLICT
	return FULFIL


def allocate(amount, owed_now: list[tuple[str, Decimal]]) -> tuple[list[tuple[str, Decimal]], Decimal]:
	"""Allocate `amount` to the invoices in order, up to what each owes now; (allocations, unallocated)."""
	left = yuan(amount)
	out = []
	for name, owed in owed_now:
		owed = yuan(owed)
		if left <= 0 or owed <= 0:
			continue
		part = min(left, owed)
		out.append((name, part))
		left -= part
	return out, left


# ------------------------------------------------------------------ what the resident sees, the job
def resident_state(status: str) -> str:
	"""支付中 / 已支付 / 支付失败 in English: Paying, Paid, Failed (plus Refunded, Partly Refunded)."""
	if status in ("Refunded", "Partly Refunded"):
		return status
	if status == "Paid":
		return "Paid"
	if status in FAILED_STATUSES:
		return "Payment Failed"
	return "Paying"


def can_retry(status: str) -> bool:
	return status in FAILED_STATUSES


def due_for_query(status: str, created: datetime, now: datetime, minutes: int) -> bool:
	"""A pending order the job should ask the platform about."""
	return status == "Pending" and created <= now - timedelta(minutes=max(0, int(minutes or 0)))


def expired(status: str, expires_at: datetime | None, now: datetime) -> bool:
	return status == "Pending" and expires_at is not None and expires_at <= now
