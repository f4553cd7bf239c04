"""Looks at the desk in a real browser (Debian's Chromium, headless, driven by Playwright).

Not part of the automatic tiers: run it against a served site to see what a Chinese-speaking
customer-service user sees. Screenshots go to the folder given by --out.

	python tests/browser/desk_check.py --url http://127.0.0.1:8000 --cs-user cs@x --restricted-user r@x \
		--password ... --unit A01-1-101 --owner DA-2026-00001 --out /tmp/shots
"""

import argparse
import json
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
]


def login(page, url: str, user: str, password: str, landing: str = "**/app**") -> None:
	page.goto(f"{url}/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url(landing, timeout=30_000)


def main() -> None:
	parser = argparse.ArgumentParser()
	for option in ("--url", "--cs-user", "--restricted-user", "--password", "--unit", "--owner", "--out"):
		parser.add_argument(option, required=True)
	parser.add_argument("--other-estate-unit", default="")
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	seen = {}

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		page = browser.new_page(viewport={"width": 1366, "height": 900})
		login(page, args.url, args.cs_user, args.password)
		page.goto(f"{args.url}/app/property-crm")
		page.wait_for_selector(".workspace-page, .codex-editor, .widget", timeout=30_000)
		page.wait_for_timeout(2000)
		page.screenshot(path=str(out / "0-workspace-zh.png"))
		seen["workspace_text"] = page.inner_text(".layout-main")[:300]
		page.goto(f"{args.url}/app/property-unit/{args.unit}")
		page.wait_for_selector(".form-layout", timeout=30_000)
		page.wait_for_timeout(1500)
		page.screenshot(path=str(out / "1-unit-form-zh.png"), full_page=True)
		seen["unit_form_text"] = page.inner_text(".page-head") + " | " + page.inner_text(".form-layout")[:400]

		page.goto(f"{args.url}/app/property-owner/{args.owner}")
		page.wait_for_selector(".form-layout", timeout=30_000)
		page.wait_for_timeout(1500)
		page.screenshot(path=str(out / "2-owner-form-zh.png"), full_page=True)
		seen["owner_form_text"] = page.inner_text(".form-layout")[:400]

		mobile = page.locator('input[data-fieldname="mobile"]').first
		mobile.fill("12345")
		page.keyboard.press("Control+s")
		page.wait_for_selector(".modal.show .msgprint, .modal.show .modal-body", timeout=15_000)
		page.wait_for_timeout(800)
		page.screenshot(path=str(out / "3-owner-bad-mobile-zh.png"))
		seen["error_dialog"] = page.inner_text(".modal.show")

		restricted = browser.new_page(viewport={"width": 1366, "height": 900})
		login(restricted, args.url, args.restricted_user, args.password)
		restricted.goto(f"{args.url}/app/property-unit?estate=")
		restricted.wait_for_selector(".frappe-list", timeout=30_000)
		restricted.wait_for_timeout(2000)
		restricted.screenshot(path=str(out / "4-restricted-unit-list.png"), full_page=True)
		seen["restricted_list_names"] = restricted.locator(
			".list-row .level-item.bold a, .list-subject a"
		).all_inner_texts()
		if args.other_estate_unit:
			restricted.goto(f"{args.url}/app/property-unit/{args.other_estate_unit}")
			restricted.wait_for_timeout(3000)
			restricted.screenshot(path=str(out / "5-restricted-other-estate-unit.png"))
			seen["restricted_other_estate"] = restricted.inner_text("body")[:300]
		browser.close()
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
