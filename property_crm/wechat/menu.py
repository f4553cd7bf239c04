"""The Official Account's custom menu (自定义菜单): every button a `view` opening a portal page through the
OAuth entry `/property/wechat?next=…`, so a bound resident arrives logged in (see `binding.py`).

WeChat allows 3 top-level buttons of up to 5 sub-buttons: 报修 (报修, 我的报修), 缴费, 更多 (投诉, 问卷, 通知).
Published by `bench --site … property-crm-wechat-menu` through `client.create_menu`."""

from urllib.parse import urlencode

ENTRY = "/property/wechat"

# (name, portal page) — the six the issue names; grouped into WeChat's three columns below
PAGES = {
	"报修": "/property/requests/new",
	"我的报修": "/property/requests",
	"投诉": "/property/complaints/new",
	"缴费": "/property/bills",
	"问卷": "/property/surveys",
	"通知": "/property/notices",
}
LAYOUT = (("报修", ("报修", "我的报修")), ("缴费", None), ("更多", ("投诉", "问卷", "通知")))


def entry_url(site_url: str, next_path: str) -> str:
	"""The OAuth entry for a portal page: {site_url}/property/wechat?next=/property/…"""
	return f"{site_url.rstrip('/')}{ENTRY}?{urlencode({'next': next_path})}"


def _view(name: str, site_url: str) -> dict:
	return {"type": "view", "name": name, "url": entry_url(site_url, PAGES[name])}


def default_menu(site_url: str) -> dict:
	"""The menu JSON for /cgi-bin/menu/create, its links on ``site_url`` (the settings' public URL)."""
	buttons = []
	for name, children in LAYOUT:
		if children is None:
			buttons.append(_view(name, site_url))
		else:
			buttons.append({"name": name, "sub_button": [_view(child, site_url) for child in children]})
	return {"button": buttons}


def publish(menu: dict | None = None) -> dict:
	"""Publish ``menu`` (default: the default menu on the settings' Site URL) through the client; returns it."""
	from property_crm.wechat import client

	if menu is None:
		menu = default_menu(client.settings().site_url or "")
	client.create_menu(menu)
	return menu
