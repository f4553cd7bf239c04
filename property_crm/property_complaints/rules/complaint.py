"""Complaint rules (ISO 10002's steps): severity and targets, acknowledgement channel, what resolving and
closing need, anonymity, repeats, feedback, the rates of the Complaint Analysis report. No frappe import."""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

# Workflow states of a Complaint (the `status` field) and what ERPNext's SLA engine does with them.
STATES = ("Registered", "Investigating", "Escalated", "Resolved", "Reopened", "Closed", "Withdrawn")
FULFILLED_STATES = ("Resolved", "Closed", "Withdrawn")
PAUSED_STATES: tuple[str, ...] = ()
OPEN_STATES = tuple(s for s in STATES if s not in FULFILLED_STATES)
FINISHED_STATES = ("Closed", "Withdrawn")

SEVERITIES = ("Low", "Medium", "High", "Critical")
# ERPNext's SLA works on the document's `priority` (an Issue Priority): a complaint's severity sets it.
SEVERITY_PRIORITY = {"Critical": "Urgent", "High": "High", "Medium": "Medium", "Low": "Low"}
# severity: (response hours, resolution hours) — response: assessed and under investigation
STANDARD_TARGETS = {"Critical": (0.5, 24), "High": (2, 48), "Medium": (4, 72), "Low": (8, 120)}

HOTLINE_CHANNELS = ("12345 Hotline", "Other External")
REPEAT_WINDOW_DAYS = 180
ANONYMOUS = "匿名"
# What names the complainant: kept on the Complaint Identity (managers only) when the complaint is anonymous.
IDENTITY_FIELDS = (
	"complainant",
	"complainant_name",
	"unit",
	"contact_mobile",
	"complainant_email",
	"related_service_order",
	"repeat_of",
)

# An anonymous complaint keeps its building only when the building is big enough to name nobody (a villa or
# a small block would point at its few households); the estate always stays (it decides who handles it).
MIN_UNITS_TO_KEEP_BUILDING = 10


REFERENCE = re.compile(r"(?<![A-Za-z0-9])CMP-\d{4}-\d{3,}(?!\d)")


def references_in(text: str | None) -> list[str]:
	"""Complaint references (CMP-YYYY-#####) a mail's subject mentions, in order, once each."""
	return list(dict.fromkeys(REFERENCE.findall(text or "")))


def keeps_building(units_in_building: int) -> bool:
	return units_in_building >= MIN_UNITS_TO_KEEP_BUILDING


ROOT_CAUSES = (
	("Staff Conduct", "员工行为"),
	("Process", "流程缺陷"),
	("Facility Defect", "设施缺陷"),
	("Contractor", "外包方原因"),
	("Neighbour", "邻里因素"),
	("Misunderstanding", "沟通误解"),
	("Other Cause", "其他原因"),
)

# What a resident reads on the portal for each state (distinct English sources; zh in translations).
RESIDENT_WORDS = {
	"Registered": "Complaint received",
	"Investigating": "Under investigation",
	"Escalated": "Under investigation",
	"Resolved": "Handled, waiting for your feedback",
	"Reopened": "Being handled again",
	"Closed": "Complaint closed",
	"Withdrawn": "Complaint withdrawn",
}


def resident_status(status: str) -> str:
	return RESIDENT_WORDS.get(status, "Under investigation")


def priority_of(severity: str | None, default: str = "Medium") -> str:
	"""The Issue Priority ERPNext's SLA uses for a severity."""
	return SEVERITY_PRIORITY.get(severity or default, SEVERITY_PRIORITY[default])


def targets_for(response_hours: float | None = None, resolution_hours: float | None = None) -> dict:
	"""Targets per priority. A category's own targets are its Medium targets; the other severities keep the
	standard's proportions (a Critical complaint of that category gets the same share of the time)."""
	base_response, base_resolution = STANDARD_TARGETS["Medium"]
	targets = {}
	for severity, (response, resolution) in STANDARD_TARGETS.items():
		if response_hours and resolution_hours:
			response = round(response_hours * response / base_response, 4)
			resolution = round(resolution_hours * resolution / base_resolution, 4)
		targets[SEVERITY_PRIORITY[severity]] = (response, resolution)
	return targets


