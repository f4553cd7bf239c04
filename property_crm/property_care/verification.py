"""Verification rounds (核实): a sample of an estate's stalest resident files, shared evenly among customer
service, who call or visit and record the result; a verified or corrected file gets today's
`last_verified_on` (a version of the file records it)."""

import frappe
from frappe import _
from frappe.utils import getdate, today

from property_crm.property_care.rules import care as rules
from property_crm.validation import apply_rule


def fill_round(doc) -> None:
	"""Sample the estate's files that are most overdue for verification and assign them."""
	if not doc.estate:
		return  # Frappe's mandatory check names the missing estate
	from property_crm.property_care.care import estate_staff
	from property_crm.property_care.report.stale_files.stale_files import stale_rows

	rows = stale_rows({"estate": doc.estate, "months": doc.not_verified_months or 12}, as_system=True)
	rows = [r for r in rows if r.get("resident")]
	# never verified first, then the oldest verification
	rows.sort(key=lambda r: (r.get("last_verified_on") is not None, str(r.get("last_verified_on") or "")))
	doc.seed = doc.seed or abs(hash(doc.estate + today())) % 100_000
	chosen = rules.sample([r["resident"] for r in rows], int(doc.sample_size or 20), doc.seed)
	staff = [row.user for row in doc.staff] or estate_staff(doc.estate)
	plan = apply_rule(rules.plan, chosen, staff) if chosen else {}
	by_name = {r["resident"]: r for r in rows}
	for resident in chosen:
		doc.append(
			"items",
			{
				"resident": resident,
				"resident_name": by_name[resident]["full_name"],
				"reasons": ", ".join(_(r) for r in by_name[resident]["reason_list"])[:140],
				"assigned_to": plan.get(resident),
				"result": "Pending",
			},
		)


def record_results(doc) -> None:
	"""A row checked today: verified or corrected files are marked verified; the round completes itself."""
	for row in doc.items:
		if row.result in ("Verified", "Corrected") and not row.checked_on:
			row.checked_on = today()
			owner = frappe.get_doc("Property Owner", row.resident)
			owner.last_verified_on = getdate(today())
			owner.flags.ignore_permissions = True  # Safe: the round's own result, by staff who may edit it
			owner.save()
		elif row.result == "Unreachable" and not row.checked_on:
			row.checked_on = today()
	if doc.items and all(row.result != "Pending" for row in doc.items):
		doc.status = "Completed"
