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


@click.command("property-crm-payment-standins")
@click.option(
	"--port",
	default=8601,
	show_default=True,
	help="Port of the WeChat Pay stand-in; the Alipay stand-in takes the next one",
)
@click.option(
	"--host", default="127.0.0.1", show_default=True, help="Only 127.0.0.1: the stand-ins are local"
)
@click.option(
	"--site-url",
	default=None,
	help="Where the stand-ins send payment notifications and return residents: the served site, e.g. "
	"http://127.0.0.1:8000 (Property CRM Settings' Payment Site URL)",
)
@click.option("--configure-only", is_flag=True, help="Write WeChat Pay and Alipay Settings and exit")
@pass_context
def property_crm_payment_standins(context, port, host, site_url, configure_only):
	"""Serve stand-ins of WeChat Pay and Alipay on 127.0.0.1 beside a served test or demo site, and point
	the site's WeChat Pay Settings and Alipay Settings at them in Sandbox mode, so residents pay bills end to
	end: the portal launches the payment at a stand-in, its cashier page (确认支付) pays and sends the signed
	notification to the site. The keys are the site's own (private/payment_standins.json, made on first use).
	Runs until Ctrl-C. Refuses a site whose settings are Live."""
	import time

	import frappe

	from property_crm.demo import payments as standins

	if host != "127.0.0.1":
		raise click.BadParameter("the stand-ins listen on 127.0.0.1 only", param_hint="--host")
	if not 1024 <= port <= 65534:
		raise click.BadParameter("a port from 1024 to 65534", param_hint="--port")
	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		live = standins.live_settings()
		if live:
			click.secho(f"{', '.join(live)}: Live on this site; not pointed at a stand-in.", fg="red")
			sys.exit(1)
		keys = standins.standin_keys()
		wechat, alipay = standins.make_standins(keys)
		urls = standins.base_urls(port)
		if not configure_only:
			try:
				wechat.start(port)
				alipay.start(port + 1)
			except OSError as error:
				wechat.stop()
				click.secho(f"Port {port} or {port + 1} is taken ({error.strerror}); try --port.", fg="red")
				sys.exit(1)
		if site_url:
			frappe.db.set_single_value("Property CRM Settings", "payment_site_url", site_url.rstrip("/"))
		standins.configure(wechat, alipay, keys, urls)
		notify = (
			frappe.db.get_single_value("Property CRM Settings", "payment_site_url") or frappe.utils.get_url()
		)
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(f"WeChat Pay Settings: Sandbox, {urls[0]} (merchant {keys['wechat_pay']['mchid']})")
	click.echo(f"Alipay Settings: Sandbox, {urls[1]}/gateway.do (app {keys['alipay']['app_id']})")
	click.echo(
		f"Notifications go to {notify.rstrip('/')}/api/method/property_crm.property_fees.payments.notify.*"
	)
	if configure_only:
		return
	click.secho(
		f"Serving the WeChat Pay stand-in at {urls[0]} and the Alipay stand-in at {urls[1]}; Ctrl-C stops.",
		fg="green",
	)
	try:
		while True:
			time.sleep(3600)
	except KeyboardInterrupt:
		click.echo("Stopping the stand-ins.")
	finally:
		wechat.stop()
		alipay.stop()


commands = [
	property_crm_demo,
	property_crm_rotate_key,
	property_crm_restore_drill,
	property_crm_payment_standins,
]
