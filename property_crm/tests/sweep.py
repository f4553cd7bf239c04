"""The isolation sweep (issue 18): on a site with residents in several estates (the demo), over real HTTP, pairs
of residents and every ordered pair of estates; the attacker asks for the victim's data through every door —
REST `/api/resource`, `frappe.client.*`, link search (also asking to ignore user permissions), Report Builder
and its export, script reports, print views and PDFs, portal pages (ours and ERPNext's `/invoices`), private
files, in-app notifications and the mail queue. A read is any answer that carries what only the victim's
records hold (their full name where it is unique, mobile, e-mail) or lists one of the victim's records.

Run it against your own site from the bench's `sites/` folder (it gives the sampled residents a portal login
with the password you pass, so use a demo or staging site):

	../env/bin/python -m property_crm.tests.sweep --site demo.localhost --password Demo-2026! [--pairs 100]

It serves the site itself with gunicorn on 127.0.0.1 (or use `--url` for one already served), prints each
leak and a summary, and the last line is the result as JSON; the exit code is 1 when anything leaked.
"""

import argparse
import json
import random
import sys
from collections import Counter
from urllib.parse import quote

import frappe
from frappe.utils.password import update_password

RESIDENT_ROLE = "Property Resident"
STAFF_DOCTYPES = (
	"Property Owner",
	"Property Unit",
	"Service Order",
	"Complaint",
	"Sales Invoice",
	"Payment Entry",
	"Dunning",
	"Customer",
	"Contact",
	"Communication",
	"ToDo",
	"File",
)
REPORTS = {
	"Service Order Analytics": {"group_by": "Estate"},
	"Complaint Analysis": {"group_by": "Estate"},
	"Arrears Ageing": {"group_by": "Estate"},
	"Satisfaction Summary": {"group_by": "Estate"},
	"Stale Files": {},
}


