import base64
import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.errors import DomainError
from property_crm.property_service.rules import field

NOW = datetime(2026, 12, 2, 10, 0)
H = timedelta(hours=1)
M = timedelta(minutes=1)
PNG = field.PNG_MAGIC + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def data_url(content: bytes, prefix: str = field.SIGNATURE_PREFIX) -> str:
	return prefix + base64.b64encode(content).decode()


# ------------------------------------------------------------------ SLA
@pytest.mark.parametrize(
	"due, fulfilled, state",
	[
		(None, False, ""),
		(NOW + 5 * H, True, ""),
		(NOW - H, True, ""),
		(NOW + 5 * H, False, "ok"),
		(NOW + 2 * H, False, "due soon"),
		(NOW + M, False, "due soon"),
		(NOW, False, "breached"),
		(NOW - M, False, "breached"),
		("2026-12-02 09:00:00.000000", False, "breached"),
		("2026-12-03 09:00:00", False, "ok"),
	],
)
def test_sla_state(due, fulfilled, state):
	assert field.sla_state(NOW, due, fulfilled) == state


def test_response_deadline_counts_until_someone_responded():
	response, resolution = NOW + H, NOW + 10 * H
	assert field.sla_due(response, resolution, None) == response
	assert field.sla_due(response, resolution, NOW - M) == resolution
	assert field.sla_due(None, resolution, None) == resolution
	assert field.sla_due(None, None, None) is None
	assert field.sla_due(response, None, None) == response


@pytest.mark.parametrize(
	"due, answer",
	[
		(NOW + 90 * M, (90, False)),
		(NOW + 59 * M + timedelta(seconds=59), (59, False)),
		(NOW, (0, True)),
		(NOW - timedelta(seconds=1), (1, True)),
		(NOW - 3 * H, (180, True)),
		(None, (0, False)),
	],
)
def test_time_left(due, answer):
	assert field.time_left(NOW, due) == answer


@pytest.mark.parametrize(
	"minutes, breached, text",
	[
		(5, False, ("{0} min left", (5,))),
		(65, False, ("{0} h {1} min left", (1, 5))),
		(60 * 24 * 2 + 60 * 3 + 7, False, ("{0} d {1} h left", (2, 3))),
		(1, True, ("{0} min overdue", (1,))),
		(125, True, ("{0} h {1} min overdue", (2, 5))),
		(60 * 24, True, ("{0} d {1} h overdue", (1, 0))),
		(-3, False, ("{0} min left", (0,))),
	],
)
def test_time_left_text(minutes, breached, text):
	assert field.time_left_text(minutes, breached) == text


@given(st.integers(-10_000, 10_000))
def test_time_left_never_negative_and_breached_when_past(seconds):
	minutes, breached = field.time_left(NOW, NOW + timedelta(seconds=seconds))
	assert minutes >= 0
	assert breached == (seconds <= 0)


# ------------------------------------------------------------------ listing
def job(name, status="Dispatched", priority="Medium", resolution=None, response=None, **more):
	return {"name": name, "status": status, "priority": priority, "resolution_by": resolution,
		"response_by": response, **more}  # fmt: skip


def test_jobs_open_first_then_priority_then_due():
	rows = [
		job("done", status="Completed", priority="Urgent", resolution=NOW - H),
		job("low", priority="Low", resolution=NOW - 5 * H),
		job("medium-late", resolution=NOW + 5 * H),
		job("medium-soon", resolution=NOW + H),
		job("medium-none"),
		job("urgent", priority="Urgent", resolution=NOW + 10 * H),
		job("high", priority="High", resolution=NOW + 20 * H),
		job("no-priority", priority=None, resolution=NOW - 9 * H),
	]
	ordered = [r["name"] for r in sorted(rows, key=lambda r: field.job_sort_key(r, NOW))]
	assert ordered == ["urgent", "high", "medium-soon", "medium-late", "medium-none", "low", "no-priority",
		"done"]  # fmt: skip


def test_response_deadline_orders_an_unanswered_job():
	first = job("a", resolution=NOW + 30 * H, response=NOW + H)
	second = job("b", resolution=NOW + 2 * H, response=NOW + 30 * M, first_responded_on=NOW - H)
	assert field.sorted_jobs([second, first], NOW) == [first, second]


