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


@click.command("property-crm-wechat-menu")
@click.option("--print", "print_only", is_flag=True, help="Show the menu JSON and exit (publish nothing)")
@pass_context
def property_crm_wechat_menu(context, print_only):
	"""Publish the Official Account's default menu (报修 / 我的报修 / 投诉 / 缴费 / 问卷 / 通知, each opening the
	portal page through WeChat's authorisation) with WeChat Official Account Settings' credentials; the links
	use the settings' Site URL. Exits 1 when WeChat refuses it or the account is not set up."""
	import json

	import frappe

	from property_crm.wechat import client, menu

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		settings = client.settings()
		if print_only:
			items = menu.default_menu(settings.site_url or frappe.utils.get_url())
			click.echo(json.dumps(items, ensure_ascii=False, indent=1))
			return
		if not settings.site_url:
			click.secho("WeChat Official Account Settings: set the Site URL first.", fg="red")
			sys.exit(1)
		items = menu.default_menu(settings.site_url)
		try:
			menu.publish(items)
		except client.WeChatError as error:
			frappe.db.commit()  # keep the Integration Request of the refused call
			click.secho(str(error), fg="red")
			sys.exit(1)
		frappe.db.commit()
		click.secho(f"Menu published to {settings.appid} ({settings.api_base_url}).", fg="green")
	finally:
		frappe.destroy()


@click.command("property-crm-wechat-standin")
@click.option("--port", default=8701, show_default=True, help="Port of the WeChat Official Account stand-in")
@click.option("--host", default="127.0.0.1", show_default=True, help="Only 127.0.0.1: the stand-in is local")
@click.option(
	"--site-url",
	default=None,
	help="The served site, e.g. http://127.0.0.1:8000 (the settings' Site URL: OAuth returns and menu links "
	"go there, and `property-crm-wechat-say` posts to its callback)",
)
@click.option(
	"--mode",
	type=click.Choice(["Safe", "Plain"]),
	default="Safe",
	show_default=True,
	help="Message encryption mode (安全模式 / 明文模式)",
)
@click.option("--configure-only", is_flag=True, help="Write WeChat Official Account Settings and exit")
@pass_context
def property_crm_wechat_standin(context, port, host, site_url, mode, configure_only):
	"""Serve a stand-in of the WeChat Official Account API (微信公众号) on 127.0.0.1 beside a served test or
	demo site, and point the site's WeChat Official Account Settings at it (API and OAuth base URLs, Sandbox,
	Safe mode): access tokens, template messages, menus, media and the OAuth authorisation a resident's
	WeChat app performs. The account (appid, app secret, Token, EncodingAESKey) is the site's own
	(private/wechat_standin.json, made on first use). GET /standin/messages lists the template messages the
	site sent. Runs until Ctrl-C. Refuses a site whose settings are Live."""
	import time

	import frappe

	from property_crm.demo import wechat_standin as standins

	if host != "127.0.0.1":
		raise click.BadParameter(
			"the stand-in listens on 127.0.0.1 only (仅监听 127.0.0.1)", param_hint="--host"
		)
	if not 1024 <= port <= 65535:
		raise click.BadParameter("a port from 1024 to 65535 (端口 1024–65535)", param_hint="--port")
	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		if standins.is_live():
			click.secho(
				"WeChat Official Account Settings: Live on this site; not pointed at a stand-in. "
				"(微信公众号设置为正式环境，未改动。)",
				fg="red",
			)
			sys.exit(1)
		keys = standins.standin_keys()
		standin = standins.make_standin(keys)
		base_url = f"http://127.0.0.1:{port}"
		if not configure_only:
			try:
				standin.start(port)
			except OSError as error:
				click.secho(
					f"Port {port} is taken ({error.strerror}); try --port. (端口 {port} 已被占用。)", fg="red"
				)
				sys.exit(1)
		current = frappe.db.get_single_value(standins.SETTINGS, "site_url")
		target = (site_url or current or frappe.utils.get_url()).rstrip("/")
		standins.configure(standin, base_url, target, mode)
		bound = standins.bound_users()
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(f"WeChat Official Account Settings: Sandbox, {mode} mode, API and OAuth at {base_url}")
	click.echo(f"Official Account {keys['appid']}; callback {target}{standins.CALLBACK_PATH}")
	for user, openid in bound:
		click.echo(f"  bound: {user} -> {openid}")
	if configure_only:
		return
	click.secho(f"Serving the WeChat Official Account stand-in at {base_url}; Ctrl-C stops.", fg="green")
	click.echo(
		"  GET  /cgi-bin/token, POST /cgi-bin/message/template/send, POST /cgi-bin/menu/create,\n"
		"  GET  /cgi-bin/media/get, GET /connect/oauth2/authorize, GET /sns/oauth2/access_token,\n"
		f"  GET  /standin/user?openid=… (the browser's WeChat user), {base_url}/standin/messages (what was sent)"
	)
	shown = 0
	try:
		while True:
			time.sleep(1)
			with standin.lock:
				new = standin.messages[shown:]
			for message in new:
				fields = ", ".join(f"{k}={v.get('value')}" for k, v in message["data"].items())
				click.echo(f"template message {message['msgid']} to {message['touser']}: {fields}")
			shown += len(new)
	except KeyboardInterrupt:
		click.echo("Stopping the stand-in.")
	finally:
		standin.stop()


