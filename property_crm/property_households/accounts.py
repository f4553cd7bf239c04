"""A resident file's ERPNext citizenship: its Customer (billing), Contact (phone/email) and portal User."""

import frappe
from frappe import _

from property_crm.masks import mask_mobile

RESIDENT_ROLE = "Property Resident"
# ERPNext's own portal pages (invoices, issues) are for website users with its Customer role.
CUSTOMER_ROLE = "Customer"


def ensure_customer(owner) -> str:
	"""The resident's Customer, created once. Looked up by the back-link first, so never duplicated."""
	customer = owner.customer if owner.customer and frappe.db.exists("Customer", owner.customer) else None
	customer = customer or frappe.db.get_value("Customer", {"property_owner": owner.name})
	if not customer:
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": owner.full_name,
				"customer_type": "Individual",
				"customer_group": _default("Customer Group", "customer_group"),
				"territory": _default("Territory", "territory"),
				"property_owner": owner.name,
			}
		)
		# Safe: the caller holds write permission on the resident file; customer-service staff have no
		# Customer permission of their own, and this creates exactly the one Customer that belongs to it.
		doc.insert(ignore_permissions=True)
		customer = doc.name
	owner.db_set("customer", customer)
	contact = ensure_contact(owner)
	grant_invoice_pages(owner)
	# The Customer's primary contact is the resident's own Contact (not a second one made by ERPNext).
	frappe.db.set_value(
		"Customer",
		customer,
		{
			"customer_primary_contact": contact,
			"mobile_no": shown_mobile(owner.mobile) or None,
			"email_id": owner.email or None,
		},
	)
	return customer


def ensure_contact(owner) -> str:
	"""The resident's Contact carrying phone and email, linked to the file and, if any, its Customer."""
	contact = owner.contact if owner.contact and frappe.db.exists("Contact", owner.contact) else None
	doc = frappe.get_doc("Contact", contact) if contact else frappe.new_doc("Contact")
	doc.first_name = owner.full_name
	if owner.gender and frappe.db.exists("Gender", owner.gender):
		doc.gender = owner.gender
	_mask_phones(doc)
	_set_primary(doc, "phone_nos", "phone", shown_mobile(owner.mobile), {"is_primary_mobile_no": 1})
	_set_primary(doc, "email_ids", "email_id", owner.email, {"is_primary": 1})
	for link_doctype, link_name in (("Property Owner", owner.name), ("Customer", owner.customer)):
		if link_name and not doc.has_link(link_doctype, link_name):
			doc.append("links", {"link_doctype": link_doctype, "link_name": link_name})
	if owner.user:
		doc.user = owner.user
	# Safe: called for a resident file the user may write; the Contact only mirrors that file's data.
	doc.save(ignore_permissions=True)
	if owner.contact != doc.name:
		owner.db_set("contact", doc.name)
	return doc.name


def sync_contact(owner) -> None:
	"""Keep an existing Contact's phone and email in step with the resident file."""
	if owner.contact and (owner.has_value_changed("mobile") or owner.has_value_changed("email")):
		ensure_contact(owner)


def ensure_portal_user(owner) -> str:
	"""A Website User with the Property Resident role, for the resident's own portal pages."""
	if owner.user and frappe.db.exists("User", owner.user):
		return owner.user
	if not owner.email:
		frappe.throw(
			_("Email: a portal user needs an email address; add one to this file first."),
			title=_("Please correct this value"),
		)
	user = frappe.db.get_value("User", owner.email, ["name", "user_type"], as_dict=True)
	if user and user.user_type == "System User":
		frappe.throw(
			_("Email: {0} belongs to a staff account and cannot be a resident's portal login.").format(
				owner.email
			),
			title=_("Please correct this value"),
		)
	other = user and frappe.db.get_value("Property Owner", {"user": user.name, "name": ("!=", owner.name)})
	if other:
		# one login, one resident file: the portal finds its resident by the login
		frappe.throw(
			_("Email: {0} is already the portal login of resident file {1}.").format(owner.email, other),
			frappe.PermissionError,
			title=_("Not permitted"),
		)
	if user:
		doc = frappe.get_doc("User", user.name)
	else:
		doc = frappe.get_doc(
			{
				"doctype": "User",
				"email": owner.email,
				"first_name": owner.full_name,
				# no mobile: the login is the e-mail address, and User.mobile_no is unique and plain
				"user_type": "Website User",
				"send_welcome_email": 0,
				"language": owner.language or None,
			}
		)
	doc.append_roles(RESIDENT_ROLE)
	if owner.customer:
		doc.append_roles(CUSTOMER_ROLE)
	doc.flags.no_welcome_mail = True
	# Safe: the caller holds write permission on this resident file; the user gets the resident role only.
	doc.save(ignore_permissions=True)
	owner.db_set("user", doc.name)
	ensure_contact(owner)
	return doc.name


def grant_invoice_pages(owner) -> None:
	"""A resident with both a portal login and a Customer sees ERPNext's invoice pages too."""
	if owner.user and frappe.db.exists("User", owner.user) and frappe.db.exists("Role", CUSTOMER_ROLE):
		user = frappe.get_doc("User", owner.user)
		if CUSTOMER_ROLE not in {r.role for r in user.roles}:
			user.append_roles(CUSTOMER_ROLE)
			# Safe: the resident's own login, given ERPNext's portal role for their own invoices only.
			user.save(ignore_permissions=True)


def shown_mobile(value: str | None) -> str | None:
	"""What ERPNext's Contact and Customer hold of a resident's mobile: the mask (138****5678), never the
	number. The resident file's column already holds the mask; a plain value (a file saved before its
	number was protected) is masked here."""
	return mask_mobile(value) or None


def _mask_phones(contact) -> None:
	"""A Contact made before mobiles were protected may still list the full number: mask every row, one
	row per mask."""
	seen = set()
	for row in list(contact.get("phone_nos")):
		row.phone = shown_mobile(row.phone)
		if row.phone in seen:
			contact.remove(row)
		seen.add(row.phone)


def _set_primary(contact, table: str, field: str, value: str | None, flags: dict) -> None:
	if not value:
		return
	rows = contact.get(table)
	for row in rows:
		for flag in flags:
			row.set(flag, 0)
	match = next((row for row in rows if row.get(field) == value), None)
	if match is None:
		match = contact.append(table, {field: value})
	for flag, on in flags.items():
		match.set(flag, on)


def _default(doctype: str, settings_field: str) -> str:
	"""Selling Settings' default, else any leaf of the tree, else its root."""
	value = frappe.db.get_single_value("Selling Settings", settings_field)
	if value:
		return value
	leaf = frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="lft asc")
	return leaf or frappe.db.get_value(doctype, {"is_group": 1}, "name", order_by="lft asc")
