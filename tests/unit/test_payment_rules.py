"""Online payment rules (property_fees.rules.payments): what can be paid, one payer per order, the trade
number, exactly once, allocation, what the resident sees."""

import csv
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_fees.rules import payments as rules
from property_crm.property_fees.rules.payments import Bill, PaymentRuleError

D = Decimal
TODAY = date(2025, 3, 15)


def bill(name, owed, due, customer="C1", late_fee_of=None, posted=None):
	return Bill(
		name, customer, D(str(owed)), due_date=due, posting_date=posted or due, late_fee_of=late_fee_of
	)


def sample():
	return [
		bill("SI-3", "120.00", date(2025, 4, 1)),
		bill("SI-1", "80.50", date(2025, 1, 15)),
		bill("SI-LF1", "6.20", date(2025, 3, 30), late_fee_of="SI-1"),
		bill("SI-2", "0", date(2025, 2, 15)),
		bill("SI-0", "10.00", date(2025, 2, 1), late_fee_of="SI-9"),  # its bill is settled: a bill of its own
	]


def test_payable_oldest_first_late_fee_after_its_bill_overdue_preselected():
	rows = rules.payable(sample(), TODAY)
	assert [b.name for b in rows] == ["SI-1", "SI-LF1", "SI-0", "SI-3"]  # nothing owed on SI-2
	chosen = {b.name: b.preselected for b in rows}
	assert chosen == {"SI-1": True, "SI-LF1": True, "SI-0": True, "SI-3": False}
	assert rows[0].late_fees == ["SI-LF1"]


def test_choose_brings_the_late_fee_and_sums_on_the_server():
	rows = rules.payable(sample(), TODAY)
	customer, picked, total = rules.choose(["SI-1", "SI-3"], rows)
	assert customer == "C1"
	assert [b.name for b in picked] == ["SI-1", "SI-LF1", "SI-3"]
	assert total == D("206.70")


def test_a_late_fee_is_not_paid_without_its_bill():
	rows = rules.payable(sample(), TODAY)
	with pytest.raises(PaymentRuleError) as error:
		rules.choose(["SI-LF1"], rows)
	assert error.value.message == rules.LATE_FEE_ALONE
	assert rules.choose(["SI-0"], rows)[2] == D("10.00")  # its bill is settled: payable alone


@pytest.mark.parametrize(
	("wanted", "message"),
	[([], rules.NO_BILLS), (["SI-2"], rules.NOT_PAYABLE), (["NEIGHBOUR-1"], rules.NOT_PAYABLE)],
)
def test_refused_choices(wanted, message):
	with pytest.raises(PaymentRuleError) as error:
		rules.choose(wanted, rules.payable(sample(), TODAY))
	assert error.value.message == message


def test_one_payer_per_order():
	rows = rules.payable([bill("A", 10, TODAY, "C1"), bill("B", 20, TODAY, "C2")], TODAY)
	with pytest.raises(PaymentRuleError) as error:
		rules.choose(["A", "B"], rows)
	assert error.value.message == rules.TWO_PAYERS
	assert rules.choose(["B"], rows)[:1] == ("C2",)


def test_trade_number_fits_both_platforms():
	number = rules.trade_number(datetime(2025, 3, 15, 9, 8, 7), "004211")
	assert number == "PCRM20250315090807004211"
	assert rules.valid_trade_number(number) and 6 <= len(number) <= 32
	assert not rules.valid_trade_number("PCRM-1") and not rules.valid_trade_number("x" * 33)
	assert not rules.valid_trade_number(None)
	with pytest.raises(ValueError):
		rules.trade_number(datetime(2025, 3, 15), "12a")


def decide(status="Pending", platform="WeChat Pay", amount="100.00", txn=None, **notice):
	n = {"platform": "WeChat Pay", "amount": D("100.00"), "state": "paid", "transaction_id": "T1"} | notice
	return rules.decide(
		status, platform, amount, txn, n["platform"], n["amount"], n["state"], n["transaction_id"]
	)


def test_exactly_once_decisions():
	assert decide() == rules.FULFIL
	assert decide(status=None) == rules.REJECT  # someone else's / unknown trade number
	assert decide(platform="Alipay") == rules.REJECT
	assert decide(amount=D("100.01")) == rules.REJECT  # not what we asked
	assert decide(transaction_id=None) == rules.REJECT
	assert decide(status="Paid", txn="T1") == rules.NOOP  # duplicates, retries, the job, the return
	assert decide(status="Paid", txn="T2") == rules.CONFLICT  # never a second entry
	assert decide(status="Partly Refunded", txn="T1") == rules.NOOP
	assert decide(status="Closed") == rules.FULFIL  # paid late: the money is real
	assert decide(status="Failed") == rules.FULFIL
	assert decide(state="pending") == rules.IGNORE
	assert decide(status="Paid", txn="T1", state="closed") == rules.IGNORE  # never unpays


@given(
	amount=st.decimals(min_value=0, max_value=10_000, places=2),
	owed=st.lists(st.decimals(min_value=0, max_value=5_000, places=2), max_size=6),
)
def test_allocation_never_exceeds_the_amount_nor_what_is_owed(amount, owed):
	rows = [(f"SI-{i}", value) for i, value in enumerate(owed)]
	allocations, left = rules.allocate(amount, rows)
	assert sum((part for _name, part in allocations), D("0")) + left == rules.yuan(amount)
	assert left >= 0
	for name, part in allocations:
		assert D("0") < part <= dict(rows)[name]


def test_settled_meanwhile_is_kept_as_advance():
	assert rules.allocate("150.00", [("A", D("100.00")), ("B", D("0"))]) == ([("A", D("100.00"))], D("50.00"))
	assert rules.allocate("150.00", [("A", D("0")), ("B", D("0"))]) == ([], D("150.00"))


def test_what_the_resident_sees():
	assert rules.resident_state("Pending") == "Paying"
	assert rules.resident_state("Paid") == "Paid"
	assert rules.resident_state("Closed") == rules.resident_state("Failed") == "Payment Failed"
	assert rules.can_retry("Closed") and not rules.can_retry("Paid") and not rules.can_retry("Pending")


def test_the_job_queries_after_n_minutes_and_closes_expired():
	now = datetime(2025, 3, 15, 12, 0)
	assert rules.due_for_query("Pending", now - timedelta(minutes=6), now, 5)
	assert not rules.due_for_query("Pending", now - timedelta(minutes=4), now, 5)
	assert not rules.due_for_query("Paid", now - timedelta(hours=1), now, 5)
	assert rules.expired("Pending", now, now) and not rules.expired(
		"Pending", now + timedelta(seconds=1), now
	)
	assert not rules.expired("Pending", None, now)


def test_fen_and_yuan():
	assert rules.fen("12.345") == 1235 and rules.yuan(None) == D("0.00")


def test_payment_messages_are_translated():
	catalogue = Path(rules.__file__).resolve().parents[2] / "translations" / "zh.csv"
	with open(catalogue, encoding="utf-8", newline="") as fh:
		zh = {r[0]: r[1] for r in csv.reader(fh) if r}
	assert not [m for m in rules.PAYMENT_MESSAGES if not zh.get(m)]
