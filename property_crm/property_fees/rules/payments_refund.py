"""Pure rules of refunds of online payments (no frappe import; unit-tested in tests/unit).

Amounts are ``Decimal`` yuan with 2 places. The frappe layer (``property_fees.payments.refunds``) turns the
problems named here into translated messages."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# refund statuses that hold (or held) money: a failed or rejected refund no longer counts against the order
ACTIVE = ("Draft", "Awaiting Approval", "Approved", "Refunding", "Refunded")
APPROVER_ROLES = ("Property Manager", "Property Accountant")


def yuan(value) -> Decimal:
	"""``value`` as yuan with 2 places; ValueError for what is not a finite number (NaN, Infinity, text)."""
	try:
		amount = Decimal(str(value or 0))
	except ArithmeticError:
		raise ValueError(f"not a number: {value!r}") from None
	if not amount.is_finite():
		raise ValueError(f"not a finite number: {value!r}")
	return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def refundable(paid, refunded) -> Decimal:
	"""What may still be refunded of an order that was ``paid``, ``refunded`` counting every active refund."""
	return max(yuan(paid) - yuan(refunded), Decimal("0.00"))


def amount_problem(amount, paid, refunded) -> str | None:
	"""None when ``amount`` may be refunded; else "not_a_number", "not_positive" or "too_much" (over what is
	left)."""
	try:
		amount = yuan(amount)
	except ValueError:
		return "not_a_number"
	if amount <= 0:
		return "not_positive"
	if amount > refundable(paid, refunded):
		return "too_much"
	return None


def needs_approval(amount, threshold) -> bool:
	"""A refund above the threshold waits for a second person; at or below it goes straight through."""
	return yuan(amount) > yuan(threshold)


def approval_problem(approver: str, roles, requester: str) -> str | None:
	"""None when ``approver`` may approve a refund ``requester`` asked for; else "role" or "self"."""
	if not set(roles) & set(APPROVER_ROLES):
		return "role"
	if approver == requester:
		return "self"
	return None


def next_state(platform_state: str) -> str:
	"""The refund's status after the platform answered ``platform_state``."""
	return {"refunded": "Refunded", "processing": "Refunding"}.get(platform_state, "Failed")


def order_status(paid, refunded) -> str:
	"""A paid order's status once ``refunded`` of it went back to the payer."""
	refunded = yuan(refunded)
	if refunded <= 0:
		return "Paid"
	return "Refunded" if refunded >= yuan(paid) else "Partly Refunded"


def take_back(amount, unallocated, allocations: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
	"""How much of each invoice's allocation stays once ``amount`` is refunded of a payment.

	A refund first uses what the payment kept as an advance (``unallocated``: the bills were settled
	meanwhile), then takes back from the invoices it paid, the last one first; so the refunded invoices owe
	again. ``allocations`` = [(invoice, allocated)] in the order's order; the result is in the same order,
	without the invoices left with nothing."""
	need = yuan(amount) - yuan(unallocated)
	kept = [[invoice, yuan(allocated)] for invoice, allocated in allocations]
	for row in reversed(kept):
		if need <= 0:
			break
		taken = min(row[1], need)
		row[1] -= taken
		need -= taken
	return [(invoice, allocated) for invoice, allocated in kept if allocated > 0]
