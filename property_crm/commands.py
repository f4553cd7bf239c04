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


commands = [property_crm_demo]
