"""`property-crm-demo` on a fresh site of its own (ERPNext installed, its setup wizard not run): a living
company with a login for every role, orders in every state, ratings, return visits and invoices; a
second run changes no count. Slow (a new site each run), as a new user's first day is."""

import json
import os
import subprocess
import sys

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.property_complaints.rules.complaint import STATES as COMPLAINT_STATES
from property_crm.property_service.rules.service import STATES

SITE = "property-crm-demo-test.localhost"
PASSWORD = "Demo-Test-2026!"

CHECK = """
import json, frappe, frappe.app
from unittest.mock import patch
from werkzeug.test import Client
frappe.init(site={site!r}, sites_path=".")
frappe.connect()
roles = {{}}
for row in frappe.get_all("Has Role", filters={{"role": ("like", "Property %"), "parenttype": "User", "parent": ("!=", "Administrator")}}, fields=["role", "parent"]):
	roles.setdefault(row.role, []).append(row.parent)
out = {{
	"setup_complete": frappe.db.get_single_value("System Settings", "setup_complete"),
	"language": frappe.db.get_single_value("System Settings", "language"),
	"time_zone": frappe.db.get_single_value("System Settings", "time_zone"),
	"company": frappe.get_all("Company", fields=["country", "default_currency"]),
	"roles": roles,
	"restricted": frappe.get_all("User Permission", filters={{"allow": "Property Estate"}}, pluck="user"),
	"counts": {{d: frappe.db.count(d) for d in ["Property Estate", "Property Building", "Property Unit",
		"Property Owner", "Service Order", "Return Visit", "ToDo", "Sales Invoice", "User", "User Permission",
		"Service Category", "Assignment Rule", "Item", "Customer", "Comment", "Version", "Complaint",
		"Complaint Identity", "Property Fee Schedule", "Property Fee Charge", "Property Billing Run", "Property Notice", "Property Event",
		"Survey Campaign", "Survey Response"]}},
	"complaint_states": dict(frappe.db.sql("select status, count(*) from `tabComplaint` group by status")),
	"anonymous": frappe.db.count("Complaint", {{"is_anonymous": 1, "complainant_name": "匿名"}}),
	"anonymous_leaks": frappe.db.sql("select count(*) from `tabComplaint` c left join `tabComplaint Identity` i "
		"on i.name = c.name where c.is_anonymous = 1 and (c.identity != c.name or i.name is null or c.unit is not null "
		"or c.complainant is not null or c.contact_mobile is not null or i.unit is null)")[0][0],
	"hotline": frappe.db.count("Complaint", {{"channel": "12345 Hotline", "external_reference": ("is", "set"),
		"hotline_reply_deadline": ("is", "set")}}),
	"reopened": frappe.db.count("Complaint", {{"reopen_count": (">", 0)}}),
	"resolved_without_cause": frappe.db.count("Complaint", {{"status": ("in", ("Resolved", "Closed")),
		"root_cause": ("is", "not set")}}),
	"complaint_sla": frappe.db.count("Complaint", {{"service_level_agreement": ("is", "set"),
		"sla_resolution_by": ("is", "set"), "priority": ("is", "set")}}),
	"states": dict(frappe.db.sql("select status, count(*) from `tabService Order` group by status")),
	"agreement": dict(frappe.db.sql("select agreement_status, count(*) from `tabService Order` group by agreement_status")),
	"rated": frappe.db.count("Service Order", {{"rating": (">", 0)}}),
	"escalated": frappe.db.count("Service Order", {{"escalation_level": (">", 0)}}),
	"visits_done": frappe.db.count("Return Visit", {{"status": "Done", "outcome": ("is", "set")}}),
	"invoices": frappe.get_all("Sales Invoice", filters={{"service_order": ("is", "set")}}, fields=["docstatus", "service_order"]),
	"rules": frappe.get_all("Assignment Rule", filters={{"document_type": "Service Order", "disabled": 0}}, pluck="name"),
	"unbalanced": frappe.db.sql("select count(*) from (select voucher_no from `tabGL Entry` where is_cancelled = 0 "
		"group by voucher_type, voucher_no having abs(sum(debit) - sum(credit)) > 0.005) v")[0][0],
	"outstanding": frappe.db.sql("select sum(outstanding_amount) from `tabSales Invoice` where docstatus = 1")[0][0],
	"ledger_outstanding": frappe.db.sql("select sum(amount) from `tabPayment Ledger Entry` where delinked = 0 "
		"and against_voucher_type = 'Sales Invoice'")[0][0],
	"units_billed": frappe.db.sql("select count(distinct unit) from `tabProperty Fee Charge`")[0][0],
	"units_with_payer": frappe.db.sql("select count(distinct parent) from `tabProperty Unit Occupant` "
		"where parenttype = 'Property Unit' and relation in ('Owner', 'Co-owner', 'Tenant')")[0][0],
	"bill_states": dict(frappe.db.sql("select status, count(*) from `tabSales Invoice` where property_billing_period is not null group by status")),
	"late_fee_states": dict(frappe.db.sql("select status, count(*) from `tabProperty Late Fee` group by status")),
	"late_fee_invoices": frappe.db.count("Sales Invoice", {{"property_late_fee_of": ("is", "set"), "docstatus": 1}}),
	"readings": frappe.db.count("Property Meter Reading", {{"meter_type": "Water"}}),
	"reading_months": frappe.db.sql("select count(distinct period) from `tabProperty Meter Reading`")[0][0],
	"water_lines": frappe.db.sql("select count(*) from `tabSales Invoice Item` it join `tabProperty Meter Reading` r "
		"on r.name = it.property_meter_reading where it.item_code = 'PCRM-WATER' and it.docstatus = 1")[0][0],
	"water_wrong": frappe.db.sql("select count(*) from `tabSales Invoice Item` it join `tabProperty Meter Reading` r "
		"on r.name = it.property_meter_reading where abs(it.qty - r.consumption) > 0.001 "
		"or it.property_period != date_format(r.period, '%Y-%m')")[0][0],
	"unit_wrong": frappe.db.sql("select count(*) from `tabSales Invoice` si join (select parent, min(property_unit) as unit, "
		"count(distinct property_unit) as units from `tabSales Invoice Item` group by parent) x on x.parent = si.name "
		"where si.property_estate is not null and si.docstatus = 1 "
		"and not ((x.units = 1 and si.property_unit <=> x.unit) or (x.units > 1 and si.property_unit is null))")[0][0],
	"one_unit_bills": frappe.db.count("Sales Invoice", {{"property_unit": ("is", "set"), "docstatus": 1}}),
	"payment_states": dict(frappe.db.sql("select status, count(*) from `tabProperty Payment Order` group by status")),
	"payment_platforms": dict(frappe.db.sql("select platform, count(*) from `tabProperty Payment Order` "
		"where payment_entry is not null group by platform")),
	"payments_without_one_entry": frappe.db.sql("select count(*) from `tabProperty Payment Order` o where "
		"o.transaction_id is not null and (select count(*) from `tabPayment Entry` pe where pe.docstatus = 1 "
		"and pe.reference_no = o.transaction_id and pe.name = o.payment_entry and abs(pe.paid_amount - o.amount) < 0.005) != 1")[0][0],
	"payment_advances": frappe.db.count("Property Payment Order", {{"advance_amount": (">", 0)}}),
	"refunds_done": frappe.db.count("Property Payment Refund", {{"status": "Refunded", "reversing_entry": ("is", "set")}}),
	"discrepancies": frappe.db.sql("select ifnull(sum(discrepancies), 0) from `tabProperty Payment Statement`")[0][0],
	"payment_settings": [frappe.db.get_single_value("WeChat Pay Settings", "environment"),
		frappe.db.get_single_value("WeChat Pay Settings", "api_base_url"),
		frappe.db.get_single_value("Alipay Settings", "environment"),
		frappe.db.get_single_value("Alipay Settings", "gateway_url")],
	"wechat": [frappe.db.count("WeChat Binding"), frappe.db.count("Property Owner", {{"user": ("is", "set")}}),
		frappe.db.count("Service Order", {{"channel": "WeChat"}}), frappe.db.count("Complaint", {{"channel": "WeChat"}}),
		frappe.db.count("Integration Request", {{"integration_request_service": "WeChat Template Message"}}),
		frappe.db.get_single_value("WeChat Official Account Settings", "api_base_url")],
}}
pages = {{}}
def get(client, path, **kw):
	result = {{}}
	with patch("frappe.app.get_site_name", return_value={site!r}):
		result = client.post(path, **kw) if kw else client.get(path)
	frappe.db.rollback()
	return result
for user, path in (("a01.cs@example.com", "/api/resource/Service Order?limit_page_length=5"),
		("a01.tenant@example.com", "/property"), ("tech.wang@example.com", "/api/resource/Service Order"),
		("a01.manager@example.com", "/api/method/frappe.desk.query_report.run?report_name=Complaint%20Analysis&filters=%7B%22group_by%22%3A%22Estate%22%7D")):
	client = Client(frappe.app.application)
	login = get(client, "/api/method/login", json={{"usr": user, "pwd": {password!r}}})
	page = get(client, path)
	pages[user] = [login.status_code, page.status_code, page.get_data(as_text=True)[:20000]]
out["pages"] = pages
# the field staff's day: every technician's open jobs, readable by him (need-to-know), assigned by ToDo,
# requested by someone who lives in the unit
from property_crm.demo.company import TECHNICIANS
from frappe.utils import now_datetime, nowdate
from datetime import timedelta
field = {{}}
for login, _name, _trades in TECHNICIANS:
	user = f"{{login}}@example.com"
	rows = frappe.db.sql("select so.name, so.status, so.sla_resolution_by, so.repeat_of, so.preferred_time, so.requester, "
		"(select count(*) from `tabToDo` t where t.reference_type = 'Service Order' and t.reference_name = so.name "
		"and t.allocated_to = %(user)s and t.status = 'Open') as todo, "
		"(select count(*) from `tabProperty Unit Occupant` o where o.parenttype = 'Property Unit' and o.parent = so.unit "
		"and o.resident = so.requester and (o.move_out is null or o.move_out >= %(today)s)) as lives "
		"from `tabService Order` so where so.`_assign` like %(like)s and so.status in "
		"('Dispatched', 'In Progress', 'On Hold', 'Awaiting Parts', 'Awaiting Resident', 'Reopened')",
		{{"user": user, "like": f'%"{{user}}"%', "today": nowdate()}}, as_dict=True)
	now = now_datetime()
	frappe.set_user(user)
	readable = set(frappe.get_list("Service Order", filters={{"name": ("in", [r.name for r in rows] or [""])}}, pluck="name",
		limit_page_length=0))
	frappe.set_user("Administrator")
	field[user] = {{
		"open": len(rows),
		"today": sum(1 for r in rows if r.preferred_time and str(r.preferred_time)[:10] == nowdate()),
		"to_start": sum(1 for r in rows if r.status == "Dispatched"),
		"in_progress": sum(1 for r in rows if r.status == "In Progress"),
		"at_risk": sum(1 for r in rows if r.sla_resolution_by and r.sla_resolution_by <= now + timedelta(hours=2)),
		"repeats": sum(1 for r in rows if r.repeat_of),
		"without_todo": sum(1 for r in rows if not r.todo),
		"requester_elsewhere": sum(1 for r in rows if r.requester and not r.lives),
		"today_without_requester": sum(1 for r in rows if r.preferred_time and not r.requester),
		"unreadable": len({{r.name for r in rows}} - readable),
	}}
out["field"] = field
accountant = {{}}
client = Client(frappe.app.application)
login = get(client, "/api/method/login", json={{"usr": "accountant@example.com", "pwd": {password!r}}})
for key, path in (("orders", "/api/resource/Property Payment Order?limit_page_length=5"),
		("refunds", "/api/resource/Property Payment Refund?limit_page_length=5"),
		("report", "/api/method/frappe.desk.query_report.run?report_name=Online%20Payment%20Reconciliation"
			"&filters=%7B%22from_date%22%3A%222000-01-01%22%7D")):
	page = get(client, path)
	accountant[key] = [login.status_code, page.status_code, page.get_data(as_text=True)[:20000]]
out["accountant"] = accountant
print(json.dumps(out, default=str, ensure_ascii=False))
"""


