from datetime import timedelta

import frappe
from frappe import _
from frappe.core.doctype.communication.communication import update_parent_document_on_communication
from frappe.model.document import Document
from frappe.utils import flt, get_datetime, now_datetime

from property_crm.property_households.residents import check_occupant
from property_crm.property_service import intake, orders
from property_crm.property_service.rules.service import REPEAT_WINDOW_DAYS, is_repeat


class ServiceOrder(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def before_insert(self):
		if intake.is_emailed(self):
			intake.prepare(self)
		self.set_repeat_of()

	def after_insert(self):
		intake.after_insert(self)

	def validate(self):
		self.validate_placed()
		self.set_location()
		self.set_repeat_of_when_placed()
		self.validate_requester_lives_there()
		self.set_defaults_from_category()
		self.compute_materials()
		self.validate_rating()
		self.validate_completion()

	def validate_workflow(self):
		# A resident cancelling their own undispatched request on the portal (property_service.api.cancel_request
		# checked both) has no desk role for the Workflow to match: that one move is allowed here.
		if self.flags.resident_cancellation and self.status == "Cancelled":
			return
		super().validate_workflow()

	def on_update(self):
		if self.has_value_changed("status"):
			orders.on_status_change(self)

	def on_communication_update(self, communication):
		"""Frappe calls this instead of its own parent update when a Communication of this order is saved."""
		intake.on_communication(self, communication)
		if communication.comment_type != "Updated":
			update_parent_document_on_communication(communication)

	def validate_placed(self):
		"""Unit and category: mandatory, except on an e-mailed (or WeChat) order customer service have yet to place
		(it can wait in Draft or be cancelled, but not be accepted nor go any further until they have)."""
		emailed = self.channel == intake.CHANNEL
		if self.channel in intake.PLACED_LATER and self.status in ("Draft", "Cancelled"):
			return
		if not self.unit:
			frappe.throw(
				_("Unit: place this e-mailed request in a unit before accepting it.")
				if emailed
				else _("Unit: choose the unit this request is for."),
				title=_("Please correct this value"),
			)
		if not self.service_category:
			frappe.throw(
				_("Category: choose the category of this e-mailed request before accepting it.")
				if emailed
				else _("Category: choose the category of this request."),
				title=_("Please correct this value"),
			)

	def set_repeat_of(self):
		"""Remember the earlier order this one repeats (same unit and category within 90 days)."""
		if not (self.unit and self.service_category):
			return
		opened = get_datetime(self.creation) if self.creation else now_datetime()
		filters = {
			"unit": self.unit,
			"service_category": self.service_category,
			"creation": (">=", opened - timedelta(days=REPEAT_WINDOW_DAYS)),
			"status": ("!=", "Cancelled"),
		}
		if not self.is_new():
			filters["name"] = ("!=", self.name)
		earlier = frappe.get_all(
			"Service Order",
			filters=filters,
			fields=["name", "creation"],
			order_by="creation desc",
			limit=1,
		)
		if earlier and is_repeat(get_datetime(earlier[0].creation), opened):
			self.repeat_of = earlier[0].name

	def set_repeat_of_when_placed(self):
		"""An e-mailed order gets its unit (or category) later: look for the order it repeats then."""
		before = self.get_doc_before_save()
		if before and not (before.unit and before.service_category) and not self.repeat_of:
			self.set_repeat_of()

	def set_location(self):
		if not self.unit:
			self.estate = self.building = None
			return
		self.estate, self.building = frappe.db.get_value("Property Unit", self.unit, ["estate", "building"])

	def validate_requester_lives_there(self):
		check_occupant(self.requester, self.unit, "Requester")

	def set_defaults_from_category(self):
		if self.is_new():
			category = frappe.db.get_value(
				"Service Category", self.service_category, ["default_priority", "chargeable"], as_dict=True
			)
			if category and category.default_priority and not self.get("priority"):
				self.priority = category.default_priority
			for row in self.materials:
				if row.chargeable is None:
					row.chargeable = category.chargeable if category else 0

	def compute_materials(self):
		for row in self.materials:
			if flt(row.qty) <= 0:
				frappe.throw(
					_("Materials, row {0}: the quantity must be greater than 0.").format(row.idx),
					title=_("Please correct this value"),
				)
			row.amount = flt(row.qty) * flt(row.rate)
		self.chargeable_amount = sum(flt(row.amount) for row in self.materials if row.chargeable)

	def validate_rating(self):
		if self.rating and not 1 <= self.rating <= 5:
			frappe.throw(_("Rating (1–5): give 1 to 5 stars."), title=_("Please correct this value"))
		if self.rating and not self.rated_on:
			self.rated_on = now_datetime()

	def validate_completion(self):
		if self.status == "Completed" and not (self.completion_notes or "").strip():
			frappe.throw(
				_("Completion Notes: describe the work done before completing the order."),
				title=_("Please correct this value"),
			)
		if self.status == "Completed" and self.has_value_changed("status"):
			self.completed_on = now_datetime()
