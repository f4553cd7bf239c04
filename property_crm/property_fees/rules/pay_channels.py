"""Which way a device pays (the payment channel), from its browser's user agent, without Frappe.

- Inside WeChat's browser (`MicroMessenger` in the user agent): WeChat Pay JSAPI; Alipay is not offered
  (WeChat does not open Alipay's pages).
- On a phone's browser: WeChat Pay H5, Alipay 手机网站支付 (wap).
- On a computer: WeChat Pay Native (a QR code to scan with the phone), Alipay 电脑网站支付 (page).
"""

import re

MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone|OpenHarmony", re.IGNORECASE)
DEVICE_CHANNELS = {
	"wechat": {"WeChat Pay": "jsapi"},
	"phone": {"WeChat Pay": "h5", "Alipay": "wap"},
	"computer": {"WeChat Pay": "native", "Alipay": "page"},
}


def device_of(user_agent: str | None) -> str:
	""" "wechat", "phone" or "computer"."""
	agent = user_agent or ""
	if "MicroMessenger" in agent:
		return "wechat"
	return "phone" if MOBILE.search(agent) else "computer"


def channel_for(platform: str, user_agent: str | None) -> str | None:
	"""The channel `platform` ("WeChat Pay" | "Alipay") uses on this device; None where it is not offered."""
	return DEVICE_CHANNELS[device_of(user_agent)].get(platform)
