"""A service request end to end in a real browser (Debian's Chromium, headless, phone-sized, zh):
the resident files it with a photo on the portal, the dispatcher accepts and dispatches it in the desk
(the category's Assignment Rule picks the technician), the technician starts and completes it on a
phone, and the resident rates it. Screenshots go to --out; prints what each step saw.

	python tests/browser/service_flow.py --url http://dev.localhost:8000 --resident r@x --dispatcher cs@x \
		--technician tech@x --password ... --category 水电维修 --photo leak.png --out /tmp/shots
"""

import argparse
import json
import re
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

PHONE = {"width": 390, "height": 844}


def workflow_action(page, action: str) -> None:
	"""Frappe puts a document's Workflow actions in the primary "操作" (Actions) menu."""
	# on a phone the button shows only an icon
	page.locator(".page-actions button.btn-primary[data-toggle=dropdown]:visible").first.click()
	page.locator(f".dropdown-menu.show .dropdown-item:has-text('{action}')").first.click()
	page.wait_for_timeout(800)
	confirm = page.locator(
		".modal.show .btn-primary:has-text('是'), .modal.show .btn-primary:has-text('Yes')"
	)
	if confirm.count():
		confirm.first.click()
	page.wait_for_timeout(2500)


def main() -> None:
	parser = argparse.ArgumentParser()
	for option in (
		"--url",
		"--resident",
		"--dispatcher",
		"--technician",
		"--password",
		"--category",
		"--photo",
		"--out",
	):
		parser.add_argument(option, required=True)
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	seen = {}
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		# 1. the resident files a request with a photo, on a phone
		resident = browser.new_context(
			viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
		).new_page()
		login(resident, args.url, args.resident, args.password, landing="**/property**")
		resident.goto(f"{args.url}/property")
		resident.wait_for_selector(".pcrm")
		resident.screenshot(path=str(out / "p1-home.png"), full_page=True)
		seen["home"] = resident.inner_text(".pcrm")[:200]
		resident.goto(f"{args.url}/property/requests/new")
		resident.select_option("#service_category", args.category)
		resident.fill("#subject", "厨房水龙头漏水")
		resident.fill("#description", "关上阀门后仍在滴水")
		resident.set_input_files("#photo", args.photo)
		resident.screenshot(path=str(out / "p2-new-request.png"), full_page=True)
		resident.click("#request-form button[type=submit]")
		resident.wait_for_url(re.compile(r".*/property/requests/SO-.*"), timeout=30_000)
		order = resident.url.rsplit("/", 1)[-1]
		resident.wait_for_timeout(1000)
		resident.screenshot(path=str(out / "p3-request-filed.png"), full_page=True)
		seen["order"] = order
		seen["photo_shown"] = resident.locator("img.photo").evaluate("img => img.naturalWidth > 0")

		# 2. the dispatcher accepts and dispatches it in the desk
		desk = browser.new_page(viewport={"width": 1366, "height": 900})
		login(desk, args.url, args.dispatcher, args.password)
		desk.goto(f"{args.url}/app/service-order/{order}")
		desk.wait_for_selector(".form-layout")
		desk.wait_for_timeout(1500)
		workflow_action(desk, "受理")
		desk.reload()
		desk.wait_for_selector(".form-layout")
		desk.wait_for_timeout(1500)
		seen["assigned_after_accept"] = desk.locator(".form-assignments").inner_text()
		workflow_action(desk, "派单")
		desk.screenshot(path=str(out / "d1-dispatched.png"), full_page=True)
		seen["status_after_dispatch"] = desk.locator(".indicator-pill").first.inner_text()

		# 3. the technician starts and completes it on a phone
		tech = browser.new_page(viewport=PHONE)
		login(tech, args.url, args.technician, args.password)
		tech.goto(f"{args.url}/app/service-order")
		tech.wait_for_selector(".frappe-list")
		tech.wait_for_timeout(1500)
		seen["technician_list"] = tech.locator(
			".list-row .level-item.bold a, .list-subject a"
		).all_inner_texts()[:5]
		tech.goto(f"{args.url}/app/service-order/{order}")
		tech.wait_for_selector(".form-layout")
		tech.wait_for_timeout(1500)
		workflow_action(tech, "开始处理")
		tech.reload()
		tech.wait_for_selector(".form-layout")
		tech.wait_for_timeout(1500)
		tech.locator('textarea[data-fieldname="completion_notes"]').fill("更换水龙头阀芯，试水无渗漏")
		tech.keyboard.press("Control+s")
		tech.wait_for_timeout(2500)
		tech.screenshot(path=str(out / "t0-notes-saved-phone.png"), full_page=True)
		workflow_action(tech, "完工")
		tech.screenshot(path=str(out / "t1-completed-phone.png"), full_page=True)
		seen["status_after_complete"] = tech.locator(".indicator-pill").first.inner_text()

		# 4. the resident rates it
		resident.goto(f"{args.url}/property/requests/{order}")
		resident.wait_for_selector("#rate-form")
		resident.check("input[name=rating][value='5']")
		resident.locator(".chips label").first.click()
		resident.fill("#comment", "师傅很专业，谢谢")
		resident.click("#rate-form button[type=submit]")
		resident.wait_for_timeout(3000)
		resident.screenshot(path=str(out / "p4-rated.png"), full_page=True)
		seen["after_rating"] = resident.inner_text(".pcrm")[:400]
		browser.close()
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
