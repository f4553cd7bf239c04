"""Generators of realistic, valid demo data (pure; every function takes a random.Random)."""

import random
from datetime import date, timedelta

from property_crm.property_households.rules.identity import mainland_check_digit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
# distinct characters common in given names (one or two of them make the given name)
GIVEN = "".join(
	dict.fromkeys(
		"伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁"
		"欣怡梓涵子轩然雨桐诺思佳琪博文晨曦航嘉诗若汐可馨天佑雅志建国海丹东峰泽紫皓远语嫣沐辰安瑞阳"
		"立新振春梅冬德晓慧婷雪琳颖倩淑珍凤洁梦蕾薇菲璐莹露月琴云莉瑶婧妍悦岚晴鑫波毅峻坤昊哲睿翔铭"
		"宏昌盛兴荣福祥庆永成康乐家和顺达飞龙鹤松柏森青山川江清源晶亮光耀星宸逸霖瀚奕煜钧诚信义仁礼"
		"智忠良善美蓉芸茜琦璇彦翰毅峰岩杉楠桦"
	)
)
MOBILE_PREFIXES = (
	"130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 "
	"170 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
).split()
REGIONS = (
	"110101 110105 110108 120101 130102 140105 210102 220102 230102 310101 310104 310115 320102 320106 "
	"330102 330106 340102 350102 360102 370102 410102 420102 430102 440103 440106 440304 450102 500101 "
	"510104 520102 530102 610102"
).split()
PLATE_PROVINCES = "京沪粤浙苏川鄂湘鲁豫闽皖津渝"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ESTATE_PREFIXES = "翠湖 阳光 锦绣 金色 碧水 华府 紫荆 龙湖 星河 海棠 枫林 绿地 御景 天悦 万科 世纪 东方 滨江 云山 春江".split()
ESTATE_SUFFIXES = "花园 家园 公寓 新城 雅苑 名邸 华庭 嘉园 山庄 湾 苑 府 广场 尚城 国际".split()


def chinese_name(rng: random.Random) -> tuple[str, str]:
	surname = rng.choice(SURNAMES)
	given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
	return surname + given, rng.choice(("Male", "Female"))


def mobile(rng: random.Random) -> str:
	return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def birth_date(rng: random.Random, min_age: int, max_age: int, today: date) -> date:
	"""Roughly min_age to max_age years before today (never before 1900, which ID numbers refuse)."""
	latest = today - timedelta(days=365 * min_age)
	earliest = max(today - timedelta(days=365 * max_age), date(1900, 1, 1))
	return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def mainland_id(rng: random.Random, birth: date, region: str | None = None, gender: str | None = None) -> str:
	"""A valid 18-digit number; with gender ("Male"/"Female") its 17th digit is odd/even as on real cards."""
	sequence = rng.randint(0, 999)
	if gender in ("Male", "Female") and sequence % 2 != (gender == "Male"):
		sequence ^= 1  # flip the parity of the last digit of the sequence
	first17 = (region or rng.choice(REGIONS)) + f"{birth:%Y%m%d}{sequence:03d}"
	return first17 + mainland_check_digit(first17)


def plate_number(rng: random.Random) -> str:
	head = rng.choice(PLATE_PROVINCES) + rng.choice(PLATE_LETTERS)
	if rng.random() < 0.2:  # new-energy plates have six characters after the city letter
		return head + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
	tail = [rng.choice("0123456789") for _ in range(5)]
	if rng.random() < 0.4:
		tail[rng.randint(0, 2)] = rng.choice(PLATE_LETTERS)
	return head + "".join(tail)


def estate_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
	names = [p + s for p in ESTATE_PREFIXES for s in ESTATE_SUFFIXES]
	rng.shuffle(names)
	out = []
	for i in range(n):
		name = names[i % len(names)] + (f"{i // len(names) + 1}期" if i >= len(names) else "")
		out.append((f"A{i + 1:02d}", name))
	return out


def unit_numbers(floors: int, units_per_floor: int) -> list[tuple[int, str]]:
	return [
		(floor, f"{floor}{unit:02d}")
		for floor in range(1, floors + 1)
		for unit in range(1, units_per_floor + 1)
	]
