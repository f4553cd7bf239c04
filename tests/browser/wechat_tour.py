"""A resident opens the portal from the Official Account's menu (微信公众号菜单 → 我的报修), in a real browser
(Debian's Chromium, headless, Playwright) playing their WeChat app: the menu link `/property/wechat?next=
/property/requests` → the WeChat stand-in's OAuth authorize (the WeChat user chosen by the stand-in's cookie,
as the WeChat app knows who is using it) → back on the site with code and state → logged in, without a
password, on 我的报修. Then a WeChat user who has bound nothing opens the same link and gets 绑定微信 (log in
once with the password or a code by SMS), logged in as nobody. Screenshots go to --out.

With a demo site served on 127.0.0.1 (serve.py; the demo's WeChat step bound the portal residents and left
the settings at the stand-in's default port 8701):

	cd frappe-bench/sites && ../env/bin/python /path/to/tests/browser/serve.py --site demo.localhost --port 8000 &
	cd frappe-bench/sites && ../env/bin/python /path/to/tests/browser/wechat_tour.py standin --site demo.localhost \
		--url http://127.0.0.1:8000 &
	/opt/pw/bin/python tests/browser/wechat_tour.py tour --url http://127.0.0.1:8000 \
		--resident a01.owner@example.com --out docs/wechat

or let the tour start both itself (and stop them at the end): add `--site demo.localhost --bench
/opt/frappe-bench` to the `tour`. Exits non-zero when a step fails.

`standin` (run with the bench's Python, in its sites folder): the stand-in with the site's appid and app
secret on the settings' port, the settings' site URL set to --url (the OAuth entry's redirect_uri), and one
line of JSON on stdout: the portal users' bound openids (for the tour's WeChat user).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
PHONE_UA = (
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
	"Mobile/15E148 MicroMessenger/8.0.50(0x1800322e) NetType/WIFI Language/zh_CN"
)


def serve_standin(args) -> None:
	"""The stand-in for the site's Official Account, until killed."""
	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from property_crm.tests.wechat_standin import WeChatStandIn
	from property_crm.wechat import client

	settings = client.settings()
	port = urlsplit(settings.oauth_base_url or "").port or 8701
	standin = WeChatStandIn(settings.appid, settings.app_secret)
	standin.start(port)
	if args.url:
		frappe.db.set_single_value("WeChat Official Account Settings", "site_url", args.url.rstrip("/"))
		frappe.db.commit()
	bound = dict(frappe.get_all("WeChat Binding", fields=["user", "openid"], as_list=True))
	frappe.destroy()
	print(json.dumps({"port": port, "openids": bound}), flush=True)
	while True:
		time.sleep(3600)


def wait_for(url: str, seconds: int = 120) -> None:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		try:
			urllib.request.urlopen(url, timeout=10)
			return
		except urllib.error.HTTPError:  # an answer, if not a page
			return
		except OSError:
			time.sleep(0.5)
	raise SystemExit(f"{url} did not answer within {seconds} s")


def start_services(args) -> tuple[list, dict]:
	sites = Path(args.bench) / "sites"
	python = str(Path(args.bench) / "env" / "bin" / "python")
	port = urlsplit(args.url).port or 80
	logs = open(Path(args.out) / "services.log", "ab")
	served = subprocess.Popen(
		[python, str(HERE / "serve.py"), "--site", args.site, "--port", str(port)],
		cwd=sites, stdout=logs, stderr=logs, stdin=subprocess.DEVNULL,
	)  # fmt: skip
	standin = subprocess.Popen(
		[python, str(Path(__file__).resolve()), "standin", "--site", args.site, "--url", args.url],
		cwd=sites, stdout=subprocess.PIPE, stderr=logs, stdin=subprocess.DEVNULL, text=True,
	)  # fmt: skip
	info = json.loads(standin.stdout.readline() or "{}")
	if not info:
		raise SystemExit("the stand-in did not start (see services.log)")
	wait_for(args.url + "/api/method/ping")
	return [served, standin], info


