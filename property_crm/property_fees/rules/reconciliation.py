"""Pure comparison of a platform's daily statement (对账单) with our own records (no frappe import).

Both sides are lists of ``Entry``: a payment keyed by our trade number, a refund by our refund number
(out_refund_no). The result is one ``Line`` per key of either side, with what each side says."""

from dataclasses import dataclass
from decimal import Decimal

MATCHED = "Matched"
MISSING_HERE = "Missing Here"
MISSING_ON_PLATFORM = "Missing on Platform"
MISMATCH = "Amount Mismatch"
RESULTS = (MATCHED, MISSING_HERE, MISSING_ON_PLATFORM, MISMATCH)


@dataclass
class Entry:
	kind: str  # "payment" | "refund"
	out_trade_no: str
	amount: Decimal
	transaction_id: str | None = None
	out_refund_no: str | None = None


@dataclass
class Line:
	kind: str
	out_trade_no: str
	transaction_id: str | None
	out_refund_no: str | None
	platform_amount: Decimal | None
	our_amount: Decimal | None
	result: str
	note: str = ""


def key(entry: Entry) -> tuple[str, str]:
	return (entry.kind, entry.out_refund_no if entry.kind == "refund" else entry.out_trade_no)


def _merge(entries: list[Entry]) -> tuple[dict, set]:
	"""Entries by key, amounts of a key listed twice added up; and the keys listed more than once."""
	merged, duplicates = {}, set()
	for entry in entries:
		k = key(entry)
		if k in merged:
			duplicates.add(k)
			first = merged[k]
			merged[k] = Entry(
				first.kind,
				first.out_trade_no,
				first.amount + entry.amount,
				first.transaction_id or entry.transaction_id,
				first.out_refund_no,
			)
		else:
			merged[k] = entry
	return merged, duplicates


def compare(platform: list[Entry], ours: list[Entry]) -> list[Line]:
	"""One line per payment/refund of either side: Matched, Missing Here (the platform has it, we do not),
	Missing on Platform (we have it, the platform does not) or Amount Mismatch. A key listed twice on one
	side counts with the sum of its amounts and is noted ("listed 2 times") — a duplicate is a discrepancy
	when the sums then differ."""
	theirs, their_dups = _merge(platform)
	mine, my_dups = _merge(ours)
	lines = []
	for k in list(theirs) + [k for k in mine if k not in theirs]:
		p, o = theirs.get(k), mine.get(k)
		if p and o:
			result = MATCHED if p.amount == o.amount else MISMATCH
		elif p:
			result = MISSING_HERE
		else:
			result = MISSING_ON_PLATFORM
		notes = []
		if k in their_dups:
			notes.append("listed more than once on the platform's statement")
		if k in my_dups:
			notes.append("recorded more than once here")
		if p and o and p.transaction_id and o.transaction_id and p.transaction_id != o.transaction_id:
			notes.append("transaction ids differ")
		either = p or o
		lines.append(
			Line(
				kind=either.kind,
				out_trade_no=either.out_trade_no,
				transaction_id=(p and p.transaction_id) or (o and o.transaction_id),
				out_refund_no=either.out_refund_no,
				platform_amount=p.amount if p else None,
				our_amount=o.amount if o else None,
				result=result,
				note="; ".join(notes),
			)
		)
	order = {MISMATCH: 0, MISSING_HERE: 1, MISSING_ON_PLATFORM: 2, MATCHED: 3}
	lines.sort(key=lambda line: (order[line.result], line.kind, line.out_trade_no, line.out_refund_no or ""))
	return lines


def totals(lines: list[Line]) -> dict:
	"""Counts and sums of both sides (refunds subtract), and whether everything matched."""
	out = {
		"platform_count": 0,
		"platform_total": Decimal("0.00"),
		"our_count": 0,
		"our_total": Decimal("0.00"),
		"discrepancies": 0,
	}
	for line in lines:
		sign = -1 if line.kind == "refund" else 1
		if line.platform_amount is not None:
			out["platform_count"] += 1
			out["platform_total"] += sign * line.platform_amount
		if line.our_amount is not None:
			out["our_count"] += 1
			out["our_total"] += sign * line.our_amount
		if line.result != MATCHED:
			out["discrepancies"] += 1
	return out
