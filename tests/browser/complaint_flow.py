"""An anonymous complaint end to end in a real browser (Debian's Chromium, headless, Playwright): a resident
files it on a phone in Chinese, with a photo; customer service opens the desk list and form and reads 匿名;
the estate's manager opens the form and reads who filed it (the form's intro); staff investigate and resolve
it (root cause, resolution); the resident is not satisfied and the complaint is reopened. Screenshots go to
--out; prints what each step saw.

	# in the bench's sites/ folder
	../env/bin/python /path/to/tests/browser/serve.py --site property-crm-ci.localhost --port 8011 &
	/opt/pw/bin/python tests/browser/complaint_flow.py --url http://127.0.0.1:8011 --resident r@x \
		--cs cs@x --manager m@x --password ... --photo photo.jpg --out /tmp/complaint_flow
"""

import argparse
import json
import re
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright
from service_flow import workflow_action

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


def open_form(page, url: str, name: str) -> None:
	page.goto(f"{url}/app/complaint/{name}")
	page.wait_for_selector(".form-layout", timeout=30_000)
	page.wait_for_timeout(2000)


def field_value(page, fieldname: str) -> str:
	return page.evaluate(f"() => cur_frm.doc.{fieldname} || ''")


def main() -> None:
	parser = argparse.ArgumentParser()
	for option in ("--url", "--resident", "--cs", "--manager", "--password", "--photo", "--out"):
		parser.add_argument(option, required=True)
	parser.add_argument("--category", default="Service Attitude")
	args = parser.parse_args()
	out, url, seen, errors = Path(args.out), args.url, {}, []
	out.mkdir(parents=True, exist_ok=True)

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

		def new_page(viewport, **options):
			page = browser.new_context(viewport=viewport, **options).new_page()
			page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
			return page

		# 1. the resident files an anonymous complaint with a photo, on a phone, in Chinese
		resident = new_page(PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
		login(resident, url, args.resident, args.password, landing="**/property**")
		resident.goto(f"{url}/property")
		resident.wait_for_selector(".pcrm")
		resident.screenshot(path=str(out / "1-resident-home.png"), full_page=True)
		seen["home"] = resident.inner_text(".cards")
		resident.goto(f"{url}/property/complaints/new")
		resident.select_option("#complaint_category", args.category)
		resident.fill("#subject", "夜班保安态度恶劣")
		resident.fill("#description", "昨晚十点回家，门岗保安出言不逊，还不让我进小区。")
		resident.set_input_files("#photo", args.photo)
		resident.check("#anonymous")
		seen["anonymous checkbox"] = resident.inner_text("label:has(#anonymous)")
		resident.screenshot(path=str(out / "2-resident-new-complaint.png"), full_page=True)
		resident.click("#complaint-form button[type=submit]")
		resident.wait_for_url(re.compile(r".*/property/complaints/CMP-.*"), timeout=30_000)
		name = resident.url.split("/")[-1].split("?")[0]
		resident.wait_for_timeout(1000)
		resident.screenshot(path=str(out / "3-resident-filed.png"), full_page=True)
		seen["complaint"] = name
		seen["resident: acknowledgement"] = resident.inner_text(".notice")
		seen["resident: page"] = resident.inner_text("main")[:300]
		seen["resident: photo shown"] = resident.locator("img.photo").evaluate("i => i.naturalWidth > 0")

		# 2. customer service: list and form say 匿名, nothing of the resident
		cs = new_page(DESK)
		login(cs, url, args.cs, args.password)
		cs.goto(f"{url}/app/complaint?name={name}")
		cs.wait_for_selector(".frappe-list", timeout=30_000)
		cs.wait_for_timeout(2500)
		cs.screenshot(path=str(out / "4-cs-list.png"))
		seen["cs: list row"] = cs.locator(".list-row-container").first.inner_text()
		open_form(cs, url, name)
		cs.screenshot(path=str(out / "5-cs-form.png"), full_page=True)
		seen["cs: form messages"] = cs.locator(".form-message:visible").all_inner_texts()
		seen["cs: complainant fields"] = {
			field: field_value(cs, field)
			for field in ("complainant_name", "complainant", "unit", "contact_mobile", "owner")
		}

		# 3. the estate's manager reads who filed it, in the form's intro
		manager = new_page(DESK)
		login(manager, url, args.manager, args.password)
		open_form(manager, url, name)
		manager.wait_for_selector(".form-message:has-text('投诉人')", timeout=15_000)
		manager.screenshot(path=str(out / "6-manager-form.png"), full_page=True)
		seen["manager: form messages"] = manager.locator(".form-message:visible").all_inner_texts()

		# 4. staff investigate and resolve it
		workflow_action(cs, "调查")
		open_form(cs, url, name)
		cs.locator('textarea[data-fieldname="findings"]').fill("调取监控，当班保安语气生硬，未按流程核验。")
		cs.evaluate("() => cur_frm.set_value('root_cause', 'Staff Conduct')")
		cs.locator('textarea[data-fieldname="resolution"]').fill(
			"已对当班保安批评教育，安排主管上门致歉，并加强门岗礼仪培训。"
		)
		cs.wait_for_timeout(500)
		cs.keyboard.press("Control+s")
		cs.wait_for_timeout(2500)
		workflow_action(cs, "处理完毕")
		open_form(cs, url, name)
		cs.screenshot(path=str(out / "7-cs-resolved.png"), full_page=True)
		seen["cs: status after resolving"] = field_value(cs, "status")

		# 5. the resident is not satisfied: reopened
		resident.goto(f"{url}/property/complaints/{name}")
		resident.wait_for_selector("#feedback-form", timeout=30_000)
		resident.screenshot(path=str(out / "8-resident-resolved.png"), full_page=True)
		seen["resident: resolved page"] = resident.inner_text("main")[:500]
		resident.check("input[name=feedback][value='Not Satisfied']")
		resident.fill("#comment", "保安没有道歉，问题没有解决。")
		resident.click("#feedback-form button[type=submit]")
		resident.wait_for_timeout(3000)
		resident.wait_for_selector(".pcrm")
		resident.screenshot(path=str(out / "9-resident-reopened.png"), full_page=True)
		seen["resident: after feedback"] = resident.inner_text("main")[:500]
		open_form(manager, url, name)
		seen["manager: status and reopen count"] = [field_value(manager, "status"), manager.evaluate(
			"() => cur_frm.doc.reopen_count")]  # fmt: skip
		manager.screenshot(path=str(out / "10-manager-reopened.png"), full_page=True)
		browser.close()
	seen["javascript errors"] = errors
	print(json.dumps(seen, ensure_ascii=False, indent=1))


if __name__ == "__main__":
	main()
