"""What a new site starts with for complaints: the categories a Chinese property company recognises
(names English, zh in translations/zh.csv), each with its default severity and department."""

from typing import NamedTuple


class ComplaintCategory(NamedTuple):
	name: str
	zh: str
	severity: str = "Medium"
	department: str = "Customer Service"


# The complaint categories a new site starts with (names English, zh in translations/zh.csv).
COMPLAINT_CATEGORIES: tuple[ComplaintCategory, ...] = (
	ComplaintCategory("Service Attitude", "服务态度", "Medium", "Customer Service"),
	ComplaintCategory("Environment and Cleaning", "环境卫生", "Medium", "Cleaning"),
	ComplaintCategory("Noise", "噪音扰民", "Medium", "Security"),
	ComplaintCategory("Safety and Security", "治安安全", "High", "Security"),
	ComplaintCategory("Facilities and Equipment", "设施设备", "Medium", "Engineering"),
	ComplaintCategory("Fees and Charges", "收费问题", "Medium", "Finance"),
	ComplaintCategory("Parking Management", "停车管理", "Medium", "Security"),
	ComplaintCategory("Neighbours", "邻里纠纷", "Low", "Customer Service"),
	ComplaintCategory("Other Complaints", "其他投诉", "Low", "Customer Service"),
)


def complaint_category_rows() -> list[dict]:
	return [
		{"category_name": c.name, "default_severity": c.severity, "department": c.department}
		for c in COMPLAINT_CATEGORIES
	]
