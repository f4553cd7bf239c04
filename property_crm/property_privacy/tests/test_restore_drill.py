"""Backups that are proven, on the real test site: a real encrypted backup with files (Frappe's backup and its
gpg encryption), the real restore drill into a scratch site (bench restore), a tampered copy and a truncated
backup that make it fail, nothing left behind, the staleness alerts, and the settings' doors.

Slow by nature: two whole-site restores (about 3-4 minutes each on the shared CI machine)."""

import glob
import gzip
import os
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta

import requests

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from property_crm.property_privacy import backups, restore_drill
from property_crm.tests.factories import make_owner, make_user, unique
from property_crm.tests.served import HttpClient, base_url

SETTINGS = "Property CRM Settings"


def scratch_leftovers() -> tuple[list[str], list[str], list[str]]:
	"""Scratch site folders, databases and database users of drills still present."""
	sites = glob.glob(os.path.join(frappe.local.sites_path, "drill-*"))
	root = restore_drill.root_connection()  # the site's own user sees neither other databases nor users
	try:
		with root.cursor() as cursor:
			cursor.execute("show databases like '\\_drill\\_%'")
			databases = [row[0] for row in cursor.fetchall()]
			cursor.execute("select user from mysql.user where user like '\\_drill\\_%'")
			users = [row[0] for row in cursor.fetchall()]
	finally:
		root.close()
	return sites, databases, users


def decrypt(path: str) -> bytes:
	return subprocess.run(
		["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", "-d", path],
		input=backups.encryption_key().encode(),
		capture_output=True,
		check=True,
	).stdout


