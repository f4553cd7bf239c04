"""The demo's access audit: 30 days of Access Log rows for the staff who read personal data — files opened
through the form, a few exports of resident lists with their row counts, prints — and today one clerk reading
far more files than usual, so the hourly alert reaches the estate managers; then this quarter's Security
Review tasks. Once only (a default marks it)."""

import random
from datetime import datetime, time, timedelta

import frappe
from frappe.utils import getdate, nowdate

from property_crm.property_privacy import access_audit, security_review
from property_crm.property_privacy.rules.agreements import PERSONAL_DATA_ROLES

AUDIT_DONE = "property_crm_demo_access_audit"
MAX_STAFF = 40  # the demo company has about 15; a site with more keeps the step fast
FIELDS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"timestamp",
	"user",
	"export_from",
	"reference_document",
	"method",
	"page",
	"file_type",
	"records",
)


def _staff() -> list[str]:
	users = frappe.get_all(
		"Has Role",
		filters={
			"parenttype": "User",
			"role": ("in", PERSONAL_DATA_ROLES),
			"parent": ("!=", "Administrator"),
		},
		pluck="parent",
		distinct=True,
	)
	return frappe.get_all(
		"User", filters={"name": ("in", users or [""]), "enabled": 1}, pluck="name", order_by="name"
	)


def seed_audit(rng: random.Random, progress) -> None:
	if frappe.db.get_default(AUDIT_DONE):
		progress("access audit: kept as it is")
		return
	staff = _staff()
	staff = sorted(rng.sample(staff, min(len(staff), MAX_STAFF)))
	files = frappe.get_all("Property Owner", pluck="name", limit=2000, order_by="name")
	if not staff or not files:
		progress("access audit: no staff or resident files yet")
		return
	today = getdate(nowdate())
	rows = []

	def add(
		user, when, method, doctype="Property Owner", document=None, page=None, file_type=None, records=1
	):
		rows.append(
			(
				frappe.generate_hash(length=10),
				when,
				when,
				user,
				user,
				when,
				user,
				doctype,
				document,
				method,
				page,
				file_type,
				records,
			)
		)

	for day_offset in range(30, 0, -1):
		day = today - timedelta(days=day_offset)
		if day.weekday() == 6:
			continue
		for user in staff:
			for _ in range(rng.randint(2, 12)):
				when = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))
				add(user, when, "Open", document=rng.choice(files), page="Form")
			if rng.random() < 0.05:
				when = datetime.combine(day, time(16, rng.randint(0, 59)))
				add(user, when, "Export", file_type="Excel", records=rng.randint(20, 400))
			if rng.random() < 0.1:
				when = datetime.combine(day, time(10, rng.randint(0, 59)))
				add(user, when, "Print", document=rng.choice(files), page="Print Format: Standard")
	# today: one clerk reads the files of a whole building after hours
	heavy = rng.choice(staff)
	start = datetime.combine(today, time(0, 5))
	for index, name in enumerate(rng.sample(files, min(len(files), 120))):
		add(heavy, start + timedelta(seconds=20 * index), "Open", document=name, page="REST")
	frappe.db.bulk_insert("Access Log", FIELDS, rows)
	frappe.db.commit()
	access_audit.check_unusual_reads()
	tasks = security_review.create_review_tasks()
	frappe.db.set_default(AUDIT_DONE, "1")
	frappe.db.commit()
	progress(
		f"access audit: {len(rows):,} access log rows for {len(staff)} staff, {heavy} reading far more than usual "
		f"today, {len(tasks)} security review tasks"
	)
