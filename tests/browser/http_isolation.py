"""Fee isolation over HTTP against a served demo site (see serve.py), with the demo's logins: what a
resident and an estate-restricted clerk get when they ask for someone else's bills through every door an
attacker would try — REST `/api/resource`, `frappe.client.*`, list and link search, the portal pages, the
print view, the Arrears Ageing report and Report Builder's export. Prints each probe and its outcome, and
exits non-zero when anything leaks or a control (what they may see) does not open. The clerk's role reads
no Sales Invoice at all; the estate restriction shows in the Arrears Ageing report.

	python tests/browser/http_isolation.py --url http://127.0.0.1:8000 [--password Demo-2026!]

Plain `requests` (the bench's Python has it): no browser needed.
"""

import argparse
import json
import re
import sys

import requests

INVOICE = "Sales Invoice"


class Session:
	def __init__(self, url: str, user: str, password: str):
		self.url, self.user = url, user
		self.http = requests.Session()
		r = self.http.post(f"{url}/api/method/login", data={"usr": user, "pwd": password}, timeout=60)
		r.raise_for_status()

	def get(self, path: str, **params):
		response = self.http.get(self.url + path, params=params, timeout=120)
		# a page hands its CSRF token to the browser's script; an attacker's script would send it too
		token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', response.text)
		if token:
			self.http.headers["X-Frappe-CSRF-Token"] = token[1]
		return response

	def post(self, path: str, **data):
		return self.http.post(self.url + path, data=data, timeout=120)

	def data(self, response):
		try:
			body = response.json()
		except ValueError:
			return None
		return body.get("data", body.get("message"))


def invoices_of(staff: Session, **filters) -> list[dict]:
	r = staff.get(
		f"/api/resource/{INVOICE}",
		fields=json.dumps(["name", "customer", "property_estate", "outstanding_amount"]),
		filters=json.dumps([[k, "=", v] for k, v in filters.items()] + [["docstatus", "=", 1]]),
		limit_page_length=50,
		order_by="posting_date desc",
	)
	r.raise_for_status()
	return r.json()["data"]


