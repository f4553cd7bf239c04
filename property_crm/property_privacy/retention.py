"""Retention (point 8): the personal data of people who moved out more than N years ago (Property CRM Settings,
`retention_years`, default 3; 0 = off) is anonymised by a daily job, keeping the statistics.

A resident file is past retention when every occupancy of theirs has ended before the cutoff (a file with no
occupancy at all is not judged: nothing says when its person left). Its rows are found the way Frappe's
Personal Data Deletion Request finds them (`overrides.personal_data.resident_rows` over the
`resident_data_fields` hook: family members, vehicles, occupancies, orders, complaints, surveys, care events…)
and their personal fields (the hook's `redact_fields`) are overwritten: a person's name with a stable token
"已匿名 #<hash>", everything else emptied (with a protected field's `_encrypted` and `_hash` companions). The
file itself, its Contact, Customer name and Addresses are anonymised likewise, its versions (old values) are
deleted and its portal User disabled. Kept: the records, their links, units, move-in/move-out dates, orders,
complaints, fees and amounts, so counts, occupancy and billing statistics stay right. Idempotent: an
anonymised file (its name a token) is not picked again. Occupancy rows with no resident file, ended before
the cutoff, lose their name and mobile too."""

import frappe
from frappe import _
from frappe.utils import getdate, today

from property_crm.overrides.personal_data import resident_rows
from property_crm.property_privacy import agreements
from property_crm.property_privacy.rules import agreements as rules

# a person's name in the rows of `resident_data_fields`: replaced by the token, not emptied
NAME_FIELDS = {
	"full_name",
	"resident_name",
	"member_name",
	"requester_name",
	"complainant_name",
	"person_name",
	"primary_contact_name",
}
# the file's own personal fields (beyond Frappe's user_data_fields list), emptied
OWNER_FIELDS = (
	"mobile",
	"email",
	"id_type",
	"id_number",
	"date_of_birth",
	"occupation",
	"wechat",
	"emergency_contact_name",
	"emergency_contact_relation",
	"emergency_contact_phone",
	"notes",
)


def retention_years() -> int:
	try:
		return int(agreements.settings_value("retention_years", 3))
	except (TypeError, ValueError):
		return 3


def files_past_retention(on=None) -> list[str]:
	"""Resident files, not yet anonymised, whose every occupancy ended before the cutoff."""
	cutoff = rules.retention_cutoff(getdate(on or today()), retention_years())
	if cutoff is None:
		return []
	occ = frappe.qb.DocType("Property Unit Occupant")
	owner = frappe.qb.DocType("Property Owner")
	stays: dict[str, list[rules.Stay]] = {}
	for resident, move_in, move_out in (
		frappe.qb.from_(occ)
		.join(owner)
		.on(owner.name == occ.resident)
		.select(occ.resident, occ.move_in, occ.move_out)
		.where((occ.parenttype == "Property Unit") & (owner.full_name.not_like(rules.ANONYMOUS_PREFIX + "%")))
		.run()
	):
		stays.setdefault(resident, []).append(
			rules.Stay(getdate(move_in) if move_in else None, getdate(move_out) if move_out else None)
		)
	return sorted(name for name, rows in stays.items() if rules.past_retention(rows, cutoff))


def cleared_values(doctype: str, fields, token: str) -> dict:
	"""The anonymous value of each field of `doctype` that exists: the token for a name, else empty; a protected
	field's `_encrypted` and `_hash` companions emptied with it."""
	meta = frappe.get_meta(doctype)
	values = {}
	for field in fields:
		if not meta.has_field(field):
			continue
		values[field] = token if field in NAME_FIELDS else None
		for companion in (f"{field}_encrypted", f"{field}_hash"):
			if meta.has_field(companion):
				values[companion] = None
	return values


def anonymise_file(name: str) -> None:
	"""One resident file and what hangs off it; one transaction (the caller commits)."""
	token = rules.anonymous_token(name)
	owner = frappe.db.get_value(
		"Property Owner", name, ["name", "full_name", "customer", "contact", "user"], as_dict=True
	)
	if not owner:
		return
	rows = resident_rows([name])
	for ref in frappe.get_hooks("resident_data_fields"):
		names = [row["name"] for row in rows.get(ref["doctype"], [])]
		values = cleared_values(ref["doctype"], ref.get("redact_fields") or [], token)
		if names and values:
			frappe.db.set_value(ref["doctype"], {"name": ("in", names)}, values, update_modified=False)
	frappe.db.set_value(
		"Property Owner",
		name,
		cleared_values("Property Owner", ("full_name", *OWNER_FIELDS), token)
		| (
			{"marketing_consent": 0}
			if frappe.get_meta("Property Owner").has_field("marketing_consent")
			else {}
		),
		update_modified=False,
	)
	anonymise_contacts(owner, token)
	if owner.customer and frappe.db.exists("Customer", owner.customer):
		frappe.db.set_value(
			"Customer",
			owner.customer,
			{"customer_name": token, "mobile_no": None, "email_id": None},
			update_modified=False,
		)
		# a Customer named after its person (ERPNext's "Customer Name" naming) loses the name from its ID too;
		# its invoices, payments and ledger follow the rename
		rename_if_named_after(owner.full_name, "Customer", owner.customer, token)
	frappe.db.delete("Version", {"ref_doctype": "Property Owner", "docname": name})
	if owner.user and frappe.db.exists("User", owner.user):
		user = frappe.get_doc("User", owner.user)
		user.enabled = 0
		user.first_name, user.middle_name, user.last_name = token, None, None
		user.phone = user.mobile_no = user.birth_date = user.location = user.bio = None
		user.flags.ignore_agreement_check = True
		user.save(ignore_permissions=True)  # Frappe ends the user's sessions
		# its ID (the e-mail address) stays: renaming a User rewrites `owner` and `modified_by` in every table
		# (Frappe's User.after_rename, about 100 s a user on a test site) — Frappe's Personal Data Deletion
		# Request for that address does it when asked


