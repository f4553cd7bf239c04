"""The access audit's rules (property_privacy.rules.access_audit), without Frappe."""

from datetime import date, datetime

from property_crm.property_privacy.rules import access_audit as rules


def test_kind_of_an_access_log_row():
	assert rules.kind_of("Open", None) == rules.OPEN
	assert rules.kind_of("Reveal", None) == rules.REVEAL
	assert rules.kind_of("Print", "PDF") == rules.PRINT
	assert rules.kind_of("PDF", "PDF") == rules.PRINT
	# Frappe's Report Builder export: no method, a file type
	assert rules.kind_of(None, "CSV") == rules.EXPORT
	assert rules.kind_of("Export", "Excel") == rules.EXPORT
	# Frappe's Data Export tool: its parent doctype as the method
	assert rules.kind_of("Property Owner", "CSV") == rules.EXPORT
	assert rules.kind_of(None, None) is None


def test_csv_rows_count_records_not_lines():
	content = '"Sr","ID","Notes"\n1,"DA-1","two\nlines"\n2,"DA-2",""\n'.encode("utf-8-sig")
	assert rules.csv_data_rows(content) == 2
	assert rules.csv_data_rows(b"") == 0
	assert rules.csv_data_rows(b'"Sr","ID"\n') == 0


def test_script_report_export_with_its_filters_first():
	content = (
		'"estate","A01"\n"months","12"\n\n"Resident","Name"\n"DA-1","张三"\n"DA-2","李四"\n"DA-3","王五"\n'
	)
	assert rules.csv_data_rows(content, after_blank=True) == 3
	rows = [("estate", "A01"), (None, None), ("Resident", "Name"), ("DA-1", "x"), (None, None)]
	assert rules.table_data_rows(rows, after_blank=True) == 1


def test_data_export_tool_counts_records_not_child_rows():
	rows = [
		["Data Import Template"],
		["Table:", "Property Owner"],
		[""],
		["Column Labels:", "ID", "Full Name", "Member Name"],
		["Column Name:", "name", "full_name", "member_name"],
		["Start entering data below this line"],
		["", "DA-1", "张三", "张小三"],
		["", "", "", "张小四"],
		["", "DA-2", "李四", ""],
	]
	assert rules.data_export_rows(rows, "Start entering data below this line") == 2
	assert rules.data_export_rows(rows[:5], "Start entering data below this line") == 0


def test_usual_day_is_the_median_of_active_days():
	assert rules.usual_reads([]) == 0
	assert rules.usual_reads([0, 0, 4, 6, 100]) == 6
	assert rules.usual_reads([2, 4]) == 3


def test_unusual_needs_both_the_floor_and_the_factor():
	history = [10, 12, 8, 10]
	assert not rules.unusual(25, history, min_files=50, factor=3)  # under the floor
	assert not rules.unusual(60, [30, 25, 20], min_files=50, factor=3)  # 60 < 3 × 25
	assert rules.unusual(80, [30, 25, 20], min_files=50, factor=3)
	assert rules.unusual(51, [], min_files=50, factor=3)  # no history: the floor alone
	assert not rules.unusual(50, [], min_files=50, factor=3)  # "more than"
	assert not rules.unusual(1000, history, min_files=0, factor=0)  # off


def test_dormant_accounts():
	today = date(2026, 12, 2)
	assert rules.dormant(datetime(2026, 8, 1, 9, 0), None, today, 90)
	assert not rules.dormant(datetime(2026, 11, 30, 9, 0), None, today, 90)
	# never logged in: counted from the account's creation
	assert not rules.dormant(None, datetime(2026, 11, 1), today, 90)
	assert rules.dormant(None, datetime(2025, 1, 1), today, 90)
	assert not rules.dormant(None, None, today, 0)  # off


def test_quarters():
	assert rules.quarter_of(date(2026, 1, 1)) == "2026-Q1"
	assert rules.quarter_of(date(2026, 6, 30)) == "2026-Q2"
	assert rules.quarter_of(date(2026, 10, 1)) == "2026-Q4"
