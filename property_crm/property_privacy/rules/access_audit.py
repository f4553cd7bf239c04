"""The access audit's decisions, without Frappe: what kind of access an Access Log row records, how many
records a downloaded file holds, when a user's reading is unusual, which accounts are dormant, and when a
quarterly security review is due."""

import csv
import io
from datetime import date, datetime
from statistics import median

OPEN = "Open"
REVEAL = "Reveal"
EXPORT = "Export"
PRINT = "Print"
KINDS = (OPEN, REVEAL, EXPORT, PRINT)


def kind_of(method: str | None, file_type: str | None) -> str | None:
	"""The kind of an Access Log row (the Personal Data Access report's SQL says the same): Frappe writes "Print"
	(print view), "PDF" (report to PDF) and exports with a file type (Report Builder, Data Export); the access
	audit writes "Open", "Export", "Print" and "PDF"; a reveal (property_privacy.reveal) is "Reveal"."""
	if method == REVEAL:
		return REVEAL
	if method == OPEN:
		return OPEN
	if method in (PRINT, "PDF"):
		return PRINT
	# Frappe's Data Export tool writes its parent doctype as the method
	if method == EXPORT or file_type:
		return EXPORT
	return None


def csv_table(content: bytes | str) -> list[list[str]]:
	"""The rows of a downloaded CSV (quoted newlines stay in one row)."""
	text = content.decode("utf-8-sig", errors="replace") if isinstance(content, bytes) else content
	return list(csv.reader(io.StringIO(text)))


def csv_data_rows(content: bytes | str, header_rows: int = 1, after_blank: bool = False) -> int:
	"""Data rows of a downloaded CSV: all rows but the header. `after_blank`: a script report exported with its
	filters has them first, closed by an empty row."""
	return table_data_rows(csv_table(content), header_rows, after_blank)


def data_export_rows(rows: list, separator: str) -> int:
	"""Records in a file of Frappe's Data Export tool: the rows below its separator line whose ID (second
	column; the first stays blank) is filled — a child table's further rows leave it empty."""
	rows = list(rows)
	for index, row in enumerate(rows):
		if row and row[0] == separator:
			return sum(1 for r in rows[index + 1 :] if len(r) > 1 and r[1] not in (None, ""))
	return 0


def table_data_rows(rows: list, header_rows: int = 1, after_blank: bool = False) -> int:
	"""The same for rows already read (e.g. from an Excel sheet): a row of only empty cells is blank."""
	rows = list(rows)
	if after_blank:
		for index, row in enumerate(rows):
			if not any(cell not in (None, "") for cell in row):
				rows = rows[index + 1 :]
				break
	while rows and not any(cell not in (None, "") for cell in rows[-1]):
		rows.pop()
	return max(len(rows) - header_rows, 0)


def usual_reads(daily_counts: list[int]) -> float:
	"""A user's usual number of files a day: the median of the days they read any (0 without history)."""
	active = [count for count in daily_counts if count > 0]
	return float(median(active)) if active else 0.0


def unusual(today: int, daily_counts: list[int], min_files: int, factor: float) -> bool:
	"""Far more than usual: more than `min_files` today AND more than `factor` times their usual day."""
	if min_files <= 0 and factor <= 0:
		return False
	return today > min_files and today > factor * usual_reads(daily_counts)


def dormant(last_active: datetime | date | None, since: datetime | date | None, on: date, days: int) -> bool:
	"""An account nobody used for `days` days: its last login (or, never logged in, its creation) is older."""
	if days <= 0:
		return False
	seen = last_active or since
	if not seen:
		return True
	seen = seen.date() if isinstance(seen, datetime) else seen
	return (on - seen).days > days


def quarter_of(day: date) -> str:
	"""2026-Q3 for any day of July–September 2026."""
	return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
