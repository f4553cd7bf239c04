"""The demo company: a living property company on any site, fresh or not.

`property-crm-demo` runs these steps in order (one module of this package each); each one looks at what is there and adds only what is
missing, so a second run changes no counts:
 1. ERPNext's setup wizard, for a Chinese company, where it has not run (ERPNext's own setup function);
 2. the default service categories;
 3. the portfolio (estates, buildings, units, residents, vehicles: `demo.households.seed_portfolio`);
 4. staff: a company-wide manager, an accountant, a manager and a customer-service clerk per estate
    (restricted by User Permission), technicians in category pools (Assignment Rules);
 5. portal logins for a sample of residents, among them a tenant who moved in last month into a flat
    whose previous tenant had filed requests;
 6. 24 months of service orders in every state (bulk), with assignments, SLA outcomes, escalations,
    ratings, return visits, materials; status timelines for the portal residents' orders;
 7. draft Sales Invoices for the most recent chargeable repairs;
 8. 24 months of complaints in every state (bulk, `demo.complaints`; default one per 20 units): SLA outcomes,
    hotline cases and replies, root causes, feedback and reopenings, repeats, anonymous ones (their
    complainant on the confidential Complaint Identity); skipped when the site has complaints.
 9. fees (`demo.fees`): schedules for every estate; 24 months of monthly bills for every unit (or a
    sample), payments in each payer's habit, late fees, arrears notices; ERPNext makes the first bill and
    payment, the rest are written in bulk as copies of their rows (`demo.ledger`).
10. surveys (`demo.surveys`): templates (yearly, after-repair, after-complaint) on every category; a yearly
    survey per year (last year's anonymous and closed), one invitation per household; an after-repair survey
    for a share of the completed orders; follow-up visits for the named low answers.
11. customer care (`demo.care`);
12. customer-data protection (`demo.privacy_*`): a confidentiality agreement for every staff member (a few
    expiring, one expired), a pending and a decided deletion/change request, a closed and an open data
    incident with its notices, a month of access-log rows with one clerk over the alert threshold, the
    quarterly security-review tasks, the backup and restore-drill record, and staff's logged reveals.
13. online payments (`demo.payments`): WeChat Pay and Alipay Settings in Sandbox mode (pointing at the
    `property-crm-payment-standins` command's stand-ins), and about 15 % of the residents with bills paying
    online over the last week through the real path (payment order, the platform's stand-in run in-process,
    its signed notification verified and fulfilled: one Payment Entry each): some still pending, some
    closed, one kept as an advance, one refunded, one day reconciled with a planted discrepancy.
14. the WeChat Official Account (`demo.wechat`): settings in Sandbox mode at the stand-in's default port
    (8701), the portal residents' WeChat bound, about 15 % of the last year's orders and some complaints
    received by WeChat, two weeks of template messages (some unfollowed, one day over quota) with WeChat's
    delivery reports.
15. the field staff's day (`demo.field`): every technician, cleaner, guard and the gardener has open jobs
    for today on the phone (`/field`) and the dispatcher board: jobs to start at the residents' preferred
    times, one in progress, one past or near its SLA deadline, one repeat repair; skipped for those who
    already have today's jobs.
It ends by printing the logins.
"""

import random

import frappe

from property_crm.demo.care import seed_care
from property_crm.demo.company import ensure_items, ensure_portal_residents, ensure_setup, ensure_staff
from property_crm.demo.complaints import ensure_complaints
from property_crm.demo.fees import seed_fees
from property_crm.demo.field import seed_field
from property_crm.demo.households import seed_portfolio
from property_crm.demo.orders import ORDERS_DONE, make_invoices, seed_orders
from property_crm.demo.payments import seed_payments
from property_crm.demo.privacy_agreements import seed_agreements
from property_crm.demo.privacy_audit import seed_audit
from property_crm.demo.privacy_backups import seed_backups
from property_crm.demo.privacy_encryption import seed_encryption
from property_crm.demo.privacy_incidents import seed_incidents
from property_crm.demo.privacy_requests import seed_requests
from property_crm.demo.progress import Progress
from property_crm.demo.surveys import seed_surveys
from property_crm.demo.wechat import seed_wechat
from property_crm.property_service.setup import install_categories, set_default_email_category


def seed_company(
	units: int = 200,
	residents: int | None = None,
	orders: int | None = None,
	estates: int | None = None,
	company: str | None = None,
	seed: int = 2026,
	password: str = "Demo-2026!",
	progress: Progress | None = None,
	fee_units: int = 0,
	fee_months: int = 24,
	complaints: int | None = None,
) -> list[dict]:
	"""Every step above, each timed (`progress.timings`); returns the logins (user, role, estate, password)."""
	progress = progress or Progress(lambda text: print(text, end=""))
	rng = random.Random(seed)
	# Frappe refuses more than 60 new users a minute (against sign-up floods); the demo makes staff and
	# residents' logins in one go
	frappe.local.conf.throttle_user_limit = max(frappe.local.conf.get("throttle_user_limit") or 60, 10_000)
	with progress.step("ERPNext setup and service categories"):
		company = ensure_setup(company, progress)
		made = install_categories()
		set_default_email_category()
		progress(f"service categories: {made} made, {frappe.db.count('Service Category')} in all")
	with progress.step("Estates, buildings, units and residents"):
		if frappe.db.count("Property Unit"):
			progress(f"portfolio: kept as it is ({frappe.db.count('Property Unit'):,} units)")
		else:
			seed_portfolio(
				units, residents if residents is not None else units * 2, estates, company, seed, progress
			)
		frappe.db.commit()
	with progress.step("Staff, their desks and residents' logins"):
		logins = ensure_staff(password, progress)
		ensure_items(company)
		logins += ensure_portal_residents(rng, password, progress)
		frappe.db.commit()
	with progress.step("Service orders"):
		if frappe.db.get_default(ORDERS_DONE):
			progress(f"service orders: kept as they are ({frappe.db.count('Service Order'):,})")
		else:
			count = orders if orders is not None else frappe.db.count("Property Unit") * 5
			seed_orders(rng, count, progress)
			frappe.db.set_default(ORDERS_DONE, str(count))
			frappe.db.commit()
		make_invoices(progress)
		frappe.db.commit()
	with progress.step("Complaints"):
		ensure_complaints(complaints, seed + 8, progress)
	with progress.step("Fees: bills, payments, late fees, notices"):
		seed_fees(rng, fee_units, fee_months, progress)
	with progress.step("Customer care"):
		seed_care(random.Random(seed + 9), progress)
	with progress.step("Surveys"):
		seed_surveys(rng, progress)
	with progress.step("Customer-data protection: agreements, approvals, incidents, access log, backups"):
		# every mobile and ID number is already stored encrypted and masked (the portfolio step writes them
		# so); seed_encryption protects what an older demo left in plain text and logs staff's reveals
		seed_agreements(random.Random(seed + 10), progress)
		seed_requests(random.Random(seed + 11), progress)
		seed_incidents(random.Random(seed + 12), progress)
		seed_audit(random.Random(seed + 13), progress)
		seed_backups(random.Random(seed + 14), progress)
		seed_encryption(random.Random(seed + 15), progress)
		frappe.db.commit()
	with progress.step("Online payments, refunds, reconciliation"):
		seed_payments(random.Random(seed + 16), progress)
	with progress.step("WeChat Official Account: bindings, channel, template messages"):
		seed_wechat(random.Random(seed + 17), progress)
	with progress.step("Field staff's day: today's jobs on their phones"):
		seed_field(random.Random(seed + 18), progress)
	progress.write(progress.summary() + "\n")
	return logins
