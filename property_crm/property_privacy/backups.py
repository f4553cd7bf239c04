"""Scheduled, encrypted backups of the site, kept N sets, with an optional copy target, and the daily
policy check (backup older than a day, restore drill older than 31 days → managers are alerted).

Frappe takes the backup (`frappe.utils.backups.new_backup`: mysqldump in one transaction, public and private
files as tgz) and encrypts it with gpg and the site's `backup_encryption_key` when System Settings has
"Encrypt Backups" on; we switch that on, check every file really is encrypted (Frappe keeps plain files
when gpg fails), encrypt the site-config copy too (it holds the site's keys), and keep our sets in a folder
of their own, `private/property_crm_backups` (Frappe's own backup folder is emptied of files older than a
day by every backup)."""

import os
import shutil
import subprocess

import frappe
from frappe import _
from frappe.utils import cint, get_bench_path, get_datetime, now_datetime

from property_crm.property_privacy.rules import backups as rules

SETTINGS = "Property CRM Settings"
FOLDER = ("private", "property_crm_backups")
KINDS = ("database", "files", "private-files", "site_config_backup")


class BackupNotEncrypted(frappe.ValidationError):
	pass


def backup_folder() -> str:
	path = os.path.realpath(frappe.get_site_path(*FOLDER))
	os.makedirs(path, mode=0o700, exist_ok=True)
	return path


def site_slug() -> str:
	return frappe.local.site.replace(".", "_")


def encryption_key() -> str:
	from frappe.utils.backups import get_or_generate_backup_encryption_key

	return get_or_generate_backup_encryption_key()


def ensure_encryption() -> None:
	"""Frappe encrypts backups only with System Settings' "Encrypt Backups" on: the policy wants it on."""
	if not cint(frappe.db.get_single_value("System Settings", "encrypt_backup")):
		frappe.db.set_single_value("System Settings", "encrypt_backup", 1)
		frappe.clear_document_cache("System Settings", "System Settings")
		frappe.local.system_settings = None
	encryption_key()  # generated into site_config.json when the site has none yet


def gpg(args: list[str], passphrase: str) -> None:
	"""gpg with the passphrase on stdin (not on the command line, where `ps` shows it)."""
	subprocess.run(
		["gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase-fd", "0", *args],
		input=passphrase.encode(),
		check=True,
		capture_output=True,
		timeout=600,
	)


def take_backup() -> dict:
	"""A full encrypted backup with files, rotated and copied; returns {"stamp", "files": {kind: path}}.
	Raises (and leaves no file of this set behind) when a file came out unencrypted."""
	from frappe.utils.backups import new_backup

	ensure_encryption()
	folder = backup_folder()
	odb = new_backup(backup_path=folder, ignore_files=False, compress=True, force=True)
	files = {
		"database": odb.backup_path_db,
		"files": odb.backup_path_files,
		"private-files": odb.backup_path_private_files,
		"site_config_backup": odb.backup_path_conf,
	}
	try:
		# the site config holds the database password and the site's encryption key: encrypt it as well
		conf = files["site_config_backup"]
		gpg(["-c", "-o", conf + ".gpg", conf], encryption_key())
		os.replace(conf + ".gpg", conf)
		for path in files.values():
			os.chmod(path, 0o600)
			with open(path, "rb") as fh:
				if not rules.looks_encrypted(fh.read(4)):
					raise BackupNotEncrypted(
						_("The backup file {0} is not encrypted; it was deleted").format(
							os.path.basename(path)
						)
					)
	except Exception:
		for path in files.values():
			if path and os.path.exists(path):
				os.remove(path)
		raise
	stamp = rules.backup_stamp(files["database"], site_slug())
	rotate(folder)
	try:
		copied = copy_to_target(list(files.values()))
	except Exception:
		# the backup itself is good: record it, and say that its copy is missing
		copied = None
		frappe.log_error(title=_("Backup copy failed"))
		alert_managers(_("The backup was taken but could not be copied to {0}").format(copy_target()))
	record_backup(stamp, files, copied)
	return {"stamp": stamp, "files": files, "copied_to": copied}


def keep_copies() -> int:
	return max(cint(frappe.db.get_single_value(SETTINGS, "backup_keep_copies")) or 7, 1)


def rotate(folder: str) -> list[str]:
	"""Delete this site's backup sets beyond the newest N in `folder` (only files named as ours)."""
	names = os.listdir(folder)
	doomed = rules.sets_to_delete(names, site_slug(), keep_copies())
	for name in doomed:
		os.remove(os.path.join(folder, name))
	return doomed


def copy_target() -> str | None:
	return (frappe.db.get_single_value(SETTINGS, "backup_copy_target") or "").strip() or None


def copy_to_target(paths: list[str]) -> str | None:
	target = copy_target()
	if not target:
		return None
	problem = rules.copy_target_problem(target, get_bench_path())
	if problem:
		frappe.throw(_(problem), title=_("Backup copy refused"))
	os.makedirs(target, mode=0o700, exist_ok=True)
	for path in paths:
		dest = os.path.join(target, os.path.basename(path))
		shutil.copyfile(path, dest)
		os.chmod(dest, 0o600)
	rotate(target)
	return target


