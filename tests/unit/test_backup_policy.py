"""Backups and the restore drill without Frappe: which sets are kept, what counts as encrypted, where a copy
may go, when the policy is broken, and how a restored table is judged against the live one."""

from datetime import datetime, timedelta

from property_crm.property_privacy.rules import backups as rules

SLUG = "erp_example_com"
T = datetime(2026, 12, 1, 2, 0)


def backup_set(stamp: str, slug: str = SLUG) -> list[str]:
	return [
		f"{stamp}-{slug}-database-enc.sql.gz",
		f"{stamp}-{slug}-files-enc.tgz",
		f"{stamp}-{slug}-private-files-enc.tgz",
		f"{stamp}-{slug}-site_config_backup-enc.json",
	]


def test_rotation_keeps_the_newest_sets_and_never_touches_other_files():
	files = backup_set("20261201_020000") + backup_set("20261130_020000") + backup_set("20261129_020000")
	other = [*backup_set("20261101_020000", slug="other_site"), "README.txt", "20261101_020000-notes.txt"]
	doomed = rules.sets_to_delete(files + other, SLUG, keep=2)
	assert doomed == sorted(backup_set("20261129_020000"))
	assert rules.sets_to_delete(files, SLUG, keep=0) == sorted(f for f in files if "20261201" not in f)
	assert rules.sets_to_delete(other, SLUG, keep=1) == []


def test_latest_set_needs_its_database_file():
	files = backup_set("20261130_020000") + backup_set("20261201_020000")[1:]
	assert rules.latest_set(files, SLUG)["database"] == "20261130_020000-erp_example_com-database-enc.sql.gz"
	assert rules.latest_set(["notes.txt"], SLUG) == {}


def test_only_a_gpg_message_counts_as_encrypted():
	assert rules.looks_encrypted(b"\x8c\x0d\x04\x09")
	assert rules.looks_encrypted(b"\xc3\x0d\x04\x09")
	assert not rules.looks_encrypted(b"\x1f\x8b\x08\x00")  # gzip: a plain dump
	assert not rules.looks_encrypted(b"./si")  # a tar
	assert not rules.looks_encrypted(b"")


def test_copy_target_outside_served_and_deployed_folders(tmp_path):
	bench = tmp_path / "bench"
	(bench / "sites" / "site1" / "public").mkdir(parents=True)
	assert rules.copy_target_problem("", str(bench)) is None
	assert rules.copy_target_problem(str(tmp_path / "nas" / "backups"), str(bench)) is None
	assert rules.copy_target_problem("backups", str(bench))  # relative
	for inside in ("sites/site1/public/files", "sites/assets", "sites", "apps/property_crm", "env"):
		assert rules.copy_target_problem(str(bench / inside), str(bench)), inside
	assert rules.copy_target_problem(str(bench), str(bench))
	assert rules.copy_target_problem("/etc/cron.d", str(bench))
	# a symlink into the public folder is resolved first
	link = tmp_path / "innocent"
	link.symlink_to(bench / "sites" / "site1" / "public")
	assert rules.copy_target_problem(str(link), str(bench))


def test_overdue():
	assert rules.is_overdue(None, T, rules.BACKUP_MAX_AGE)
	assert not rules.is_overdue(T - timedelta(hours=23), T, rules.BACKUP_MAX_AGE)
	assert rules.is_overdue(T - timedelta(hours=25), T, rules.BACKUP_MAX_AGE)
	assert not rules.is_overdue(T - timedelta(days=30), T, rules.DRILL_MAX_AGE)
	assert rules.is_overdue(T - timedelta(days=32), T, rules.DRILL_MAX_AGE)


OLD = T - timedelta(days=10)
NEW = T + timedelta(minutes=5)
CUTOFF = T - rules.IN_FLIGHT_MARGIN


def test_identical_tables_pass():
	live = {"a": ("h1", OLD, OLD), "b": ("h2", OLD, OLD)}
	result = rules.compare_table("tabX", live, {"a": ("h1", OLD), "b": ("h2", OLD)}, CUTOFF)
	assert result.passed and result.compared == 2 and result.skipped == 0


def test_rows_the_live_site_changed_since_the_backup_are_skipped_not_judged():
	live = {
		"changed": ("new", NEW, OLD),  # edited after the backup
		"created": ("h", NEW, NEW),  # created after it
		"in_flight": ("h", T - timedelta(minutes=3), OLD),  # stamped just before: maybe not in the dump
	}
	restored = {"changed": ("old", OLD), "deleted": ("h", OLD), "in_flight": ("x", OLD)}
	result = rules.compare_table("tabX", live, restored, CUTOFF, gone_since={"deleted"})
	assert result.passed, result.problems
	assert result.skipped == 4 and result.compared == 0


def test_a_differing_missing_or_extra_row_fails():
	live = {"a": ("h1", OLD, OLD), "b": ("h2", OLD, OLD)}
	restored = {"a": ("tampered", OLD), "c": ("h3", OLD)}
	result = rules.compare_table("tabX", live, restored, CUTOFF)
	assert not result.passed and result.mismatches == 3
	assert result.problems == [
		"tabX a: differs from the live row",
		"tabX b: missing from the restored copy",
		"tabX c: in the restored copy but not on the live site",
	]


def test_problems_are_capped_but_counted():
	live = {str(i): ("h", OLD, OLD) for i in range(50)}
	result = rules.compare_table("tabX", live, {}, CUTOFF, limit=5)
	assert result.mismatches == 50 and len(result.problems) == 6
	assert result.problems[-1] == "tabX: 45 more rows differ"


def test_scratch_site_name_is_a_host_name():
	assert rules.scratch_site_name("Erp.Example.com", T) == "drill-erp-example-com-20261201020000"
