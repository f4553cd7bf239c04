"""Logs in as each role the demo prints and looks around, in a real browser (Debian's Chromium,
headless, Playwright), against a served demo site. Screenshots go to --out; prints what each role saw.

	# in the bench's sites/ folder, after `bench --site demo.localhost property-crm-demo …`
	../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000 &
	python tests/browser/demo_tour.py --url http://demo.localhost:8000 --out /tmp/tour

Staff (desk, 1366×900): the company-wide manager's workspace, a clerk restricted to estate A01 (the
Service Order list), a technician (his orders, and the resident files he may read: only his open
orders' requesters), the accountant (draft invoices of chargeable repairs). Residents (phone, 390×844):
the tenant who moved in last month (home and requests: only their own time's), the owner (a request's
page with its timeline).
"""

import argparse
import json
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def list_names(page) -> list[str]:
	page.wait_for_selector(".frappe-list", timeout=30_000)
	page.wait_for_timeout(2500)
	return page.locator(
		".list-row-container .list-subject a.ellipsis, .list-row .level-item.bold a"
	).all_inner_texts()


def list_count(page) -> str:
	counts = page.locator(".list-count")
	return counts.first.inner_text() if counts.count() else ""


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--out", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--domain", default="example.com")
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	url, d, seen, errors = args.url, args.domain, {}, []

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		def new_page(viewport):
			page = browser.new_context(viewport=viewport).new_page()
			page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
			return page

		manager = new_page(DESK)
		login(manager, url, f"manager@{d}", args.password)
		manager.goto(f"{url}/app/property-crm")
		manager.wait_for_selector(".widget", timeout=30_000)
		manager.wait_for_timeout(3000)
		manager.screenshot(path=str(out / "1-manager-workspace.png"))
		seen["manager: workspace cards"] = manager.locator(".number-widget-box").all_inner_texts()

		clerk = new_page(DESK)
		login(clerk, url, f"a01.cs@{d}", args.password)
		clerk.goto(f"{url}/app/service-order")
		names = list_names(clerk)
		clerk.screenshot(path=str(out / "2-a01-clerk-orders.png"))
		seen["a01 clerk: order list"] = {"count": list_count(clerk), "first": names[:5]}
		clerk.goto(f"{url}/app/property-unit")
		seen["a01 clerk: units (estate A01 only)"] = sorted({n.split("-")[0] for n in list_names(clerk)})

		tech = new_page(DESK)
		login(tech, url, f"tech.wang@{d}", args.password)
		tech.goto(f"{url}/app/service-order?status=In%20Progress")
		seen["technician: his in-progress orders"] = {
			"count": list_count(tech),
			"first": list_names(tech)[:5],
		}
		tech.screenshot(path=str(out / "3-technician-orders.png"))
		tech.goto(f"{url}/app/property-owner")
		seen["technician: resident files he may read"] = {
			"count": list_count(tech),
			"names": list_names(tech)[:10],
		}
		tech.screenshot(path=str(out / "4-technician-residents.png"))

		accountant = new_page(DESK)
		login(accountant, url, f"accountant@{d}", args.password)
		accountant.goto(f"{url}/app/sales-invoice?service_order=%5B%22is%22%2C%22set%22%5D")
		seen["accountant: invoices of chargeable repairs"] = {
			"count": list_count(accountant),
			"first": list_names(accountant)[:5],
		}
		accountant.screenshot(path=str(out / "5-accountant-invoices.png"))

		tenant = new_page(PHONE)
		login(tenant, url, f"a01.tenant@{d}", args.password, landing="**/property**")
		tenant.goto(f"{url}/property")
		tenant.wait_for_selector("main.pcrm", timeout=30_000)
		tenant.screenshot(path=str(out / "6-tenant-home-phone.png"), full_page=True)
		seen["tenant (moved in last month): home"] = tenant.inner_text("main")[:400]
		tenant.goto(f"{url}/property/requests")
		tenant.wait_for_selector("main.pcrm", timeout=30_000)
		tenant.screenshot(path=str(out / "7-tenant-requests-phone.png"), full_page=True)
		seen["tenant: requests (own time only)"] = tenant.locator("a.row-item").all_inner_texts()

		owner = new_page(PHONE)
		login(owner, url, f"a01.owner@{d}", args.password, landing="**/property**")
		owner.goto(f"{url}/property/requests")
		owner.wait_for_selector("main.pcrm", timeout=30_000)
		first = owner.locator("a.row-item").first
		if first.count():
			first.click()
			owner.wait_for_selector("ul.timeline", timeout=30_000)
			owner.screenshot(path=str(out / "8-owner-request-phone.png"), full_page=True)
			seen["owner: a request's page"] = owner.inner_text("main")[:400]
		browser.close()
	seen["javascript errors"] = errors
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