def rename_if_named_after(full_name: str | None, doctype: str, docname: str, token: str) -> str:
	"""A record whose ID carries the person's name (a Contact "张三-DA-…", a Customer "张三") is renamed to the
	token, numbered when taken; Frappe's rename_doc follows every link."""
	if not full_name or full_name not in docname:
		return docname
	new_name = docname.replace(full_name, token)
	number = 1
	while frappe.db.exists(doctype, new_name):
		new_name = f"{docname.replace(full_name, token)}-{number}"
		number += 1
	frappe.rename_doc(doctype, docname, new_name, force=True, show_alert=False)
	return new_name


def anonymise_contacts(owner, token: str) -> None:
	"""The file's Contacts and Addresses (linked to it or to its Customer): names to the token, numbers,
	addresses and e-mails emptied."""
	link = frappe.qb.DocType("Dynamic Link")
	targets = [("Property Owner", owner.name)] + ([("Customer", owner.customer)] if owner.customer else [])
	for parenttype in ("Contact", "Address"):
		names = set()
		for doctype, docname in targets:
			names |= {
				parent
				for (parent,) in frappe.qb.from_(link)
				.select(link.parent)
				.where(
					(link.parenttype == parenttype)
					& (link.link_doctype == doctype)
					& (link.link_name == docname)
				)
				.run()
			}
		if parenttype == "Contact" and owner.contact:
			names.add(owner.contact)
		for docname in sorted(names):
			if not frappe.db.exists(parenttype, docname):
				continue
			if parenttype == "Contact":
				frappe.db.set_value(
					"Contact",
					docname,
					{
						"first_name": token,
						"last_name": None,
						"middle_name": None,
						"full_name": token,
						"email_id": None,
						"phone": None,
						"mobile_no": None,
						"company_name": None,
					},
					update_modified=False,
				)
				frappe.db.delete("Contact Email", {"parent": docname, "parenttype": "Contact"})
				frappe.db.delete("Contact Phone", {"parent": docname, "parenttype": "Contact"})
				frappe.db.delete("Version", {"ref_doctype": parenttype, "docname": docname})
				rename_if_named_after(owner.full_name, "Contact", docname, token)
				continue
			else:
				frappe.db.set_value(
					"Address",
					docname,
					{
						"address_title": token,
						"address_line1": token,
						"address_line2": None,
						"pincode": None,
						"email_id": None,
						"phone": None,
						"fax": None,
					},
					update_modified=False,
				)
			frappe.db.delete("Version", {"ref_doctype": parenttype, "docname": docname})


def anonymise_orphan_occupancies(cutoff) -> int:
	"""Occupancy rows naming someone with no resident file, ended before the cutoff: name and mobile go."""
	occ = frappe.qb.DocType("Property Unit Occupant")
	rows = (
		frappe.qb.from_(occ)
		.select(occ.name)
		.where(
			(occ.parenttype == "Property Unit")
			& (occ.resident.isnull() | (occ.resident == ""))
			& occ.move_out.isnotnull()
			& (occ.move_out < cutoff)
			& (occ.resident_name.isnull() | occ.resident_name.not_like(rules.ANONYMOUS_PREFIX + "%"))
		)
		.run(pluck=True)
	)
	for name in rows:
		frappe.db.set_value(
			"Property Unit Occupant",
			name,
			cleared_values(
				"Property Unit Occupant", ("resident_name", "mobile"), rules.anonymous_token(name)
			),
			update_modified=False,
		)
	return len(rows)


def daily(on=None, progress=None) -> dict[str, int]:
	"""The daily job (hooks: scheduler_events): every file past retention anonymised, each in its own commit,
	with Frappe's progress bar when run from the desk or the console."""
	cutoff = rules.retention_cutoff(getdate(on or today()), retention_years())
	if cutoff is None:
		return {"files": 0, "occupancies": 0}
	files = files_past_retention(on)
	for index, name in enumerate(files, 1):
		try:
			anonymise_file(name)
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"Retention: resident file {name} not anonymised")
		if len(files) > 20 and (index % 20 == 0 or index == len(files)):
			frappe.publish_progress(index * 100 / len(files), title=_("Retention"), description=name)
		if progress:
			progress(index, len(files))
	occupancies = anonymise_orphan_occupancies(cutoff)
	frappe.db.commit()
	return {"files": len(files), "occupancies": occupancies}
