"""The test site served over real HTTP, as an attacker meets it: gunicorn on 127.0.0.1 (a free port), Frappe's
own WSGI application, the site chosen by the Host header as behind a production proxy. One server per test
process, started on first use and stopped at exit, so every security test shares it.

	client = HttpClient("resident@example.com")          # logs in over HTTP (POST /api/method/login)
	response = client.post("/api/method/…", data={…})    # form-encoded; files=… for uploads; json=… for JSON
	response.status_code, response.headers, response.text

Data a request must see has to be committed first; what a request wrote is seen by the test's connection in
a new transaction (`frappe.db.rollback()` after the call, done here).
"""

import atexit
import os
import re
import socket
import subprocess
import sys
import time

import requests

import frappe

from property_crm.tests.factories import PASSWORD

_server: dict = {}
CSRF = re.compile(r'(?:name="csrf-token" content="|frappe\.csrf_token = ")([0-9a-f]+)"')


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def base_url() -> str:
	"""http://127.0.0.1:PORT of the served test site (started on first call)."""
	if _server.get("url"):
		return _server["url"]
	port = _free_port()
	sites_path = os.path.abspath(frappe.local.sites_path)
	log = open(os.path.join(sites_path, "..", "logs", "property_crm_served.log"), "ab")
	process = subprocess.Popen(
		[
			sys.executable,
			"-m",
			"gunicorn",
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			"2",
			"--threads",
			"4",
			"-t",
			"120",
			"--chdir",
			sites_path,
			"frappe.app:application",
		],
		stdout=log,
		stderr=log,
		stdin=subprocess.DEVNULL,
		cwd=sites_path,
	)
	atexit.register(_stop, process)
	url = f"http://127.0.0.1:{port}"
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
		try:
			requests.get(url + "/api/method/ping", headers={"Host": frappe.local.site}, timeout=15)
			break
		except requests.RequestException:  # not listening yet, or a worker still loading Frappe
			if process.poll() is not None:
				raise RuntimeError("gunicorn exited; see logs/property_crm_served.log") from None
			time.sleep(0.3)
	else:
		raise RuntimeError("the served test site did not answer within 120 s")
	_server.update(url=url, process=process)
	return url


def _stop(process) -> None:
	process.terminate()
	try:
		process.wait(10)
	except subprocess.TimeoutExpired:
		process.kill()


class HttpClient:
	"""A browser's (or a script's) session with the served site: cookies, the CSRF token a page hands out,
	the site's Host header. `user=None` is a guest."""

	def __init__(self, user: str | None = None, password: str = PASSWORD):
		self.url = base_url()
		self.session = requests.Session()
		self.session.headers["Host"] = frappe.local.site
		self.csrf_token = None
		self.user = user
		if user:
			response = self.post("/api/method/login", data={"usr": user, "pwd": password})
			assert response.status_code == 200, response.text

	def _after(self, response):
		if "text/html" in response.headers.get("Content-Type", ""):
			found = CSRF.search(response.text)
			if found:
				self.csrf_token = found.group(1)
		frappe.db.rollback()  # see what the request committed
		return response

	def get(self, path: str, params=None, **kwargs):
		kwargs.setdefault("allow_redirects", False)
		return self._after(self.session.get(self.url + path, params=params, timeout=60, **kwargs))

	def post(self, path: str, data=None, json=None, files=None, **kwargs):
		headers = kwargs.pop("headers", {})
		if self.csrf_token:
			headers.setdefault("X-Frappe-CSRF-Token", self.csrf_token)
		kwargs.setdefault("allow_redirects", False)
		response = self.session.post(
			self.url + path, data=data, json=json, files=files, headers=headers, timeout=60, **kwargs
		)
		return self._after(response)

	def request(self, method: str, path: str, **kwargs):
		headers = kwargs.pop("headers", {})
		if self.csrf_token and method.upper() != "GET":
			headers.setdefault("X-Frappe-CSRF-Token", self.csrf_token)
		kwargs.setdefault("allow_redirects", False)
		return self._after(
			self.session.request(method, self.url + path, headers=headers, timeout=60, **kwargs)
		)

	def call(self, method: str, **params):
		"""POST /api/method/<method> with form-encoded params, as frappe.call sends them."""
		return self.post(f"/api/method/{method}", data=params)