def test_done_jobs_latest_first():
	older = job("a", status="Closed", completed_on=NOW - 5 * H)
	newer = job("b", status="Completed", completed_on=NOW - H)
	assert field.sorted_jobs([older, newer], NOW) == [newer, older]


@pytest.mark.parametrize(
	"row, tab",
	[
		(job("a", status="Completed"), "done"),
		(job("a", status="Cancelled"), "done"),
		(job("a", status="Closed"), "done"),
		(job("a"), "today"),
		(job("a", resolution=NOW + 3 * H), "today"),
		(job("a", resolution=NOW - 30 * H), "today"),
		(job("a", resolution=NOW + 30 * H), "week"),
		(job("a", resolution=NOW + 30 * H, scheduled_time=NOW + 2 * H), "today"),
		(job("a", resolution=NOW + 3 * H, scheduled_time=NOW + 48 * H), "week"),
		(job("a", status="On Hold", preferred_time=NOW + 72 * H), "week"),
		(job("a", status="In Progress", preferred_time="2026-12-02 18:00:00"), "today"),
		(job("a", resolution=NOW - H, scheduled_time=NOW + 48 * H), "today"),
		# started work stays on today's list even when ERPNext moves its deadline past the service hours
		(job("a", status="In Progress", resolution=NOW + 30 * H), "today"),
		(job("a", status="Dispatched", resolution=NOW + 30 * H), "week"),
	],
)
def test_tab_of(row, tab):
	assert field.tab_of(row, NOW) == tab


def test_sorted_jobs_of_a_tab():
	rows = [job("a", status="Completed"), job("b"), job("c", resolution=NOW + 48 * H)]
	assert [r["name"] for r in field.sorted_jobs(rows, NOW, "today")] == ["b"]
	assert [r["name"] for r in field.sorted_jobs(rows, NOW, "week")] == ["c"]
	assert [r["name"] for r in field.sorted_jobs(rows, NOW, "done")] == ["a"]
	assert set(field.TABS) == {"today", "week", "done"}


# ------------------------------------------------------------------ signature
def test_signature_png_accepted():
	assert field.check_signature(data_url(PNG)) == PNG


@pytest.mark.parametrize(
	"value, message",
	[
		(None, field.SIGNATURE_MISSING),
		("   ", field.SIGNATURE_MISSING),
		(data_url(PNG, "data:image/svg+xml;base64,"), field.SIGNATURE_NOT_PNG),
		(data_url(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"), field.SIGNATURE_NOT_PNG),
		(data_url(b"\xff\xd8\xff\xe0" + b"\x00" * 40), field.SIGNATURE_NOT_PNG),
		(field.SIGNATURE_PREFIX + "not base64 !!", field.SIGNATURE_NOT_PNG),
		(data_url(field.PNG_MAGIC), field.SIGNATURE_NOT_PNG),
		(data_url(PNG + b"\x00" * (200 * 1024)), field.SIGNATURE_TOO_LARGE),
		(["a list"], field.SIGNATURE_MISSING),
	],
)
def test_signature_refused(value, message):
	with pytest.raises(DomainError) as e:
		field.check_signature(value)
	assert e.value.message == message


def test_signature_size_is_of_the_decoded_png():
	exact = PNG + b"\x00" * (field.SIGNATURE_MAX_BYTES - len(PNG))
	assert field.check_signature(data_url(exact)) == exact
	with pytest.raises(DomainError):
		field.check_signature(data_url(exact + b"\x00"))


def test_signer_name_one_line():
	assert field.signer_name("  Wang \n Fang ") == "Wang Fang"
	assert field.signer_name(None) == ""
	assert len(field.signer_name("x" * 500)) == 140


# ------------------------------------------------------------------ materials
def test_materials_merged_in_order():
	rows = [{"item": "PIPE", "qty": 2}, {"item": "TAP", "qty": "1.5"}, {"item": "PIPE", "qty": 1}]
	assert field.check_materials(rows, known={"PIPE", "TAP"}) == [
		{"item": "PIPE", "qty": 3.0},
		{"item": "TAP", "qty": 1.5},
	]
	assert field.check_materials(None) == []
	assert field.check_materials([]) == []


@pytest.mark.parametrize(
	"rows, message",
	[
		("PIPE", field.MATERIALS_NOT_LIST),
		([["PIPE", 1]], field.MATERIALS_NOT_LIST),
		([{"qty": 1}], field.MATERIAL_ITEM_MISSING),
		([{"item": "  ", "qty": 1}], field.MATERIAL_ITEM_MISSING),
		([{"item": "PIPE", "qty": 0}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": -2}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": "nan"}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": "inf"}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": True}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": "two"}], field.MATERIAL_QTY_INVALID),
		([{"item": "PIPE", "qty": 1000}], field.MATERIAL_QTY_TOO_LARGE),
		([{"item": "PIPE", "qty": 500}, {"item": "PIPE", "qty": 500}], field.MATERIAL_QTY_TOO_LARGE),
		([{"item": f"I{i}", "qty": 1} for i in range(31)], field.MATERIALS_TOO_MANY),
		([{"item": "GOLD", "qty": 1}], field.MATERIAL_UNKNOWN),
		([{"item": 5, "qty": 1}], field.MATERIAL_ITEM_MISSING),
	],
)
def test_materials_refused(rows, message):
	with pytest.raises(DomainError) as e:
		field.check_materials(rows, known={"PIPE"} | {f"I{i}" for i in range(40)})
	assert e.value.message == message


def test_thirty_items_and_999_allowed():
	rows = [{"item": f"I{i}", "qty": 999} for i in range(30)]
	assert len(field.check_materials(rows)) == 30


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.integers(1, 300)), max_size=8))
def test_merging_keeps_the_total(pairs):
	rows = [{"item": item, "qty": qty} for item, qty in pairs]
	total = sum(qty for _, qty in pairs)
	try:
		merged = field.check_materials(rows)
	except DomainError as e:
		assert e.message == field.MATERIAL_QTY_TOO_LARGE
		return
	assert sum(r["qty"] for r in merged) == total
	assert len({r["item"] for r in merged}) == len(merged)