class Sweep:
	def __init__(self, client_factory, password: str, seed: int = 18):
		self.client_factory = client_factory
		self.password = password
		self.rng = random.Random(seed)
		self.probes = Counter()
		self.leaks: list[str] = []
		# what the attacker may see must open, or a broken login would pass the sweep
		self.controls = Counter()
		self.failed_controls: list[str] = []
		unique = frappe.db.sql(
			"select full_name from `tabProperty Owner` group by full_name having count(*) = 1", pluck=True
		)
		self.unique_names = {name for name in unique if name and len(name) >= 2}

	# ------------------------------------------------------------------ what identifies a resident
	def secrets_of(self, owner: str) -> set[str]:
		row = frappe.db.get_value("Property Owner", owner, ["full_name", "mobile", "email"], as_dict=True)
		secrets = {value for value in (row.mobile, row.email) if value and len(value) >= 6}
		if row.full_name in self.unique_names:
			secrets.add(row.full_name)
		return secrets

	def control(self, what: str, ok: bool) -> None:
		self.controls[what] += 1
		if not ok:
			self.failed_controls.append(what)

	def check(self, door: str, response, secrets: set[str], names: set[str] = frozenset()) -> None:
		self.probes[door] += 1
		if response.status_code >= 500:
			self.leaks.append(f"{door}: {response.status_code} (a server error is not a refusal)")
			return
		body = response.text
		found = sorted(secret for secret in secrets if secret in body)
		if response.status_code == 200:
			data = _data(response)
			if data is None:  # a file (CSV export, PDF, page): the names as text
				found += sorted(name for name in names if name in body)
			else:
				found += sorted(name for name in names if _lists(data, name))
		if found:
			self.leaks.append(f"{door}: {response.status_code} carries {found[:3]}")

	# ------------------------------------------------------------------ residents
	def resident_pairs(self, count: int) -> list[tuple[str, str]]:
		rows = frappe.db.sql(
			"""select o.resident, o.parent from `tabProperty Unit Occupant` o
			where o.parenttype = 'Property Unit' and o.resident is not null""",
			as_dict=True,
		)
		units: dict[str, set[str]] = {}
		for row in rows:
			units.setdefault(row.resident, set()).add(row.parent)
		customers = dict(frappe.get_all("Property Owner", fields=["name", "customer"], as_list=True))
		people = sorted(units)
		# an attacker needs a portal login, so an e-mail address on the file
		with_email = set(frappe.get_all("Property Owner", filters={"email": ("is", "set")}, pluck="name"))
		attackers = [person for person in people if person in with_email]
		pairs, tries = [], 0
		while len(pairs) < count and tries < count * 50:
			tries += 1
			attacker, victim = self.rng.choice(attackers), self.rng.choice(people)
			if units[attacker] & units[victim]:
				continue  # one household: they share what they share
			if customers.get(attacker) and customers.get(attacker) == customers.get(victim):
				continue
			if not self.secrets_of(victim):
				continue
			pairs.append((attacker, victim))
		return pairs

	def login_of(self, owner: str) -> str:
		from property_crm.property_households import accounts

		user = frappe.db.get_value("Property Owner", owner, "user") or accounts.ensure_portal_user(
			frappe.get_doc("Property Owner", owner)
		)
		update_password(user, self.password)
		frappe.db.commit()
		return user

	def resident_vs_resident(self, attacker: str, victim: str) -> None:
		client = self.client_factory(self.login_of(attacker), self.password)
		secrets = self.secrets_of(victim)
		home = client.get("/property")
		self.control(
			"resident's own portal home opens", home.status_code == 200 and "/property/requests" in home.text
		)
		units = frappe.get_all(
			"Property Unit Occupant",
			filters={"resident": victim, "parenttype": "Property Unit"},
			pluck="parent",
		)
		orders = frappe.get_all(
			"Service Order",
			filters={"requester": victim},
			pluck="name",
			limit=3,
			order_by="creation desc",
		)
		customer = frappe.db.get_value("Property Owner", victim, "customer")
		invoices = (
			frappe.get_all("Sales Invoice", filters={"customer": customer}, pluck="name", limit=2)
			if customer
			else []
		)
		complaints = frappe.get_all(
			"Complaint", filters={"complainant": victim, "is_anonymous": 0}, pluck="name", limit=2
		)
		names = {victim, *orders, *invoices, *complaints}
		self.check("resident GET /api/resource/Property Owner/<victim>",
			client.get(f"/api/resource/Property Owner/{quote(victim)}"), secrets)  # fmt: skip
		self.check(
			"resident frappe.client.get_value Property Owner",
			client.call(
				"frappe.client.get_value",
				doctype="Property Owner",
				filters=json.dumps({"name": victim}),
				fieldname=json.dumps(["full_name", "mobile", "email"]),
			),
			secrets,
		)
		self.check(
			"resident search_link Property Owner ignore_user_permissions",
			client.call(
				"frappe.desk.search.search_link",
				doctype="Property Owner",
				txt=victim,
				ignore_user_permissions=1,
			),
			secrets,
			{victim},
		)
		for unit in units[:2]:
			self.check("resident household(unit)", client.call(
				"property_crm.property_households.household.household", unit=unit), secrets)  # fmt: skip
			self.check("resident arrears(unit)", client.call(
				"property_crm.property_fees.api.arrears", doctype="Property Unit", name=unit), secrets)  # fmt: skip
		for order in orders:
			self.check("resident GET /api/resource/Service Order/<x>",
				client.get(f"/api/resource/Service Order/{order}"), secrets, {order})  # fmt: skip
			self.check(
				"resident portal /property/requests/<x>", client.get(f"/property/requests/{order}"), secrets
			)
			self.check("resident order photo", client.get(
				"/api/method/property_crm.property_service.api.photo", params={"name": order}), secrets)  # fmt: skip
			self.check("resident print Service Order", client.get(
				"/printview", params={"doctype": "Service Order", "name": order}), secrets)  # fmt: skip
			self.check("resident Communications of the order", client.get("/api/resource/Communication",
				params={"filters": json.dumps([["reference_name", "=", order]]),
					"fields": json.dumps(["name", "subject", "sender", "content"])}), secrets)  # fmt: skip
		for invoice in invoices:
			self.check(
				"resident portal /property/bills/<x>", client.get(f"/property/bills/{invoice}"), secrets
			)
			self.check("resident ERPNext portal /invoices/<x>", client.get(f"/invoices/{invoice}"), secrets)
			self.check("resident GET /api/resource/Sales Invoice/<x>",
				client.get(f"/api/resource/Sales Invoice/{invoice}"), secrets, {invoice})  # fmt: skip
			self.check("resident PDF of the invoice", client.get(
				"/api/method/frappe.utils.print_format.download_pdf",
				params={"doctype": "Sales Invoice", "name": invoice}), secrets)  # fmt: skip
		for complaint in complaints:
			self.check("resident portal /property/complaints/<x>",
				client.get(f"/property/complaints/{complaint}"), secrets)  # fmt: skip
		for doctype in (
			"Service Order",
			"Sales Invoice",
			"Complaint",
			"Property Owner",
			"Customer",
			"Contact",
		):
			self.check(f"resident Report Builder {doctype}", client.call(
				"frappe.desk.reportview.get", doctype=doctype, fields=json.dumps(["name"]),
				page_length=500), secrets, names)  # fmt: skip
		self.check("resident export Property Owner", client.call(
			"frappe.desk.reportview.export_query", doctype="Property Owner", file_format_type="CSV",
			fields=json.dumps(["name", "full_name", "mobile"])), secrets)  # fmt: skip
		self.check("resident /invoices list", client.get("/invoices"), secrets)
		self.check("resident in-app notifications", client.get("/api/resource/Notification Log",
			params={"fields": json.dumps(["subject", "document_name", "email_content"]),
				"limit_page_length": 500}), secrets, names)  # fmt: skip
		self.mail(frappe.db.get_value("Property Owner", attacker, "email"), names, "resident")

	def mail(self, address: str | None, names: set[str], who: str) -> None:
		"""The mail queue never sent the victim's documents to the attacker's address."""
		self.probes[f"{who} mail queue"] += 1
		if not address or not names:
			return
		sent = frappe.db.sql(
			"""select q.reference_name from `tabEmail Queue` q
			join `tabEmail Queue Recipient` r on r.parent = q.name
			where r.recipient = %s and q.reference_name in %s""",
			(address, tuple(names)),
			pluck=True,
		)
		if sent:
			self.leaks.append(f"{who} mail queue: {address} was sent {sent[:3]}")

	# ------------------------------------------------------------------ estates
	def staff_of(self, estate: str) -> list[str]:
		users = frappe.get_all(
			"User Permission", filters={"allow": "Property Estate", "for_value": estate}, pluck="user"
		)
		return [user for user in users if frappe.db.get_value("User", user, "enabled")]

	def estate_vs_estate(self, mine: str, theirs: str) -> None:
		only_theirs = frappe.db.sql(
			"""select distinct o.resident from `tabProperty Unit Occupant` o
			join `tabProperty Unit` u on u.name = o.parent
			where o.parenttype = 'Property Unit' and u.estate = %(theirs)s
			and o.resident not in (select o2.resident from `tabProperty Unit Occupant` o2
				join `tabProperty Unit` u2 on u2.name = o2.parent
				where o2.parenttype = 'Property Unit' and u2.estate != %(theirs)s and o2.resident is not null)""",
			{"theirs": theirs},
			pluck=True,
		)
		sample = self.rng.sample(only_theirs, min(len(only_theirs), 40))
		secrets = set().union(*(self.secrets_of(owner) for owner in sample)) if sample else set()
		targets = {
			"Property Owner": sample[:3],
			"Property Unit": frappe.get_all("Property Unit", {"estate": theirs}, pluck="name", limit=3),
			"Service Order": frappe.get_all("Service Order", {"estate": theirs}, pluck="name", limit=3),
			"Complaint": frappe.get_all(
				"Complaint", {"estate": theirs, "is_anonymous": 0}, pluck="name", limit=3
			),
			"Sales Invoice": frappe.get_all(
				"Sales Invoice", {"customer": ("in", _customers(sample))}, pluck="name", limit=3
			),
			"Payment Entry": frappe.get_all(
				"Payment Entry", {"party": ("in", _customers(sample))}, pluck="name", limit=3
			),
			"Customer": _customers(sample)[:3],
		}
		orders = frappe.get_all("Service Order", {"estate": theirs}, pluck="name", limit=200)
		targets["Contact"] = frappe.get_all(
			"Dynamic Link",
			filters={
				"parenttype": "Contact",
				"link_doctype": "Customer",
				"link_name": ("in", _customers(sample)),
			},
			pluck="parent",
			limit=3,
		)
		for doctype in ("Communication", "ToDo"):
			targets[doctype] = frappe.get_all(
				doctype, filters={"reference_name": ("in", orders or [""])}, pluck="name", limit=3
			)
		targets["File"] = frappe.get_all(
			"File", filters={"attached_to_name": ("in", (orders or [""]) + sample)}, pluck="name", limit=3
		)
		targets["Dunning"] = frappe.get_all(
			"Dunning", filters={"customer": ("in", _customers(sample))}, pluck="name", limit=3
		)
		names = {name for rows in targets.values() for name in rows}
		for user in self.staff_of(mine):
			client = self.client_factory(user, self.password)
			who = f"{mine} staff"
			own = _data(client.get("/api/resource/Property Unit", params={"limit_page_length": 5}))
			self.control("staff list their own estate's units", bool(own))
			for doctype in STAFF_DOCTYPES:
				fields = json.dumps(["name"])
				self.check(f"{who} GET /api/resource/{doctype} (list)", client.get(f"/api/resource/{doctype}",
					params={"fields": fields, "limit_page_length": 0}), secrets, names)  # fmt: skip
				self.check(f"{who} Report Builder {doctype}", client.call("frappe.desk.reportview.get",
					doctype=doctype, fields=fields, page_length=100000), secrets, names)  # fmt: skip
				self.check(f"{who} export {doctype}", client.call("frappe.desk.reportview.export_query",
					doctype=doctype, file_format_type="CSV", fields=fields), secrets, names)  # fmt: skip
				self.check(f"{who} frappe.client.get_list {doctype} by name", client.call("frappe.client.get_list",
					doctype=doctype, fields=fields, filters=json.dumps([["name", "in", sorted(names)]])),
					secrets, names)  # fmt: skip
				for name in targets.get(doctype, [])[:2]:
					self.check(f"{who} GET /api/resource/{doctype}/<x>",
						client.get(f"/api/resource/{doctype}/{quote(name)}"), secrets, {name})  # fmt: skip
					self.check(f"{who} frappe.client.get {doctype}", client.call("frappe.client.get",
						doctype=doctype, name=name), secrets, {name})  # fmt: skip
					self.check(f"{who} print {doctype}", client.get("/printview",
						params={"doctype": doctype, "name": name}), secrets)  # fmt: skip
			for doctype in ("Property Owner", "Customer", "Contact", "Sales Invoice", "Service Order"):
				for owner in sample[:3]:
					txt = frappe.db.get_value("Property Owner", owner, "full_name")
					self.check(f"{who} search_link {doctype} ignore_user_permissions", client.call(
						"frappe.desk.search.search_link", doctype=doctype, txt=txt,
						ignore_user_permissions=1, page_length=50), secrets if doctype != "Service Order" else set(),
						names)  # fmt: skip
			for report, filters in REPORTS.items():
				response = client.call("frappe.desk.query_report.run", report_name=report,
					filters=json.dumps(filters | {"estate": theirs}))  # fmt: skip
				self.check(f"{who} report {report} estate={theirs}", response, secrets, names)
				rows = (_data(response) or {}).get("result") if response.status_code == 200 else None
				if isinstance(rows, list) and any(
					isinstance(r, dict) and r.get("group") == theirs for r in rows
				):
					self.leaks.append(f"{who} report {report}: a row of {theirs}")
			self.check(f"{who} in-app notifications", client.get("/api/resource/Notification Log",
				params={"fields": json.dumps(["subject", "document_name"]), "limit_page_length": 0}),
				secrets, names)  # fmt: skip
			self.mail(frappe.db.get_value("User", user, "email"), names, who)

	def run(self, pairs: int) -> dict:
		resident_pairs = self.resident_pairs(pairs)
		for index, (attacker, victim) in enumerate(resident_pairs, 1):
			self.resident_vs_resident(attacker, victim)
			if index % 10 == 0:
				print(f"resident pairs {index}/{len(resident_pairs)} probes {sum(self.probes.values())}")
		estates = frappe.get_all("Property Estate", pluck="name", order_by="name")
		estate_pairs = [(a, b) for a in estates for b in estates if a != b and self.staff_of(a)]
		for mine, theirs in estate_pairs:
			self.estate_vs_estate(mine, theirs)
			print(f"estates {mine} → {theirs}: probes {sum(self.probes.values())}")
		return {
			"resident_pairs": len(resident_pairs),
			"estate_pairs": len(estate_pairs),
			"doors": len(self.probes),
			"probes": sum(self.probes.values()),
			"reads": len(self.leaks),
			"controls": sum(self.controls.values()),
			"failed_controls": self.failed_controls[:20],
			"leaks": self.leaks[:50],
		}


