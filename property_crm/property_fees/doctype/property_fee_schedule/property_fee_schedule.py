import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder.functions import Coalesce
from frappe.utils import getdate

from property_crm.property_fees.rules import fees
from property_crm.validation import apply_rule


class PropertyFeeSchedule(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		apply_rule(fees.check_dates, "Effective To", _date(self.effective_from), _date(self.effective_to))
		self.validate_lines()
		self.validate_terms()
		self.validate_no_overlap()

	def validate_lines(self):
		for row in self.lines:
			if (row.rate or 0) < 0:
				frappe.throw(
					_("Fees, row {0}: the rate cannot be negative.").format(row.idx),
					title=_("Please correct this value"),
				)
			if row.basis == "Metered" and not row.meter_type:
				frappe.throw(
					_("Fees, row {0}: choose the meter of a metered fee.").format(row.idx),
					title=_("Please correct this value"),
				)
			if not (row.for_residential or row.for_commercial or row.for_parking or row.for_storage):
				frappe.throw(
					_("Fees, row {0}: choose at least one unit usage the fee applies to.").format(row.idx),
					title=_("Please correct this value"),
				)
			apply_rule(fees.check_dates, "Effective To", _date(row.effective_from), _date(row.effective_to))

	def validate_terms(self):
		if (self.late_fee_daily_rate or 0) < 0 or (self.late_fee_daily_rate or 0) > 1:
			frappe.throw(
				_("Late Fee per Day (%): give a rate between 0 and 1 % a day."),
				title=_("Please correct this value"),
			)
		if (self.due_days or 0) < 0 or (self.grace_days or 0) < 0:
			frappe.throw(
				_("Days to Pay and Grace Days cannot be negative."), title=_("Please correct this value")
			)

	def validate_no_overlap(self):
		"""One schedule in force per estate at a time, so a fee is never billed from two schedules."""
		if self.disabled:
			return
		schedule = frappe.qb.DocType("Property Fee Schedule")
		start = getdate(self.effective_from)
		query = (
			frappe.qb.from_(schedule)
			.select(schedule.name)
			.where(
				(schedule.estate == self.estate)
				& (schedule.disabled == 0)
				& (schedule.name != (self.name or ""))
				& (Coalesce(schedule.effective_to, "9999-12-31") >= start)
			)
		)
		if self.effective_to:
			query = query.where(schedule.effective_from <= getdate(self.effective_to))
		other = query.limit(1).run()
		if other:
			frappe.throw(
				_(
					"Effective From: schedule {0} of this estate is in force in the same period; end it first."
				).format(other[0][0]),
				title=_("Please correct this value"),
			)


def _date(value):
	return getdate(value) if value else None