class TestRestoreDrill(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.resident_name = "演练住户" + unique("")
		cls.resident = make_owner(full_name=cls.resident_name).name
		# the drill judges only rows older than the backup less ten minutes (younger ones may still change);
		# on a test site made minutes ago every row is younger, so this file is made a day old
		day_ago = now_datetime() - timedelta(days=1)
		frappe.db.sql(
			"update `tabProperty Owner` set creation = %s, modified = %s where name = %s",
			(day_ago, day_ago, cls.resident),
		)
		cls.copy_target = tempfile.mkdtemp(prefix="property-crm-backup-copies-")
		settings = frappe.get_doc(SETTINGS)
		settings.update({"backup_enabled": 1, "backup_keep_copies": 3, "backup_copy_target": cls.copy_target})
		settings.save()
		frappe.db.commit()
		cls.drill = frappe.get_doc("Restore Drill", restore_drill.run_drill(backup="fresh"))
		cls.backup_set = backups.latest_backup()

	@classmethod
	def tearDownClass(cls):
		frappe.db.set_single_value(SETTINGS, "backup_copy_target", None)
		frappe.db.commit()
		shutil.rmtree(cls.copy_target, ignore_errors=True)
		super().tearDownClass()

	def test_backup_is_encrypted_with_files_and_copied(self):
		self.assertEqual(set(self.backup_set), set(backups.KINDS))
		self.assertEqual(os.path.basename(self.backup_set["database"]), self.drill.backup_file)
		name = self.resident_name.encode()
		for kind, path in self.backup_set.items():
			raw = open(path, "rb").read()
			self.assertIn(raw[0], (0x8C, 0x8D, 0xC3), f"{kind} is not a gpg message")
			self.assertNotIn(name, raw, kind)
			self.assertNotEqual(raw[:2], b"\x1f\x8b", kind)
			self.assertEqual(os.stat(path).st_mode & 0o777, 0o600, kind)
			copy = os.path.join(self.copy_target, os.path.basename(path))
			self.assertEqual(open(copy, "rb").read(), raw, f"{kind} copy")
		# the check could fail: decrypted with the site's key, the dump holds the resident's name
		self.assertIn(name, gzip.decompress(decrypt(self.backup_set["database"])))
		# and the config copy holds the site's encryption key, encrypted
		self.assertNotIn(
			frappe.conf.encryption_key.encode(), open(self.backup_set["site_config_backup"], "rb").read()
		)
		self.assertIn(frappe.conf.encryption_key.encode(), decrypt(self.backup_set["site_config_backup"]))

	def test_drill_passed_compared_our_tables_and_erpnext_ledgers_and_left_nothing(self):
		drill = self.drill
		self.assertEqual(drill.result, "Passed", drill.details)
		self.assertEqual(drill.mismatches, 0)
		self.assertTrue(drill.scratch_dropped)
		tables = {row.table_name: row for row in drill.tables}
		for table in (
			"tabProperty Owner",
			"tabProperty Unit",
			"tabService Order",
			"tabSales Invoice",
			"tabGL Entry",
		):
			self.assertIn(table, tables)
			self.assertEqual(tables[table].result, "Passed")
		self.assertGreater(tables["tabProperty Owner"].compared_rows, 0)
		self.assertEqual(drill.tables_compared, len(drill.tables))
		# rows younger than the backup less the in-flight margin are counted, not judged: on a test site made
		# minutes ago that is most of them
		self.assertGreater(drill.rows_compared, 0)
		self.assertGreater(drill.rows_compared + drill.rows_skipped, 100)
		self.assertTrue(drill.started_on and drill.finished_on and drill.duration > 0)
		self.assertIn("restore", drill.phases)
		self.assertEqual(scratch_leftovers(), ([], [], []))
		self.assertFalse(os.path.exists(os.path.join(frappe.local.sites_path, drill.scratch_site)))
		settings = frappe.get_doc(SETTINGS)
		self.assertEqual(settings.last_drill, drill.name)
		self.assertEqual(settings.last_drill_result, "Passed")
		self.assertTrue(settings.last_successful_drill_on and settings.last_drill_on)
		self.assertTrue(settings.last_backup_on)
		self.assertIn(drill.backup_file, settings.last_backup_files)

	def test_tampered_copy_fails_and_the_scratch_site_is_still_dropped(self):
		before = frappe.db.get_single_value(SETTINGS, "last_successful_drill_on")
		victim = frappe.get_all("Property Owner", order_by="modified asc", limit=1, pluck="name")[0]
		seen = {}

		def tamper(connection):
			with connection.cursor() as cursor:
				cursor.execute("update `tabProperty Owner` set full_name = '篡改' where name = %s", (victim,))
			# while it exists, the scratch site answers no request (maintenance mode)
			scratch = os.path.basename(glob.glob(os.path.join(frappe.local.sites_path, "drill-*"))[0])
			seen["status"] = requests.get(
				base_url() + "/api/method/frappe.auth.get_logged_user", headers={"Host": scratch}, timeout=60
			).status_code

		drill = frappe.get_doc(
			"Restore Drill", restore_drill.run_drill(backup="latest", after_restore=tamper)
		)
		self.assertEqual(drill.result, "Failed")
		self.assertIn(f"tabProperty Owner {victim}: differs from the live row", drill.details)
		self.assertEqual(drill.mismatches, 1)
		self.assertTrue(drill.scratch_dropped)
		self.assertEqual(scratch_leftovers(), ([], [], []))
		self.assertEqual(seen["status"], 503)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "last_drill_result"), "Failed")
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "last_successful_drill_on"), before)

	def test_truncated_backup_fails_and_leaves_nothing(self):
		folder = tempfile.mkdtemp(prefix="property-crm-truncated-")
		try:
			for path in self.backup_set.values():
				shutil.copyfile(path, os.path.join(folder, os.path.basename(path)))
			database = os.path.join(folder, os.path.basename(self.backup_set["database"]))
			with open(database, "r+b") as fh:
				fh.truncate(os.path.getsize(database) // 2)
			drill = frappe.get_doc("Restore Drill", restore_drill.run_drill(backup=database))
		finally:
			shutil.rmtree(folder, ignore_errors=True)
		self.assertEqual(drill.result, "Failed")
		self.assertIn("The drill failed", drill.details)
		self.assertTrue(drill.scratch_dropped)
		self.assertEqual(scratch_leftovers(), ([], [], []))

	def test_a_scratch_site_left_by_a_killed_drill_is_swept_by_the_next(self):
		now = now_datetime()
		leftover = restore_drill.rules.scratch_site_name(frappe.local.site, now - timedelta(days=3))
		db_name = "_drill_" + frappe.generate_hash(length=12).lower()
		path = os.path.join(frappe.local.sites_path, leftover)
		os.makedirs(path)
		with open(os.path.join(path, "site_config.json"), "w") as fh:
			fh.write(f'{{"db_name": "{db_name}"}}')
		root = restore_drill.root_connection()
		with root.cursor() as cursor:
			cursor.execute(f"create database `{db_name}`")
			cursor.execute(f"create user '{db_name}'@'localhost' identified by 'x-{db_name}'")
		root.close()
		os.utime(path, (time.time() - 86400, time.time() - 86400))
		recent = restore_drill.rules.scratch_site_name(frappe.local.site, now - timedelta(minutes=1))
		os.makedirs(os.path.join(frappe.local.sites_path, recent))  # a drill still running: left alone
		try:
			restore_drill.sweep_leftovers(restore_drill.rules.scratch_site_name(frappe.local.site, now))
			self.assertFalse(os.path.exists(path))
			self.assertTrue(os.path.exists(os.path.join(frappe.local.sites_path, recent)))
		finally:
			shutil.rmtree(os.path.join(frappe.local.sites_path, recent), ignore_errors=True)
		self.assertEqual(scratch_leftovers(), ([], [], []))

	def test_rotation_deletes_only_our_old_sets(self):
		folder = backups.backup_folder()
		slug = backups.site_slug()
		old = [f"2001010{day}_000000-{slug}-database-enc.sql.gz" for day in range(1, 6)]
		foreign = ["20010101_000000-other_site-database-enc.sql.gz", "notes.txt"]
		for name in old + foreign:
			open(os.path.join(folder, name), "w").close()
		frappe.db.set_single_value(SETTINGS, "backup_keep_copies", 1)
		try:
			backups.rotate(folder)
			left = set(os.listdir(folder))
			self.assertFalse(left & set(old), "sets beyond the newest one are deleted")
			self.assertLessEqual(set(foreign), left)
			self.assertIn(os.path.basename(self.backup_set["database"]), left)
		finally:
			frappe.db.set_single_value(SETTINGS, "backup_keep_copies", 3)
			frappe.db.commit()
			for name in old + foreign:
				if os.path.exists(os.path.join(folder, name)):
					os.remove(os.path.join(folder, name))

	def test_copy_target_in_a_served_folder_is_refused_over_rest(self):
		manager = make_user(["Property Manager"])
		frappe.db.commit()
		client = HttpClient(manager)
		public = os.path.realpath(frappe.get_site_path("public", "files"))
		for target in (public, "relative/folder", os.path.realpath(frappe.local.sites_path)):
			response = client.request(
				"PUT", f"/api/resource/{SETTINGS}/{SETTINGS}", json={"backup_copy_target": target}
			)
			self.assertEqual(response.status_code, 417, target)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "backup_copy_target"), self.copy_target)
		response = client.request("PUT", f"/api/resource/{SETTINGS}/{SETTINGS}", json={"backup_hour": 25})
		self.assertEqual(response.status_code, 417)

	def test_drill_log_is_read_only_and_for_managers(self):
		manager_user = make_user(["Property Manager"])
		clerk = make_user(["Property Customer Service"])
		frappe.db.commit()
		manager = HttpClient(manager_user)
		self.assertEqual(manager.get(f"/api/resource/Restore Drill/{self.drill.name}").status_code, 200)
		response = manager.request(
			"PUT",
			f"/api/resource/Restore Drill/{self.drill.name}",
			json={"result": "Passed", "mismatches": 0},
		)
		self.assertEqual(response.status_code, 403)
		response = manager.post("/api/resource/Restore Drill", json={"result": "Passed"})
		self.assertEqual(response.status_code, 403)
		self.assertEqual(
			HttpClient(clerk).get(f"/api/resource/Restore Drill/{self.drill.name}").status_code, 403
		)

	def test_the_scheduler_enqueues_backup_and_drill_on_the_long_queue(self):
		from frappe.utils.background_jobs import get_job

		saved = frappe.db.get_single_value(SETTINGS, "last_backup_on")
		hour = frappe.db.get_single_value(SETTINGS, "backup_hour")
		jobs = ("property_crm_backup", "property_crm_restore_drill")
		try:
			frappe.db.set_single_value(SETTINGS, "backup_hour", (now_datetime().hour + 12) % 24)
			backups.hourly()  # backed up today, not the hour: nothing to do
			self.assertIsNone(get_job(jobs[0]))
			frappe.db.set_single_value(SETTINGS, "last_backup_on", now_datetime() - timedelta(days=2))
			backups.hourly()  # overdue: at once
			restore_drill.monthly()
			for job_id, method in zip(
				jobs, ("backups.scheduled_backup", "restore_drill.scheduled_drill"), strict=True
			):
				job = get_job(job_id)
				self.assertTrue(job, job_id)
				self.assertTrue(job.origin.endswith("long"), job.origin)
				self.assertEqual(job.kwargs["method"], f"property_crm.property_privacy.{method}")
		finally:
			for job_id in jobs:
				if job := get_job(job_id):
					job.delete()
			frappe.db.set_single_value(SETTINGS, {"last_backup_on": saved, "backup_hour": hour})
			frappe.db.commit()

	def test_managers_are_alerted_when_backup_or_drill_is_overdue(self):
		manager = make_user(["Property Manager"])
		clerk = make_user(["Property Customer Service"])
		frappe.db.commit()
		saved = {
			f: frappe.db.get_single_value(SETTINGS, f) for f in ("last_backup_on", "last_successful_drill_on")
		}

		def alerts(user):
			return frappe.get_all(
				"Notification Log", filters={"for_user": user, "document_type": SETTINGS}, pluck="subject"
			)

		try:
			backups.daily_policy_check()  # both fresh: nothing to say
			self.assertEqual(alerts(manager), [])
			frappe.db.set_single_value(
				SETTINGS,
				{
					"last_backup_on": now_datetime() - timedelta(days=2),
					"last_successful_drill_on": now_datetime() - timedelta(days=40),
				},
			)
			backups.daily_policy_check()
			subjects = alerts(manager)
			self.assertEqual(len(subjects), 2, subjects)
			self.assertTrue(any("No backup for more than a day" in s for s in subjects))
			self.assertTrue(any("restore drill for more than 31 days" in s for s in subjects))
			self.assertEqual(alerts(clerk), [])
		finally:
			frappe.db.set_single_value(SETTINGS, saved)
			frappe.db.commit()
