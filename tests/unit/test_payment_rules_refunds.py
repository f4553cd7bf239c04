"""Refunds of online payments (退款) and the daily reconciliation (对账): the pure rules."""

from decimal import Decimal as D

import pytest

from property_crm.property_fees.rules import payments_refund as refunds
from property_crm.property_fees.rules import reconciliation as rec
from property_crm.property_fees.rules.reconciliation import Entry


@pytest.mark.parametrize(
	"amount, paid, refunded, problem",
	[
		("10", "100", "0", None),
		("100", "100", "0", None),
		("100.00", "100", "0.00", None),
		("0", "100", "0", "not_positive"),
		("-5", "100", "0", "not_positive"),
		("0.001", "100", "0", "not_positive"),  # rounds to 0.00
		("100.01", "100", "0", "too_much"),
		("60", "100", "50", "too_much"),
		("50", "100", "50", None),
		("0.01", "100", "100", "too_much"),
	],
)
def test_refund_never_exceeds_what_was_paid(amount, paid, refunded, problem):
	assert refunds.amount_problem(D(amount), D(paid), D(refunded)) == problem


def test_threshold_is_inclusive_for_the_accountant():
	assert not refunds.needs_approval(D("1000"), D("1000"))
	assert refunds.needs_approval(D("1000.01"), D("1000"))
	assert refunds.needs_approval(D("0.01"), D("0"))


def test_second_approver_is_another_accountant_or_a_manager():
	assert refunds.approval_problem("b@x", ["Property Accountant"], "a@x") is None
	assert refunds.approval_problem("m@x", ["Property Manager"], "a@x") is None
	assert refunds.approval_problem("a@x", ["Property Accountant"], "a@x") == "self"
	assert refunds.approval_problem("a@x", ["Property Manager"], "a@x") == "self"
	assert refunds.approval_problem("c@x", ["Property Customer Service"], "a@x") == "role"


def test_states():
	assert refunds.next_state("refunded") == "Refunded"
	assert refunds.next_state("processing") == "Refunding"
	assert refunds.next_state("failed") == "Failed"
	assert refunds.next_state("anything else") == "Failed"
	assert refunds.order_status(D("100"), D("0")) == "Paid"
	assert refunds.order_status(D("100"), D("30")) == "Partly Refunded"
	assert refunds.order_status(D("100"), D("100")) == "Refunded"


def test_refund_takes_back_from_the_last_bill_after_the_advance():
	bills = [("SI-1", D("200")), ("SI-2", D("100"))]
	assert refunds.take_back(D("50"), D("0"), bills) == [("SI-1", D("200")), ("SI-2", D("50"))]
	assert refunds.take_back(D("150"), D("0"), bills) == [("SI-1", D("150"))]
	assert refunds.take_back(D("300"), D("0"), bills) == []
	# what the payment kept as an advance goes back first
	assert refunds.take_back(D("30"), D("40"), bills) == bills
	assert refunds.take_back(D("60"), D("40"), bills) == [("SI-1", D("200")), ("SI-2", D("80"))]


def pay(no, amount, tx=None):
	return Entry("payment", no, D(amount), tx or f"T{no}")


def refund(no, rno, amount):
	return Entry("refund", no, D(amount), None, rno)


def results(lines):
	return {(line.kind, line.out_refund_no or line.out_trade_no): line.result for line in lines}


def test_agreeing_statement_matches():
	lines = rec.compare([pay("A", "10"), refund("A", "R1", "4")], [pay("A", "10"), refund("A", "R1", "4")])
	assert results(lines) == {("payment", "A"): rec.MATCHED, ("refund", "R1"): rec.MATCHED}
	t = rec.totals(lines)
	assert t == {
		"platform_count": 2,
		"platform_total": D("6"),
		"our_count": 2,
		"our_total": D("6"),
		"discrepancies": 0,
	}


def test_missing_on_either_side_and_mismatch():
	platform = [pay("A", "10"), pay("B", "20"), refund("A", "R1", "5")]
	ours = [pay("A", "10.01"), pay("C", "30"), refund("A", "R2", "5")]
	lines = rec.compare(platform, ours)
	assert results(lines) == {
		("payment", "A"): rec.MISMATCH,
		("payment", "B"): rec.MISSING_HERE,
		("payment", "C"): rec.MISSING_ON_PLATFORM,
		("refund", "R1"): rec.MISSING_HERE,
		("refund", "R2"): rec.MISSING_ON_PLATFORM,
	}
	mismatch = lines[0]  # discrepancies first, mismatches first of all
	assert (mismatch.result, mismatch.platform_amount, mismatch.our_amount) == (
		rec.MISMATCH,
		D("10"),
		D("10.01"),
	)
	missing_here = next(line for line in lines if line.out_trade_no == "B")
	assert missing_here.our_amount is None and missing_here.transaction_id == "TB"
	assert rec.totals(lines)["discrepancies"] == 5


def test_a_payment_listed_twice_counts_twice():
	lines = rec.compare([pay("A", "10"), pay("A", "10")], [pay("A", "10")])
	(line,) = lines
	assert line.result == rec.MISMATCH and line.platform_amount == D("20")
	assert "more than once" in line.note
	# twice here too: the sums agree, but the note stays
	(line,) = rec.compare([pay("A", "10")], [pay("A", "5"), pay("A", "5")])
	assert line.result == rec.MATCHED and "recorded more than once here" in line.note


def test_different_transaction_ids_are_noted():
	(line,) = rec.compare([pay("A", "10", "X")], [pay("A", "10", "Y")])
	assert line.result == rec.MATCHED and "transaction ids differ" in line.note


def test_empty_day():
	assert rec.compare([], []) == []
	assert rec.totals([])["discrepancies"] == 0


def test_an_amount_that_is_not_a_finite_number_is_named_not_a_crash():
	# an accountant's "NaN" or "Infinity" is a 417 with a message, never a 500 (test_payment_attacks)
	for value in ("NaN", "nan", "Infinity", "-Infinity", "abc", float("nan")):
		assert refunds.amount_problem(value, 100, 0) == "not_a_number", value
