"""The household file and self-service in a real browser (Debian's Chromium, headless, Playwright): the
estate manager opens the 360° page of a household with years of history (desk, zh); a resident on a phone
reads the notices, signs up for an event and changes their phone number and vehicles; customer service
confirms the new number in the desk. Screenshots go to --out; prints what each step saw.

	# in the bench's sites/ folder
	../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8012 &
	/opt/pw/bin/python tests/browser/care_flow.py --url http://127.0.0.1:8012 --unit A01-1-1002 \
		--manager a01.manager@example.com --resident a01.owner@example.com --cs a01.cs@example.com \
		--password Demo-2026! --out /tmp/care_flow
"""

import argparse
import json
import random
import re
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def main() -> None:
	parser = argparse.ArgumentParser()
	for option in ("--url", "--unit", "--manager", "--resident", "--cs", "--password", "--out"):
		parser.add_argument(option, required=True)
	args = parser.parse_args()
	out, url, seen, errors = Path(args.out), args.url, {}, []
	out.mkdir(parents=True, exist_ok=True)

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		def new_page(viewport, **options):
			page = browser.new_context(viewport=viewport, **options).new_page()
			page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
			return page

		# 1. the manager's household file (desk, zh)
		desk = new_page(DESK)
		login(desk, url, args.manager, args.password)
		desk.goto(f"{url}/app/property-household/{args.unit}")
		desk.wait_for_selector(".pcrm-household .hh-card h4", timeout=60_000)
		desk.wait_for_timeout(1500)
		desk.screenshot(path=str(out / "1-household-desk.png"), full_page=True)
		seen["household sections"] = desk.locator(".pcrm-household h4").all_inner_texts()
		seen["household occupants"] = desk.locator(".pcrm-household .hh-card").nth(1).inner_text()[:300]

		# 2. the resident on a phone: notices, an event, the profile
		phone = new_page(PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
		login(phone, url, args.resident, args.password, landing="**/property**")
		phone.goto(f"{url}/property/notices")
		phone.wait_for_selector(".pcrm")
		phone.screenshot(path=str(out / "2-resident-notices.png"), full_page=True)
		seen["notices"] = phone.inner_text("main")[:300]
		first = phone.locator("main a.row-item").first
		if first.count():
			first.click()
			phone.wait_for_selector(".card-box")
			seen["notice opened"] = phone.inner_text("h1")
			phone.screenshot(path=str(out / "3-resident-notice.png"), full_page=True)
		phone.goto(f"{url}/property/events")
		phone.wait_for_selector(".pcrm")
		seen["events"] = phone.inner_text("main")[:300]
		phone.locator("main a.row-item", has=phone.locator(".pill:not(.stop)")).first.click()
		phone.wait_for_selector("#sign-up")
		phone.select_option("#attendees", "1")
		phone.click("#sign-up button[type=submit]")
		phone.wait_for_url(re.compile(r".*signed=1"), timeout=30_000)
		phone.wait_for_timeout(500)
		seen["signed up"] = phone.inner_text(".notice")
		phone.screenshot(path=str(out / "4-resident-event-signed-up.png"), full_page=True)

		phone.goto(f"{url}/property/profile")
		phone.wait_for_selector("#profile")
		new_mobile = "139" + "".join(random.choice("0123456789") for _ in range(8))
		phone.fill("#mobile", new_mobile)
		phone.click("#add-vehicle")
		phone.locator(".vehicle input[name=plate_number]").last.fill("沪A·" + new_mobile[-5:])
		phone.screenshot(path=str(out / "5-resident-profile-edit.png"), full_page=True)
		phone.click("#profile button[type=submit]")
		phone.wait_for_url(re.compile(r".*saved=1"), timeout=30_000)
		phone.wait_for_timeout(500)
		seen["profile saved"] = phone.inner_text("main")[:400]
		phone.screenshot(path=str(out / "6-resident-profile-saved.png"), full_page=True)

		# 3. customer service confirms the new number in the desk
		cs = new_page(DESK)
		login(cs, url, args.cs, args.password)
		cs.goto(f"{url}/app/property-profile-change?status=Pending&field=Mobile")
		cs.wait_for_selector(".list-row-container, .no-result", timeout=30_000)
		cs.wait_for_timeout(1500)
		cs.screenshot(path=str(out / "7-cs-pending-changes.png"), full_page=True)
		name = cs.evaluate(
			"""(mobile) => frappe.db.get_value("Property Profile Change", {status: "Pending", new_value: mobile}, "name")
				.then(r => r.message && r.message.name)""",
			new_mobile,
		)
		cs.goto(f"{url}/app/property-profile-change/{name}")
		cs.wait_for_selector(".form-layout", timeout=30_000)
		cs.wait_for_timeout(1500)
		cs.locator(".page-actions button", has_text="确认").first.click()
		cs.wait_for_timeout(2500)
		seen["change status"] = cs.evaluate("() => cur_frm.doc.status")
		cs.screenshot(path=str(out / "8-cs-confirmed.png"), full_page=True)
		phone.goto(f"{url}/property/profile")
		seen["resident's mobile now"] = phone.input_value("#mobile")
		seen["mobile confirmed"] = phone.input_value("#mobile") == new_mobile
		browser.close()

	seen["page errors"] = errors
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
