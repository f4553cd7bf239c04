"""Frappe's Notification, for the documents of the Property CRM module only.

1. Recipients are people who may read the document. Frappe addresses role recipients by role alone, so a
   clerk restricted by User Permission to another estate would get the mail and the in-app alert with
   the unit, subject and link. Here every recipient that is a user is kept only when `may_read` says so —
   the one question, answered by `frappe.has_permission` (role rules, User Permissions on Property Estate
   and our has_permission hooks) or, for a resident's portal login, by being the person the document
   is about. Addresses and numbers that belong to no user are the document's own contacts (the
   requester's e-mail or phone) or addresses the administrator typed into the notification: kept.
   This covers e-mail, in-app (system notification) and SMS. A resident's mobile on a document is the
   mask (138****5678); the SMS goes to the full number of the resident file it links to
   (`mobile_numbers.full_numbers`), and the timeline and the SMS Log show masks.
2. No setup advice to people who cannot act on it. Without an outgoing e-mail account Frappe throws
   "Please setup default outgoing Email Account…", which reaches the technician completing an order and
   the resident filing one. Here the e-mail (or SMS, without a gateway) channel is skipped with a line in
   the document's timeline; the in-app notification is still made. The administrator sees what to
   configure on Property CRM Settings (`channel_status`).
3. WeChat (`property_crm.wechat.notify`): a notification with a WeChat template reaches the document's
   residents who prefer WeChat and have bound it by a template message instead of its e-mail or SMS; when
   WeChat cannot reach them (not bound, unfollowed, refused) the e-mail or SMS goes as before.

Notifications on other modules' documents behave exactly as Frappe's.
"""

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.doctype.notification.notification import Notification
from frappe.utils import parse_addr

from property_crm.masks import mask_mobile
from property_crm.mobile_numbers import full_numbers

SHOWN = 5  # recipients named in a timeline line


def is_ours(doc) -> bool:
	return frappe.get_meta(doc.doctype).module in frappe.get_module_list("property_crm")


def may_read(doc, user: str, account: dict | None = None) -> bool:
	"""May `user` read `doc`? Staff: Frappe's permission check with every rule applied. Residents (portal
	users): when the document is about them (it links to their resident file). `account` (enabled,
	user_type) when the caller has read it already."""
	account = account or frappe.db.get_value("User", user, ["enabled", "user_type"], as_dict=True)
	if not account or not account.enabled:
		return False
	if account.user_type == "System User" or user == "Administrator":
		return frappe.has_permission(doc.doctype, "read", doc, user=user)
	# not frappe.has_website_permission: it answers yes for any document saved with ignore_permissions
	return user in _people_of(doc)


def _people_of(doc) -> set[str]:
	"""Portal users of the resident files the document links to (its requester, complainant…)."""
	files = {doc.get(df.fieldname) for df in doc.meta.get_link_fields() if df.options == "Property Owner"}
	files.discard(None)
	if not files:
		return set()
	return set(frappe.get_all("Property Owner", filters={"name": ("in", list(files))}, pluck="user")) - {None}


def _users_by(field: str, values: list[str]) -> dict[str, list[dict]]:
	"""The users whose `field` is one of `values` (name, enabled, user_type), in one query."""
	rows = frappe.get_all(
		"User", filters={field: ("in", values)}, fields=["name", field, "enabled", "user_type"]
	)
	found = {}
	for row in rows:
		found.setdefault(row[field], []).append(row)
	return found


def _any_reader(doc, users: list[dict]) -> bool:
	return any(may_read(doc, user.name, user) for user in users)


def readers_only(doc, addresses: list[str]) -> list[str]:
	"""The e-mail addresses (or user ids) of `addresses` that may receive `doc`."""
	addresses = [a for a in addresses if a]
	if not addresses:
		return []
	by_email = _users_by("email", [parse_addr(a)[1] or a for a in addresses])
	by_name = _users_by("name", addresses)
	kept = []
	for address in addresses:
		users = by_name.get(address) or by_email.get(parse_addr(address)[1] or address)
		if not users or _any_reader(doc, users):
			kept.append(address)
	return kept


def numbers_only_for_readers(doc, numbers: list[str]) -> list[str]:
	"""The phone numbers of `numbers` that may receive `doc`: a staff member's number only when he may
	read it; a number that is no user's (the requester's, written on the document) is kept."""
	numbers = [n for n in numbers if n]
	if not numbers:
		return []
	owners = _users_by("mobile_no", numbers)
	return [n for n in numbers if not owners.get(n) or _any_reader(doc, owners[n])]


def outgoing_email_ready(sender: str | None = None) -> bool:
	"""Would Frappe find an outgoing account? (Uncached: the answer changes when one is set up.)"""
	if sender and EmailAccount.find_one_by_filters(enable_outgoing=1, email_id=parse_addr(sender)[1]):
		return True
	return bool(EmailAccount.find_default_outgoing())


def sms_ready() -> bool:
	return bool(frappe.db.get_single_value("SMS Settings", "sms_gateway_url"))


@frappe.whitelist()
def channel_status() -> dict:
	"""What is configured, for the line on Property CRM Settings."""
	return {"email": outgoing_email_ready(), "sms": sms_ready()}


class PropertyNotification(Notification):
	def get_list_of_recipients(self, doc, context):
		recipients, cc, bcc = super().get_list_of_recipients(doc, context)
		if not is_ours(doc):
			return recipients, cc, bcc
		return readers_only(doc, recipients), readers_only(doc, cc), readers_only(doc, bcc)

	def get_receiver_list(self, doc, context):
		receivers = super().get_receiver_list(doc, context)
		if not is_ours(doc):
			return receivers
		# a resident's number on the document is its mask: the gateway gets the file's full number
		return numbers_only_for_readers(doc, full_numbers(doc, receivers))

	def by_wechat(self, doc, context) -> bool:
		if not is_ours(doc) or not (self.get("wechat_template_id") or self.get("wechat_template")):
			return False
		from property_crm.wechat import notify

		return notify.by_wechat(self, doc, context)

	def send_an_email(self, doc, context):
		if self.by_wechat(doc, context):
			return
		if is_ours(doc) and not outgoing_email_ready(self.sender_email):
			recipients, cc, bcc = self.get_list_of_recipients(doc, context)
			self._not_sent(doc, _("e-mail"), recipients + cc + bcc, _("no outgoing e-mail account is set up"))
			return
		return super().send_an_email(doc, context)

	def send_sms(self, doc, context):
		if not is_ours(doc):
			return super().send_sms(doc, context)
		if self.by_wechat(doc, context):
			return
		from frappe.core.doctype.sms_settings.sms_settings import send_sms

		receivers = self.get_receiver_list(doc, context)
		if not receivers:
			return
		if not sms_ready():  # the timeline shows the masks, never the numbers
			self._not_sent(doc, _("SMS"), [mask_mobile(n) for n in receivers], _("no SMS gateway is set up"))
			return
		# no "SMS sent successfully" dialog for the technician whose action triggered it
		send_sms(receivers, frappe.render_template(self.message, context), success_msg=False)

	def _not_sent(self, doc, channel: str, recipients: list[str], reason: str) -> None:
		"""A line in the document's timeline instead of a dialog for whoever triggered the notification."""
		recipients = sorted(set(recipients))
		if not recipients:
			return
		shown = ", ".join(recipients[:SHOWN])
		if len(recipients) > SHOWN:
			shown += " " + _("and {0} more").format(len(recipients) - SHOWN)
		doc.add_comment(
			"Info",
			_("Notification {0} not sent by {1} to {2}: {3}.").format(_(self.name), channel, shown, reason),
		)
