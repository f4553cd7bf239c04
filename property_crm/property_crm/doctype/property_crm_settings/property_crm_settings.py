from frappe.model.document import Document


class PropertyCRMSettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def onload(self):
		# what the form's intro line says is still to be configured for notifications
		from property_crm.overrides.notification import channel_status

		self.set_onload("notification_channels", channel_status())
