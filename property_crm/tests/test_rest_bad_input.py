"""Bad input through REST on every DocType of ours (issue 18, finding 8): a manager who may create and edit
them sends empty documents, missing fields, wrong types, unknown links, bad dates and numbers, huge and
hostile strings to `POST /api/resource/<doctype>` and `PUT /api/resource/<doctype>/<name>` over HTTP. Every
answer is a 4xx (or a 200 for what is valid), never a 5xx, and a refused call writes no row."""

import glob
import json
import os

import frappe
from frappe.tests.utils import FrappeTestCase

from property_crm.tests.factories import make_place, make_user
from property_crm.tests.served import HttpClient

APP = frappe.get_app_path("property_crm")
ROLES = [
	"Property Manager",
	"Property Customer Service",
	"Property Accountant",
	"System Manager",
	"Accounts User",
]


def our_doctypes() -> list[dict]:
	found = []
	for path in sorted(glob.glob(os.path.join(APP, "*", "doctype", "*", "*.json"))):
		with open(path, encoding="utf-8") as fh:
			meta = json.load(fh)
		if meta.get("doctype") == "DocType" and not meta.get("istable") and not meta.get("issingle"):
			found.append(meta)
	return found


def bad_values(field: dict) -> list:
	kind = field.get("fieldtype")
	values = ["", None, "x" * 100_000, "<script>alert(1)</script>", "'; drop table x; --", "🏠\r\n"]
	if kind in ("Int", "Float", "Currency", "Percent", "Check", "Rating"):
		values += ["abc", "1e999", [1], {"a": 1}, -1]
	if kind in ("Date", "Datetime", "Time"):
		values += ["2026-13-45", "not a date", 20260101, ["2026-01-01"]]
	if kind in ("Link", "Dynamic Link"):
		values += ["DOES-NOT-EXIST-" + frappe.generate_hash(length=6), ["x"], {"name": "x"}]
	if kind == "Select":
		values += ["Bogus option", 7]
	if kind in ("Table", "Table MultiSelect"):
		values += ["not a list", [{"no_such_field": 1}], [["a"]], [None]]
	if kind in ("Data", "Small Text", "Text", "Long Text", "Text Editor"):
		values += [[1, 2], {"a": "b"}]
	return values


class TestRestBadInput(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate, cls.unit, cls.resident = make_place()
		cls.user = make_user(ROLES)
		# PUT goes only to records of this test: others' records stay as their tests made them
		cls.mine = {
			"Property Estate": cls.estate.name,
			"Property Building": cls.unit.building,
			"Property Unit": cls.unit.name,
			"Property Owner": cls.resident.name,
		}
		frappe.db.commit()

	def counts(self) -> dict:
		return {meta["name"]: frappe.db.count(meta["name"]) for meta in our_doctypes()}

	def test_no_5xx_and_no_partial_write_on_any_doctype(self):
		client = HttpClient(self.user)
		before = self.counts()
		seen, failures = {}, []
		for meta in our_doctypes():
			doctype = meta["name"]
			fields = [f for f in meta["fields"] if f.get("fieldtype") not in ("Section Break", "Column Break",
				"Tab Break", "HTML", "Button", "Heading", "Fold")]  # fmt: skip
			payloads = [{}]
			for field in fields:
				payloads += [{field["fieldname"]: value} for value in bad_values(field)]
			for payload in payloads:
				response = client.post(f"/api/resource/{doctype}", json=payload)
				seen[response.status_code] = seen.get(response.status_code, 0) + 1
				if response.status_code >= 500:
					failures.append(f"POST {doctype} {str(payload)[:120]} → {response.status_code}: "
						f"{response.text[-300:]}")  # fmt: skip
				elif response.status_code == 200:
					name = response.json()["data"]["name"]
					frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
					frappe.db.commit()
			mine = self.mine.get(doctype)
			if mine:
				for payload in payloads[1:]:
					response = client.request("PUT", f"/api/resource/{doctype}/{mine}", json=payload)
					seen[response.status_code] = seen.get(response.status_code, 0) + 1
					if response.status_code >= 500:
						failures.append(f"PUT {doctype} {str(payload)[:120]} → {response.status_code}: "
							f"{response.text[-300:]}")  # fmt: skip
		print(
			f"REST bad input: {sum(seen.values())} calls on {len(our_doctypes())} doctypes, statuses {seen}"
		)
		if os.environ.get("PCRM_DUMP"):
			with open(os.environ["PCRM_DUMP"], "w") as fh:
				json.dump(failures, fh, ensure_ascii=False)
		self.assertEqual(failures, [], f"{len(failures)} server errors")
		after = self.counts()
		self.assertEqual({k: v for k, v in after.items() if v != before[k]}, {}, "refused calls wrote rows")