def is_hotline(channel: str | None) -> bool:
	return channel in HOTLINE_CHANNELS


def acknowledgement_channel(
	preferred: str | None,
	email: str | None,
	mobile: str | None,
	portal_user: bool,
	filed_on_portal: bool,
	wechat: bool = False,
) -> str | None:
	"""How the complainant hears that their complaint was received, with its reference: their preferred
	channel when it can reach them, else the first that can (e-mail, SMS, portal). None: no way to reach
	them (an anonymous letter) — the reference is given in person or not at all. WeChat only with a bound
	WeChat (`wechat`); without one a WeChat preference is answered by SMS."""
	reachable = {
		"Email": bool(email),
		"SMS": bool(mobile),
		"Portal": portal_user or filed_on_portal,
		"WeChat": wechat,
	}
	wanted = {
		"Email": "Email",
		"SMS": "SMS",
		"Phone": "SMS",
		"WeChat": "WeChat" if wechat else "SMS",
		"Portal": "Portal",
	}.get(preferred or "")
	if filed_on_portal:
		# they see the reference on the page at once; a message as well when they prefer one
		return wanted if wanted in ("Email", "SMS", "WeChat") and reachable[wanted] else "Portal"
	if wanted and reachable[wanted]:
		return wanted
	for channel in ("Email", "SMS", "Portal"):
		if reachable[channel]:
			return channel
	return None


def resolve_problems(root_cause: str | None, resolution: str | None) -> list[str]:
	"""What is missing before a complaint can be marked resolved (message keys)."""
	problems = []
	if not root_cause:
		problems.append("Root Cause: say what caused the complaint before resolving it.")
	if not (resolution or "").strip():
		problems.append("Resolution: describe how the complaint was handled before resolving it.")
	return problems


def close_problems(
	feedback: str | None,
	resolved_on: datetime | None,
	now: datetime,
	close_after_days: int,
	channel: str | None,
	hotline_replied_on: datetime | None,
) -> list[str]:
	"""What is missing before a resolved complaint can be closed: the complainant's feedback, or
	`close_after_days` without an answer; and, for a hotline case, the reply to the hotline."""
	problems = []
	if is_hotline(channel) and not hotline_replied_on:
		problems.append("Hotline case: record the reply to the hotline before closing the complaint.")
	if feedback == "Not Satisfied":
		problems.append("The complainant is not satisfied: reopen the complaint instead of closing it.")
	elif not feedback:
		waited = resolved_on is not None and now - resolved_on >= timedelta(days=close_after_days)
		if not waited:
			problems.append(
				"Feedback: record the complainant's feedback first, or wait until the complaint has been "
				"resolved for the configured number of days."
			)
	return problems


def feedback_action(feedback: str | None) -> str | None:
	"""The workflow action a complainant's feedback leads to from Resolved."""
	return {"Satisfied": "Close", "Not Satisfied": "Reopen"}.get(feedback or "")


def hotline_on_time(deadline: datetime | None, replied_on: datetime | None) -> bool | None:
	"""Was the hotline answered by its deadline? None when there is no deadline or no reply yet."""
	if not deadline or not replied_on:
		return None
	return replied_on <= deadline


def per_100_households(complaints: int, households: int, months: int) -> float:
	"""Complaints per 100 households per month (the rate a property company compares estates by)."""
	if households <= 0 or months <= 0:
		return 0.0
	return round(complaints * 100 / households / months, 2)


def months_between(start: datetime, end: datetime) -> int:
	"""Calendar months touched by [start, end], at least 1."""
	return max(1, (end.year - start.year) * 12 + end.month - start.month + 1)


def rate(part: int, whole: int) -> float:
	return round(100 * part / whole, 1) if whole else 0.0


def repeat_complainants(complainants: Iterable[str | None]) -> int:
	"""People with more than one complaint among `complainants` (None: unknown, never counted)."""
	seen: dict[str, int] = {}
	for person in complainants:
		if person:
			seen[person] = seen.get(person, 0) + 1
	return sum(1 for count in seen.values() if count > 1)
