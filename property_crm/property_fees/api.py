"""Whitelisted actions on fees: the billing run's dry run and start, late-fee waivers, arrears badges."""

import frappe
from frappe import _

from property_crm.property_fees import billing as fees
from property_crm.property_fees import late_fees


def _run_to_write(billing_run: str):
	doc = frappe.get_doc("Property Billing Run", billing_run)
	doc.check_permission("write")
	return doc


@frappe.whitelist(methods=["POST"])
def dry_run(billing_run: str) -> dict:
	"""Count and total per estate and building of what the run would bill; nothing is written but the
	preview on the run itself."""
	doc = _run_to_write(billing_run)
	summary = fees.preview(doc)
	return {"summary": summary, "html": fees.dry_run_html(summary)}


@frappe.whitelist(methods=["POST"])
def start_run(billing_run: str) -> str:
	"""Queue the run as a background job (one per run at a time; a second start while it is queued or
	running is refused, and even two jobs at once could not bill a share twice)."""
	doc = _run_to_write(billing_run)
	if doc.status in ("Queued", "Running"):
		frappe.throw(_("This billing run is already {0}.").format(_(doc.status)), title=_("Not started"))
	doc.db_set("status", "Queued")
	frappe.enqueue(
		"property_crm.property_fees.billing.run",
		queue="long",
		timeout=6 * 3600,
		job_id=f"property-billing-run::{doc.name}",
		deduplicate=True,
		enqueue_after_commit=True,
		billing_run=doc.name,
	)
	return doc.status


@frappe.whitelist(methods=["POST"])
def request_waiver(late_fee: str, reason: str) -> str:
	return late_fees.request_waiver(late_fee, reason)


@frappe.whitelist(methods=["POST"])
def approve_waiver(late_fee: str) -> str:
	return late_fees.approve_waiver(late_fee)


@frappe.whitelist(methods=["POST"])
def reject_waiver(late_fee: str) -> str:
	return late_fees.reject_waiver(late_fee)


@frappe.whitelist()
def arrears(doctype: str, name: str) -> dict:
	"""The arrears badge of a unit, a resident file, a service order or a complaint: what ERPNext says is
	outstanding, for staff who may read that record. Context only: it never holds up an urgent repair."""
	return late_fees.arrears_badge(doctype, name)