def tour(args) -> None:
	from playwright.sync_api import sync_playwright

	sys.path.insert(0, str(HERE))
	from desk_check import CHROMIUM_ARGS

	out, url, seen = Path(args.out), args.url.rstrip("/"), {}
	out.mkdir(parents=True, exist_ok=True)
	services, info = start_services(args) if args.site else ([], json.loads(args.standin_info or "{}"))
	try:
		port = info.get("port") or args.standin_port
		openid = (info.get("openids") or {}).get(args.resident) or args.openid
		if not openid:
			raise SystemExit(f"{args.resident} has no bound WeChat (run the demo's WeChat step)")
		standin = f"http://127.0.0.1:{port}"
		with sync_playwright() as p:
			browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
			options = dict(
				viewport={"width": 390, "height": 844}, user_agent=PHONE_UA, locale="zh-CN", is_mobile=True,
				has_touch=True, device_scale_factor=2,
			)  # fmt: skip
			phone = browser.new_context(**options).new_page()
			# the WeChat app knows its user: the stand-in's authorize page answers for this openid
			phone.goto(f"{standin}/standin/user?openid={openid}")
			phone.goto(f"{url}/property/wechat?next=/property/requests")
			try:
				# the browser keeps WeChat's "#wechat_redirect" fragment across the redirects, as WeChat's does
				phone.wait_for_url(f"{url}/property/requests*", timeout=30_000)
			except Exception:
				phone.screenshot(path=str(out / "failed.png"), full_page=True)
				raise SystemExit(f"landed on {phone.url}: {phone.inner_text('body')[:500]}") from None
			if phone.locator('button.lang[value="zh"]').count():  # the resident reads Chinese
				phone.click('button.lang[value="zh"]')
				phone.wait_for_url(f"{url}/property/requests*")
			phone.wait_for_selector("text=我的报修", timeout=30_000)
			phone.screenshot(path=str(out / "1-menu-my-requests.png"), full_page=True)
			seen["landed"] = phone.url
			seen["page"] = phone.inner_text("main")[:300]
			who = phone.request.get(f"{url}/api/method/frappe.auth.get_logged_user")
			seen["logged_in_as"] = who.json().get("message")
			if seen["logged_in_as"] != args.resident:
				raise SystemExit(f"logged in as {seen['logged_in_as']}, not {args.resident}")
			phone.goto(f"{url}/property/profile")
			phone.screenshot(path=str(out / "2-profile-wechat-bound.png"), full_page=True)

			stranger = browser.new_context(**options).new_page()
			stranger.goto(f"{standin}/standin/user?openid=oUNBOUND{int(time.time())}")
			stranger.goto(f"{url}/property/wechat?next=/property/requests")
			stranger.wait_for_load_state("networkidle")
			stranger.screenshot(path=str(out / "3-unbound-bind.png"), full_page=True)
			seen["unbound_page"] = stranger.inner_text("main")[:200]
			nobody = stranger.request.get(f"{url}/api/method/frappe.auth.get_logged_user")
			if nobody.ok or "绑定微信" not in seen["unbound_page"]:
				raise SystemExit(f"an unbound WeChat landed on {stranger.url} ({nobody.status})")
			browser.close()
		print(json.dumps(seen, ensure_ascii=False, indent=1))
		print(
			f"OK: the menu link opened 我的报修 logged in as {args.resident}; an unbound WeChat gets 绑定微信."
		)
	finally:
		for process in services:
			process.terminate()
			try:
				process.wait(10)
			except subprocess.TimeoutExpired:
				process.kill()
		if services:
			os.sync()


def main() -> None:
	parser = argparse.ArgumentParser()
	sub = parser.add_subparsers(dest="command", required=True)
	standin = sub.add_parser("standin")
	standin.add_argument("--site", required=True)
	standin.add_argument("--url", default="")
	run = sub.add_parser("tour")
	run.add_argument("--url", required=True)
	run.add_argument("--resident", required=True, help="a portal resident whose WeChat the demo bound")
	run.add_argument("--openid", default="", help="their openid, without --site")
	run.add_argument("--standin-port", type=int, default=8701)
	run.add_argument("--standin-info", default="", help="the standin command's JSON line, without --site")
	run.add_argument("--out", default="docs/wechat")
	run.add_argument("--site", default="", help="start serve.py and the stand-in for this site")
	run.add_argument("--bench", default="/opt/frappe-bench")
	args = parser.parse_args()
	if args.command == "standin":
		serve_standin(args)
	else:
		tour(args)


if __name__ == "__main__":
	main()
