"""ID numbers and mobiles stored in plain text before they were protected: each becomes its mask, with the
value encrypted and hashed beside it; the plain values are masked in the records' history as well
(property_crm/protected_fields.py)."""

import frappe

from property_crm.protected_fields import protect_stored


def execute():
	done = protect_stored()
	frappe.db.commit()
	if any(done.values()):
		print("Protected: " + ", ".join(f"{what} {count}" for what, count in done.items() if count))
