"""The restore drill: a backup is proven only by restoring it.

`run_drill()` takes a fresh encrypted backup (or the latest / a given one), restores it with Frappe's own
`bench restore` (decrypting with the site's backup key, public and private files included) into a scratch
site `drill-<site>-<timestamp>` that no scheduler and no browser reaches (`pause_scheduler`,
`maintenance_mode`), compares every table of our doctypes and ERPNext's invoices, payments and general ledger
row by row with the live site, drops the scratch site (database, database user, folder, cache keys) whatever
happened, and writes a Restore Drill log and the settings' last-drill fields.

The live site keeps working during the drill: rows it created, changed or deleted after the backup's instant
(less a margin for transactions in flight) are skipped and counted, never judged (rules.backups.compare_table).
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import frappe
from frappe import _
from frappe.utils import get_bench_path, now_datetime

from property_crm.property_privacy import backups
from property_crm.property_privacy.rules import backups as rules

LOG = "Restore Drill"
ERPNEXT_TABLES = (
	"Sales Invoice",
	"Sales Invoice Item",
	"Payment Entry",
	"Payment Entry Reference",
	"GL Entry",
)
RESTORE_TIMEOUT = 3600


def run_drill(backup: str = "fresh", trigger: str = "Bench Command", after_restore=None) -> str:
	"""Run a drill and return the name of its Restore Drill log. `backup`: "fresh" (take one now), "latest"
	(the newest set in our backup folder) or the path of a database backup file of this site (its files and
	config are taken from the same set). `after_restore(connection)` runs on the scratch database before the
	comparison (the tests use it to tamper with the copy)."""
	started = now_datetime()
	clock = time.monotonic()
	scratch = rules.scratch_site_name(frappe.local.site, started)
	sweep_leftovers(scratch)
	log = frappe.get_doc(
		{
			"doctype": LOG,
			"started_on": started,
			"result": "Running",
			"triggered_by": trigger,
			"scratch_site": scratch,
		}
	).insert(ignore_permissions=True)  # written by the system (bench command or scheduler), never by a user
	frappe.db.commit()
	problems: list[str] = []
	results: list[rules.TableResult] = []
	dropped = owned = False
	phases: dict[str, float] = {}
	lap = time.monotonic()

	def phase(name: str) -> None:
		nonlocal lap
		phases[name] = round(time.monotonic() - lap, 1)
		lap = time.monotonic()

	try:
		files = choose_backup(backup)
		phase("backup")
		log.backup_file = os.path.basename(files["database"])
		stamp = rules.backup_stamp(files["database"], backups.site_slug())
		log.backup_taken_on = rules.stamp_datetime(stamp) if stamp else None
		problems += check_encrypted(files)
		problems += check_config_backup(files)
		# fails when the folder exists (another drill of the same second): never drop what is not ours
		os.makedirs(os.path.join(frappe.local.sites_path, scratch), mode=0o700)
		owned = True
		scratch_conf = restore(files, scratch)
		phase("restore")
		connection = connect_scratch(scratch_conf)
		try:
			if after_restore:
				after_restore(connection)
				connection.commit()
			cutoff = (log.backup_taken_on or started) - rules.IN_FLIGHT_MARGIN
			frappe.db.commit()  # a fresh snapshot of the live site
			for doctype in compared_doctypes():
				results.append(compare_doctype(doctype, connection, cutoff))
			phase("compare")
		finally:
			connection.close()
	except Exception as error:
		frappe.db.rollback()
		problems.append(failure_text(error))
	finally:
		dropped = drop_scratch(scratch) if owned else True
		phase("drop")
	for table in results:
		problems += table.problems
	passed = not problems and bool(results) and dropped
	if not dropped:
		problems.append(_("The scratch site {0} could not be dropped completely").format(scratch))
	log.phases = ", ".join(f"{name} {seconds:g} s" for name, seconds in phases.items())
	finish(log, results, problems, passed, dropped, started, clock)
	return log.name


def choose_backup(backup: str) -> dict[str, str]:
	if backup == "fresh":
		return backups.take_backup()["files"]
	if backup == "latest":
		files = backups.latest_backup()
		if not files:
			frappe.throw(_("There is no backup of this site to drill yet"), title=_("Restore drill"))
		return files
	path = os.path.realpath(backup)
	stamp = rules.backup_stamp(path, backups.site_slug())
	if not os.path.isfile(path) or not stamp:
		frappe.throw(_("{0} is not a backup file of this site").format(backup), title=_("Restore drill"))
	folder = os.path.dirname(path)
	found = {
		kind: os.path.join(folder, name)
		for name in os.listdir(folder)
		if rules.backup_stamp(name, backups.site_slug()) == stamp
		for kind in backups.KINDS
		if name.startswith(f"{stamp}-{backups.site_slug()}-{kind}")
	}
	found["database"] = path
	return found


def check_encrypted(files: dict[str, str]) -> list[str]:
	out = []
	for path in files.values():
		with open(path, "rb") as fh:
			if not rules.looks_encrypted(fh.read(4)):
				out.append(_("{0} is not encrypted").format(os.path.basename(path)))
	return out


def check_config_backup(files: dict[str, str]) -> list[str]:
	"""The set must carry the site's encryption key (encrypted with the backup key): without it a restored
	site cannot read its encrypted fields and passwords."""
	path = files.get("site_config_backup")
	if not path:
		return [_("The backup set has no site config copy")]
	try:
		out = subprocess.run(
			["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "-d", path],
			input=backups.encryption_key().encode(),
			capture_output=True,
			check=True,
			timeout=60,
		).stdout
		config = json.loads(out)
	except Exception:
		return [_("The site config copy cannot be decrypted with the site's backup key")]
	if config.get("encryption_key") != frappe.conf.encryption_key:
		return [_("The site config copy does not hold the site's encryption key")]
	return []


def restore(files: dict[str, str], scratch: str) -> dict:
	"""`bench restore` of the set into a new scratch site, in a child process; returns its site config."""
	sites = os.path.realpath(frappe.local.sites_path)
	site_path = os.path.join(sites, scratch)
	scratch_conf = {
		"db_name": "_drill_" + secrets.token_hex(6),
		"db_password": secrets.token_urlsafe(18),
		"db_type": "mariadb",
		"pause_scheduler": 1,  # the copy runs no job and sends no mail
		"maintenance_mode": 1,  # and answers no request
	}
	with open(os.path.join(site_path, "site_config.json"), "w") as fh:
		json.dump(scratch_conf, fh)
	work = tempfile.mkdtemp(prefix="property-crm-drill-")
	try:
		# Frappe decrypts a backup in place: work on copies, in a private temporary folder
		copies = {}
		for kind, path in files.items():
			copies[kind] = os.path.join(work, os.path.basename(path))
			shutil.copyfile(path, copies[kind])
		job = {
			"site": scratch,
			"sql_file_path": copies["database"],
			"encryption_key": backups.encryption_key(),
			"db_root_username": frappe.conf.root_login or "root",
			"db_root_password": frappe.conf.root_password,
			"admin_password": secrets.token_urlsafe(18),
			"with_public_files": copies.get("files"),
			"with_private_files": copies.get("private-files"),
		}
		done = subprocess.run(
			[sys.executable, "-c", "from property_crm.property_privacy.restore_drill import child; child()"],
			input=json.dumps(job),
			cwd=sites,
			capture_output=True,
			text=True,
			timeout=RESTORE_TIMEOUT,
		)
		if done.returncode:
			tail = (done.stdout + done.stderr).strip().splitlines()[-6:]
			raise RestoreFailed(_("bench restore failed: {0}").format(" / ".join(tail)))
	finally:
		shutil.rmtree(work, ignore_errors=True)
	return scratch_conf


class RestoreFailed(Exception):
	pass


def child() -> None:
	"""The restore itself, in its own process (Frappe's restore initialises the site it restores and exits on
	failure). Reads its job from stdin so that no password is on a command line."""
	from frappe.commands.site import _restore
	from frappe.utils.synchronization import filelock

	job = json.loads(sys.stdin.read())
	frappe.init(site=job["site"], sites_path=os.getcwd())
	with filelock("site_restore", timeout=600):
		_restore(
			site=job["site"],
			sql_file_path=job["sql_file_path"],
			encryption_key=job["encryption_key"],
			db_root_username=job["db_root_username"],
			db_root_password=job["db_root_password"],
			verbose=False,
			install_app=(),
			admin_password=job["admin_password"],
			force=False,
			with_public_files=job["with_public_files"],
			with_private_files=job["with_private_files"],
		)


def connect_scratch(conf: dict):
	import pymysql

	return pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		port=int(frappe.conf.db_port or 3306),
		user=conf["db_name"],
		password=conf["db_password"],
		database=conf["db_name"],
		charset="utf8mb4",
	)


def root_connection():
	import pymysql

	return pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		port=int(frappe.conf.db_port or 3306),
		user=frappe.conf.root_login or "root",
		password=frappe.conf.root_password,
		charset="utf8mb4",
	)


def compared_doctypes() -> list[str]:
	"""Every doctype of ours with a table of its own (child tables included), and ERPNext's invoices,
	payments and general ledger."""
	modules = frappe.get_module_list("property_crm")
	ours = frappe.get_all(
		"DocType",
		filters={"module": ["in", modules], "issingle": 0, "is_virtual": 0},
		pluck="name",
		order_by="name",
	)
	return ours + [d for d in ERPNEXT_TABLES if frappe.db.table_exists(d)]


def columns_of(cursor, table: str) -> list[str]:
	cursor.execute(
		"select column_name from information_schema.columns where table_schema = database() "
		"and table_name = %s order by ordinal_position",
		(table,),
	)
	return [row[0] for row in cursor.fetchall()]


def digest_sql(table: str, columns: list[str], extra: str = "") -> str:
	# every column as the bytes of its text (exact for decimals and dates), NULL told apart from ''
	parts = ", ".join(f"coalesce(hex(cast(`{c}` as binary)), 'N')" for c in columns)
	return f"select name, md5(concat_ws('|', {parts})), modified{extra} from `{table}`"


def compare_doctype(doctype: str, scratch, cutoff) -> rules.TableResult:
	table = f"tab{doctype}"
	live_columns = frappe.db.sql(
		"select column_name from information_schema.columns where table_schema = database() "
		"and table_name = %s order by ordinal_position",
		(table,),
		pluck=True,
	)
	with scratch.cursor() as cursor:
		restored_columns = columns_of(cursor, table)
		if not restored_columns:
			return rules.TableResult(
				table, problems=[_("{0}: missing from the restored copy").format(table)], mismatches=1
			)
		if set(restored_columns) != set(live_columns):
			return rules.TableResult(
				table, problems=[_("{0}: its columns differ from the live table").format(table)], mismatches=1
			)
		is_child = "parenttype" in live_columns and frappe.get_meta(doctype).istable
		cursor.execute(digest_sql(table, live_columns, ", parent, parenttype" if is_child else ""))
		restored_rows = cursor.fetchall()
	restored = {row[0]: (row[1], row[2]) for row in restored_rows}
	live = {
		row[0]: (row[1], row[2], row[3])
		for row in frappe.db.sql(digest_sql(table, live_columns, ", creation"), as_list=True)
	}
	gone = gone_since(doctype, [r for r in restored_rows if r[0] not in live], is_child, cutoff)
	return rules.compare_table(table, live, restored, cutoff, gone)


def gone_since(doctype: str, missing_rows: list, is_child: bool, cutoff) -> set[str]:
	"""Rows of the backup the live site no longer has and may rightly have lost since: documents in Frappe's
	Deleted Document log, child rows whose parent is gone or was saved again."""
	if not missing_rows:
		return set()
	names = [r[0] for r in missing_rows]
	if not is_child:
		return set(
			frappe.get_all(
				"Deleted Document",
				filters={"deleted_doctype": doctype, "deleted_name": ["in", names]},
				pluck="deleted_name",
			)
		)
	out = set()
	by_parenttype: dict[str, list] = {}
	for row in missing_rows:
		by_parenttype.setdefault(row[4], []).append(row)
	for parenttype, rows in by_parenttype.items():
		if not parenttype:
			continue
		parents = list({r[3] for r in rows})
		unchanged = set(
			frappe.get_all(
				parenttype, filters={"name": ["in", parents], "modified": ["<=", cutoff]}, pluck="name"
			)
		)
		# the parent was deleted, or saved again since the backup (and may have dropped the row)
		out |= {r[0] for r in rows if r[3] not in unchanged}
	return out


def drop_scratch(scratch: str) -> bool:
	"""Drop the scratch site's database and user, its folder and its cache keys. True when nothing is left."""
	sites = os.path.realpath(frappe.local.sites_path)
	site_path = os.path.join(sites, scratch)
	if not scratch.startswith("drill-") or os.sep in scratch:
		return False
	db_name = None
	try:
		with open(os.path.join(site_path, "site_config.json")) as fh:
			db_name = json.load(fh).get("db_name")
	except OSError:
		pass
	ok = True
	if db_name and db_name.startswith("_drill_"):
		try:
			root = root_connection()
			with root.cursor() as cursor:
				cursor.execute(f"drop database if exists `{db_name}`")
				for host in ("localhost", "%", "127.0.0.1"):
					cursor.execute(f"drop user if exists '{db_name}'@'{host}'")
				cursor.execute(
					"select count(*) from information_schema.schemata where schema_name = %s", (db_name,)
				)
				ok = cursor.fetchone()[0] == 0
			root.close()
		except Exception:
			frappe.log_error(title=_("Restore drill: the scratch database could not be dropped"))
			ok = False
		try:
			for key in frappe.cache.scan_iter(match=f"{db_name}|*"):
				frappe.cache.delete(key)
		except Exception:
			pass  # the cache expires by itself; the data is gone with the database
	shutil.rmtree(site_path, ignore_errors=True)
	archived = os.path.join(get_bench_path(), "archived", "sites", scratch)
	shutil.rmtree(archived, ignore_errors=True)
	return ok and not os.path.exists(site_path)


