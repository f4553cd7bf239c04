"""The platforms' payment notifications (异步通知): guest POSTs, verified, fulfilled exactly once, answered.

	POST /api/method/property_crm.property_fees.payments.notify.wechat_pay   (JSON, signed headers)
	POST /api/method/property_crm.property_fees.payments.notify.alipay       (form, RSA2 `sign`)

The raw body (`frappe.request.get_data()`) goes to the platform's `verify_notification`; a verified paid
notice goes to `orders.fulfil` (locks the order, one Payment Entry per transaction), and the answer is the
platform's own acknowledgement (`acknowledge`: WeChat Pay JSON / HTTP 204, Alipay the plain body `success`),
returned as a raw werkzeug Response. A notification we do not believe (bad signature, replay, another
amount or trade number) is answered with the platform's failure answer and a 4xx, and logged as an
Integration Request (nothing secret); nothing else is written. A failure of ours (e.g. the ledger refused the
entry) is rolled back and answered as a failure too, so the platform retries later — never a 500.
Platform retries and duplicates are normal: the rate limit of these endpoints is far above them.
"""

from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

import frappe

from property_crm.property_fees.payments import orders
from property_crm.property_fees.payments.integration_log import log_request
from property_crm.property_fees.payments.platforms import (
	ALIPAY,
	WECHAT_PAY,
	NotificationRejected,
	get_platform,
)
from property_crm.rate_limits import limited


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@limited("payment_notification")
def wechat_pay():
	return receive(WECHAT_PAY)


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
@limited("payment_notification")
def alipay():
	return receive(ALIPAY)


def _headers() -> dict:
	return {key: value for key, value in frappe.request.headers.items()} if frappe.request else {}


def _answer(gateway, ok: bool, status: int | None = None) -> Response:
	"""The platform's own answer; `status` overrides its HTTP status (400 refused, 503 retry later)."""
	code, body, content_type = gateway.acknowledge(ok)
	return Response(body or "", status=status or code, content_type=content_type)


def receive(platform: str) -> Response:
	"""Verify, fulfil, answer. Always a Response (never an exception to Frappe's error page)."""
	if frappe.request is None or frappe.request.method != "POST":
		return Response(
			"Method Not Allowed", status=405, content_type="text/plain", headers={"Allow": "POST"}
		)
	gateway = get_platform(platform)
	headers = _headers()
	body = frappe.request.get_data(cache=True) or b""
	notice = None
	try:
		notice = gateway.verify_notification(headers, body)
		# the platform logged the verified notification; fulfil logs what it recorded
		orders.fulfil(notice, source="notification")
		frappe.db.commit()  # the entry, the order and the logs, together
		return _answer(gateway, True)
	except NotificationRejected as error:
		frappe.db.rollback()
		_log_failure(platform, "notification rejected", notice, body, headers, str(error))
		return _answer(gateway, False, 400)
	except Exception as error:  # ours: nothing kept, the platform will retry
		frappe.db.rollback()
		_log_failure(platform, "notification failed", notice, body, headers, _safe(error))
		frappe.log_error(title=f"{platform} notification", message=frappe.get_traceback())
		frappe.db.commit()
		return _answer(gateway, False, 503)


def _safe(error: Exception) -> str:
	message = str(error) if isinstance(error, frappe.ValidationError) else type(error).__name__
	return message[:500]


def _body_of(body: bytes):
	"""An unverified body as something `redact` understands (JSON or a form), else its first 4000 characters."""
	text = body.decode("utf-8", "replace")[:2000]
	if text.lstrip()[:1] in ("{", "["):
		return text
	if "=" in text and " " not in text.strip():
		return dict(parse_qsl(text, keep_blank_values=True))
	return text[:4000]


def _log_failure(platform, action, notice, body, headers, error) -> None:
	data = notice.raw if notice is not None else _body_of(body)
	reference = None
	if notice is not None and frappe.db.exists(orders.ORDER, notice.out_trade_no):
		reference = (orders.ORDER, notice.out_trade_no)
	log_request(
		platform,
		action,
		data,
		error=error,
		headers=headers,
		reference=reference,
		status="Failed",
		remote=True,
	)
	frappe.db.commit()
