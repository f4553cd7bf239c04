"""A resident pays two bills on a phone, in a real browser (Debian's Chromium, headless, Playwright), end to end
against the WeChat Pay stand-in: 我的账单 → 缴费 (both bills, overdue, ticked) → 微信支付 H5 → the stand-in's
cashier page → 确认支付 → back on /property/payments/<order> showing 已支付 → the electronic receipt. Then,
over the REST API as an accountant, both invoices' outstanding amount is 0. Screenshots go to --out.

With a site served on 127.0.0.1 (serve.py) and the stand-ins running beside it:

	cd frappe-bench/sites && ../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000 &
	cd frappe-bench && bench --site demo.localhost property-crm-payment-standins --site-url http://127.0.0.1:8000 &
	python tests/browser/payment_tour.py --url http://127.0.0.1:8000 --resident a01.owner@example.com \
		--staff accountant@example.com --password Demo-2026! --out docs/payments

or let the tour start both itself (and stop them at the end): add `--site demo.localhost --bench
/opt/frappe-bench` (the URL's port is the one served). Exits non-zero when a step fails.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
PHONE_UA = (
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
	"Version/17.5 Mobile/15E148 Safari/604.1"
)


def wait_for(url: str, seconds: int = 120) -> None:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		try:
			urllib.request.urlopen(url, timeout=10)
			return
		except urllib.error.HTTPError:  # an answer, if not a page
			return
		except OSError:
			time.sleep(0.5)
	raise SystemExit(f"{url} did not answer within {seconds} s")


def start_services(args) -> list:
	"""serve.py and the stand-ins command, for a tour that brings its own (stopped at the end)."""
	sites = Path(args.bench) / "sites"
	python = str(Path(args.bench) / "env" / "bin" / "python")
	port = urlsplit(args.url).port or 80
	logs = open(Path(args.out) / "services.log", "ab")
	served = subprocess.Popen(
		[python, str(HERE / "serve.py"), "--site", args.site, "--port", str(port)],
		cwd=sites, stdout=logs, stderr=logs, stdin=subprocess.DEVNULL,
	)  # fmt: skip
	standins = subprocess.Popen(
		[python, "-m", "frappe.utils.bench_helper", "frappe", "--site", args.site,
			"property-crm-payment-standins", "--port", str(args.standin_port), "--site-url", args.url],
		cwd=sites, stdout=logs, stderr=logs, stdin=subprocess.DEVNULL,
	)  # fmt: skip
	wait_for(args.url + "/api/method/ping")
	wait_for(f"http://127.0.0.1:{args.standin_port}/standin/h5")  # a 404 answer is an answer
	return [served, standins]


def outstanding(api, invoices: list[str]) -> dict:
	return {
		name: api.get(f"/api/resource/Sales Invoice/{name}").json()["data"]["outstanding_amount"]
		for name in invoices
	}


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--resident", required=True, help="the resident's login (two unpaid bills)")
	parser.add_argument("--staff", required=True, help="an accountant's login, to read the invoices")
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--staff-password", default=None)
	parser.add_argument("--out", default="docs/payments")
	parser.add_argument("--site", default="", help="start serve.py and the stand-ins for this site")
	parser.add_argument("--bench", default="/opt/frappe-bench")
	parser.add_argument("--standin-port", type=int, default=8601)
	args = parser.parse_args()
	out, url, seen = Path(args.out), args.url.rstrip("/"), {}
	out.mkdir(parents=True, exist_ok=True)
	services = start_services(args) if args.site else []
	try:
		with sync_playwright() as p:
			browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
			phone = browser.new_context(
				viewport={"width": 390, "height": 844}, user_agent=PHONE_UA, locale="zh-CN", is_mobile=True,
				has_touch=True, device_scale_factor=2,
			).new_page()  # fmt: skip
			login(phone, url, args.resident, args.password, landing=f"{url}/property**")
			phone.goto(f"{url}/property/bills")
			if phone.locator('button.lang[value="zh"]').count():  # the resident reads Chinese
				phone.click('button.lang[value="zh"]')
				phone.wait_for_url(f"{url}/property/bills")
			phone.screenshot(path=str(out / "1-bills.png"), full_page=True)
			phone.click('main a[href="/property/pay"]')
			phone.wait_for_url(f"{url}/property/pay")
			ticked = phone.eval_on_selector_all(
				'input[name="bill"]:checked', "boxes => boxes.map((b) => b.value)"
			)
			seen["ticked"] = ticked
			if len(ticked) < 2:
				raise SystemExit(f"expected two unpaid bills ticked, found {ticked}")
			seen["total"] = phone.inner_text("#pay-total")
			phone.check('input[name="platform"][value="WeChat Pay"]')
			seen["channel"] = phone.get_attribute(
				'input[name="platform"][value="WeChat Pay"]', "data-channel"
			)
			phone.screenshot(path=str(out / "2-pay.png"), full_page=True)
			phone.click("#pay-now")
			phone.wait_for_selector("text=确认支付", timeout=30_000)  # the stand-in's cashier page
			seen["cashier"] = phone.inner_text("body")[:200]
			phone.screenshot(path=str(out / "3-cashier.png"), full_page=True)
			phone.click("text=确认支付")
			phone.wait_for_url(f"{url}/property/payments/**", timeout=30_000)
			order = phone.url.rsplit("/", 1)[-1]
			seen["order"] = order
			phone.wait_for_selector("h1:has-text('已支付')", timeout=60_000)
			phone.screenshot(path=str(out / "4-paid.png"), full_page=True)
			seen["paid_page"] = phone.inner_text("main")[:300]
			entry = phone.get_attribute('a[href^="/property/receipts/"]', "href").rsplit("/", 1)[-1]
			phone.click('a[href^="/property/receipts/"]')
			phone.wait_for_selector(".pcrm-receipt", timeout=30_000)
			phone.screenshot(path=str(out / "5-receipt.png"), full_page=True)
			seen["receipt"] = phone.inner_text(".pcrm-receipt")[:500]
			phone.goto(f"{url}/property/payments")
			phone.screenshot(path=str(out / "6-payments.png"), full_page=True)

			api = p.request.new_context(base_url=url)
			response = api.post(
				"/api/method/login", form={"usr": args.staff, "pwd": args.staff_password or args.password}
			)
			if not response.ok:
				raise SystemExit(f"staff login failed: {response.status}")
			left = outstanding(api, ticked)
			seen["outstanding_after"] = left
			# the accountant prints the same receipt from the desk (Payment Entry's default print format)
			desk = browser.new_page(viewport={"width": 900, "height": 1000})
			login(desk, url, args.staff, args.staff_password or args.password)
			desk.goto(f"{url}/printview?doctype=Payment%20Entry&name={entry}&format=Property%20Receipt")
			desk.wait_for_selector(".pcrm-receipt", timeout=30_000)
			desk.screenshot(path=str(out / "7-desk-print-receipt.png"), full_page=True)
			seen["desk_print"] = desk.inner_text(".pcrm-receipt")[:200]
			browser.close()
		print(json.dumps(seen, ensure_ascii=False, indent=1))
		if any(float(value) != 0 for value in left.values()):
			sys.exit(f"the invoices still owe {left}")
		print(f"OK: order {order} paid {len(ticked)} bills; both invoices show 0 outstanding.")
	finally:
		for process in services:
			process.terminate()
			try:
				process.wait(10)
			except subprocess.TimeoutExpired:
				process.kill()
		if services:
			os.sync()


if __name__ == "__main__":
	main()
