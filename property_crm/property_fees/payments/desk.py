"""The front desk: staff record cash, bank card and bank transfer payments with ERPNext's own Payment Entry
(Sales Invoice → Create → Payment), and print the same electronic receipt residents see on the portal.

Set up after migrate: the Modes of Payment "Cash" (ERPNext's own), "Bank Card" (银行卡) and "Bank Transfer"
(转账), each with the company's cash or bank account as its default, and the Print Format "Property Receipt"
made Payment Entry's default print format (a Property Setter, as a site's own "Customize Form" would)."""

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

RECEIPT_FORMAT = "Property Receipt"
DESK_MODES = {"Cash": "Cash", "Bank Card": "Bank", "Bank Transfer": "Bank"}  # mode -> Mode of Payment type


def ensure_desk_modes() -> None:
	for mode, kind in DESK_MODES.items():
		if not frappe.db.exists("Mode of Payment", mode):
			frappe.get_doc(
				{"doctype": "Mode of Payment", "mode_of_payment": mode, "type": kind, "enabled": 1}
			).insert(ignore_permissions=True)  # Safe: set-up of the front desk's modes of payment
		doc = frappe.get_doc("Mode of Payment", mode)
		have = {row.company for row in doc.accounts}
		changed = False
		for company in frappe.get_all(
			"Company", fields=["name", "default_cash_account", "default_bank_account"]
		):
			account = company.default_cash_account if kind == "Cash" else company.default_bank_account
			if company.name in have or not account:
				continue
			doc.append("accounts", {"company": company.name, "default_account": account})
			changed = True
		if changed:
			doc.save(ignore_permissions=True)  # Safe: set-up of the front desk's modes of payment


def ensure_receipt_default() -> None:
	"""Payment Entry prints as the Property Receipt unless the site chose another default."""
	if not frappe.db.exists("Print Format", RECEIPT_FORMAT):
		return
	current = frappe.db.get_value(
		"Property Setter",
		{"doc_type": "Payment Entry", "property": "default_print_format", "doctype_or_field": "DocType"},
		"value",
	)
	if current:
		return  # ours already, or the site's own choice
	make_property_setter(
		"Payment Entry",
		None,
		"default_print_format",
		RECEIPT_FORMAT,
		"Data",
		for_doctype=True,
		validate_fields_for_doctype=False,
	)


def after_migrate() -> None:
	try:
		if frappe.db.exists("DocType", "Payment Entry") and frappe.get_all("Company", limit=1):
			ensure_desk_modes()
		ensure_receipt_default()
	except Exception:
		frappe.log_error(title="Property CRM: front desk payment set-up", message=frappe.get_traceback())


def after_setup_wizard(args=None) -> None:
	"""`setup_wizard_complete`: a site whose company is made after the app was installed gets the front desk's
	and the platforms' Modes of Payment then (after_install found no company)."""
	from property_crm.property_fees.payments import orders

	after_migrate()
	orders.after_migrate()
