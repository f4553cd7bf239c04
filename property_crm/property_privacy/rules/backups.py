"""Backups and the restore drill, the decisions without Frappe: which backup sets to keep, whether a file is
encrypted, where a copy may go, when a backup or a drill is overdue, and how a restored table is judged
against the live one."""

import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Frappe names every file of one backup `<YYYYmmdd_HHMMSS>-<site_slug>-<kind>…` (frappe.utils.backups)
BACKUP_NAME = re.compile(r"^(\d{8}_\d{6})-(.+?)-(database|files|private-files|site_config_backup)")
# OpenPGP symmetric encryption (what `gpg -c` writes): a Symmetric-Key Encrypted Session Key packet, tag 3,
# in the old (0x8c/0x8d) or the new (0xc3) packet format. A gzip file starts 1f 8b, a tar with a name.
GPG_FIRST_BYTES = {0x8C, 0x8D, 0xC3}
# Folders of the bench and of the system a copy of the backups must never go to
BENCH_FORBIDDEN = ("sites", "apps", "env", "config", "logs")
SYSTEM_FORBIDDEN = (
	"/bin",
	"/boot",
	"/dev",
	"/etc",
	"/lib",
	"/lib64",
	"/proc",
	"/sbin",
	"/sys",
	"/usr",
	"/var/www",
)

BACKUP_MAX_AGE = timedelta(days=1)
DRILL_MAX_AGE = timedelta(days=31)
# A request or job writes `modified` when it starts and commits when it ends: rows stamped within this margin
# before the backup may or may not be in it, so the drill compares only rows older than that.
IN_FLIGHT_MARGIN = timedelta(minutes=10)


def backup_stamp(filename: str, site_slug: str) -> str | None:
	"""The timestamp naming the backup set a file belongs to, when it is one of this site's backups."""
	match = BACKUP_NAME.match(os.path.basename(filename))
	if not match or match.group(2) != site_slug:
		return None
	return match.group(1)


def stamp_datetime(stamp: str) -> datetime:
	return datetime.strptime(stamp, "%Y%m%d_%H%M%S")


def sets_to_delete(filenames: list[str], site_slug: str, keep: int) -> list[str]:
	"""The files of this site's backup sets beyond the newest `keep` (at least one set is always kept);
	files that are not this site's backups are never chosen."""
	stamps = sorted({s for f in filenames if (s := backup_stamp(f, site_slug))}, reverse=True)
	old = set(stamps[max(keep, 1) :])
	return sorted(f for f in filenames if backup_stamp(f, site_slug) in old)


def latest_set(filenames: list[str], site_slug: str) -> dict[str, str]:
	"""The newest complete backup set of the site: {"database", "files", "private-files", "site_config_backup"}
	-> file name (a set without its database file is no backup)."""
	by_stamp: dict[str, dict[str, str]] = {}
	for name in filenames:
		match = BACKUP_NAME.match(os.path.basename(name))
		if match and match.group(2) == site_slug:
			by_stamp.setdefault(match.group(1), {})[match.group(3)] = name
	for stamp in sorted(by_stamp, reverse=True):
		if "database" in by_stamp[stamp]:
			return by_stamp[stamp]
	return {}


def looks_encrypted(head: bytes) -> bool:
	"""Whether a file's first bytes are an OpenPGP symmetrically encrypted message (Frappe's backup encryption
	falls back to plain files when gpg fails, so every backup is checked)."""
	return bool(head) and head[0] in GPG_FIRST_BYTES


def copy_target_problem(path: str, bench_path: str) -> str | None:
	"""Why a folder may not receive copies of the backups, or None. `path` and `bench_path` are resolved
	(symlinks followed) before they are compared."""
	if not path:
		return None
	if not os.path.isabs(path):
		return "The copy target must be an absolute path"
	real = os.path.realpath(path)
	bench = os.path.realpath(bench_path)
	for name in BENCH_FORBIDDEN:
		inside = os.path.join(bench, name)
		if real == inside or real.startswith(inside + os.sep):
			return "The copy target may not be inside the bench's sites, apps or environment (it would be served or deployed)"
	if real == bench or real == os.sep:
		return "The copy target may not be the bench folder or the root folder"
	for system in SYSTEM_FORBIDDEN:
		if real == system or real.startswith(system + os.sep):
			return "The copy target may not be a system folder"
	return None


def is_overdue(last: datetime | None, now: datetime, max_age: timedelta) -> bool:
	return last is None or now - last > max_age


@dataclass
class TableResult:
	table: str
	live_rows: int = 0
	restored_rows: int = 0
	compared: int = 0
	skipped: int = 0
	mismatches: int = 0
	problems: list[str] = field(default_factory=list)

	@property
	def passed(self) -> bool:
		return not self.mismatches and not self.problems


def compare_table(
	table: str,
	live: dict[str, tuple[str, datetime, datetime]],
	restored: dict[str, tuple[str, datetime]],
	cutoff: datetime,
	gone_since: set[str] = frozenset(),
	limit: int = 20,
) -> TableResult:
	"""Judge a restored table against the live one, row by row.

	live: name -> (digest of the whole row, modified, creation); restored: name -> (digest, modified).
	Rows the live site created or changed after `cutoff` (the backup's instant less the in-flight margin)
	are skipped, and so are rows the live site has deleted since (`gone_since`: the caller knows them from
	the Deleted Document log or a parent changed since). Anything else that differs is a problem: a row
	missing from the restore, a row whose content differs, a row in the restore the live site never had."""
	result = TableResult(table, live_rows=len(live), restored_rows=len(restored))
	problems: list[str] = []
	for name, (digest, modified, creation) in live.items():
		mine = restored.get(name)
		if mine is None:
			if creation > cutoff or modified > cutoff:
				result.skipped += 1
			else:
				problems.append(f"{table} {name}: missing from the restored copy")
			continue
		if mine[1] > cutoff or modified > cutoff:
			result.skipped += 1
		elif mine[0] != digest:
			problems.append(f"{table} {name}: differs from the live row")
		else:
			result.compared += 1
	for name, (_digest, modified) in restored.items():
		if name in live:
			continue
		if name in gone_since or modified > cutoff:
			result.skipped += 1
		else:
			problems.append(f"{table} {name}: in the restored copy but not on the live site")
	result.mismatches = len(problems)
	result.problems = problems[:limit]
	if len(problems) > limit:
		result.problems.append(f"{table}: {len(problems) - limit} more rows differ")
	return result


def scratch_site_name(site: str, now: datetime) -> str:
	"""`drill-<site>-<timestamp>`, a folder name that is also a valid host name."""
	slug = re.sub(r"[^a-z0-9-]+", "-", site.lower()).strip("-")
	return f"drill-{slug}-{now:%Y%m%d%H%M%S}"