@pytest.mark.parametrize("value", [-1, 201, "x", float("nan"), True])
def test_labour_hours_refused(value):
	with pytest.raises(DomainError):
		field.check_labour_hours(value)


def test_labour_hours_and_notes():
	assert field.check_labour_hours("1.5") == 1.5
	assert field.check_labour_hours(None) is None
	assert field.check_notes("  fixed  ") == "fixed"
	assert field.check_notes(None) is None
	with pytest.raises(DomainError):
		field.check_notes("x" * 5001)


# ------------------------------------------------------------------ conflicts, replays, codes
@pytest.mark.parametrize(
	"client, server, conflict",
	[
		("2026-12-02 10:00:00.123456", "2026-12-02 10:00:00.123456", False),
		("2026-12-02T10:00:00.123456", "2026-12-02 10:00:00.123456", False),
		("2026-12-02 10:00:00.5", "2026-12-02 10:00:00.500000", False),
		("2026-12-02 10:00:00.123455", "2026-12-02 10:00:00.123456", True),
		("2026-12-02 09:59:59", "2026-12-02 10:00:00", True),
		("garbage", "2026-12-02 10:00:00", True),
		(datetime(2026, 12, 2, 10), "2026-12-02 10:00:00.000000", False),
	],
)
def test_conflict(client, server, conflict):
	assert field.is_conflict(client, server) is conflict


def test_missing_modified_refused():
	with pytest.raises(DomainError) as e:
		field.is_conflict("", "2026-12-02 10:00:00")
	assert e.value.message == field.MODIFIED_MISSING


def test_client_id():
	assert (
		field.check_client_id("3f2c1a9e-1b2c-4d5e-8f90-123456789abc")
		== "3f2c1a9e-1b2c-4d5e-8f90-123456789abc"
	)
	assert field.check_client_id(None) is None
	for bad in ("short", "x" * 65, "a b c d e f g h", "../../etc/passwd", 12345678):
		with pytest.raises(DomainError):
			field.check_client_id(bad)


def test_code_matches():
	assert field.code_matches("123456", " 123 456 ")
	assert not field.code_matches("123456", "123457")
	assert not field.code_matches("123456", "12345")
	assert not field.code_matches(None, "123456")
	assert not field.code_matches("123456", None)


def test_field_messages_are_translated():
	catalogue = Path(field.__file__).resolve().parents[2] / "translations" / "zh.csv"
	with open(catalogue, encoding="utf-8", newline="") as fh:
		zh = {r[0]: r[1] for r in csv.reader(fh) if r}
	assert not [m for m in field.FIELD_MESSAGES if not zh.get(m)]
