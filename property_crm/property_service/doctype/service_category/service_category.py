import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.property_service import dispatch, service_levels


class ServiceCategory(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if self.parent_category:
			if self.parent_category == self.name:
				frappe.throw(_("Parent Category: a category cannot be its own parent."))
			if not frappe.db.get_value("Service Category", self.parent_category, "is_group"):
				frappe.throw(
					_("Parent Category: {0} is not a group.").format(self.parent_category),
					title=_("Please correct this value"),
				)
		for hours in (self.response_hours, self.resolution_hours):
			if hours and hours < 0:
				frappe.throw(_("Targets must not be negative."), title=_("Please correct this value"))

	def on_update(self):
		rule = dispatch.sync_category_rule(self)
		sla = service_levels.sync_category_agreement(self)
		self.db_set({"assignment_rule": rule, "service_level_agreement": sla}, update_modified=False)
