"""The arrears reminder ladder on ERPNext's Dunning: friendly reminder → formal notice → final notice.

Each notice is an ERPNext Dunning (submitted) of one of our three Dunning Types, listing the payer's
overdue fee invoices (their Payment Schedule rows, as ERPNext's own "Dunning" button does). When to send
which level is `property_fees.rules.fees.reminder_level` (days overdue of the oldest unpaid bill, one step at a time,
a minimum gap). The notice goes out by the resident's preferred channel, and is kept as a Communication in
the timeline of the Dunning, the resident file and the Customer, with its delivery status:
- Email: sent through Frappe's e-mail queue (the Communication's delivery status follows it);
- SMS: through Frappe's SMS Settings when a gateway is configured;
- Portal: an in-app notification to the resident's login (and the bill page shows it);
- Phone or WeChat (or a channel that cannot be used): a ToDo for the estate's customer service to call,
  the Communication marked as to be delivered by staff.
Interest and fees on the Dunning are zero: late fees are Property Late Fee's, computed day by day.
"""

from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, getdate, today

from property_crm.mobile_numbers import full_mobile
from property_crm.property_fees.rules import fees

TYPES = {
	1: ("Friendly Reminder", "物业费友情提醒",
		"尊敬的{{ customer_name }}：您有物业费用 {{ total_outstanding }} 元已逾期，请尽快缴纳。如已缴纳，请忽略本提醒。"),
	2: ("Formal Notice", "物业费正式催缴通知",
		"尊敬的{{ customer_name }}：您的物业费用 {{ total_outstanding }} 元已逾期较久，请于 7 日内缴纳，逾期将按规定计收滞纳金。"),
	3: ("Final Notice", "物业费最后催缴通知",
		"尊敬的{{ customer_name }}：您的物业费用 {{ total_outstanding }} 元经多次催缴仍未缴纳。这是最后通知，请立即缴纳，否则我司将依法追缴。"),
}  # fmt: skip


def dunning_type(company: str, level: int) -> str:
	"""Our Dunning Type of a level for a company, made once."""
	label = TYPES[level][0]
	abbr = frappe.get_cached_value("Company", company, "abbr")
	name = f"{label} - {abbr}"
	if not frappe.db.exists("Dunning Type", name):
		frappe.get_doc(
			{
				"doctype": "Dunning Type",
				"dunning_type": label,
				"company": company,
				"rate_of_interest": 0,
				"dunning_fee": 0,
				"dunning_letter_text": [
					{
						"language": "zh",
						"is_default_language": 1,
						"body_text": TYPES[level][2],
						"closing_text": "",
					}
				],
			}
		).insert(ignore_permissions=True)  # Safe: our fixed configuration record
	return name


def level_of(dunning_type_name: str | None) -> int:
	for level, (label, _zh, _text) in TYPES.items():
		if dunning_type_name and dunning_type_name.startswith(label + " - "):
			return level
	return 0


def overdue_by_customer(as_of: date) -> dict[str, list[dict]]:
	"""Overdue fee invoices per Customer (one query)."""
	invoice = frappe.qb.DocType("Sales Invoice")
	rows = (
		frappe.qb.from_(invoice)
		.select(invoice.name, invoice.customer, invoice.company, invoice.due_date, invoice.outstanding_amount)
		.where(
			(invoice.docstatus == 1)
			& (invoice.outstanding_amount > 0)
			& (invoice.due_date < as_of)
			& invoice.property_estate.isnotnull()
		)
		.orderby(invoice.customer)
		.orderby(invoice.due_date)
		.run(as_dict=True)
	)
	out: dict[str, list[dict]] = {}
	for row in rows:
		out.setdefault(row.customer, []).append(row)
	return out


def last_notice(customer: str) -> tuple[int, date | None]:
	"""The level and date of the customer's last notice since their arrears were last cleared."""
	rows = frappe.get_all(
		"Dunning",
		filters={"customer": customer, "docstatus": 1, "status": "Unresolved"},
		fields=["dunning_type", "posting_date"],
		order_by="posting_date desc, creation desc",
		limit=10,
	)
	levels = [(level_of(r.dunning_type), getdate(r.posting_date)) for r in rows if level_of(r.dunning_type)]
	return max(levels, default=(0, None), key=lambda x: (x[0], x[1]))


def daily(
	as_of: date | str | None = None, ladder: fees.Ladder | None = None, on_progress=None
) -> dict[int, int]:
	"""The scheduled job: for each payer with overdue bills, the next notice when it is due. `on_progress`
	(payers looked at, payers in all) is told after each payer (the demo shows a bar with it)."""
	as_of = getdate(as_of or today())
	sent = {1: 0, 2: 0, 3: 0}
	payers = overdue_by_customer(as_of)
	for done, (customer, invoices) in enumerate(payers.items(), start=1):
		if on_progress:
			on_progress(done, len(payers))
		days_overdue = (as_of - getdate(invoices[0].due_date)).days
		last_level, last_on = last_notice(customer)
		level = fees.reminder_level(
			days_overdue, last_level, (as_of - last_on).days if last_on else None, ladder or fees.Ladder()
		)
		if not level:
			continue
		try:
			send_notice(customer, invoices, level, as_of)
			sent[level] += 1
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"Arrears reminder to {customer}")
	return sent


