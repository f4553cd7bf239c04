"""The attack and bad-input probes of issue 18's security review, replayed over real HTTP against a demo site
(the README's `property-crm-demo` logins): each probe prints the request an attacker sends, the status and
message it gets, and whether that is a refusal. Exit code 1 when any probe is not refused as expected.

	../env/bin/python -m property_crm.tests.probes --site demo.localhost --password Demo-2026!

Run from the bench's `sites/` folder; it serves the site itself with gunicorn on 127.0.0.1 (or `--url`).
It writes to the site (a flood of requests by one demo tenant, refused uploads): use a demo or staging site.
"""

import argparse
import io
import json
import sys

import frappe

PNG_HEADER = b"\x89PNG\r\n\x1a\n"
HTML = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--url")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from property_crm.tests import served

	if args.url:
		served._server["url"] = args.url.rstrip("/")
	results = run(served.HttpClient, args.password)
	held = sum(1 for ok in results if ok)
	print(f"\n{held} of {len(results)} attack and bad-input probes held")
	frappe.destroy()
	sys.exit(0 if held == len(results) else 1)


def run(client, password: str) -> list[bool]:
	results = []

	def probe(who: str, request: str, response, refused) -> None:
		try:
			body = response.json()
			message = body.get("exception") or body.get("_server_messages") or body.get("message") or ""
		except ValueError:
			message = response.text[:80]
		ok = bool(refused(response))
		results.append(ok)
		text = " ".join(str(message).replace("\\n", " ").split())[:110]
		print(f"{'HELD' if ok else 'OPEN'}  {who:<10} {request:<78} → {response.status_code} {text}")

	def four(response):
		return 400 <= response.status_code < 500

	resident_user = "a01.owner@example.com"
	resident = frappe.db.get_value("Property Owner", {"user": resident_user}, "name")
	unit = frappe.get_all(
		"Property Unit Occupant", {"resident": resident, "parenttype": "Property Unit"}, pluck="parent"
	)[0]
	category = frappe.get_all("Service Category", {"is_group": 0}, pluck="name", limit=1)[0]
	complaint_category = frappe.get_all("Complaint Category", pluck="name", limit=1)[0]
	res = client(resident_user, password)
	clerk = client("a01.cs@example.com", password)
	tech = client("tech.wang@example.com", password)
	guest = client()

	def request_with(photo: bytes, name: str, mimetype: str):
		return res.post(
			"/api/method/property_crm.property_service.api.submit_request",
			data={"unit": unit, "service_category": category, "subject": "探测：照片"},
			files={"photo": (name, io.BytesIO(photo), mimetype)},
		)

	orders_before = frappe.db.count("Service Order")
	probe(
		"resident",
		"submit_request + photo: HTML sent as image/png",
		request_with(HTML, "a.png", "image/png"),
		four,
	)
	probe(
		"resident",
		"submit_request + photo: SVG with <script>",
		request_with(SVG, "a.svg", "image/svg+xml"),
		four,
	)
	probe("resident", "submit_request + photo: PNG header then HTML", request_with(PNG_HEADER + HTML, "a.png",
		"image/png"), four)  # fmt: skip
	probe("resident", "submit_complaint + photo: HTML sent as image/jpeg", res.post(
		"/api/method/property_crm.property_complaints.api.submit_complaint",
		data={"complaint_category": complaint_category, "subject": "探测", "unit": unit},
		files={"photo": ("a.jpg", io.BytesIO(HTML), "image/jpeg")}), four)  # fmt: skip
	print(
		f"      (service orders before/after the refused uploads: {orders_before}/{frappe.db.count('Service Order')})"
	)
	order = frappe.get_all("Service Order", {"estate": "A01"}, pluck="name", limit=1)[0]
	probe("clerk", "upload_file HTML as image/png attached to a Service Order", clerk.post(
		"/api/method/upload_file", data={"doctype": "Service Order", "docname": order, "is_private": 1},
		files={"file": ("x.png", io.BytesIO(HTML), "image/png")}), four)  # fmt: skip

	other = frappe.db.get_value("Property Owner", {"customer": ("is", "set"), "name": ("!=", resident)},
		["name", "customer"], as_dict=True)  # fmt: skip
	probe("clerk", f"POST /api/resource/Property Owner customer={other.customer}", clerk.post(
		"/api/resource/Property Owner", json={"full_name": "探测 张三", "mobile": "13800000000",
		"customer": other.customer}), lambda r: r.status_code == 403)  # fmt: skip
	mine = frappe.db.get_value(
		"Property Owner", {"user": ("is", "not set"), "name": ("!=", resident)}, "name"
	)
	probe("clerk", f"PUT /api/resource/Property Owner/{mine} user={resident_user}", clerk.request(
		"PUT", f"/api/resource/Property Owner/{mine}", json={"user": resident_user}),
		lambda r: r.status_code == 403)  # fmt: skip

	def no_rows(response):
		data = (
			response.json().get("data", response.json().get("message")) if response.status_code == 200 else []
		)
		return response.status_code in (200, 403) and not data

	probe("technician", "GET /api/resource/Property Vehicle?parent=Property Owner", tech.get(
		"/api/resource/Property Vehicle", params={"parent": "Property Owner",
		"fields": json.dumps(["plate_number", "parking_space", "parent"]), "limit_page_length": 0}), no_rows)  # fmt: skip
	probe("technician", "frappe.client.get_list Property Vehicle parent=Property Owner", tech.call(
		"frappe.client.get_list", doctype="Property Vehicle", parent="Property Owner",
		fields=json.dumps(["plate_number", "parent"]), limit_page_length=0), no_rows)  # fmt: skip
	probe("technician", "frappe.client.get_list Property Family Member parent=Property Owner", tech.call(
		"frappe.client.get_list", doctype="Property Family Member", parent="Property Owner",
		fields=json.dumps(["*"]), limit_page_length=0), no_rows)  # fmt: skip

	probe("resident", "update_profile vehicles=notjson", res.call(
		"property_crm.property_care.api.update_profile", vehicles="notjson"), four)  # fmt: skip
	probe("clerk", "save_building_readings rows=[", clerk.call(
		"property_crm.property_fees.meter_entry_api.save_building_readings", building="A01-1",
		meter_type="Water", period="2026-11-01", rows="["), four)  # fmt: skip
	switch = res.call("property_crm.portal.api.set_language", language="zh",
		redirect_to="/property\r\nSet-Cookie: pwned=1")  # fmt: skip
	probe("resident", "set_language redirect_to='/property\\r\\nSet-Cookie: pwned=1'", switch,
		lambda r: r.status_code < 500 and "pwned" not in str(r.headers))  # fmt: skip
	probe("clerk", "query_report.run Satisfaction Summary estate=[list]", clerk.call(
		"frappe.desk.query_report.run", report_name="Satisfaction Summary",
		filters=json.dumps({"estate": ["A01", "A02"]})), four)  # fmt: skip
	probe("guest", "GET /property/bills/a%0d%0aSet-Cookie:x", guest.get("/property/bills/a%0d%0aSet-Cookie:x"),
		lambda r: r.status_code < 500 and "Set-Cookie: x" not in str(r.headers))  # fmt: skip
	probe("clerk", "PUT /api/resource/Property Unit/<A01 unit> floor=[1]", clerk.request(
		"PUT", f"/api/resource/Property Unit/{unit}", json={"floor": [1]}), four)  # fmt: skip

	a02 = frappe.db.sql("""select po.full_name, po.customer from `tabProperty Owner` po
		join `tabProperty Unit Occupant` o on o.resident = po.name join `tabProperty Unit` u on u.name = o.parent
		where u.estate = 'A02' and po.customer is not null limit 1""", as_dict=True)  # fmt: skip
	if a02:
		probe("clerk", f"GET /api/resource/Customer/{a02[0].customer} (an A02 resident)", clerk.get(
			f"/api/resource/Customer/{a02[0].customer}"), lambda r: r.status_code in (403, 404))  # fmt: skip
		search = clerk.call("frappe.desk.search.search_link", doctype="Customer", txt=a02[0].full_name,
			ignore_user_permissions=1)  # fmt: skip
		probe("clerk", "search_link Customer <A02 name> ignore_user_permissions=1", search,
			lambda r: r.status_code == 403 or a02[0].customer not in r.text)  # fmt: skip

	home = res.get("/property")
	headers = home.headers
	probe("resident", "GET /property: CSP, nosniff, frame-ancestors, referrer policy", home, lambda r: (
		"frame-ancestors 'self'" in headers.get("Content-Security-Policy", "")
		and headers.get("X-Content-Type-Options") == "nosniff"
		and headers.get("Referrer-Policy")))  # fmt: skip

	flood = [
		res.post(
			"/api/method/property_crm.property_service.api.submit_request",
			data={"unit": unit, "service_category": category, "subject": f"探测：连续第 {i + 1} 次"})
		for i in range(25)
	]  # fmt: skip
	codes = [r.status_code for r in flood]
	print(f"      (25 requests in a row: {codes.count(200)} accepted, {codes.count(429)} refused with 429)")
	probe(
		"resident", "submit_request × 25 in a row (the last one)", flood[-1], lambda r: r.status_code == 429
	)
	tokens = [guest.get(f"/property/s/{'a' * 24}{i}") for i in range(65)]
	probe("guest", "GET /property/s/<guessed token> × 65", tokens[-1], lambda r: r.status_code == 429)
	return results


if __name__ == "__main__":
	main()
