"""Electronic receipts (电子收据): the amount in Chinese capitals (大写), without Frappe.

`capitals(amount)` writes an amount of yuan as a Chinese cheque or receipt does (the People's Bank's rules
for 中文大写金额数字):
- the digits 零壹贰叁肆伍陆柒捌玖 and the units 拾佰仟 within a group of four, 万 and 亿 between groups;
  a leading ten is 壹拾 (壹拾万元整, never 拾万元整);
- one 零 for any run of zeros between two written digits (壹仟零伍元整, 壹万零壹佰元整, 壹亿零壹万元整), none
  for zeros at the end of a group or of the yuan (壹仟伍佰元整, 壹拾万柒仟元整);
- 整 after 元 when there are no jiao and no fen (壹佰元整); none after 角 or 分 (壹仟肆佰零玖元伍角,
  陆仟零柒元壹角肆分); 元零…分 when the jiao are zero (叁佰贰拾伍元零肆分);
- less than a yuan: only jiao and fen (伍角, 伍角陆分, 陆分); nothing at all: 零元整;
- a negative amount (a reversal) starts with 负.
"""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")
LIMIT = Decimal("10") ** 16  # up to 万亿 groups


def _group(number: int) -> str:
	"""0 < number < 10000, as 壹仟零伍 / 壹拾 / 伍佰: zeros inside as one 零, none at the end."""
	out, zero = [], False
	for position in range(3, -1, -1):
		digit = number // 10**position % 10
		if digit == 0:
			zero = bool(out)
			continue
		if zero:
			out.append(DIGITS[0])
			zero = False
		out.append(DIGITS[digit] + SMALL_UNITS[position])
	return "".join(out)


def _yuan(number: int) -> str:
	"""The whole yuan (> 0) in capitals, without 元."""
	groups = []
	while number:
		groups.append(number % 10000)
		number //= 10000
	out, zero = [], False
	for index in range(len(groups) - 1, -1, -1):
		group = groups[index]
		if group == 0:
			zero = bool(out)
			continue
		if out and (zero or group < 1000):
			out.append(DIGITS[0])
		zero = False
		out.append(_group(group) + GROUP_UNITS[index])
	return "".join(out)


def capitals(amount) -> str:
	"""`amount` yuan (Decimal, int, float or str) in Chinese capitals: 壹万贰仟叁佰肆拾伍元陆角柒分."""
	value = Decimal(str(amount if amount not in (None, "") else 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)
	if abs(value) >= LIMIT:
		raise ValueError("amount too large for a receipt")
	sign = "负" if value < 0 else ""
	fen_total = int(abs(value) * 100)
	whole, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
	if not fen_total:
		return "零元整"
	out = _yuan(whole) + "元" if whole else ""
	if not jiao and not fen:
		return sign + out + "整"
	if jiao:
		out += DIGITS[jiao] + "角"
	elif whole:
		out += DIGITS[0]  # 元零肆分
	if fen:
		out += DIGITS[fen] + "分"
	return sign + out


# How the receipt names the way a payment was made (ERPNext Mode of Payment → the resident's word, English;
# translated on the Frappe side: 微信支付, 支付宝, 现金, 银行卡, 转账).
MODE_WORDS = {
	"WeChat Pay": "WeChat Pay",
	"Alipay": "Alipay",
	"Cash": "Cash",
	"Bank Card": "Bank Card",
	"Credit Card": "Bank Card",
	"Bank Transfer": "Bank Transfer",
	"Wire Transfer": "Bank Transfer",
}


def mode_word(mode_of_payment: str | None) -> str:
	return MODE_WORDS.get(mode_of_payment or "", mode_of_payment or "")
