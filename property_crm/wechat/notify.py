"""The WeChat channel of Frappe's Notification (模板消息): a Notification of ours with a WeChat template (custom
fields `wechat_template` — an event whose template id is set on WeChat Official Account Settings — or
`wechat_template_id`, the mapping `wechat_fields` of template keywords to Jinja, and `wechat_url`) reaches the
residents of the document who prefer WeChat and have bound their WeChat by a template message INSTEAD of the
notification's e-mail or SMS; everyone else gets the notification exactly as before (the existing fallback:
e-mail, SMS, portal). The in-app notification is made as before.

Each template message is one Integration Request of service "WeChat Template Message" (the delivery record
WeChat Delivery counts; the client logs its API calls separately): the notification, the document, the
resident (never the openid, the app secret or the access token), the rendered keywords while it waits to be
sent (dropped once it is sent or given up), and what came of it:
- Completed: WeChat accepted it (its msgid in `request_id`); WeChat's later TEMPLATESENDJOBFINISH event
  marks it delivered or not (`on_delivery_report`);
- Unsubscribed (43004) or any other refusal: Failed, and the notification goes out by its own channel;
- QuotaExceeded (45009/45047): Queued, tried again later by the scheduler (`retry_queued`, every 5 minutes)
  after BACKOFF minutes; once the tries are spent it is Failed and the notification's own channel is used.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

SERVICE = "WeChat Template Message"
BACKOFF = (5, 30, 120)  # minutes before the 2nd, 3rd and 4th try after a quota refusal
MAX_KEYWORD = 200  # characters of one keyword's value (WeChat cuts longer ones)

# the events of WeChat Official Account Settings' template ids (fieldnames there)
EVENTS = {
	"Request Accepted": "template_request_accepted",
	"Request Dispatched": "template_request_dispatched",
	"Request Completed": "template_request_completed",
	"Complaint Acknowledged": "template_complaint_acknowledged",
	"Complaint Resolved": "template_complaint_resolved",
	"Bill Due": "template_bill_due",
	"Arrears Notice": "template_arrears_notice",
	"Survey Invitation": "template_survey_invitation",
	"Estate Notice": "template_estate_notice",
}
SETTINGS = "WeChat Official Account Settings"


def _settings_value(fieldname: str):
	try:
		return frappe.db.get_single_value(SETTINGS, fieldname)
	except Exception:  # the settings' doctype or field is not there (yet): no WeChat
		return None


def enabled() -> bool:
	from property_crm.wechat import client

	try:
		return client.enabled()
	except Exception:  # the settings' doctype is not there (yet): no WeChat
		return False


def template_id(notification) -> str | None:
	"""The notification's own template id, else the one the settings give its event."""
	if notification.get("wechat_template_id"):
		return notification.wechat_template_id.strip()
	field = EVENTS.get(notification.get("wechat_template") or "")
	if not field:
		return None
	return (_settings_value(field) or "").strip() or None


def residents_of(doc) -> list[str]:
	"""The resident files the document is about (its requester, complainant…), in field order; not a file
	merely suggested (`suggested_requester` of an e-mailed request, not confirmed yet)."""
	found = []
	for df in doc.meta.get_link_fields():
		if df.options != "Property Owner" or df.fieldname.startswith("suggested"):
			continue
		if doc.get(df.fieldname) and doc.get(df.fieldname) not in found:
			found.append(doc.get(df.fieldname))
	return found


def openid_of(resident: str) -> str | None:
	from property_crm.wechat import binding

	return binding.openid_of(resident)


def wechat_residents(doc) -> list[str]:
	"""The document's residents who prefer WeChat (and have a bound WeChat)."""
	people = residents_of(doc)
	if not people:
		return []
	prefer = frappe.get_all(
		"Property Owner", filters={"name": ("in", people), "preferred_channel": "WeChat"}, pluck="name"
	)
	return [person for person in people if person in prefer and openid_of(person)]


def render(notification, context) -> tuple[dict, str | None]:
	"""The template's keywords ({"keyword1": {"value": …}}) and its link, rendered with the notification's
	context (the same Jinja as its message)."""
	try:
		mapping = json.loads(notification.get("wechat_fields") or "{}")
	except ValueError:
		mapping = {}
	if not isinstance(mapping, dict):
		mapping = {}
	data = {}
	for keyword, template in mapping.items():
		value = frappe.render_template(str(template or ""), context).strip()
		data[str(keyword)] = {"value": value[:MAX_KEYWORD]}
	url = (notification.get("wechat_url") or "").strip()
	url = frappe.render_template(url, context).strip() if url else None
	return data, url or None


def by_wechat(notification, doc, context) -> bool:
	"""Send the notification by WeChat to the document's residents who prefer it; True when WeChat took
	over (sent, or queued after a quota refusal), False when the notification's own channel must be used."""
	if notification.flags.get("skip_wechat") or not template_id(notification) or not enabled():
		return False
	people = wechat_residents(doc)
	if not people:
		return False
	data, url = render(notification, context)
	taken = [send(notification.name, doc, person, template_id(notification), data, url) for person in people]
	return all(result in ("Completed", "Queued") for result in taken)


def send(notification: str, doc, resident: str, template: str, data: dict, url: str | None) -> str:
	"""One template message, with its Integration Request; returns its status."""
	record = frappe.get_doc(
		{
			"doctype": "Integration Request",
			"integration_request_service": SERVICE,
			"is_remote_request": 0,
			"request_description": notification,
			"reference_doctype": doc.doctype,
			"reference_docname": doc.name,
			"status": "Queued",
			"data": json.dumps(
				{
					"notification": notification,
					"resident": resident,
					"template_id": template,
					"data": data,
					"url": url,
					"tries": 0,
				},
				ensure_ascii=False,
			),
		}
	)
	record.insert(ignore_permissions=True)  # Safe: the delivery record of a message the system sends
	return attempt(record)


