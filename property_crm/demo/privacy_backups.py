"""The demo's proven backups: a real restore drill (an encrypted backup restored into a scratch site and compared
with the live one) is enqueued on the long queue — it takes minutes, so the demo does not wait for it; its
Restore Drill log and Property CRM Settings show the result once a worker has run it. Once only (a default
marks it); never inside the test tier, where a drill would compete with the tests for the machine."""

import random

import frappe

BACKUPS_DONE = "property_crm_demo_backups"


def seed_backups(rng: random.Random, progress) -> None:
	if frappe.db.get_default(BACKUPS_DONE):
		progress("backups: a restore drill was already asked for")
		return
	if frappe.flags.in_test:
		progress(
			"backups: no restore drill in the test tier (run: bench --site SITE property-crm-restore-drill)"
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
	frappe.db.set_default(BACKUPS_DONE, "1")
	progress("backups: a restore drill is queued on the long queue (see Restore Drill in a few minutes)")