def main() -> int:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	args = parser.parse_args()
	url, pw = args.url.rstrip("/"), args.password
	leaks, seen = [], []

	def check(who: str, probe: str, leaked: bool, detail: str = "") -> None:
		seen.append(f"{'LEAK' if leaked else 'ok  '} {who:26} {probe} {detail}".rstrip())
		if leaked:
			leaks.append((who, probe, detail))

	def read_one(session: Session, who: str, name: str, whose: str) -> None:
		"""One invoice by REST and by frappe.client.get: a leak is a 200."""
		r = session.get(f"/api/resource/{INVOICE}/{name}")
		check(who, f"GET /api/resource/{INVOICE}/<{whose}>", r.status_code == 200, str(r.status_code))
		r = session.get("/api/method/frappe.client.get", doctype=INVOICE, name=name)
		check(who, f"frappe.client.get <{whose}>", r.status_code == 200, str(r.status_code))

	accountant = Session(url, "accountant@example.com", pw)
	resident = Session(url, "a01.owner@example.com", pw)
	# the resident's own bills, as their portal lists them
	page = resident.get("/property/bills")
	own = sorted(set(re.findall(r"/property/bills/([A-Za-z0-9.\-]+)", page.text)))
	check(
		"a01.owner",
		f"GET /property/bills lists {len(own)} own bills (control)",
		not own,
		"" if own else "none!",
	)
	customer = invoices_of(accountant, name=own[0])[0]["customer"] if own else None
	others = [i for i in invoices_of(accountant, property_estate="A01") if i["customer"] != customer]
	other, stranger = others[0]["name"], others[0]["customer"]
	a02 = invoices_of(accountant, property_estate="A02")[0]["name"]
	print(f"resident's Customer {customer}; a neighbour's bill {other}; an A02 bill {a02}")

	# ------------------------------------------------ a resident asks for a neighbour's bill
	who = "a01.owner (resident)"
	read_one(resident, who, other, "neighbour's")
	r = resident.get(
		"/api/method/frappe.client.get_value", doctype=INVOICE, filters=json.dumps({"name": other}),
		fieldname=json.dumps(["grand_total", "customer"]),
	)  # fmt: skip
	check(who, "frappe.client.get_value <neighbour's>", bool(resident.data(r)), str(r.status_code))
	r = resident.get(f"/api/resource/{INVOICE}", fields=json.dumps(["name", "customer"]), limit_page_length=0)
	listed = {row.get("customer") for row in (resident.data(r) or [])}
	check(
		who,
		f"GET /api/resource/{INVOICE} (list)",
		bool(listed - {customer}),
		f"{r.status_code} {len(listed)}",
	)
	r = resident.get(
		"/api/method/frappe.client.get_list", doctype=INVOICE, fields=json.dumps(["name", "customer"]),
		limit_page_length=0,
	)  # fmt: skip
	listed = {row.get("customer") for row in (resident.data(r) or [])}
	check(who, "frappe.client.get_list", bool(listed - {customer}), f"{r.status_code} {len(listed)}")
	r = resident.get("/api/method/frappe.desk.search.search_link", doctype=INVOICE, txt=other[:6])
	found = [row.get("value") for row in (resident.data(r) or [])]
	check(who, "search_link Sales Invoice", other in found or a02 in found, f"{r.status_code} {len(found)}")
	# the pages: a leak is the neighbour's Customer on the page
	for path, params in (
		(f"/property/bills/{other}", {}),
		("/printview", {"doctype": INVOICE, "name": other}),
		(f"/invoices/{other}", {}),
	):
		r = resident.get(path, **params)
		check(who, f"GET {path} {params or ''}", stranger in r.text, str(r.status_code))
	# the control: their own bill's page opens
	r = resident.get(f"/property/bills/{own[0]}")
	check(who, "GET /property/bills/<own> (control: opens)", r.status_code != 200 or own[0] not in r.text,
		str(r.status_code))  # fmt: skip
	r = resident.post("/api/method/frappe.desk.query_report.run", report_name="Arrears Ageing",
		filters=json.dumps({"group_by": "Unit"}))  # fmt: skip
	check(who, "Arrears Ageing report", r.status_code == 200 and bool((resident.data(r) or {}).get("result")),
		str(r.status_code))  # fmt: skip
	r = resident.post("/api/method/frappe.desk.reportview.export_query", doctype=INVOICE, file_format_type="CSV",
		fields=json.dumps([f"`tab{INVOICE}`.`name`", f"`tab{INVOICE}`.`customer`"]))  # fmt: skip
	check(who, "Report Builder export", r.status_code == 200 and other in r.text, str(r.status_code))
	for doctype in ("Payment Entry", "Dunning", "Property Late Fee", "Property Fee Charge"):
		r = resident.get(f"/api/resource/{doctype}", fields=json.dumps(["name"]), limit_page_length=5)
		rows = resident.data(r) or []
		check(
			who,
			f"GET /api/resource/{doctype}",
			r.status_code == 200 and bool(rows),
			f"{r.status_code} {len(rows)}",
		)

	# ------------------------------------------------ an A01 clerk asks for A02's bills
	clerk = Session(url, "a01.cs@example.com", pw)
	who = "a01.cs (A01 only)"
	read_one(clerk, who, a02, "A02's")
	r = clerk.get(
		f"/api/resource/{INVOICE}", fields=json.dumps(["name", "property_estate"]),
		filters=json.dumps([["property_estate", "=", "A02"]]), limit_page_length=5,
	)  # fmt: skip
	check(who, f"GET /api/resource/{INVOICE}?estate=A02", bool(clerk.data(r)), str(r.status_code))
	r = clerk.post("/api/method/frappe.desk.query_report.run", report_name="Arrears Ageing",
		filters=json.dumps({"group_by": "Estate"}))  # fmt: skip
	groups = {row.get("group") for row in (clerk.data(r) or {}).get("result", []) if isinstance(row, dict)}
	check(who, "Arrears Ageing report (A01 there, only A01)", groups != {"A01"},
		f"{r.status_code} groups {sorted(groups)}")  # fmt: skip
	r = clerk.post("/api/method/frappe.desk.query_report.run", report_name="Arrears Ageing",
		filters=json.dumps({"group_by": "Estate", "estate": "A02"}))  # fmt: skip
	rows = [row for row in (clerk.data(r) or {}).get("result", []) if isinstance(row, dict)]
	check(who, "Arrears Ageing report, estate=A02", bool(rows), f"{r.status_code} {len(rows)} rows")
	r = clerk.get("/api/method/frappe.desk.search.search_link", doctype=INVOICE, txt=a02[:6],
		filters=json.dumps({"property_estate": "A02"}))  # fmt: skip
	found = [row.get("value") for row in (clerk.data(r) or [])]
	check(who, "search_link Sales Invoice (A02)", bool(found), f"{r.status_code} {len(found)}")

	print("\n".join(seen))
	print(f"{len(seen)} probes, {len(leaks)} leaks")
	return 1 if leaks else 0


if __name__ == "__main__":
	sys.exit(main())
