"""The demo's proven backups: a real restore drill — an encrypted backup taken now, restored into a scratch
site, compared row by row with the live one, the scratch site dropped — so the Restore Drill list and Property
CRM Settings show a result when the demo ends. It takes two to four minutes on a demo of a few thousand units
(`property_privacy.restore_drill`); on a larger site it is queued on the long queue instead (a worker runs it,
or `bench --site SITE property-crm-restore-drill`). Once only (a default marks it); never inside the test tier,
whose own test runs the drill."""

import random

import frappe

from property_crm.property_privacy.restore_drill import run_drill

BACKUPS_DONE = "property_crm_demo_backups"
INLINE_UP_TO_UNITS = 5000


def seed_backups(rng: random.Random, progress) -> None:
	if frappe.db.get_default(BACKUPS_DONE):
		progress("backups: a restore drill was already run or asked for")
		return
	if frappe.flags.in_test:
		progress(
			"backups: no restore drill in the test tier (run: bench --site SITE property-crm-restore-drill)"
		)
		return
	frappe.db.set_default(BACKUPS_DONE, "1")
	frappe.db.commit()  # the drill's backup must hold everything the demo made
	if frappe.db.count("Property Unit") <= INLINE_UP_TO_UNITS:
		progress("backups: an encrypted backup and its restore drill into a scratch site (2-4 minutes)")
		name = run_drill(backup="fresh", trigger="Bench Command")
		log = frappe.db.get_value(
			"Restore Drill", name, ["result", "tables_compared", "rows_compared"], as_dict=True
		)
		progress(
			f"backups: restore drill {name} {log.result} ({log.tables_compared} tables, {log.rows_compared:,} rows)"
		)
		return
	frappe.enqueue(
		"property_crm.property_privacy.restore_drill.scheduled_drill",
		queue="long",
		timeout=4200,
		job_id="property_crm_restore_drill",  # Frappe prefixes the site
		deduplicate=True,
		enqueue_after_commit=True,
	)
	progress(
		"backups: a restore drill is queued on the long queue (or run bench --site SITE property-crm-restore-drill)"
	)
