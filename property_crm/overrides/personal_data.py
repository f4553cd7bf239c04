"""Frappe's personal-data download and deletion requests, reaching a resident's whole file.

Frappe's `user_data_fields` finds a doctype's rows by one column equal to the requester's address (the User's
name). Child rows of a resident file (family members, vehicles, occupancies) and the records linked to the
file (care events, registrations, notice reads, invitations, return visits…) hold no such column. The hook
`resident_data_fields` lists them; these two classes add them to Frappe's own requests: the download's JSON
gets their rows, the deletion redacts their fields the way Frappe redacts its own (its anonymisation values),
before Frappe renames the user. Everything else (verification mail, approval, steps, file) stays Frappe's."""

import json

import frappe
from frappe.website.doctype.personal_data_deletion_request.personal_data_deletion_request import (
	PersonalDataDeletionRequest as FrappeDeletionRequest,
)
from frappe.website.doctype.personal_data_download_request.personal_data_download_request import (
	PersonalDataDownloadRequest as FrappeDownloadRequest,
)
from frappe.website.doctype.personal_data_download_request.personal_data_download_request import (
	get_user_data,
)

REDACTED_TEXT = "[REDACTED]"


def resident_files(email: str) -> list[str]:
	"""The resident files of the requester: those carrying their address or linked to their portal user."""
	if not email:
		return []
	owner = frappe.qb.DocType("Property Owner")
	return [
		name
		for (name,) in frappe.qb.from_(owner)
		.select(owner.name)
		.where((owner.email == email) | (owner.user == email))
		.run()
	]


def resident_rows(files: list[str]) -> dict[str, list[dict]]:
	"""Every row of `resident_data_fields` that belongs to the files, by doctype."""
	found: dict[str, list[dict]] = {}
	if not files:
		return found
	for ref in frappe.get_hooks("resident_data_fields"):
		doctype = ref["doctype"]
		if ref.get("reference_of"):
			names = [(target, row["name"]) for target in ref["reference_of"] for row in found.get(target, [])]
			rows = []
			for target in ref["reference_of"]:
				targets = [name for of, name in names if of == target]
				if targets:
					rows += frappe.get_all(
						doctype,
						filters={"reference_doctype": target, "reference_name": ("in", targets)},
						fields=["*"],
					)
		elif ref["link"] == "parent":
			rows = frappe.get_all(
				doctype,
				filters={"parenttype": "Property Owner", "parent": ("in", files)},
				fields=["*"],
			)
		else:
			rows = frappe.get_all(doctype, filters={ref["link"]: ("in", files)}, fields=["*"])
		if rows:
			found.setdefault(doctype, []).extend(rows)
	return found


class PersonalDataDownloadRequest(FrappeDownloadRequest):
	def after_insert(self):
		data = json.loads(get_user_data(self.user))
		for doctype, rows in resident_rows(resident_files(self.user)).items():
			have = {row.get("name") for row in data.get(doctype, [])}
			data.setdefault(doctype, []).extend(row for row in rows if row.get("name") not in have)
		frappe.enqueue_doc(
			self.doctype,
			self.name,
			"generate_file_and_send_mail",
			queue="short",
			personal_data=json.dumps(data, indent=2, default=str, ensure_ascii=False),
			now=frappe.flags.in_test,
		)


class PersonalDataDeletionRequest(FrappeDeletionRequest):
	def _anonymize_data(self, email=None, anon=None, set_data=True, commit=False):
		email = email or self.email
		anon = anon or self.name
		# found before Frappe redacts the file's address and renames the user
		files = resident_files(email)
		if set_data:
			self._PersonalDataDeletionRequest__set_anonymization_data(email, anon)
		self.redact_resident_rows(files)
		super()._anonymize_data(email, anon, set_data=False, commit=commit)

	def redact_doc(self, doc, ref):
		"""Frappe renames every matching record of a `rename` doctype to the same anonymous name, so the second
		Contact of one address (a resident's own and the one Frappe made for their portal User) fails the
		whole deletion: the second and later get the anonymous name numbered, as Frappe's own
		`rename_documents` numbers them."""
		if (
			not ref.get("rename")
			or doc["name"] == self.anon
			or not frappe.db.exists(ref["doctype"], self.anon)
		):
			return super().redact_doc(doc, ref)
		super().redact_doc(doc, {**ref, "rename": False})
		user, domain = self.anon.split("@", 1) if "@" in self.anon else (self.anon, None)
		number = 1
		while frappe.db.exists(
			ref["doctype"], new_name := f"{user}-{number}" + (f"@{domain}" if domain else "")
		):
			number += 1
		frappe.rename_doc(ref["doctype"], doc["name"], new_name, force=True, show_alert=False)

	def generate_anonymization_dict(self, ref):
		"""Frappe's values, with a drawn signature (a Signature field) emptied, not replaced by its field name."""
		values = super().generate_anonymization_dict(ref)
		meta = frappe.get_meta(ref["doctype"])
		for field in values:
			df = meta.get_field(field)
			if df and df.fieldtype == "Signature":
				values[field] = ""
		return values

	def redact_resident_rows(self, files: list[str]) -> None:
		rows = resident_rows(files)
		for ref in frappe.get_hooks("resident_data_fields"):
			names = [row["name"] for row in rows.get(ref["doctype"], [])]
			if not names or not ref.get("redact_fields"):
				continue
			values = self.generate_anonymization_dict(ref)
			meta = frappe.get_meta(ref["doctype"])
			for field in ref["redact_fields"]:
				df = meta.get_field(field)
				if df and df.fieldtype in ("Small Text", "Text", "Long Text", "Text Editor"):
					values[field] = REDACTED_TEXT
				elif df and df.fieldtype == "Data" and df.options == "Email":
					values[field] = self.anon
			frappe.db.set_value(
				ref["doctype"],
				{"name": ("in", names)},
				values,
				update_modified=False,
			)
