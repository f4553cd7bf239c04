"""The bulk demo ledger's rules (domain/ledger.py): invoice status, payment amounts, names."""

from datetime import date
from decimal import Decimal
from itertools import islice

from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_fees.rules import ledger

D = Decimal
DUE = date(2026, 3, 16)
money_st = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
share_st = st.sampled_from((0.3, 0.4, 0.5, 0.6, 1.0))


def test_status_as_erpnext_sets_it():
	assert ledger.invoice_status(0, 100, DUE, date(2026, 5, 1)) == "Paid"
	assert ledger.invoice_status(-1, 100, DUE, date(2026, 3, 1)) == "Paid"
	assert ledger.invoice_status(40, 100, DUE, date(2026, 3, 17)) == "Overdue"
	assert ledger.invoice_status(100, 100, DUE, date(2026, 3, 17)) == "Overdue"
	assert ledger.invoice_status(40, 100, DUE, date(2026, 3, 16)) == "Partly Paid", "due today is not overdue"
	assert ledger.invoice_status(100, 100, DUE, date(2026, 3, 1)) == "Unpaid"


def test_half_then_the_rest_leaves_nothing():
	assert ledger.payment_amounts(D("100.01"), [0.5, 0.5]) == [D("100.00") / 2, D("50.01")]
	assert ledger.payment_amounts(D("0.03"), [0.5, 0.5]) == [D("0.02"), D("0.01")]
	assert ledger.payment_amounts(D("99.99"), [0.4, 0.6]) == [D("40.00"), D("59.99")]


def test_a_share_is_rounded_to_the_fen_and_never_more_than_owed():
	assert ledger.payment_amounts(D("10.05"), [0.3]) == [D("3.02")]
	assert ledger.payment_amounts(D("10"), [0.6, 0.6]) == [D("6.00"), D("4.00")]


@given(money_st, st.lists(share_st, min_size=1, max_size=3))
def test_payments_never_exceed_the_bill_and_settle_it_when_the_shares_do(total, shares):
	amounts = ledger.payment_amounts(total, shares)
	assert len(amounts) == len(shares)
	assert all(a >= 0 and a == a.quantize(D("0.01")) for a in amounts)
	assert sum(amounts) <= total
	if sum(D(str(s)) for s in shares) >= 1:
		assert sum(amounts) == total


def test_series_names_grow_past_their_digits():
	assert ledger.series_name("ACC-SINV-2026-", 7, 5) == "ACC-SINV-2026-00007"
	assert ledger.series_name("ACC-SINV-2026-", 123456, 5) == "ACC-SINV-2026-123456"


def test_row_names_are_unique_longer_than_erpnext_hashes_and_tagged():
	names = list(islice(ledger.row_names("t1"), 50_000))
	assert len(set(names)) == len(names)
	assert all(len(n) >= 12 and n.startswith("pct1") for n in names)
	assert set(islice(ledger.row_names("t2"), 1000)).isdisjoint(names)


@given(st.integers(min_value=0, max_value=36**9))
def test_base36_round_trips(number):
	assert int(ledger.base36(number), 36) == number


def test_customers_named_as_erpnext_names_namesakes():
	taken = {"王伟", "王伟 - 1", "李娜 - 4"}
	assert ledger.customer_names(["王伟", "王伟", "张敏", "张敏", "李娜"], taken) == [
		"王伟 - 2",
		"王伟 - 3",
		"张敏",
		"张敏 - 1",
		"李娜",
	]
	assert ledger.customer_names(["李娜", "李娜"], taken) == ["李娜", "李娜 - 5"]
