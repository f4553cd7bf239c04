"""What a new site starts with: the service categories a Chinese property company recognises.

Names are English (the record's name); `translations/zh.csv` gives each its Chinese name, and Service
Category is a translated doctype, so the desk and the portal show 维修 / 水电维修 … in Chinese.
Each leaf: (name, zh, priority, chargeable, return-visit policy, response h, resolution h, season).
Response/resolution hours of None use the priority's standard SLA; `season` tells the demo when such
requests peak ("summer", "winter" or None)."""

from typing import NamedTuple


class Category(NamedTuple):
	name: str
	zh: str
	priority: str = "Medium"
	chargeable: int = 0
	return_visit_policy: str = "Only if unrated"
	response_hours: float | None = None
	resolution_hours: float | None = None
	season: str | None = None


# group name, its Chinese name, its leaves
CATEGORY_TREE: tuple[tuple[str, str, tuple[Category, ...]], ...] = (
	(
		"Repair",
		"维修",
		(
			Category("Plumbing and Electrical", "水电维修", "High", 1, "Only if unrated", season="summer"),
			Category("Pipes and Drains", "管道疏通", "High", 1, "Only if unrated", season="winter"),
			Category("Doors and Windows", "门窗维修", "Medium", 1, "Only if unrated"),
			Category("Elevator", "电梯故障", "Urgent", 0, "Always", 0.25, 2),
			Category("Public Facilities", "公共设施维修", "Medium", 0, "Only if unrated"),
			Category("Household Appliances", "家电维修", "Low", 1, "Only if unrated"),
			Category("Air Conditioning", "空调维修", "High", 1, "Only if unrated", season="summer"),
			Category("Heating", "供暖维修", "High", 0, "Always", season="winter"),
		),
	),
	(
		"Cleaning",
		"保洁",
		(
			Category("Public Area Cleaning", "公共区域保洁", "Low", 0, "Never"),
			Category("Waste Removal", "垃圾清运", "Medium", 1, "Never"),
			Category("Pest Control", "消杀除虫", "Medium", 0, "Only if unrated", season="summer"),
		),
	),
	(
		"Security",
		"安保",
		(
			Category("Access Control", "门禁管理", "High", 0, "Only if unrated"),
			Category("Parking Order", "停车秩序", "Medium", 0, "Never"),
			Category("Patrol Request", "巡逻求助", "Urgent", 0, "Always", 0.25, 1),
		),
	),
	(
		"Landscaping",
		"绿化",
		(
			Category("Greenery Care", "绿化养护", "Low", 0, "Never", season="summer"),
			Category("Tree Trimming", "树木修剪", "Low", 0, "Never"),
		),
	),
	("Other", "其他", (Category("Other Requests", "其他服务", "Low", 0, "Only if unrated"),)),
)


def category_rows() -> list[dict]:
	"""Groups first, then their leaves: the order they can be inserted in."""
	rows = []
	for group, _zh, leaves in CATEGORY_TREE:
		rows.append({"category_name": group, "is_group": 1, "default_priority": "Medium"})
		for leaf in leaves:
			rows.append(
				{
					"category_name": leaf.name,
					"parent_category": group,
					"is_group": 0,
					"default_priority": leaf.priority,
					"chargeable": leaf.chargeable,
					"return_visit_policy": leaf.return_visit_policy,
					"response_hours": leaf.response_hours or 0,
					"resolution_hours": leaf.resolution_hours or 0,
				}
			)
	return rows


def leaves() -> list[Category]:
	return [leaf for _group, _zh, group_leaves in CATEGORY_TREE for leaf in group_leaves]


def chinese_names() -> dict[str, str]:
	names = {group: zh for group, zh, _leaves in CATEGORY_TREE}
	return names | {leaf.name: leaf.zh for leaf in leaves()}
