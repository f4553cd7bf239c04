"""Customer-data protection in a real browser (Debian's Chromium, headless, Playwright), against a served demo
site: what each role sees of residents' mobiles and ID numbers, the logged reveal, and the managers' desk.

	# in the bench's sites/ folder, after `bench --site demo.localhost property-crm-demo …`
	../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000 &
	python tests/browser/privacy_tour.py --url http://demo.localhost:8000 --out docs/privacy

For every role the demo prints (manager, estate clerk, technician, accountant, a resident on the portal) it
opens a resident file it may read (the resident: their own profile), screenshots it and reads the mobile and
ID fields as shown. Every answer the browser receives from the site (pages, XHR) is searched for a plain
mainland mobile number (1[3-9] and nine digits) or ID number (17 digits and a check character); the only
allowed one is the answer to the manager's own Reveal. The manager then reveals an ID number with a reason
(screenshot of the dialog and the value) and finds the reveal in the Personal Data Access report; the
Property Privacy workspace, the pending Data Change Request and the Restore Drill log are screenshotted.
Exits 1 when a plain value reached a browser that did not ask for it, or a field showed unmasked.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PLAIN_MOBILE = re.compile(r"(?<![\d*])1[3-9]\d{9}(?![\d*])")
PLAIN_ID = re.compile(r"(?<![\d*])\d{17}[\dXx](?![\d*])")
MASK = re.compile(r"^\S*\*{3,}\S*$")


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--out", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--domain", default="example.com")
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	url, d = args.url, args.domain
	seen, leaks, problems = {}, [], []

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		def new_page(who, viewport=DESK):
			page = browser.new_context(viewport=viewport).new_page()
			page.asked_reveal = False

			def check(response):
				if not response.url.startswith(url) or "/assets/" in response.url:
					return
				if "property_privacy.reveal.reveal" in response.url:
					return  # the answer the user asked for, with a reason (logged)
				try:
					body = response.text()
				except Exception:
					return
				for pattern, kind in ((PLAIN_MOBILE, "mobile"), (PLAIN_ID, "ID number")):
					for match in set(pattern.findall(body)):
						leaks.append(f"{who}: a plain {kind} {match[:3]}… in {response.url[len(url) :][:90]}")

			page.on("response", check)
			return page

		def first(page, doctype, filters=None):
			# fetched by the page itself (the browser resolves *.localhost; Playwright's own client does not)
			rows = page.evaluate(
				"""async ([doctype, filters]) => {
					const q = new URLSearchParams({limit_page_length: 1, filters: JSON.stringify(filters)});
					const r = await fetch(`/api/resource/${encodeURIComponent(doctype)}?${q}`);
					return r.ok ? (await r.json()).data : [];
				}""",
				[doctype, filters or []],
			)
			return rows[0]["name"] if rows else None

		def open_file(page, who, name):
			page.goto(f"{url}/app/property-owner/{name}")
			page.wait_for_selector(".form-layout", timeout=30_000)
			page.wait_for_timeout(1500)
			shown = {}
			for field in ("mobile", "id_number"):
				box = page.locator(f'.frappe-control[data-fieldname="{field}"]')
				if box.count() and box.first.is_visible():
					value = box.first.locator(".control-value, input").first
					text = (
						value.input_value()
						if value.evaluate("e => e.tagName") == "INPUT"
						else value.inner_text()
					)
					shown[field] = text.strip()
				else:
					shown[field] = "(not shown)"
				if shown[field] not in ("(not shown)", "") and not MASK.match(shown[field]):
					problems.append(f"{who}: {field} shown unmasked on {name}")
			page.screenshot(path=str(out / f"{who}--resident-file.png"), full_page=False)
			return shown

		staff = {
			"manager": f"manager@{d}",
			"a01.cs": f"a01.cs@{d}",
			"tech.wang": f"tech.wang@{d}",
			"accountant": f"accountant@{d}",
		}
		pages = {}
		for who, user in staff.items():
			page = new_page(who)
			login(page, url, user, args.password)
			pages[who] = page
			name = first(page, "Property Owner", [["id_number", "is", "set"]]) or first(
				page, "Property Owner"
			)
			seen[who] = {
				"file": name,
				**(open_file(page, who, name) if name else {"file": "(none readable)"}),
			}
			page.goto(f"{url}/app/property-owner?id_number=%5B%22is%22%2C%22set%22%5D")
			page.wait_for_timeout(2500)
			page.screenshot(path=str(out / f"{who}--resident-list.png"))

		# the manager reveals the ID number of the file he opened, with a reason
		manager = pages["manager"]
		name = seen["manager"]["file"]
		manager.goto(f"{url}/app/property-owner/{name}")
		manager.wait_for_selector(".form-layout", timeout=30_000)
		manager.wait_for_timeout(1500)
		# the Reveal group's "ID Number" item (证件号码 in a Chinese desk)
		item = manager.locator(
			'.inner-group-button .dropdown-item[data-label="%E8%AF%81%E4%BB%B6%E5%8F%B7%E7%A0%81"], '
			'.inner-group-button .dropdown-item[data-label="ID%20Number"]'
		).first
		item.locator("xpath=ancestor::div[contains(@class, 'inner-group-button')]//button").first.click()
		manager.wait_for_timeout(300)
		seen["manager"]["reveal_menu"] = [
			t.strip() for t in item.locator("xpath=..").locator(".dropdown-item").all_inner_texts()
		]
		item.click()
		manager.wait_for_selector(".modal.show textarea", timeout=10_000)
		manager.fill(
			".modal.show textarea", "核对业主身份证件 / checking the owner's ID for a title transfer"
		)
		manager.screenshot(path=str(out / "manager--reveal-reason.png"))
		manager.locator(".modal.show .btn-primary").first.click()
		manager.wait_for_selector(".msgprint", timeout=15_000)
		manager.wait_for_timeout(500)
		revealed = manager.locator(".msgprint").first.inner_text().strip()
		seen["manager"]["revealed"] = "*" not in revealed and len(revealed) >= 8
		if not seen["manager"]["revealed"]:
			problems.append(f"manager: the reveal showed {revealed[:6]}…, not a full value")
		manager.screenshot(path=str(out / "manager--revealed.png"))
		# the form still holds the mask after the reveal
		manager.keyboard.press("Escape")
		still = manager.locator(
			'.frappe-control[data-fieldname="id_number"] .control-value, .frappe-control[data-fieldname="id_number"] input'
		).first
		still_text = (
			still.input_value() if still.evaluate("e => e.tagName") == "INPUT" else still.inner_text()
		)
		if not MASK.match(still_text.strip()):
			problems.append("manager: the form shows the revealed value after the reveal")

		# the reveal is in the Personal Data Access report; the managers' desk for data protection
		manager.goto(f"{url}/app/query-report/Personal Data Access")
		manager.wait_for_timeout(4000)
		manager.screenshot(path=str(out / "manager--personal-data-access.png"))
		seen["manager"]["report_mentions_reveal"] = manager.locator(".dt-scrollable").count() > 0
		for route, shot in (
			("property-privacy", "manager--property-privacy.png"),
			("data-change-request", "manager--data-change-requests.png"),
			("restore-drill", "manager--restore-drills.png"),
			("property-crm-settings", "manager--settings.png"),
		):
			manager.goto(f"{url}/app/{route}")
			manager.wait_for_timeout(3000)
			manager.screenshot(path=str(out / shot), full_page=route == "property-crm-settings")

		# a clerk may reveal a mobile, not an ID number: the Reveal menu offers mobiles only
		clerk = pages["a01.cs"]
		if seen["a01.cs"]["file"] != "(none readable)":
			clerk.goto(f"{url}/app/property-owner/{seen['a01.cs']['file']}")
			clerk.wait_for_selector(".form-layout", timeout=30_000)
			clerk.wait_for_timeout(1500)
			items = clerk.locator(".inner-group-button .dropdown-item")
			seen["a01.cs"]["menu_items"] = [t.strip() for t in items.all_inner_texts() if t.strip()]
			if any(("证件" in t or "ID" in t) for t in seen["a01.cs"]["menu_items"]):
				problems.append("a01.cs: offered a reveal of an ID number")

		# a resident sees their own numbers masked on the portal profile
		resident = new_page("a01.owner", PHONE)
		login(resident, url, f"a01.owner@{d}", args.password, landing="**/property**")
		resident.goto(f"{url}/property/profile")
		resident.wait_for_timeout(2000)
		resident.screenshot(path=str(out / "a01.owner--profile.png"), full_page=True)
		inputs = resident.locator("input[name='mobile'], input[name*='mobile']")
		seen["a01.owner"] = {"profile_mobiles": [inputs.nth(i).input_value() for i in range(inputs.count())]}
		for value in seen["a01.owner"]["profile_mobiles"]:
			if value and not MASK.match(value):
				problems.append("a01.owner: own mobile shown unmasked on the portal profile")
		browser.close()

	print(json.dumps(seen, ensure_ascii=False, indent=1))
	print(f"plain values in answers nobody asked for: {len(leaks)}")
	for line in leaks[:20] + problems:
		print("  " + line)
	sys.exit(1 if leaks or problems else 0)


if __name__ == "__main__":
	main()