def sweep_leftovers(scratch: str) -> None:
	"""Drop the scratch sites of this site's earlier drills that a killed process left behind (older than any
	drill may run)."""
	prefix = scratch.rsplit("-", 1)[0] + "-"
	sites = os.path.realpath(frappe.local.sites_path)
	for name in os.listdir(sites):
		path = os.path.join(sites, name)
		if name.startswith(prefix) and time.time() - os.path.getmtime(path) > RESTORE_TIMEOUT + 900:
			drop_scratch(name)


def failure_text(error: Exception) -> str:
	text = str(error) or error.__class__.__name__
	if isinstance(error, subprocess.TimeoutExpired):
		text = _("the restore took longer than {0} seconds").format(RESTORE_TIMEOUT)
	return _("The drill failed: {0}").format(frappe.utils.strip_html(text)[:500])


def finish(log, results, problems, passed, dropped, started, clock) -> None:
	finished = now_datetime()
	log.update(
		{
			"finished_on": finished,
			"duration": round(time.monotonic() - clock, 1),
			"result": "Passed" if passed else "Failed",
			"tables_compared": len(results),
			"rows_compared": sum(r.compared for r in results),
			"rows_skipped": sum(r.skipped for r in results),
			"mismatches": sum(r.mismatches for r in results) + (0 if results else 1),
			"scratch_dropped": 1 if dropped else 0,
			"details": "\n".join(problems)[:100_000],
			"tables": [
				{
					"table_name": r.table,
					"live_rows": r.live_rows,
					"restored_rows": r.restored_rows,
					"compared_rows": r.compared,
					"skipped_rows": r.skipped,
					"mismatched_rows": r.mismatches,
					"result": "Passed" if r.passed else "Failed",
				}
				for r in results
			],
		}
	)
	log.save(ignore_permissions=True)  # the system's own log
	values = {"last_drill_on": finished, "last_drill_result": log.result, "last_drill": log.name}
	if passed:
		values["last_successful_drill_on"] = finished
	frappe.db.set_single_value(backups.SETTINGS, values, update_modified=False)
	frappe.db.commit()


# --- scheduler --------------------------------------------------------------------------------------------


def monthly() -> None:
	"""Monthly: enqueue a drill on the long queue (it takes minutes)."""
	if not frappe.db.get_single_value(backups.SETTINGS, "restore_drill_enabled"):
		return
	frappe.enqueue(
		"property_crm.property_privacy.restore_drill.scheduled_drill",
		queue="long",
		timeout=RESTORE_TIMEOUT + 600,
		job_id="property_crm_restore_drill",  # Frappe prefixes the site
		deduplicate=True,
	)


def scheduled_drill() -> None:
	name = run_drill(trigger="Scheduled Job")
	if frappe.db.get_value(LOG, name, "result") != "Passed":
		backups.alert_managers(_("The monthly restore drill failed: see {0}").format(name))
