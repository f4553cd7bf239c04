"""Fees in a browser, on a demo site served on 127.0.0.1 (see serve.py): the accountant's desk (a Billing
Run's dry run, the Arrears Ageing report, a unit's arrears badge) and a resident's bills on a phone.
Saves screenshots and prints what it saw.

	/opt/pw/bin/python tests/browser/fees_tour.py --url http://SITE:8000 --out /tmp/fees-tour
"""

import argparse
import json
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--out", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--domain", default="example.com")
	parser.add_argument("--resident", default="a01.owner")
	parser.add_argument("--unit", default="")
	args = parser.parse_args()
	out, url, d, seen = Path(args.out), args.url, args.domain, {}
	out.mkdir(parents=True, exist_ok=True)
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
		desk = browser.new_page(viewport={"width": 1366, "height": 900})
		login(desk, url, f"accountant@{d}", args.password)
		desk.goto(f"{url}/app/property-billing-run")
		desk.wait_for_selector(".list-row, .no-result", timeout=30_000)
		desk.locator(".list-row a.ellipsis").first.click()
		desk.wait_for_selector(".form-layout", timeout=30_000)
		desk.get_by_role("button", name="试算").or_(desk.get_by_role("button", name="Dry Run")).first.click()
		desk.wait_for_selector("[data-fieldname='preview_html'] table", timeout=60_000)
		desk.wait_for_timeout(1000)
		desk.screenshot(path=str(out / "1-accountant-billing-run-dry-run.png"), full_page=True)
		seen["dry_run"] = desk.inner_text("[data-fieldname='preview_html']")[:400]
		desk.goto(f"{url}/app/query-report/Arrears Ageing")
		desk.wait_for_selector(".dt-row", timeout=60_000)
		desk.wait_for_timeout(2000)
		desk.screenshot(path=str(out / "2-accountant-arrears-ageing.png"))
		seen["ageing"] = desk.inner_text(".report-wrapper")[:500]
		if args.unit:
			desk.goto(f"{url}/app/property-unit/{args.unit}")
			desk.wait_for_selector(".form-layout", timeout=30_000)
			desk.wait_for_timeout(2500)
			desk.screenshot(path=str(out / "3-unit-arrears-badge.png"))
			seen["unit_indicators"] = (
				desk.inner_text(".form-dashboard")[:300] if desk.locator(".form-dashboard").count() else ""
			)
		phone = browser.new_page(viewport={"width": 390, "height": 844})
		login(phone, url, f"{args.resident}@{d}", args.password, landing=f"{url}/property**")
		phone.goto(f"{url}/property")
		phone.screenshot(path=str(out / "4-resident-home-phone.png"), full_page=True)
		phone.goto(f"{url}/property/bills")
		phone.screenshot(path=str(out / "5-resident-bills-phone.png"), full_page=True)
		seen["bills"] = phone.inner_text("main")[:600]
		first = phone.locator("main a.row-item").first
		if first.count():
			first.click()
			phone.wait_for_load_state()
			phone.screenshot(path=str(out / "6-resident-bill-phone.png"), full_page=True)
			seen["bill"] = phone.inner_text("main")[:600]
		browser.close()
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
