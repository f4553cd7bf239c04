"""The demo's ledger at scale, without Frappe: what ERPNext would have written for a bill and its payments.

Two years of monthly bills for a whole portfolio is some 450,000 Sales Invoices and as many payments; ERPNext
makes a submitted invoice or payment at about 5 a second here, so the demo writes their rows in bulk instead,
copied from an invoice and a payment that ERPNext itself made (`property_crm.demo.ledger`). These are the
rules those rows follow, as ERPNext's own code has them:

- **Status** of a submitted invoice with one payment term (ERPNext's `SalesInvoice.set_status`): nothing
  outstanding → Paid; outstanding after the due date → Overdue; partly paid → Partly Paid; else Unpaid.
- **Payments** in shares of the bill, each rounded to the fen, never more than what is still owed; a payment
  that completes the shares pays exactly the rest (so "half, then the rest" leaves nothing, not a fen).
- **Names**: ERPNext's naming series (prefix + zero-padded counter, more digits when it outgrows them) and,
  for rows ERPNext names by hash, names of our own that cannot meet one of ERPNext's (a fixed prefix, and
  longer than its 10-character hashes); Customers named as ERPNext names them (the customer's name, then
  "name - 1", "name - 2"… for namesakes).
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def invoice_status(outstanding, total, due: date, today: date) -> str:
	outstanding, total = Decimal(str(outstanding)), Decimal(str(total))
	if outstanding <= 0:
		return "Paid"
	if due < today:
		return "Overdue"
	if outstanding < total:
		return "Partly Paid"
	return "Unpaid"


def payment_amounts(total, shares: Sequence[float]) -> list[Decimal]:
	"""The amounts of payments of `shares` of `total`: rounded to the fen, capped at what is owed, and the
	payment that brings the shares to the whole pays all that is left."""
	owed = Decimal(str(total)).quantize(CENT)
	paid_share = Decimal(0)
	out = []
	for share in shares:
		paid_share += Decimal(str(share))
		if paid_share >= 1:
			amount = owed
		else:
			amount = min(owed, (Decimal(str(total)) * Decimal(str(share))).quantize(CENT))
		if amount <= 0:
			out.append(ZERO)
			continue
		owed -= amount
		out.append(amount)
	return out


def series_name(prefix: str, number: int, digits: int) -> str:
	return f"{prefix}{number:0{digits}d}"


def base36(number: int) -> str:
	digits = []
	while True:
		number, rest = divmod(number, 36)
		digits.append(DIGITS36[rest])
		if not number:
			return "".join(reversed(digits))


def row_names(tag: str) -> Iterator[str]:
	"""Endless unique row names `pc<tag><base36 counter, 8 wide>`: 12 characters or more, so never one of
	ERPNext's 10-character hash names, and a writer with another tag never meets them either."""
	number = 0
	while True:
		number += 1
		yield f"pc{tag}{base36(number).rjust(8, '0')}"


def customer_names(wanted: Iterable[str], taken: set[str]) -> list[str]:
	"""ERPNext's Customer names for `wanted` (in order), given the names already taken: the name itself while
	it is free, else "name - N" with N one more than the highest N taken (ERPNext's `get_customer_name`)."""
	taken = set(taken)
	highest: dict[str, int] = {}
	for name in taken:
		base, sep, number = name.rpartition(" - ")
		if sep and number.isdigit():
			highest[base] = max(highest.get(base, 0), int(number))
	out = []
	for name in wanted:
		if name in taken:
			highest[name] = highest.get(name, 0) + 1
			name = f"{name} - {highest[name]}"
		taken.add(name)
		out.append(name)
	return out