def record_backup(stamp: str, files: dict, copied: str | None) -> None:
	lines = [f"{kind}: {os.path.basename(path)}" for kind, path in files.items()]
	if copied:
		lines.append(_("copied to {0}").format(copied))
	frappe.db.set_single_value(
		SETTINGS,
		{"last_backup_on": rules.stamp_datetime(stamp), "last_backup_files": "\n".join(lines)},
		update_modified=False,
	)
	frappe.db.commit()


def latest_backup() -> dict[str, str]:
	"""The newest complete backup set in our folder: {kind: path}."""
	folder = backup_folder()
	found = rules.latest_set(os.listdir(folder), site_slug())
	return {kind: os.path.join(folder, name) for kind, name in found.items()}


# --- scheduler --------------------------------------------------------------------------------------------


def hourly() -> None:
	"""At the configured hour (or at once when the last backup is older than a day), enqueue the backup on the
	long queue."""
	if not cint(frappe.db.get_single_value(SETTINGS, "backup_enabled")):
		return
	now = now_datetime()
	last = frappe.db.get_single_value(SETTINGS, "last_backup_on")
	hour = cint(frappe.db.get_single_value(SETTINGS, "backup_hour"))
	due = now.hour == hour and (not last or get_datetime(last).date() < now.date())
	if due or rules.is_overdue(last and get_datetime(last), now, rules.BACKUP_MAX_AGE):
		frappe.enqueue(
			"property_crm.property_privacy.backups.scheduled_backup",
			queue="long",
			timeout=3600,
			job_id="property_crm_backup",  # Frappe prefixes the site
			deduplicate=True,
		)


def scheduled_backup() -> None:
	try:
		take_backup()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Scheduled backup failed"))
		alert_managers(_("The scheduled backup failed: see the Error Log"))


def daily_policy_check() -> None:
	"""Warn the managers when the last backup is older than a day or the last successful drill older than 31
	days."""
	now = now_datetime()
	last_backup = frappe.db.get_single_value(SETTINGS, "last_backup_on")
	last_drill = frappe.db.get_single_value(SETTINGS, "last_successful_drill_on")
	if rules.is_overdue(last_backup and get_datetime(last_backup), now, rules.BACKUP_MAX_AGE):
		alert_managers(
			_("No backup for more than a day (last: {0})").format(last_backup or _("never")),
		)
	if rules.is_overdue(last_drill and get_datetime(last_drill), now, rules.DRILL_MAX_AGE):
		alert_managers(
			_("No successful restore drill for more than 31 days (last: {0})").format(
				last_drill or _("never")
			),
		)


def alert_managers(subject: str) -> None:
	"""An in-app alert (Notification Log) to every enabled Property Manager and System Manager."""
	from frappe.query_builder import DocType

	user, has_role = DocType("User"), DocType("Has Role")
	users = (
		frappe.qb.from_(user)
		.join(has_role)
		.on((has_role.parent == user.name) & (has_role.parenttype == "User"))
		.select(user.name)
		.distinct()
		.where(
			(user.enabled == 1)
			& (user.user_type == "System User")
			& has_role.role.isin(["Property Manager", "System Manager"])
		)
		.run(pluck=True)
	)
	for name in users:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": name,
				"type": "Alert",
				"subject": subject,
				"document_type": SETTINGS,
				"document_name": SETTINGS,
				"from_user": "Administrator",
			}
		).insert(ignore_permissions=True)  # a system alert to each manager, written by the scheduler
	frappe.db.commit()


# --- settings ---------------------------------------------------------------------------------------------


def validate_settings(doc, method=None) -> None:
	"""doc_events hook of Property CRM Settings: a sane hour and number of copies, a copy target outside the
	bench's served and deployed folders."""
	if doc.get("backup_hour") is not None and not 0 <= cint(doc.backup_hour) <= 23:
		frappe.throw(_("The backup hour must be between 0 and 23"), title=_("Invalid backup settings"))
	if doc.get("backup_keep_copies") is not None and cint(doc.backup_keep_copies) < 1:
		frappe.throw(_("Keep at least one backup copy"), title=_("Invalid backup settings"))
	target = (doc.get("backup_copy_target") or "").strip()
	problem = rules.copy_target_problem(target, get_bench_path())
	if problem:
		frappe.throw(_(problem), title=_("Invalid backup settings"))
	doc.backup_copy_target = target or None
	if cint(doc.get("backup_enabled")):
		ensure_encryption()


# --- install ----------------------------------------------------------------------------------------------

POLICY_DEFAULTS = {"backup_enabled": 1, "backup_hour": 2, "backup_keep_copies": 7, "restore_drill_enabled": 1}


def after_migrate() -> None:
	"""The policy's defaults where the site has never set them (a Single's defaults are not stored by
	themselves), and Frappe's backup encryption on: every backup of the site, ours or `bench backup`."""
	from frappe.query_builder import DocType

	singles = DocType("Singles")
	stored = set(
		frappe.qb.from_(singles)
		.select(singles.field)
		.where((singles.doctype == SETTINGS) & singles.field.isin(list(POLICY_DEFAULTS)))
		.run(pluck=True)
	)
	missing = {k: v for k, v in POLICY_DEFAULTS.items() if k not in stored}
	if missing:
		frappe.db.set_single_value(SETTINGS, missing, update_modified=False)
	ensure_encryption()
