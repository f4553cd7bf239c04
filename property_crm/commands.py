"""Bench commands of Property CRM."""

import sys

import click

from frappe.commands import get_site, pass_context


@click.command("property-crm-demo")
@click.option("--units", default=200, show_default=True, help="How many units to create (first run)")
@click.option("--residents", default=None, type=int, help="How many residents (default: 2 per unit)")
@click.option("--orders", default=None, type=int, help="Service orders over 24 months (default: 5 per unit)")
@click.option(
	"--estates",
	default=None,
	type=int,
	help="How many estates (default: one per 2,000 units, at least two from 100 units)",
)
@click.option("--company", default=None, help="ERPNext Company of the estates (default: the first one)")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data")
@click.option("--password", default="Demo-2026!", show_default=True, help="Password of every demo login")
@click.option(
	"--complaints", default=None, type=int, help="Complaints over 24 months (default: one per 20 units)"
)
@click.option(
	"--fee-units",
	default=0,
	show_default=True,
	help="Units billed monthly: 0 = every unit, else a sample (first run)",
)
@click.option("--fee-months", default=24, show_default=True, help="Months of bills (first run)")
@pass_context
def property_crm_demo(
	context,
	units,
	residents,
	orders,
	estates,
	company,
	seed,
	password,
	fee_units=0,
	fee_months=24,
	complaints=None,
):
	"""A living demo company: completes ERPNext's setup for a Chinese company where it has not run, then
	seeds the portfolio (estates, buildings, units, residents, vehicles), staff for every role (a manager
	and customer service per estate, restricted to it; a company-wide manager; an accountant; technicians
	in category pools with Assignment Rules), portal logins for sample residents, and 24 months of service
	orders in every state with SLA outcomes, escalations, ratings, return visits and draft invoices for
	chargeable repairs, and 24 months of complaints in every state (some anonymous, some from the 12345
	hotline). Prints the logins at the end. A second run adds nothing that is already there.

	Surveys and care events join the demo as those features arrive."""
	import frappe

	from property_crm.demo.company import print_logins
	from property_crm.demo.progress import Progress
	from property_crm.demo.run import seed_company

	def write(text: str) -> None:
		sys.stdout.write(text)
		sys.stdout.flush()

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		logins = seed_company(
			units=units,
			residents=residents,
			orders=orders,
			estates=estates,
			company=company,
			seed=seed,
			password=password,
			progress=Progress(write, tty=sys.stdout.isatty()),
			fee_units=fee_units,
			fee_months=fee_months,
			complaints=complaints,
		)
		frappe.db.commit()
		print_logins(logins, click.echo)
	finally:
		frappe.destroy()


@click.command("property-crm-rotate-key")
@pass_context
def property_crm_rotate_key(context):
	"""A new encryption key for the site: every protected ID number and mobile (and Frappe's own encrypted
	passwords) re-encrypted and re-hashed under it, the new key written to site_config. Reads keep working
	meanwhile (the old key stays as previous_encryption_key until nothing needs it). Run it again to resume
	an interrupted rotation. Keep a copy of the new site_config.json with the backups."""
	import frappe
	from frappe.utils import update_progress_bar

	from property_crm.protected_fields import rotate_site_key

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		totals = {}

		def progress(what: str, count: int) -> None:
			total = totals.setdefault(what, _count_rows(frappe, what))
			update_progress_bar(f"Re-encrypting {what}", min(count, total) - 1 if total else 0, total or 1)

		done = rotate_site_key(progress)
		click.echo("")
		for what, count in done.items():
			click.echo(f"{what}: {count}")
		if done.get("unreadable"):
			click.secho(
				f"{done['unreadable']} values could not be re-encrypted; previous_encryption_key kept.",
				fg="red",
			)
			sys.exit(1)
		click.secho("Key rotated.", fg="green")
	finally:
		frappe.destroy()


def _count_rows(frappe, what: str) -> int:
	doctype, _sep, fieldname = what.rpartition(".")
	return frappe.db.count(doctype, {fieldname: ("is", "set")}) if doctype else 0


@click.command("property-crm-restore-drill")
@click.option(
	"--backup",
	default="fresh",
	show_default=True,
	help='"fresh" (take an encrypted backup now), "latest" (the newest kept backup) or a database backup file',
)
@pass_context
def property_crm_restore_drill(context, backup):
	"""Prove the backups: restore one into a scratch site drill-<site>-<timestamp>, compare our tables and
	ERPNext's invoices, payments and general ledger row by row with the live site, drop the scratch site and
	record the result (Restore Drill, Property CRM Settings). Exits 1 when the drill fails."""
	import frappe

	from property_crm.property_privacy.restore_drill import run_drill

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		name = run_drill(backup=backup, trigger="Bench Command")
		log = frappe.get_doc("Restore Drill", name)
		click.echo(
			f"{name}: {log.result} in {log.duration:.0f} s - {log.backup_file}, {log.tables_compared} tables, "
			f"{log.rows_compared} rows compared, {log.rows_skipped} skipped, {log.mismatches} mismatches"
		)
		if log.details:
			click.echo(log.details)
		if log.result != "Passed":
			sys.exit(1)
	finally:
		frappe.destroy()


commands = [property_crm_demo, property_crm_rotate_key, property_crm_restore_drill]
