"""Anonymous complaints made before their messages were confidential: the acknowledgement's channel moves to
the identity record (the complaint shows only when it was acknowledged), and the messages on identity
records lose the links Frappe gave them to Contacts / resident files and to the shared inbox."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabComplaint Identity` i join `tabComplaint` c on c.identity = i.name
		set i.acknowledged_via = c.acknowledged_via
		where c.is_anonymous = 1 and c.acknowledged_via is not null and coalesce(i.acknowledged_via, '') = ''"""
	)
	frappe.db.sql(
		"""update `tabComplaint` set acknowledged_via = null,
			acknowledged_on = coalesce(acknowledged_on, received_on, creation)
		where is_anonymous = 1"""
	)
	on_identities = frappe.get_all(
		"Communication", filters={"reference_doctype": "Complaint Identity"}, pluck="name"
	)
	for start in range(0, len(on_identities), 500):
		chunk = on_identities[start : start + 500]
		frappe.db.delete("Communication Link", {"parent": ("in", chunk), "parenttype": "Communication"})
		frappe.db.set_value(
			"Communication", {"name": ("in", chunk)}, "email_account", None, update_modified=False
		)
