"""A desk per role, in a real browser (Debian's Chromium, headless, Playwright) against a served demo site:
each staff role the demo prints logs in (in Chinese, as the demo's staff are), the sidebar lists the
workspaces its Module Profile shows, and each of those workspaces is opened: its number cards and charts
must all load (a card or chart that fails shows no figure). Screenshots to --out; prints what each saw and
exits non-zero when a role sees a workspace it should not, misses one, or a widget does not load.

	../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000 &
	python tests/browser/desk_per_role.py --url http://demo.localhost:8000 --out docs/desk
"""

import argparse
import json
import sys
from pathlib import Path

from desk_check import CHROMIUM_ARGS, login
from playwright.sync_api import sync_playwright

DESK = {"width": 1440, "height": 1000}
DRAWN = ".dashboard-widget-box .chart-container svg, .dashboard-widget-box .frappe-chart"
# login → the workspaces its desk shows (install.MODULE_PROFILES ∩ the workspace's roles)
ROLES = {
	"manager": ["Property CRM", "Property Households", "Property Service", "Property Complaints",
		"Property Surveys", "Property Fees", "Property Care"],
	"a01.cs": ["Property Households", "Property Service", "Property Complaints", "Property Surveys",
		"Property Care"],
	"accountant": ["Property Households", "Property Fees"],
	"tech.wang": ["Property Service"],
}  # fmt: skip


def slug(name: str) -> str:
	return name.lower().replace(" ", "-")


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--out", required=True)
	parser.add_argument("--password", default="Demo-2026!")
	parser.add_argument("--domain", default="example.com")
	args = parser.parse_args()
	out = Path(args.out)
	out.mkdir(parents=True, exist_ok=True)
	seen, problems, errors = {}, [], []

	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
		for login_name, expected in ROLES.items():
			page = browser.new_context(viewport=DESK).new_page()
			page.on("pageerror", lambda e, page=page: errors.append(f"{page.url}: {e}"))
			login(page, args.url, f"{login_name}@{args.domain}", args.password)
			sidebar = page.evaluate(
				"() => frappe.xcall('frappe.desk.desktop.get_workspace_sidebar_items')"
				".then(r => r.pages.map(p => p.name))"
			)
			ours = [name for name in sidebar if name.startswith("Property")]
			if sorted(ours) != sorted(expected):
				problems.append(f"{login_name}: sidebar {ours}, expected {expected}")
			for name in ours:
				page.goto(f"{args.url}/app/{slug(name)}")
				page.wait_for_selector(".widget", timeout=30_000)
				# cards and charts load after the page (a report chart runs its report): up to 30 s
				for _ in range(30):
					page.wait_for_timeout(1000)
					cards = page.locator(".number-widget-box").count()
					figures = [
						t.strip() for t in page.locator(".number-widget-box .number").all_inner_texts()
					]
					charts = page.locator(".dashboard-widget-box").count()
					drawn = page.locator(DRAWN).count()
					empty = page.locator(".dashboard-widget-box .chart-empty-state").count()
					if drawn + empty >= charts and len(figures) == cards and all(figures):
						break
				page.wait_for_timeout(1500)  # the charts' own animation
				title = page.locator(".page-title .title-text").first.inner_text()
				seen[f"{login_name} / {name}"] = {"title": title, "cards": dict(zip(
					page.locator(".number-widget-box .widget-title").all_inner_texts(), figures, strict=False)),
					"charts": charts, "charts drawn": drawn, "charts with no data": empty}  # fmt: skip
				if len(figures) != cards or any(not f for f in figures):
					problems.append(f"{login_name} / {name}: a number card shows no figure {figures}")
				if drawn + empty < charts:
					problems.append(f"{login_name} / {name}: {charts - drawn - empty} chart(s) did not load")
				page.screenshot(path=str(out / f"{slug(login_name)}--{slug(name)}.png"), full_page=True)
			page.context.close()
		browser.close()

	print(json.dumps(seen, ensure_ascii=False, indent=1))
	for line in problems + errors:
		print("PROBLEM:", line)
	sys.exit(1 if problems or errors else 0)


if __name__ == "__main__":
	main()
