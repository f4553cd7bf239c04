"""Merging duplicate resident files on Frappe's own rename with merge (`frappe.rename_doc(...,
merge=True)`): every Link to the duplicate — units' occupants, service orders, complaints (and the
confidential Complaint Identity), survey responses, return visits, care events, profile changes — is
repointed to the file that stays, in one transaction. What Frappe's merge does not carry we do first: the
duplicate's vehicles, family members and tags (child rows), its portal login, and its ERPNext Customer —
merged into the kept file's Customer the same way, so the invoices follow. Two occupant rows of the same
person in one unit are made one (the wider period)."""

from datetime import date

import frappe
from frappe import _
from frappe.model.rename_doc import rename_doc
from frappe.query_builder.functions import Count
from frappe.utils import getdate

from property_crm import access_fields
from property_crm.protected_fields import plain_value

OWNER = "Property Owner"


@frappe.whitelist(methods=["POST"])
def merge_files(duplicate: str, keep: str) -> str:
	"""Merge resident file `duplicate` into `keep` (Property Managers: it deletes a file)."""
	if not duplicate or not keep or duplicate == keep:
		frappe.throw(_("Choose two different resident files."), title=_("Please correct this value"))
	for name in (duplicate, keep):
		if not frappe.db.exists(OWNER, name):
			frappe.throw(_("Resident file {0} does not exist.").format(name), frappe.DoesNotExistError)
	if not frappe.has_permission(OWNER, "delete", duplicate) or not frappe.has_permission(
		OWNER, "write", keep
	):
		frappe.throw(_("Only a Property Manager may merge resident files."), frappe.PermissionError)
	source, target = frappe.get_doc(OWNER, duplicate), frappe.get_doc(OWNER, keep)
	# merging keeps every record of the duplicate on the kept file: not a deletion the four-eyes principle
	# stops (property_privacy.four_eyes; the flag an approved Data Change Request sets while applied)
	frappe.flags.four_eyes_approved = f"merge {duplicate} into {keep}"
	try:
		return _merge(source, target, duplicate, keep)
	finally:
		frappe.flags.pop("four_eyes_approved", None)


def _merge(source, target, duplicate: str, keep: str) -> str:
	carry_children(source, target)
	customer_from = source.customer if source.customer and source.customer != target.customer else None
	if source.user and not target.user:
		target.user = source.user
	if customer_from and not target.customer:
		target.customer, customer_from = source.customer, None
	for field in ("email", "date_of_birth", "privacy_consent_date"):
		if not target.get(field) and source.get(field):
			target.set(field, source.get(field))
	if not target.mobile and source.mobile:
		# the column holds the mask: the kept file takes the number, protected again on save
		target.mobile = plain_value(source, "mobile")
	# the kept file takes the duplicate's login and Customer through this method (a manager, checked above)
	access_fields.allow(target, "user", "customer", "contact")
	# the duplicate lets go of its login and customer before the kept file takes them
	if target.user == source.user:
		frappe.db.set_value(OWNER, duplicate, "user", None, update_modified=False)
	if target.customer == source.customer:
		frappe.db.set_value(OWNER, duplicate, "customer", None, update_modified=False)
	target.save()
	if customer_from:
		# Safe: the same person's ERPNext Customer, merged by a manager allowed to delete the file itself
		rename_doc(doctype="Customer", old=customer_from, new=target.customer, merge=True,
			ignore_permissions=True, show_alert=False, rebuild_search=False)  # fmt: skip
	frappe.rename_doc(OWNER, duplicate, keep, merge=True, force=True, show_alert=False, rebuild_search=False)
	join_occupant_rows(keep)
	return keep


def carry_children(source, target) -> None:
	plates = {row.plate_number for row in target.vehicles}
	for row in source.vehicles:
		if row.plate_number not in plates:
			target.append(
				"vehicles",
				{
					f: row.get(f)
					for f in ("plate_number", "vehicle_type", "brand_model", "color", "parking_space")
				},
			)
	members = {(row.member_name, str(row.date_of_birth or "")) for row in target.family_members}
	for row in source.family_members:
		if (row.member_name, str(row.date_of_birth or "")) not in members:
			target.append(
				"family_members",
				{
					**{
						f: row.get(f) for f in ("member_name", "relation", "gender", "date_of_birth", "notes")
					},
					"mobile": plain_value(row, "mobile"),
				},
			)
	tags = {row.tag for row in target.tags}
	for row in source.tags:
		if row.tag not in tags:
			target.append("tags", {"tag": row.tag})


def join_occupant_rows(resident: str) -> None:
	"""A unit that listed both files lists the person once, for the whole of both periods."""
	row = frappe.qb.DocType("Property Unit Occupant")
	units = (
		frappe.qb.from_(row)
		.select(row.parent)
		.where((row.parenttype == "Property Unit") & (row.resident == resident))
		.groupby(row.parent)
		.having(Count("*") > 1)
		.run(pluck=True)
	)
	for name in units:
		unit = frappe.get_doc("Property Unit", name)
		rows = sorted(
			(row for row in unit.occupants if row.resident == resident),
			key=lambda row: getdate(row.move_in) if row.move_in else date.min,
		)
		kept = rows[0]
		for row in rows[1:]:
			end = getdate(kept.move_out) if kept.move_out else date.max
			if row.move_in and getdate(row.move_in) > end:  # moved out and back in later: two stays
				kept = row
				continue
			if not row.move_out or (kept.move_out and getdate(row.move_out) > getdate(kept.move_out)):
				kept.move_out = row.move_out
			kept.primary_contact = int(kept.primary_contact or row.primary_contact)
			unit.remove(row)
		unit.flags.ignore_permissions = True  # Safe: the same person's rows, merged by a manager
		unit.save()
