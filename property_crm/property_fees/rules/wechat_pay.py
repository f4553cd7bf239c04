"""WeChat Pay API v3's small rules, without Frappe: money in fen, times in RFC 3339, the order description,
PEM text as pasted into a password box, the notification's clock window and trade states.

- **Money.** WeChat Pay counts in fen (分) as integers; we keep yuan as `Decimal` with two places. Yuan →
  fen multiplies the Decimal exactly (never a float) and refuses a fraction of a fen or a non-positive amount.
- **Times.** `time_expire` is RFC 3339 with the China offset (2026-12-02T20:15:00+08:00); a naive datetime is
  taken in the site's time zone. `success_time` comes back with an offset and is turned into a naive
  datetime in the site's time zone.
- **Description** (商品描述): at most 127 bytes of UTF-8, cut on a character boundary.
- **PEM.** A browser's password box drops newlines, so a key arrives as one line (or with literal "\\n"):
  the base64 body is re-wrapped at 64 characters between its BEGIN/END lines.
- **Notifications** are refused when their Wechatpay-Timestamp is more than 5 minutes away from now (replay).
"""

import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CHINA = timezone(timedelta(hours=8))
DESCRIPTION_BYTES = 127
NOTIFICATION_WINDOW_SECONDS = 5 * 60
APIV3_KEY_BYTES = 32

# trade_state (查询订单) → our Notice.state
TRADE_STATES = {
	"SUCCESS": "paid",
	"NOTPAY": "pending",
	"USERPAYING": "pending",
	"ACCEPT": "pending",
	"CLOSED": "closed",
	"REVOKED": "closed",
	"PAYERROR": "failed",
	"REFUND": "paid",  # paid, then (partly) refunded: the payment happened
}

# refund status → RefundResult.state
REFUND_STATES = {"SUCCESS": "refunded", "PROCESSING": "processing"}


def to_fen(amount: Decimal) -> int:
	amount = Decimal(amount)
	fen = amount * 100
	if fen != fen.to_integral_value():
		raise ValueError(f"{amount} is not a whole number of fen")
	if fen <= 0:
		raise ValueError("the amount must be positive")
	return int(fen)


def money(value) -> Decimal:
	"""An amount read from a document (Decimal, str, or the float a Currency field holds) as Decimal yuan:
	through its shortest text, so 128.5 is 128.50 exactly; float noise (0.30000000000000004) snaps to the
	fen, a real fraction of a fen (12.345) is kept so that to_fen refuses it."""
	amount = Decimal(str(value))
	fen = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	return fen if abs(amount - fen) < Decimal("0.000001") else amount


def to_yuan(fen: int) -> Decimal:
	if isinstance(fen, bool) or not isinstance(fen, int):
		raise ValueError(f"an amount in fen must be an integer, not {fen!r}")
	return (Decimal(fen) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rfc3339(moment: datetime, site_time_zone: str) -> str:
	"""A datetime (naive = in the site's time zone) as RFC 3339 in China time, seconds precision."""
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=ZoneInfo(site_time_zone))
	return moment.astimezone(CHINA).replace(microsecond=0).isoformat()


def site_datetime(text: str | None, site_time_zone: str) -> datetime | None:
	"""WeChat's RFC 3339 time (2026-12-02T20:15:00+08:00) as a naive datetime in the site's time zone."""
	if not text:
		return None
	moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=CHINA)
	return moment.astimezone(ZoneInfo(site_time_zone)).replace(tzinfo=None)


def china_to_site(moment: datetime | None, site_time_zone: str) -> datetime | None:
	"""A naive China-time datetime (WeChat Pay's bills) as a naive datetime in the site's time zone."""
	if moment is None:
		return None
	return moment.replace(tzinfo=CHINA).astimezone(ZoneInfo(site_time_zone)).replace(tzinfo=None)


def description(text: str, limit: int = DESCRIPTION_BYTES) -> str:
	encoded = text.encode("utf-8")
	if len(encoded) <= limit:
		return text
	return encoded[:limit].decode("utf-8", errors="ignore")


PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def normalise_pem(text: str | None) -> str:
	"""The PEM block in `text` with its body re-wrapped at 64 characters; text without BEGIN/END lines is
	returned stripped of whitespace (a bare base64 body, as the SDK also accepts)."""
	if not text:
		return ""
	text = text.strip().replace("\\n", "\n").replace("\\r", "")
	match = PEM.search(text)
	if not match:
		return re.sub(r"\s+", "", text)
	label, body = match.group(1), re.sub(r"\s+", "", match.group(2))
	lines = [body[i : i + 64] for i in range(0, len(body), 64)]
	return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


def pem_body(text: str) -> str:
	"""The base64 body of a PEM, on one line (to search logs for a leaked key)."""
	text = normalise_pem(text)
	match = PEM.search(text)
	return re.sub(r"\s+", "", match.group(2) if match else text)


def valid_apiv3_key(key: str | None) -> bool:
	return bool(key) and len(key.encode("utf-8")) == APIV3_KEY_BYTES


def fresh(timestamp: str | None, now: float, window: int = NOTIFICATION_WINDOW_SECONDS) -> bool:
	"""Whether a Wechatpay-Timestamp (seconds since the epoch) is within ±window seconds of now."""
	try:
		moment = int(str(timestamp).strip())
	except (TypeError, ValueError):
		return False
	return abs(now - moment) <= window


def trade_state(state: str | None) -> str:
	"""An unknown state is treated as still pending: the scheduled query asks again later."""
	return TRADE_STATES.get((state or "").upper(), "pending")


def refund_state(status: str | None) -> str:
	return REFUND_STATES.get((status or "").upper(), "failed")
