"""Stand-ins of the payment platforms' APIs, served on 127.0.0.1 by the tests and by
`bench property-crm-payment-standins` (see the README's "Online payment")."""

import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit


def post(url: str, headers: dict, body: bytes, timeout: int = 60) -> tuple[int, str]:
	"""POST a notification as the platform would: (HTTP status, body); (0, error) when nobody listens.

	A `*.localhost` name is sent to 127.0.0.1 with its Host header kept, as browsers do (RFC 6761): Python does
	not resolve such names here, and a bench serving several sites picks the site by the Host header."""
	parts = urlsplit(url)
	headers = dict(headers)
	host = parts.hostname or ""
	if host == "localhost" or host.endswith(".localhost"):
		headers.setdefault("Host", parts.netloc)
		netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
		url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
	request = urllib.request.Request(url, data=body, method="POST", headers=headers)
	try:
		with urllib.request.urlopen(request, timeout=timeout) as response:
			return response.status, response.read().decode("utf-8", "replace")
	except urllib.error.HTTPError as error:
		return error.code, error.read().decode("utf-8", "replace")
	except (urllib.error.URLError, OSError) as error:  # nobody listening: the platform would retry later
		return 0, str(error)