def attempt(record) -> str:
	"""Try (again) the template message of `record`; writes its status and returns it."""
	from property_crm.wechat import client

	payload = json.loads(record.data or "{}")
	payload["tries"] = int(payload.get("tries") or 0) + 1
	openid = openid_of(payload.get("resident"))
	error, output = None, {}
	if not openid:
		status, error = "Failed", _("the resident's WeChat is no longer bound")
	else:
		try:
			msgid = client.send_template(
				openid,
				payload["template_id"],
				payload["data"],
				url=payload.get("url"),
				reference=(record.reference_doctype, record.reference_docname),
			)
			status, output = "Completed", {"msgid": str(msgid), "sent_on": str(now_datetime())}
			record.request_id = str(msgid)
		except client.QuotaExceeded as e:
			if payload["tries"] > len(BACKOFF):
				status, error = (
					"Failed",
					_("WeChat's daily quota is spent: tried {0} times").format(payload["tries"]),
				)
			else:
				status = "Queued"
				payload["next_try"] = str(add_to_date(now_datetime(), minutes=BACKOFF[payload["tries"] - 1]))
				error = f"{e.errcode}: " + _("WeChat's quota is spent; tried again later")
		except client.Unsubscribed as e:
			status, error = "Failed", f"{e.errcode}: " + _("the resident has unfollowed the official account")
		except client.WeChatError as e:
			status, error = "Failed", f"{e.errcode}: {e.errmsg}"
		except Exception as e:  # the network: the notification's own channel takes over
			status, error = "Failed", type(e).__name__
	if status != "Queued":  # the message's words are kept only while it waits to be sent
		payload.pop("data", None)
		payload.pop("next_try", None)
	record.status = status
	record.data = json.dumps(payload, ensure_ascii=False)
	record.output = json.dumps(output, ensure_ascii=False) if output else record.output
	record.error = error
	record.save(ignore_permissions=True)  # Safe: see send()
	return status


def fall_back(record) -> None:
	"""The notification by its own channel, for a template message that could not be delivered later."""
	if not (
		record.reference_doctype
		and frappe.db.exists(record.reference_doctype, record.reference_docname)
		and frappe.db.exists("Notification", record.request_description)
	):
		return
	doc = frappe.get_doc(record.reference_doctype, record.reference_docname)
	notification = frappe.get_doc("Notification", record.request_description)
	notification.flags.skip_wechat = True
	notification.send(doc)


def retry_queued(commit: bool = True) -> None:
	"""Scheduler (every 5 minutes): the template messages refused for quota whose time has come (each one
	committed on its own: one failure does not undo the others)."""
	now = now_datetime()
	for name in frappe.get_all(
		"Integration Request",
		filters={"integration_request_service": SERVICE, "status": "Queued"},
		pluck="name",
		order_by="creation asc",
		limit=500,
	):
		record = frappe.get_doc("Integration Request", name)
		next_try = json.loads(record.data or "{}").get("next_try")
		if next_try and get_datetime(next_try) > now:
			continue
		if attempt(record) == "Failed":
			fall_back(record)
		if commit:
			frappe.db.commit()


def on_delivery_report(message: dict, resident: str | None = None) -> str | None:
	"""`wechat_message_handlers`: WeChat's TEMPLATESENDJOBFINISH event (status success / failed:user block /
	failed: system failed) recorded on the template message's Integration Request."""
	if (message.get("MsgType") or "").lower() != "event":
		return None
	if (message.get("Event") or "").upper() != "TEMPLATESENDJOBFINISH":
		return None
	msgid = str(message.get("MsgID") or message.get("MsgId") or "")
	name = msgid and frappe.db.get_value(
		"Integration Request", {"integration_request_service": SERVICE, "request_id": msgid}, "name"
	)
	if name:
		record = frappe.get_doc("Integration Request", name)
		output = json.loads(record.output or "{}")
		output["delivery"] = str(message.get("Status") or "")[:60]
		record.output = json.dumps(output, ensure_ascii=False)
		record.save(ignore_permissions=True)  # Safe: WeChat's report on a message the system sent
	return ""  # handled, no reply


WECHAT_FIELDS = ("wechat_template", "wechat_template_id", "wechat_url", "wechat_fields")


def sync_standard_templates() -> None:
	"""after_migrate: the WeChat fields of our standard notifications as their files say. Frappe imports a
	notification's file before the custom fields exist on a new site (and skips a file it has imported), so
	the fields' values are written here; a standard notification is not edited on the desk anyway."""
	from pathlib import Path

	if not frappe.db.has_column("Notification", "wechat_template"):
		return
	for module in frappe.get_module_list("property_crm"):
		for path in sorted((Path(frappe.get_module_path(module)) / "notification").glob("*/*.json")):
			spec = json.loads(path.read_text(encoding="utf-8"))
			values = {field: spec[field] for field in WECHAT_FIELDS if field in spec}
			if not values or not frappe.db.exists("Notification", spec.get("name")):
				continue
			have = frappe.db.get_value("Notification", spec["name"], list(values), as_dict=True)
			if any((have.get(field) or "") != (value or "") for field, value in values.items()):
				frappe.db.set_value("Notification", spec["name"], values, update_modified=False)
