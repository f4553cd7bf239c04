"""Surveys in a real browser (Debian's Chromium, headless): a resident answers a survey with a condition on
a phone in zh (the follow-up question appears only after a low rating); someone answers from an e-mailed
link without logging in; a customer-service clerk records a phone survey (电话回访) in the desk. Takes the
JSON printed by survey_setup.py; screenshots go to --out; prints what each step saw.

	python tests/browser/survey_flow.py --url http://127.0.0.1:8000 --setup setup.json --password ... --out /tmp/shots
"""

import argparse
import json
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}


def answer(page, out: Path, prefix: str, seen: dict) -> None:
	why = page.locator("fieldset[data-key=why]")
	seen[f"{prefix}_why_visible_at_first"] = why.is_visible()
	page.locator("fieldset[data-key=overall] input[value='2']").check()
	page.wait_for_timeout(300)
	seen[f"{prefix}_why_visible_after_2_stars"] = why.is_visible()
	page.screenshot(path=str(out / f"{prefix}-1-condition-shown.png"), full_page=True)
	page.locator("fieldset[data-key=overall] input[value='4']").check()
	page.wait_for_timeout(300)
	seen[f"{prefix}_why_visible_after_4_stars"] = why.is_visible()
	page.locator("fieldset[data-key=overall] input[value='1']").check()
	page.fill("fieldset[data-key=why] textarea", "电梯经常坏，报修很慢")
	page.locator("fieldset[data-key=recommend] input[value='3']").check()
	page.click("#survey-form button[type=submit]")
	page.wait_for_selector("#thanks", state="visible", timeout=15_000)
	seen[f"{prefix}_after_submit"] = page.inner_text("#thanks")
	page.screenshot(path=str(out / f"{prefix}-2-thanks.png"), full_page=True)


def main() -> None:
	parser = argparse.ArgumentParser()
	for option in ("--url", "--setup", "--password", "--out"):
		parser.add_argument(option, required=True)
	parser.add_argument("--manager", default="")
	args = parser.parse_args()
	setup = json.loads(Path(args.setup).read_text())
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	seen = {}
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		# 1. a resident on a phone, in zh: My Surveys → the survey → a low rating shows "why"
		phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
		login(phone, args.url, setup["resident"], args.password, landing="**/property**")
		phone.goto(f"{args.url}/property/surveys")
		phone.screenshot(path=str(out / "1-0-my-surveys.png"), full_page=True)
		seen["my_surveys"] = phone.inner_text("main")[:200]
		phone.click(f"a[href='/property/surveys/{setup['invitation']}']")
		phone.wait_for_selector("#survey-form")
		seen["survey_title"] = phone.inner_text("h1")
		answer(phone, out, "1", seen)
		phone.goto(f"{args.url}/property/surveys/{setup['invitation']}")
		seen["reopened"] = phone.inner_text("main")[:120]

		# 2. the e-mailed link, without logging in (a fresh browser: no session)
		guest = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
		guest.goto(f"{args.url}/property/s/{setup['token']}?_lang=zh")
		guest.wait_for_selector("#survey-form")
		answer(guest, out, "2", seen)
		guest.goto(f"{args.url}/property/s/{setup['token']}?_lang=zh")
		seen["link_used_again"] = guest.inner_text("main")[:120]
		guest.screenshot(path=str(out / "2-3-link-used.png"), full_page=True)
		forged = setup["token"][:-1] + ("0" if setup["token"][-1] != "0" else "1")
		guest.goto(f"{args.url}/property/s/{forged}?_lang=zh")
		seen["forged_link"] = guest.inner_text("main")[:120]

		# 3. the clerk's phone survey in the desk: the invitation from the call list, Call → Record Answers
		desk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
		login(desk, args.url, setup["clerk"], args.password)
		desk.goto(f"{args.url}/app/survey-invitation?campaign={setup['campaign']}")
		desk.wait_for_selector(".frappe-list", timeout=30_000)
		desk.wait_for_timeout(1500)
		desk.screenshot(path=str(out / "3-0-call-list.png"))
		seen["call_list"] = desk.inner_text(".frappe-list")[:300]
		desk.goto(f"{args.url}/app/survey-invitation/{setup['phone_invitation']}")
		desk.wait_for_selector(".form-layout", timeout=30_000)
		desk.wait_for_timeout(1500)
		desk.locator(
			".inner-group-button button:has-text('电话'), .inner-group-button button:has-text('Call')"
		).first.click()
		desk.locator(".dropdown-menu.show .dropdown-item").first.click()
		dialog = desk.locator(".modal.show")
		dialog.wait_for(timeout=15_000)
		dialog.locator("select[data-fieldname=overall]").select_option("2")
		desk.wait_for_timeout(500)
		seen["desk_why_visible_after_2"] = dialog.locator("[data-fieldname=why]").first.is_visible()
		dialog.locator("[data-fieldname=why] textarea").fill("保洁不及时")
		dialog.locator("select[data-fieldname=recommend]").select_option("6")
		desk.screenshot(path=str(out / "3-1-phone-dialog.png"))
		dialog.locator(".btn-primary").first.click()
		desk.wait_for_timeout(3000)
		desk.screenshot(path=str(out / "3-2-answered.png"), full_page=True)
		seen["invitation_after"] = desk.inner_text(".page-head")[:200]

		# 4. a manager: the workspace's CSAT and NPS cards, the Satisfaction Summary, the campaign's progress
		if args.manager:
			desk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
			login(desk, args.url, args.manager, args.password)
			desk.goto(f"{args.url}/app/property-crm")
			desk.wait_for_selector(".number-widget-box", timeout=30_000)
			desk.wait_for_timeout(4000)
			desk.screenshot(path=str(out / "4-0-workspace.png"))
			seen["number_cards"] = [
				c.inner_text().replace("\n", " ") for c in desk.locator(".number-widget-box").all()
			][-4:]
			desk.goto(f"{args.url}/app/query-report/Satisfaction Summary")
			desk.wait_for_selector(".dt-scrollable .dt-row", timeout=30_000)
			desk.wait_for_timeout(2500)
			desk.screenshot(path=str(out / "4-1-satisfaction-summary.png"), full_page=True)
			seen["report_summary"] = desk.inner_text(".report-summary")[:300]
			desk.goto(f"{args.url}/app/survey-campaign/{setup['campaign']}")
			desk.wait_for_selector(".form-layout", timeout=30_000)
			desk.wait_for_timeout(2500)
			desk.screenshot(path=str(out / "4-2-campaign.png"), full_page=True)
			seen["campaign_progress"] = desk.inner_text(".form-dashboard")[:300]
		browser.close()
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