def frappe_cli(*args, timeout=1800) -> subprocess.CompletedProcess:
	return subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=os.getcwd(),
		capture_output=True,
		text=True,
		timeout=timeout,
		stdin=subprocess.DEVNULL,
	)


class TestDemoCompany(FrappeTestCase):
	def run_ok(self, *args) -> str:
		result = frappe_cli(*args)
		self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
		return result.stdout

	def state(self) -> dict:
		result = subprocess.run(
			[sys.executable, "-c", CHECK.format(site=SITE, password=PASSWORD)],
			cwd=os.getcwd(),
			capture_output=True,
			text=True,
		)
		self.assertEqual(result.returncode, 0, result.stderr[-3000:])
		return json.loads(result.stdout.strip().splitlines()[-1])

	def test_demo_on_a_fresh_site(self):
		root = frappe.conf.root_password or os.environ.get("PROPERTY_CRM_DB_ROOT_PASSWORD") or ""
		if os.path.exists(os.path.join(SITE, "site_config.json")):
			self.run_ok("drop-site", SITE, "--force", "--no-backup", "--db-root-password", root)
		self.run_ok(
			"new-site", SITE, "--admin-password", "admin", "--install-app", "erpnext",
			"--mariadb-user-host-login-scope=%", "--db-root-password", root,
		)  # fmt: skip
		self.run_ok("--site", SITE, "install-app", "property_crm")
		demo = (
			"--site",
			SITE,
			"property-crm-demo",
			"--units",
			"150",
			"--orders",
			"700",
			"--complaints",
			"60",
			# every unit billed (ERPNext makes the first bill and payment, the rest are copies of their rows)
			"--fee-months",
			"4",
			"--password",
			PASSWORD,
		)
		printed = self.run_ok(*demo)
		first = self.state()

		# ERPNext's setup, done by the demo for a Chinese company
		self.assertEqual(first["setup_complete"], 1)
		self.assertEqual(first["language"], "zh")
		self.assertEqual(first["time_zone"], "Asia/Shanghai")
		self.assertEqual(first["company"], [{"country": "China", "default_currency": "CNY"}])
		# a login for every role, estate staff restricted to their estate
		roles = first["roles"]
		self.assertGreaterEqual(len(roles["Property Manager"]), 2)
		self.assertEqual(len(roles["Property Accountant"]), 1)
		self.assertGreaterEqual(len(roles["Property Technician"]), 5)
		self.assertGreaterEqual(len(roles["Property Resident"]), 2)
		self.assertIn("a01.cs@example.com", roles["Property Customer Service"])
		self.assertIn("a01.cs@example.com", first["restricted"])
		self.assertIn("a01.manager@example.com", first["restricted"])
		self.assertNotIn("manager@example.com", first["restricted"])
		for user in (
			"manager@example.com",
			"a01.cs@example.com",
			"tech.wang@example.com",
			"a01.tenant@example.com",
		):
			self.assertIn(user, printed, "the logins are printed")
		# the company at work
		self.assertEqual(first["counts"]["Property Unit"], 150)
		self.assertGreaterEqual(first["counts"]["Service Order"], 700)
		self.assertEqual(set(first["states"]), set(STATES), "orders in every state")
		self.assertGreater(first["agreement"]["Fulfilled"], first["agreement"]["Failed"])
		self.assertGreater(first["agreement"]["Failed"], 0, "some SLAs breached")
		self.assertGreater(first["rated"], 100)
		self.assertGreater(first["escalated"], 0)
		self.assertGreater(first["visits_done"], 0)
		self.assertGreater(first["counts"]["Return Visit"], first["visits_done"] - 1)
		self.assertGreaterEqual(len(first["rules"]), 10, "technician pools as Assignment Rules")
		self.assertTrue(first["invoices"], "draft invoices for chargeable repairs")
		self.assertTrue(all(row["docstatus"] == 0 for row in first["invoices"]))
		# the printed logins work
		login, status, body = first["pages"]["a01.cs@example.com"]
		self.assertEqual((login, status), (200, 200))
		self.assertEqual(len(json.loads(body)["data"]), 5)
		login, status, body = first["pages"]["a01.tenant@example.com"]
		self.assertEqual((login, status), (200, 200))
		self.assertIn("A01-", body)
		self.assertEqual(first["pages"]["tech.wang@example.com"][:2], [200, 200])

		# complaints in every state; anonymous ones name nobody, their identity has the complaint's name
		self.assertEqual(first["counts"]["Complaint"], 60)
		# fees, care and surveys join the demo
		for doctype in ("Property Fee Schedule", "Property Fee Charge", "Property Notice", "Property Event",
			"Survey Campaign", "Survey Response"):  # fmt: skip
			self.assertGreater(first["counts"][doctype], 0, doctype)
		self.assertEqual(set(first["complaint_states"]), set(COMPLAINT_STATES), "complaints in every state")
		# four months of bills for every unit with a payer, a ledger that balances and agrees with itself
		self.assertGreater(first["units_with_payer"], 100)
		self.assertGreaterEqual(first["units_billed"], first["units_with_payer"] * 0.95)
		self.assertEqual(first["unbalanced"], 0, "every voucher's GL Entries balance")
		self.assertAlmostEqual(float(first["outstanding"]), float(first["ledger_outstanding"]), places=2)
		self.assertTrue({"Paid", "Overdue"} <= set(first["bill_states"]), first["bill_states"])
		self.assertTrue({"Billed", "Accruing"} <= set(first["late_fee_states"]), first["late_fee_states"])
		self.assertEqual(first["late_fee_invoices"], first["late_fee_states"]["Billed"])
		# water by meter: a reading a unit a month (the month before the first bill to last month), billed
		# postpaid as read; a bill of one home carries its unit, a bill of several none
		self.assertEqual(first["reading_months"], 4)
		self.assertEqual(first["readings"], 4 * first["counts"]["Property Unit"])
		self.assertGreater(first["water_lines"], first["units_with_payer"] * 2)
		self.assertEqual(first["water_wrong"], 0)
		self.assertEqual(first["unit_wrong"], 0)
		self.assertGreater(first["one_unit_bills"], 0)
		self.assertGreater(first["anonymous"], 0)
		self.assertEqual(first["counts"]["Complaint Identity"], first["anonymous"])
		self.assertEqual(first["anonymous_leaks"], 0)
		self.assertGreater(first["hotline"], 0)
		self.assertGreater(first["reopened"], 0)
		self.assertEqual(first["resolved_without_cause"], 0)
		self.assertEqual(first["complaint_sla"], 60)
		login, status, body = first["pages"]["a01.manager@example.com"]
		self.assertEqual((login, status), (200, 200))
		report = json.loads(body)["message"]
		self.assertEqual({row["group"] for row in report["result"]}, {"A01"}, "the estate manager's estate")
		self.assertEqual(
			sum(row["complaints"] for row in report["result"]), report["report_summary"][0]["value"]
		)

		# online payments through the stand-ins: both platforms, each paid order exactly one Payment Entry of
		# its amount, some pending and closed, an advance, a refund, a planted reconciliation discrepancy; the
		# settings left in Sandbox at the command's ports; the accountant sees orders, refunds and the report
		self.assertTrue(
			{"Paid", "Pending", "Closed"} <= set(first["payment_states"]), first["payment_states"]
		)
		self.assertEqual(set(first["payment_platforms"]), {"WeChat Pay", "Alipay"})
		self.assertEqual(first["payments_without_one_entry"], 0)
		self.assertEqual(first["payment_advances"], 1)
		self.assertEqual(first["refunds_done"], 1)
		self.assertGreaterEqual(first["discrepancies"], 1)
		self.assertEqual(
			first["payment_settings"],
			["Sandbox", "http://127.0.0.1:8601", "Sandbox", "http://127.0.0.1:8602/gateway.do"],
		)
		self.assertIn("online payments:", printed)
		# WeChat: the portal residents bound, orders and complaints by WeChat, template messages on record,
		# the settings at the stand-in's default port
		bindings, portal_residents, by_wechat, complaints_by_wechat, messages, api_base = first["wechat"]
		self.assertEqual(bindings, portal_residents)
		self.assertGreater(by_wechat, 0)
		self.assertGreater(complaints_by_wechat, 0)
		self.assertGreater(messages, 0)
		self.assertEqual(api_base, "http://127.0.0.1:8701")
		for key, (login, status, body) in first["accountant"].items():
			self.assertEqual((login, status), (200, 200), (key, body[:500]))
		self.assertTrue(json.loads(first["accountant"]["orders"][2])["data"])
		self.assertTrue(json.loads(first["accountant"]["refunds"][2])["data"])
		self.assertTrue(json.loads(first["accountant"]["report"][2])["message"]["result"])

		# the field staff's day: every technician, cleaner, guard and the gardener has open jobs today on the
		# phone (to start at a preferred time today, one in progress, one past or near its deadline, a repeat
		# repair), each assigned by ToDo, readable by him, requested by someone living in the unit
		self.assertRegex(printed, r"field: 11 of 11 staff with \d+ open jobs")
		self.assertEqual(len(first["field"]), 11)
		for user, day in first["field"].items():
			self.assertGreaterEqual(day["today"], 4, (user, day))
			self.assertGreaterEqual(day["to_start"], 3, (user, day))
			self.assertGreaterEqual(day["in_progress"], 1, (user, day))
			self.assertGreaterEqual(day["at_risk"], 1, (user, day))
			self.assertGreaterEqual(day["repeats"], 1, (user, day))
			self.assertEqual(
				(
					day["without_todo"],
					day["requester_elsewhere"],
					day["today_without_requester"],
					day["unreadable"],
				),
				(0, 0, 0, 0),
				(user, day),
			)

		# a second run adds nothing
		again = self.run_ok(*demo)
		self.assertIn("kept as", again)
		second = self.state()
		for key in ("counts", "states", "agreement", "rated", "roles", "restricted", "invoices", "rules",
			"complaint_states", "payment_states", "refunds_done", "wechat"):  # fmt: skip
			self.assertEqual(second[key], first[key], key)

		# the isolation sweep over HTTP on the demo company (property_crm.tests.sweep, also run by hand on
		# one's own site): 100 pairs of residents and every ordered pair of estates, zero reads
		sweep = subprocess.run(
			[sys.executable, "-m", "property_crm.tests.sweep", "--site", SITE, "--password", PASSWORD,
				"--pairs", "100"],
			cwd=os.getcwd(), capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL,
		)  # fmt: skip
		print(sweep.stdout[-3000:])
		result = json.loads(sweep.stdout.strip().splitlines()[-1])
		self.assertEqual(result["resident_pairs"], 100)
		self.assertGreaterEqual(result["estate_pairs"], 2, "the demo has two estates from 100 units")
		self.assertGreater(result["probes"], 2000)
		self.assertEqual(result["failed_controls"], [], "what each may see opens")
		self.assertEqual(result["reads"], 0, result["leaks"])
		self.assertEqual(sweep.returncode, 0, sweep.stderr[-3000:])
