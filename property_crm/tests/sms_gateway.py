"""A stand-in SMS gateway the integration tests serve on 127.0.0.1: Frappe's SMS Settings call it with GET
parameters as they would a real gateway, and what it receives is what a phone would. Point SMS Settings'
`sms_gateway_url` at `http://127.0.0.1:<port>/send` with `to` and `text` as the receiver and message
parameters."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class SmsGatewayHandler(BaseHTTPRequestHandler):
	received: list[dict] = []  # one dict of the request's parameters per message, in order

	def do_GET(self):
		SmsGatewayHandler.received.append({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
		self.send_response(200)
		self.end_headers()
		self.wfile.write(b"OK")

	def log_message(self, *args):
		pass


@contextmanager
def sms_gateway():
	"""SMS Settings pointed at a stand-in gateway served on 127.0.0.1 for the block (committed, since the
	served site reads them), then put back as they were; yields the list of messages received."""
	import frappe

	from property_crm.sms import sync_sms_notifications

	fields = ("sms_gateway_url", "message_parameter", "receiver_parameter", "use_post")
	server = HTTPServer(("127.0.0.1", 0), SmsGatewayHandler)
	threading.Thread(target=server.serve_forever, daemon=True).start()
	SmsGatewayHandler.received.clear()
	old = frappe.get_doc("SMS Settings").as_dict()
	settings = frappe.get_doc("SMS Settings")
	settings.update(
		{
			"sms_gateway_url": f"http://127.0.0.1:{server.server_port}/send",
			"message_parameter": "text",
			"receiver_parameter": "to",
			"use_post": 0,
		}
	)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	try:
		yield SmsGatewayHandler.received
	finally:
		server.shutdown()
		server.server_close()
		for field in fields:
			frappe.db.set_single_value("SMS Settings", field, old.get(field))
		sync_sms_notifications()
		frappe.db.commit()