@click.command("property-crm-wechat-say")
@click.argument("who")
@click.argument("text")
@click.option("--site-url", default=None, help="The served site (default: the settings' Site URL)")
@click.option("--host-header", default=None, help="Host header to send (a bench serving several sites)")
@pass_context
def property_crm_wechat_say(context, who, text, site_url, host_header):
	"""Play a resident's WeChat app: send TEXT from WHO (an openid, or the portal user's e-mail of a bound
	resident) to the site's callback, signed (and in Safe mode encrypted) with the account of WeChat Official
	Account Settings exactly as WeChat does. Prints the request (query, headers, XML body) and the reply
	(decrypted). The site must be served (tests/browser/serve.py). Exits 1 when the site refuses it."""
	import frappe

	from property_crm.demo import wechat_standin as standins

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		if standins.is_live():
			click.secho(
				"WeChat Official Account Settings are Live: not simulated. (正式环境，不模拟。)", fg="red"
			)
			sys.exit(1)
		openid = standins.openid_for(who)
		if not openid:
			click.secho(f"{who} has no WeChat binding. ({who} 未绑定微信。)", fg="red")
			sys.exit(1)
		wechat = standins.client_for_site(site_url, host_header)
	finally:
		frappe.destroy()
	import requests

	try:
		reply = wechat.send_text(openid, text)
	except requests.RequestException as error:
		click.secho(f"The site does not answer: {error} (站点无响应)", fg="red")
		sys.exit(1)
	params, body = wechat.last
	click.echo(f"POST {wechat.endpoint_url}")
	for key, value in (wechat.headers | {"Content-Type": "text/xml; charset=utf-8"}).items():
		click.echo(f"{key}: {value}")
	for key, value in params.items():
		click.echo(f"  ?{key}={value}")
	click.echo(body.decode("utf-8"))
	click.echo(f"-> HTTP {reply.status_code}")
	click.echo(reply.text)
	if reply.message:
		click.echo("Reply (decrypted):" if reply.encrypted else "Reply:")
		for key, value in reply.message.items():
			click.echo(f"  {key}: {value}")
	if reply.error:
		click.secho(reply.error, fg="red")
	if reply.status_code != 200 or reply.error:
		sys.exit(1)


commands = [
	property_crm_demo,
	property_crm_rotate_key,
	property_crm_restore_drill,
	property_crm_payment_standins,
	property_crm_wechat_menu,
	property_crm_wechat_standin,
	property_crm_wechat_say,
]
