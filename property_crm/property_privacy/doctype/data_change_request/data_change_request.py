"""A Data Change Request: a deletion or a change of key data, applied once a second manager approves.

Thin: the decisions are `property_privacy.four_eyes` (Frappe side) and `property_privacy.rules.four_eyes`
(pure). Whatever the door (the workflow's Approve / Reject, REST, `frappe.client.set_value`), the requester
never decides their own request, a decided request never changes, and what the request proposes is computed
on the server when it is filed."""

from frappe.model.document import Document

from property_crm.property_privacy import four_eyes


class DataChangeRequest(Document):
	def validate(self):
		if self.is_new():
			four_eyes.prepare(self)
		else:
			four_eyes.check_decision(self)

	def after_insert(self):
		four_eyes.filed(self)

	def on_update(self):
		before = self.get_doc_before_save()
		if before and before.status != self.status:
			four_eyes.decided(self)

	def on_trash(self):
		four_eyes.refuse_request_deletion(self)
