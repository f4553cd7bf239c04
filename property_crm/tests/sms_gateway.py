"""A stand-in SMS gateway the integration tests serve on 127.0.0.1: Frappe's SMS Settings call it with GET
parameters as they would a real gateway, and what it receives is what a phone would. Point SMS Settings'
`sms_gateway_url` at `http://127.0.0.1:<port>/send` with `to` and `text` as the receiver and message
parameters."""

from http.server import BaseHTTPRequestHandler
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
