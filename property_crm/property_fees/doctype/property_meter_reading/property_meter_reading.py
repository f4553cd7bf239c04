import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from property_crm.property_fees.rules import fees
from property_crm.validation import apply_rule


class PropertyMeterReading(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.period = fees.month_start(getdate(self.period))
		if not self.previous_reading:
			self.previous_reading = last_reading(self.unit, self.meter_type, self.period, self.name) or 0
		self.consumption = float(
			apply_rule(
				fees.consumption,
				self.previous_reading,
				self.current_reading,
				bool(self.meter_change),
				bool(self.rollover),
				self.meter_digits,
				self.old_meter_final_reading if self.meter_change and self.old_meter_final_reading else None,
			)
		)
		self.validate_once_per_month()

	def validate_once_per_month(self):
		"""A readable message; the UNIQUE index (unit, meter, month) is what guarantees it."""
		other = frappe.db.get_value(
			self.doctype,
			{
				"unit": self.unit,
				"meter_type": self.meter_type,
				"period": self.period,
				"name": ("!=", self.name or ""),
			},
		)
		if other:
			frappe.throw(
				_("Month: this meter of {0} already has reading {1} for this month.").format(
					self.unit, other
				),
				title=_("Please correct this value"),
			)


def last_reading(unit: str, meter_type: str, before, exclude: str | None = None) -> float | None:
	value = frappe.db.get_value(
		"Property Meter Reading",
		{"unit": unit, "meter_type": meter_type, "period": ("<", before), "name": ("!=", exclude or "")},
		"current_reading",
		order_by="period desc",
	)
	return value


def on_doctype_update():
	frappe.db.add_unique(
		"Property Meter Reading", ["unit", "meter_type", "period"], constraint_name="unique_meter_month"
	)
