"""Bulk meter-reading entry (抄表录入) in a browser, on a site served on 127.0.0.1 (see serve.py): a
customer-service clerk of one estate opens a building, opens "Meter Readings", types the month's readings
with the keyboard only (Enter moves to the next unit), saves a sheet with one reading lower than the last
(refused as a whole, the unit marked), corrects it as a meter change, gives the never-read meter of a
ninth unit its starting reading, saves again; then opens the screen from the Property Meter Reading list. Saves screenshots and prints what it saw.

Two steps. Prepare a building (units, last month's readings) and the clerk, with the bench's Python from the
bench's sites/ folder; it prints the JSON the second step needs:

	../env/bin/python /path/to/tests/browser/meter_entry.py setup --site SITE --password PASSWORD

Then drive the browser (Playwright's Python):

	/opt/pw/bin/python tests/browser/meter_entry.py run --url http://127.0.0.1:8000 --user CLERK \
		--password PASSWORD --building BUILDING --out /tmp/meter-entry
"""

import argparse
import json
from pathlib import Path

UNITS = 8  # two floors of four, read last month; and 301, a meter never read
MONTH, LAST_MONTH = "2026-03-01", "2026-02-01"


def setup(args) -> None:
	import frappe
	from frappe.utils.password import update_password

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.local.conf.throttle_user_limit = max(frappe.local.conf.get("throttle_user_limit") or 60, 10_000)
	stamp = frappe.generate_hash(length=5).upper()
	company = frappe.db.get_value("Company", {}, "name")
	estate = frappe.get_doc(
		{
			"doctype": "Property Estate",
			"estate_code": f"M{stamp}",
			"estate_name": f"抄表小区{stamp}",
			"company": company,
		}
	).insert()
	building = frappe.get_doc(
		{"doctype": "Property Building", "estate": estate.name, "building_no": "3", "building_name": "3号楼",
			"floors": 18}
	).insert()  # fmt: skip
	for i in range(UNITS):
		floor, door = i // 4 + 1, i % 4 + 1
		unit = frappe.get_doc(
			{"doctype": "Property Unit", "estate": estate.name, "building": building.name, "floor": floor,
				"unit_number": f"{floor}0{door}", "built_up_area": 89, "inner_area": 72}
		).insert()  # fmt: skip
		frappe.get_doc(
			{"doctype": "Property Meter Reading", "unit": unit.name, "meter_type": "Water", "period": LAST_MONTH,
				"meter_no": f"W{floor}0{door}", "previous_reading": 100 + 10 * i, "current_reading": 120 + 10 * i}
		).insert()  # fmt: skip
	frappe.get_doc(
		{"doctype": "Property Unit", "estate": estate.name, "building": building.name, "floor": 3,
			"unit_number": "301", "built_up_area": 89, "inner_area": 72}
	).insert()  # fmt: skip
	clerk = f"meter.cs.{stamp.lower()}@example.com"
	user = frappe.get_doc({"doctype": "User", "email": clerk, "first_name": "抄表客服", "language": "zh",
		"send_welcome_email": 0, "roles": [{"role": "Property Customer Service"}]})  # fmt: skip
	user.flags.no_welcome_mail = True
	user.insert(ignore_permissions=True)
	update_password(clerk, args.password)
	frappe.get_doc(
		{"doctype": "User Permission", "user": clerk, "allow": "Property Estate", "for_value": estate.name}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	print(json.dumps({"user": clerk, "building": building.name, "estate": estate.name}))
	frappe.destroy()


def close_message(page) -> None:
	"""Close the message on top (Escape would close the sheet under it as well)."""
	page.locator(".modal.show:has(.msgprint) .btn-modal-close").last.click()
	page.wait_for_timeout(600)


def run(args) -> None:
	from desk_check import CHROMIUM_ARGS, login
	from playwright.sync_api import sync_playwright

	out, url, seen = Path(args.out), args.url, {}
	out.mkdir(parents=True, exist_ok=True)
	sheet = ".pcrm-meter-sheet"
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
		desk = browser.new_page(viewport={"width": 1440, "height": 960})
		login(desk, url, args.user, args.password)
		desk.goto(f"{url}/app/property-building/{args.building}")
		desk.wait_for_selector(".form-layout", timeout=30_000)
		desk.get_by_role("button", name="抄表录入").or_(
			desk.get_by_role("button", name="Meter Readings")
		).first.click()
		desk.wait_for_selector(f"{sheet} .pcrm-current", timeout=30_000)
		# the month: March (the dialog opens on the current month); set as the date picker would
		desk.wait_for_function("() => window.cur_dialog && cur_dialog.display", timeout=30_000)
		desk.evaluate(f"() => cur_dialog.set_value('period', '{MONTH}')")
		desk.wait_for_function(
			"() => document.querySelector('.modal.show .modal-title').innerText.includes('2026-03')",
			timeout=30_000,
		)
		desk.wait_for_selector(f"{sheet} .pcrm-current", timeout=30_000)
		desk.screenshot(path=str(out / "1-sheet-empty.png"))
		seen["rows"] = desk.locator(f"{sheet} tbody tr").count()
		seen["first_row"] = desk.locator(f"{sheet} tbody tr").first.inner_text()
		# keyboard only: the first reading has the focus; Enter moves to the next unit
		readings = [str(125 + 10 * i) for i in range(UNITS)]
		readings[2] = "5"  # lower than last month's 140: a new meter, not yet marked
		desk.locator(f"{sheet} .pcrm-current").first.click()
		for value in readings:
			desk.keyboard.type(value)
			desk.keyboard.press("Enter")
		seen["focused_after_typing"] = desk.evaluate(
			"() => document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.unit"
		)
		# the ninth unit's meter was never read: its starting reading, then this month's
		new = desk.locator(f"{sheet} tbody tr").nth(UNITS)
		seen["new_meter_row"] = new.inner_text()
		new.locator(".pcrm-start").fill("1234.5")
		new.locator(".pcrm-current").fill("1250")
		seen["consumption_shown"] = desk.locator(f"{sheet} .pcrm-consumption").all_inner_texts()
		desk.screenshot(path=str(out / "2-sheet-typed.png"))
		desk.get_by_role("button", name="全部保存").or_(
			desk.get_by_role("button", name="Save All")
		).first.click()
		desk.wait_for_selector(".msgprint", timeout=30_000)
		desk.wait_for_timeout(800)
		seen["refused"] = desk.locator(".msgprint").last.inner_text()
		seen["rows_marked"] = desk.locator(f"{sheet} tr.pcrm-fault").count()
		desk.screenshot(path=str(out / "3-refused.png"))
		close_message(desk)
		# the third unit had a new meter: tick the meter change, the old meter's last reading 142
		third = desk.locator(f"{sheet} tbody tr").nth(2)
		third.locator(".pcrm-change").check()
		third.locator(".pcrm-old-final").fill("142")
		desk.get_by_role("button", name="全部保存").or_(
			desk.get_by_role("button", name="Save All")
		).first.click()
		desk.wait_for_selector(
			".modal.show .modal-title:has-text('抄表读数已保存'), .modal.show .modal-title:has-text('Meter readings saved')",
			timeout=30_000,
		)
		seen["saved"] = desk.locator(".msgprint").last.inner_text()
		desk.wait_for_timeout(800)
		desk.screenshot(path=str(out / "4-saved.png"))
		close_message(desk)
		desk.wait_for_timeout(1000)
		seen["entered_pills"] = desk.locator(f"{sheet} .indicator-pill").count()
		desk.screenshot(path=str(out / "5-sheet-after-save.png"))
		# the list's button opens the same screen, asking for the building first
		desk.goto(f"{url}/app/property-meter-reading")
		desk.wait_for_selector(".list-row, .no-result", timeout=30_000)
		desk.get_by_role("button", name="抄表录入").or_(
			desk.get_by_role("button", name="Meter Readings")
		).first.click()
		desk.wait_for_selector(".modal.show [data-fieldname='building']", timeout=30_000)
		desk.wait_for_timeout(800)
		desk.screenshot(path=str(out / "6-from-list.png"))
		seen["list_rows"] = desk.locator(".list-row").count()
		seen["list_first_rows"] = desk.locator(".list-row").all_inner_texts()[:3]
		browser.close()
	print(json.dumps(seen, ensure_ascii=False, indent=1))


def main() -> None:
	parser = argparse.ArgumentParser()
	steps = parser.add_subparsers(dest="step", required=True)
	prepare = steps.add_parser("setup")
	prepare.add_argument("--site", required=True)
	prepare.add_argument("--password", required=True)
	drive = steps.add_parser("run")
	for option in ("--url", "--user", "--password", "--building", "--out"):
		drive.add_argument(option, required=True)
	args = parser.parse_args()
	setup(args) if args.step == "setup" else run(args)


if __name__ == "__main__":
	main()