def _customers(owners: list[str]) -> list[str]:
	if not owners:
		return [""]
	return frappe.get_all(
		"Property Owner", filters={"name": ("in", owners), "customer": ("is", "set")}, pluck="customer"
	) or [""]


def _data(response):
	try:
		body = response.json()
	except ValueError:
		return None
	return body.get("data", body.get("message")) if isinstance(body, dict) else body


def _lists(data, name: str) -> bool:
	"""Whether a JSON answer names the record `name` as a value (a list row, a dict field)."""
	if isinstance(data, str):
		return data == name
	if isinstance(data, dict):
		return any(_lists(value, name) for value in data.values())
	if isinstance(data, list | tuple):
		return any(_lists(value, name) for value in data)
	return False


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--password", required=True, help="the staff logins' password (demo: Demo-2026!)")
	parser.add_argument("--pairs", type=int, default=100)
	parser.add_argument("--url", help="an already served site; default: serve it here with gunicorn")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from property_crm.tests import served

	if args.url:
		served._server["url"] = args.url.rstrip("/")
	result = Sweep(served.HttpClient, args.password).run(args.pairs)
	for leak in result["leaks"]:
		print("LEAK", leak)
	print(
		f"isolation sweep: {result['resident_pairs']} resident pairs, {result['estate_pairs']} estate pairs, "
		f"{result['probes']} probes through {result['doors']} doors, {result['reads']} reads of another's data; "
		f"{result['controls']} controls, {len(result['failed_controls'])} failed"
	)
	print(json.dumps(result, ensure_ascii=False))
	frappe.destroy()
	sys.exit(1 if result["reads"] or result["failed_controls"] else 0)


if __name__ == "__main__":
	main()
