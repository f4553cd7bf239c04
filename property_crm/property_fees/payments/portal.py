"""Online payment on the portal shell: /property/pay, /property/payments, /property/payments/<order> and the
receipts /property/receipts/<payment entry>.

The pay page lists what the resident may pay (`orders.payable_bills`: the occupancy rule, oldest first,
late fees with their bill, overdue preselected) and the platforms enabled, each with the channel this
device pays by (`rules.pay_channels`, decided here from the user agent, never by the page's script). The
total shown is the page's arithmetic for the resident's eyes; the order's amount is the server's
(`api.create_order`). An order or a receipt of someone else is Frappe's 404, as one that does not exist."""

import frappe
from frappe import _

from property_crm.property_fees.payments import receipts
from property_crm.property_fees.rules.pay_channels import channel_for, device_of
from property_crm.property_fees.rules.payments import can_retry, resident_state
from property_crm.property_fees.rules.receipts import mode_word
from property_crm.property_households import resident_portal as portal

HOME = {"route": "/property", "title": "My Home"}
# the resident's words for an order's state (rules.payments.resident_state): 支付中 / 已支付 / 支付失败
STATE_LABELS = {"Paid": "Payment Successful"}


def state_label(state: str) -> str:
	return _(STATE_LABELS.get(state, state))


def _parents(*more) -> list[dict]:
	crumbs = [HOME, *more]
	return [{"route": c["route"], "title": _(c["title"])} for c in crumbs]


def user_agent() -> str:
	request = getattr(frappe.local, "request", None)
	return (request.headers.get("User-Agent") if request else "") or ""


def payment_options(agent: str | None = None) -> list[dict]:
	"""The enabled platforms this device can pay with: [{name, label, channel}] (WeChat Pay first)."""
	from property_crm.property_fees.payments.platforms import enabled_platforms

	agent = user_agent() if agent is None else agent
	out = []
	for platform in enabled_platforms():
		channel = channel_for(platform.name, agent)
		if channel and channel in platform.channels:
			out.append({"name": platform.name, "label": _(platform.name), "channel": channel})
	return out


def can_pay_online() -> bool:
	"""Some online platform is enabled (the 缴费 buttons of the bills pages)."""
	from property_crm.property_fees.payments.platforms import enabled_platforms

	return bool(enabled_platforms())


def pay():
	from property_crm.property_fees.payments.orders import payable_bills

	resident = portal.current_resident()
	bills = payable_bills(resident)
	customer = receipts.resident_customer(resident)
	payers = list(dict.fromkeys(b.customer for b in bills))
	if customer in payers:  # the resident's own bills first
		payers.remove(customer)
		payers.insert(0, customer)
	names = dict(
		frappe.get_all(
			"Customer", filters={"name": ("in", payers)}, fields=["name", "customer_name"], as_list=True
		)
	) if payers else {}  # fmt: skip
	# an order pays one payer's bills: preselect the overdue bills of the first payer that has any
	first = next((p for p in payers if any(b.preselected and b.customer == p for b in bills)), None)
	in_list = {b.name for b in bills}
	wanted = frappe.form_dict.get("bill")  # from a bill's 缴费 button: that bill alone
	if isinstance(wanted, str) and wanted in in_list:
		for bill in bills:
			bill.preselected = bill.name == wanted
		first = next(b.customer for b in bills if b.name == wanted)
	groups = []
	for payer in payers:
		rows = []
		for bill in bills:
			if bill.customer != payer:
				continue
			bill.with_bill = bool(bill.late_fee_of and bill.late_fee_of in in_list)  # goes with its bill
			bill.checked = bool(bill.preselected and payer == first)
			rows.append(bill)
		groups.append({"payer": payer, "payer_name": names.get(payer) or payer, "bills": rows})
	options = payment_options()
	return "pay.html", {
		"title": _("Pay bills"),
		"groups": groups,
		"several_payers": len(groups) > 1,
		"options": options,
		"device": device_of(user_agent()),
		"parents": _parents({"route": "/property/bills", "title": "My Bills"}),
	}


def order(name: str):
	from property_crm.property_fees.payments.orders import order_of_resident

	resident = portal.current_resident()
	try:
		doc = order_of_resident(name, resident)
	except frappe.DoesNotExistError:
		raise frappe.PageDoesNotExistError from None
	state = resident_state(doc.status)
	options = {o["name"]: o["channel"] for o in payment_options()}
	return "payment.html", {
		"title": state_label(state),
		"order": frappe._dict(
			name=doc.name,
			status=doc.status,
			state=state,
			label=state_label(state),
			amount=doc.amount,
			mode=mode_word(doc.platform),
			paid_at=doc.paid_at,
			receipt=doc.payment_entry if doc.status != "Pending" else None,
			can_retry=can_retry(doc.status) and doc.platform in options,
			bills=[
				frappe._dict(
					sales_invoice=b.sales_invoice, amount=b.amount, period=b.period, late_fee_of=b.late_fee_of
				)
				for b in doc.bills
			],
		),
		"channel": options.get(doc.platform) or doc.channel,
		"parents": _parents({"route": "/property/payments", "title": "Payment history"}),
	}


def payment_list():
	resident = portal.current_resident()
	return "payments.html", {
		"title": _("Payment history"),
		"payments": receipts.payments_of(resident),
		"can_pay": can_pay_online(),
		"parents": _parents({"route": "/property/bills", "title": "My Bills"}),
	}


def receipt(name: str):
	resident = portal.current_resident()
	data = receipts.receipt_for_resident(name, resident)
	return "receipt.html", {
		"title": _("Receipt {0}").format(data["number"]),
		"receipt": data,
		"parents": _parents({"route": "/property/payments", "title": "Payment history"}),
	}
