"""SMS through Frappe's SMS Settings: the SMS notifications are on exactly when a gateway is configured."""

import frappe

SMS_NOTIFICATIONS = (
	"Service Order Completed SMS",
	"Complaint Acknowledgement SMS",
	"Anonymous Complaint Acknowledgement SMS",
)


def sync_sms_notifications(doc=None, method=None) -> None:
	configured = bool(frappe.db.get_single_value("SMS Settings", "sms_gateway_url"))
	for name in SMS_NOTIFICATIONS:
		if frappe.db.exists("Notification", name):
			frappe.db.set_value("Notification", name, "enabled", int(configured), update_modified=False)