def send_notice(customer: str, invoices: list[dict], level: int, as_of: date) -> str:
	company = invoices[0].company
	schedule = frappe.get_all(
		"Payment Schedule",
		filters={"parent": ("in", [i.name for i in invoices]), "parenttype": "Sales Invoice", "outstanding": (">", 0)},
		fields=["name", "parent", "payment_term", "due_date", "invoice_portion", "payment_amount", "outstanding",
			"paid_amount", "discounted_amount", "description", "mode_of_payment"],
	)  # fmt: skip
	doc = frappe.get_doc(
		{
			"doctype": "Dunning",
			"company": company,
			"customer": customer,
			"posting_date": as_of,
			"dunning_type": dunning_type(company, level),
			"rate_of_interest": 0,
			"dunning_fee": 0,
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"overdue_payments": [
				{
					"sales_invoice": row.parent,
					"payment_schedule": row.name,
					"payment_term": row.payment_term,
					"due_date": row.due_date,
					"invoice_portion": row.invoice_portion,
					"payment_amount": row.payment_amount,
					"outstanding": row.outstanding,
					"paid_amount": row.paid_amount,
					"discounted_amount": row.discounted_amount,
					"description": row.description,
				}
				for row in schedule
			],
		}
	)
	text = frappe.render_template(TYPES[level][2], {"customer_name": frappe.db.get_value("Customer", customer, "customer_name"),
		"total_outstanding": f"{sum(r.outstanding for r in schedule):,.2f}"})  # fmt: skip
	doc.body_text = text
	doc.flags.ignore_permissions = True  # Safe: the scheduler's own notice for overdue bills
	doc.insert()
	doc.submit()
	deliver(doc, level, text)
	return doc.name


def deliver(dunning, level: int, text: str) -> str:
	"""Send by the resident's preferred channel; the Communication is the proof, in every timeline."""
	owner_name = frappe.db.get_value("Customer", dunning.customer, "property_owner")
	owner = frappe.db.get_value(
		"Property Owner", owner_name, ["name", "preferred_channel", "email", "mobile", "user", "full_name"],
		as_dict=True,
	) if owner_name else None  # fmt: skip
	channel = (owner.preferred_channel if owner else None) or "Email"
	subject = f"{TYPES[level][1]} {dunning.name}"
	medium, status, recipients = "Other", "Open", None
	if channel == "Email" and owner and owner.email:
		medium, recipients = "Email", owner.email
	elif channel == "SMS" and owner and owner.mobile and _sms_ready():
		from frappe.core.doctype.sms_settings.sms_settings import send_sms

		# the file's column holds the mask: the gateway gets the full number, decrypted here only
		send_sms([full_mobile(owner.name)], text)
		medium, status = "SMS", "Linked"
	elif channel == "Portal" and owner and owner.user:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": owner.user,
				"type": "Alert",
				"document_type": "Dunning",
				"document_name": dunning.name,
				"subject": subject,
				"email_content": text,
			}
		).insert(ignore_permissions=True)  # Safe: a notice to the resident about their own bills
		status = "Linked"
	else:
		medium = "Phone"
		_call_task(dunning, owner, subject, text)
	if medium == "Email":
		from frappe.core.doctype.communication.email import make

		result = make(
			doctype="Dunning",
			name=dunning.name,
			subject=subject,
			content=text,
			recipients=recipients,
			send_email=True,
			communication_medium="Email",
		)
		communication = frappe.get_doc("Communication", result["name"])
	else:
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": medium,
				"sent_or_received": "Sent",
				"subject": subject,
				"content": text,
				"status": status,
				"phone_no": owner.mobile if owner else None,
				"reference_doctype": "Dunning",
				"reference_name": dunning.name,
			}
		)
		communication.insert(ignore_permissions=True)  # Safe: the record of a notice the system sent
	for doctype, name in (("Customer", dunning.customer), ("Property Owner", owner.name if owner else None)):
		if name and not any(
			link.link_doctype == doctype and link.link_name == name for link in communication.timeline_links
		):
			communication.add_link(doctype, name)
	communication.flags.ignore_permissions = True  # Safe: timeline links of the notice just made
	communication.save()
	return communication.name


def _sms_ready() -> bool:
	return bool(frappe.db.get_single_value("SMS Settings", "sms_gateway_url"))


def _call_task(dunning, owner, subject: str, text: str) -> None:
	"""A ToDo for the estate's customer service (else its manager) to deliver the notice by phone."""
	estate = frappe.db.get_value(
		"Sales Invoice", dunning.overdue_payments[0].sales_invoice if dunning.overdue_payments else None,
		"property_estate",
	)  # fmt: skip
	manager = frappe.db.get_value("Property Estate", estate, "manager") if estate else None
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": manager or "Administrator",
			"description": _("Call {0} about the arrears notice: {1}").format(
				(owner.full_name + " " + (owner.mobile or "")) if owner else dunning.customer, subject
			)
			+ "\n\n"
			+ text,
			"reference_type": "Dunning",
			"reference_name": dunning.name,
			"priority": "High" if cint(level_of(dunning.dunning_type)) >= 2 else "Medium",
		}
	).insert(ignore_permissions=True)  # Safe: a task for staff, about a notice the system made
