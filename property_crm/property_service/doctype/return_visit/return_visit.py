import frappe
from frappe import _
from frappe.model.document import Document

from property_crm.permissions import assignees


class ReturnVisit(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.set_location()
		self.validate_visitor_is_not_the_technician()
		if self.satisfaction and not 1 <= self.satisfaction <= 5:
			frappe.throw(_("Satisfaction (1–5): give 1 to 5."), title=_("Please correct this value"))
		if self.outcome and self.status == "Open":
			self.status = "Done"

	def on_update(self):
		if self.has_value_changed("outcome"):
			# each module acts on the visits of its records (hooks.py, `return_visit_outcome`): an order or a
			# complaint reopened when unsatisfied, a periodic household visit retried or flagged unreachable
			for method in frappe.get_hooks("return_visit_outcome"):
				frappe.get_attr(method)(self)

	def set_location(self):
		if self.reference_doctype == "Service Order":
			self.estate, self.unit = frappe.db.get_value(
				"Service Order", self.reference_name, ["estate", "unit"]
			) or (None, None)
		elif self.reference_doctype == "Complaint":
			# an anonymous complaint has no unit (its visitor, a manager, reads the confidential identity)
			self.estate, self.unit = frappe.db.get_value(
				"Complaint", self.reference_name, ["estate", "unit"]
			) or (None, None)
		elif self.reference_doctype == "Property Unit":
			# a periodic household visit (property_care.care.plan_return_visits)
			self.estate = frappe.db.get_value("Property Unit", self.reference_name, "estate")
			self.unit = self.reference_name
		elif self.reference_doctype == "Survey Response":
			# a follow-up of a low survey answer (named responses only: anonymous ones get none)
			self.estate, self.unit = frappe.db.get_value(
				"Survey Response", self.reference_name, ["estate", "unit"]
			) or (None, None)

	def validate_visitor_is_not_the_technician(self):
		if self.reference_doctype == "Complaint" and self.visitor:
			if self.visitor == frappe.db.get_value("Complaint", self.reference_name, "responsible_person"):
				frappe.throw(
					_(
						"Visitor: {0} is responsible for this complaint; the return visit must be made by someone else."
					).format(self.visitor),
					title=_("Please correct this value"),
				)
			return
		if self.reference_doctype != "Service Order" or not self.visitor:
			return
		if self.visitor in assignees(self.reference_name):
			frappe.throw(
				_("Visitor: {0} did the job; the return visit must be made by someone else.").format(
					self.visitor
				),
				title=_("Please correct this value"),
			)
