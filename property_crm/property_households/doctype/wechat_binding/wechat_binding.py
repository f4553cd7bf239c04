"""A resident file's WeChat openid (property_crm.wechat.binding writes and reads it)."""

from frappe.model.document import Document


class WeChatBinding(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
