"""Bench commands of Property CRM."""

import click

from frappe.commands import get_site, pass_context


@click.command("property-crm-demo")
@click.option("--units", default=200, show_default=True, help="How many units to create")
@click.option("--residents", default=None, type=int, help="How many residents (default: 2 per unit)")
@click.option("--estates", default=None, type=int, help="How many estates (default: one per 2,000 units)")
@click.option("--company", default=None, help="ERPNext Company of the estates (default: the first one)")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for repeatable data")
@pass_context
def property_crm_demo(context, units, residents, estates, company, seed):
	"""Seed a realistic estate portfolio: estates, buildings, units, owners, tenants, families, vehicles."""
	import frappe

	from property_crm.demo_data import seed_portfolio

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		summary = seed_portfolio(
			units=units,
			residents=residents if residents is not None else units * 2,
			estates=estates,
			company=company,
			seed=seed,
			progress=click.echo,
		)
		frappe.db.commit()
		click.secho(summary, fg="green")
	finally:
		frappe.destroy()


commands = [property_crm_demo]
