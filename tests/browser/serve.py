"""Serve a site of the bench on 127.0.0.1 only (Frappe's own `bench serve` binds 0.0.0.0), with /assets
and /files, for the browser checks. Run from the bench's sites/ folder with the bench's Python:

	../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000
"""

import argparse

from werkzeug.serving import run_simple

import frappe.app


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, default=8000)
	args = parser.parse_args()
	frappe.app._site, frappe.app._sites_path = args.site, "."
	application = frappe.app.application_with_statics()
	run_simple("127.0.0.1", args.port, application, threaded=True, use_reloader=False)


if __name__ == "__main__":
	main()
