import frappe
from frappe import _
from frappe.model.document import Document
from frappe.model.naming import make_autoname
from frappe.utils import get_link_to_form, getdate, today

from property_crm.masks import is_masked
from property_crm.property_households.residents import ARCHIVE_SERIES
from property_crm.property_households.rules.contact import normalize_email, normalize_mobile
from property_crm.property_households.rules.identity import normalize_id_number
from property_crm.protected_fields import hash_field, hashes_of, plain_value
from property_crm.validation import apply_rule


class PropertyOwner(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def autoname(self):
		self.name = self.archive_number = make_autoname(ARCHIVE_SERIES, doc=self)

	def onload(self):
		self.set_onload("units", units_of(self.name))

	def before_validate(self):
		# the plain values typed, imported or posted are checked here, before the before_validate hook
		# property_crm.protected_fields.protect keeps them encrypted and leaves their masks in the columns
		self.normalize_contact_details()
		self.validate_identity()

	def validate(self):
		self.validate_dates()
		self.refuse_duplicate_id()
		self.warn_shared_mobile()
		self.normalize_vehicles()

	def on_update(self):
		from property_crm.property_households.accounts import sync_contact

		sync_contact(self)

	def normalize_contact_details(self):
		if not is_masked(self.mobile):  # a mask came back from the form: the stored value stays
			self.mobile = apply_rule(normalize_mobile, self.mobile or "", "mobile")
		self.email = apply_rule(normalize_email, self.email or "", "email")
		if not is_masked(self.emergency_contact_phone):
			self.emergency_contact_phone = apply_rule(
				normalize_mobile, self.emergency_contact_phone or "", "emergency_contact_phone"
			)
		for row in self.family_members:
			if not is_masked(row.mobile):
				row.mobile = apply_rule(normalize_mobile, row.mobile or "", "family_members")

	def validate_identity(self):
		if not self.id_number:
			return
		if not self.id_type:
			frappe.throw(
				_("ID Type: choose the type of the ID document."), title=_("Please correct this value")
			)
		masked = is_masked(self.id_number)
		number = apply_rule(
			normalize_id_number,
			self.id_type,
			plain_value(self, "id_number") if masked else self.id_number,
			getdate(self.date_of_birth) if self.date_of_birth else None,
			getdate(today()),
		)
		if not masked:
			self.id_number = number

	def validate_dates(self):
		now = getdate(today())
		for fieldname in (
			"date_of_birth",
			"privacy_consent_date",
			"marketing_consent_date",
			"last_verified_on",
		):
			if self.get(fieldname) and getdate(self.get(fieldname)) > now:
				frappe.throw(
					_("{0}: cannot be in the future.").format(_(self.meta.get_label(fieldname))),
					title=_("Please correct this value"),
				)
		if self.marketing_consent and not self.marketing_consent_date:
			self.marketing_consent_date = now

	def refuse_duplicate_id(self):
		if not self.id_number:
			return
		# through the keyed hash: the column holds only the mask (property_crm.protected_fields)
		other = frappe.db.get_value(
			"Property Owner",
			{
				"id_type": self.id_type,
				hash_field("id_number"): ("in", hashes_of(plain_value(self, "id_number"))),
				"name": ("!=", self.name or ""),
			},
			["name", "full_name"],
			as_dict=True,
		)
		if other:
			frappe.throw(
				_(
					"ID Number: this ID number is already on file {0} ({1}). Open that file instead of creating a second one."
				).format(get_link_to_form("Property Owner", other.name), other.full_name),
				frappe.DuplicateEntryError,
				title=_("Duplicate resident file"),
			)

	def warn_shared_mobile(self):
		if not self.mobile:
			return
		others = frappe.db.get_all(
			"Property Owner",
			filters={
				hash_field("mobile"): ("in", hashes_of(plain_value(self, "mobile"))),
				"name": ("!=", self.name or ""),
			},
			fields=["name", "full_name"],
			limit=3,
		)
		if others:
			files = ", ".join(f"{get_link_to_form('Property Owner', o.name)} ({o.full_name})" for o in others)
			frappe.msgprint(
				_(
					"Mobile: {0} is also the number on file {1}. Families often share a phone; check that this is not the same person."
				).format(self.mobile, files),
				title=_("Shared mobile number"),
				indicator="orange",
			)

	def normalize_vehicles(self):
		for row in self.vehicles:
			row.plate_number = "".join((row.plate_number or "").split()).upper().replace("·", "")


def units_of(resident: str) -> list[dict]:
	"""The units this person lives in or owns, as far as the current user may see them."""
	if not resident:
		return []
	return frappe.get_list(
		"Property Unit",
		filters=[["Property Unit Occupant", "resident", "=", resident]],
		fields=[
			"name",
			"estate",
			"building",
			"status",
			"`tabProperty Unit Occupant`.relation as relation",
			"`tabProperty Unit Occupant`.move_in as move_in",
			"`tabProperty Unit Occupant`.move_out as move_out",
			"`tabProperty Unit Occupant`.primary_contact as primary_contact",
		],
		order_by="`tabProperty Unit`.name asc",
		limit_page_length=0,
	)
