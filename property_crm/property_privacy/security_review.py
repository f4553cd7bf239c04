"""The quarterly Security Review (issue 19 point 4): a task (ToDo) for each Property Manager on the first day of
each quarter, and the findings the Security Review report lists — each enabled user's roles and estates, who
may export personal data, dormant accounts that still have access, portal logins of residents who moved out,
staff without a current confidentiality agreement — with Frappe's own fixes one click away: disable the user,
remove a role (POST, Property Manager or System Manager, within the manager's estates, written to the user's
timeline; Frappe's Version of the User keeps the before and after)."""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import add_days, cint, get_datetime, getdate, nowdate

from property_crm.permissions import allowed_estates
from property_crm.property_privacy.access_audit import PERSONAL_DOCTYPES
from property_crm.property_privacy.rules import access_audit as rules
from property_crm.property_privacy.rules.agreements import PERSONAL_DATA_ROLES

REVIEWERS = ("Property Manager", "System Manager")
RESIDENT_ROLE = "Property Resident"
# what the review's "remove role" fix may take away (a Property Manager's role only a System Manager removes)
REMOVABLE_ROLES = (*PERSONAL_DATA_ROLES, RESIDENT_ROLE)
AUTOMATIC_ROLES = ("All", "Guest", "Desk User", "Administrator")

DORMANT = "Dormant"
MOVED_OUT = "Moved out"
NO_AGREEMENT = "No current agreement"
FINDINGS = (DORMANT, MOVED_OUT, NO_AGREEMENT)


def dormant_days() -> int:
	value = frappe.db.get_value("Property CRM Settings", "Property CRM Settings", "dormant_days")
	return cint(value) if value not in (None, "") else 90


def current_agreements() -> set[str] | None:
	"""Users with a current confidentiality agreement, or None where the agreements are not installed."""
	try:
		from property_crm.property_privacy.agreements import users_with_current_agreement
	except ImportError:
		return None
	if not frappe.db.table_exists("Confidentiality Agreement"):
		return None
	return users_with_current_agreement()


def export_roles() -> dict[str, list[str]]:
	"""{role: [personal-data doctypes it may export]} from the doctypes' permissions (custom ones included)."""
	found: dict[str, set[str]] = {}
	for doctype in sorted(PERSONAL_DOCTYPES):
		if not frappe.db.exists("DocType", doctype):
			continue
		for perm in frappe.get_meta(doctype).permissions:
			if perm.export and not cint(perm.permlevel):
				found.setdefault(perm.role, set()).add(doctype)
	return {role: sorted(doctypes) for role, doctypes in found.items()}


def _when(value):
	"""User.last_login is a text field: the datetime it holds, None when empty or unreadable."""
	try:
		return get_datetime(value) if value else None
	except Exception:
		return None


def _roles_of(users: list[str]) -> dict[str, list[str]]:
	roles: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"Has Role",
		filters={"parenttype": "User", "parent": ("in", users), "role": ("not in", AUTOMATIC_ROLES)},
		fields=["parent", "role"],
		order_by="role",
	):
		roles.setdefault(row.parent, []).append(row.role)
	return roles


def _estates_of(users: list[str]) -> dict[str, list[str]]:
	estates: dict[str, list[str]] = {}
	for row in frappe.get_all(
		"User Permission",
		filters={"user": ("in", users), "allow": "Property Estate"},
		fields=["user", "for_value"],
		order_by="for_value",
	):
		estates.setdefault(row.user, []).append(row.for_value)
	return estates


def _reviewer_estates(reviewer: str) -> list[str] | None:
	"""The estates a reviewer answers for: None (all) for a System Manager or an unrestricted manager."""
	if "System Manager" in frappe.get_roles(reviewer):
		return None
	return allowed_estates(reviewer, "Property Owner")


def staff_rows(reviewer: str, on=None) -> list[dict]:
	day = getdate(on or nowdate())
	users = frappe.get_all(
		"User",
		filters={"enabled": 1, "user_type": "System User", "name": ("not in", ("Administrator", "Guest"))},
		fields=["name", "full_name", "last_login", "last_active", "creation"],
		order_by="name",
	)
	names = [u.name for u in users] or [""]
	roles, estates = _roles_of(names), _estates_of(names)
	scope = _reviewer_estates(reviewer)
	exports = export_roles()
	agreed = current_agreements()
	days = dormant_days()
	rows = []
	for user in users:
		theirs = estates.get(user.name, [])
		if scope is not None and not set(theirs) & set(scope):
			continue  # a manager of some estates reviews the staff of those estates
		user_roles = roles.get(user.name, [])
		findings, actions = [], []
		if user_roles and rules.dormant(_when(user.last_login), user.creation, day, days):
			findings.append(DORMANT)
			actions.append({"action": "disable_user"})
		staff_roles = [role for role in user_roles if role in PERSONAL_DATA_ROLES]
		if staff_roles and (agreed is None or user.name not in agreed):
			findings.append(NO_AGREEMENT)
			actions += [{"action": "remove_role", "role": role} for role in staff_roles]
		may_export = sorted({doctype for role in user_roles for doctype in exports.get(role, [])})
		rows.append(
			{
				"user": user.name,
				"full_name": user.full_name,
				"kind": "Staff",
				"roles": ", ".join(user_roles),
				"estates": ", ".join(theirs) if theirs else _("All"),
				"may_export": ", ".join(may_export),
				"last_login": user.last_login,
				"findings": findings,
				"actions": actions,
			}
		)
	return rows


def moved_out_rows(on=None) -> list[dict]:
	"""Enabled portal logins of resident files that have no current or future stay."""
	day = getdate(on or nowdate())
	# a System Manager (IT, no role on resident files) reviews every login; a manager those of files he reads
	read = frappe.get_all if "System Manager" in frappe.get_roles() else frappe.get_list
	files = read(
		"Property Owner",
		filters={"user": ("is", "set")},
		fields=["name", "full_name", "user"],
		order_by="name",
	)
	if not files:
		return []
	occupant = frappe.qb.DocType("Property Unit Occupant")
	living = {
		resident
		for (resident,) in frappe.qb.from_(occupant)
		.select(occupant.resident)
		.distinct()
		.where(
			occupant.resident.isin([f.name for f in files])
			& (occupant.parenttype == "Property Unit")
			& (occupant.move_out.isnull() | (occupant.move_out >= day))
		)
		.run()
	}
	enabled = set(
		frappe.get_all("User", filters={"name": ("in", [f.user for f in files]), "enabled": 1}, pluck="name")
	)
	last_login = dict(
		frappe.get_all(
			"User",
			filters={"name": ("in", list(enabled) or [""])},
			fields=["name", "last_login"],
			as_list=True,
		)
	)
	return [
		{
			"user": f.user,
			"full_name": f.full_name,
			"kind": "Resident",
			"resident": f.name,
			"roles": RESIDENT_ROLE,
			"estates": "",
			"may_export": "",
			"last_login": last_login.get(f.user),
			"findings": [MOVED_OUT],
			"actions": [{"action": "disable_user"}],
		}
		for f in files
		if f.name not in living and f.user in enabled
	]


def review_rows(reviewer: str | None = None, on=None) -> list[dict]:
	return staff_rows(reviewer or frappe.session.user, on) + moved_out_rows(on)


# ---------------------------------------------------------------- the fixes


def _check_may_fix(target: str) -> None:
	caller = frappe.session.user
	caller_roles = set(frappe.get_roles(caller))
	if not caller_roles & set(REVIEWERS):
		frappe.throw(
			_("Only Property Managers and System Managers may fix security review findings."),
			frappe.PermissionError,
		)
	if not target or not frappe.db.exists("User", target):
		frappe.throw(_("User {0} not found.").format(target), frappe.DoesNotExistError)
	if target in ("Administrator", "Guest") or target == caller:
		frappe.throw(_("This account cannot be changed from the Security Review."), frappe.PermissionError)
	target_roles = set(frappe.get_roles(target))
	if "System Manager" in caller_roles:
		return
	if "System Manager" in target_roles:
		frappe.throw(
			_("Only a System Manager may change a System Manager's account."), frappe.PermissionError
		)
	if not _in_scope(caller, target):
		frappe.throw(_("User {0} is not one of your estates' users.").format(target), frappe.PermissionError)


def _in_scope(caller: str, target: str) -> bool:
	"""A manager fixes the accounts the review shows him: staff of his estates, residents whose files he reads."""
	resident = frappe.db.get_value("Property Owner", {"user": target}, "name")
	if resident:
		return bool(frappe.has_permission("Property Owner", "read", doc=resident, user=caller))
	scope = allowed_estates(caller, "Property Owner")
	if scope is None:
		return True
	return bool(set(_estates_of([target]).get(target, [])) & set(scope))


def _note(user_doc, text: str) -> None:
	user_doc.add_comment("Info", text)


@contextmanager
def _as_reviewer():
	"""The checked caller changes a User (and what Frappe saves with it: notification settings) that their
	roles may not write; Frappe's Version and the comment still name them."""
	before = frappe.flags.ignore_permissions
	frappe.flags.ignore_permissions = True
	try:
		yield
	finally:
		frappe.flags.ignore_permissions = before


@frappe.whitelist(methods=["POST"])
def disable_user(user: str, reason: str | None = None) -> dict:
	"""Disable an account found by the Security Review (Frappe ends its sessions)."""
	_check_may_fix(user)
	doc = frappe.get_doc("User", user)
	if doc.enabled:
		doc.enabled = 0
		doc.flags.ignore_permissions = True
		# Frappe turns the user's notifications off with the account, through a save only the user may make
		frappe.db.set_value("Notification Settings", user, "enabled", 0, update_modified=False)
		with _as_reviewer():
			doc.save()
		_note(
			doc,
			_("Disabled by {0} from the Security Review. {1}")
			.format(frappe.session.user, reason or "")
			.strip(),
		)
	return {"user": user, "enabled": 0}


@frappe.whitelist(methods=["POST"])
def remove_role(user: str, role: str, reason: str | None = None) -> dict:
	"""Take one of our roles away from an account found by the Security Review."""
	_check_may_fix(user)
	if role not in REMOVABLE_ROLES:
		frappe.throw(_("The Security Review does not remove the role {0}.").format(role))
	if role == "Property Manager" and "System Manager" not in frappe.get_roles():
		frappe.throw(_("Only a System Manager may remove the Property Manager role."), frappe.PermissionError)
	doc = frappe.get_doc("User", user)
	if role not in {row.role for row in doc.roles}:
		frappe.throw(_("User {0} does not have the role {1}.").format(user, role))
	doc.flags.ignore_permissions = True
	with _as_reviewer():
		doc.remove_roles(role)  # saves the user (Frappe's Version keeps the before and after)
	_note(
		doc,
		_("Role {0} removed by {1} from the Security Review. {2}")
		.format(role, frappe.session.user, reason or "")
		.strip(),
	)
	return {"user": user, "removed": role}


# ---------------------------------------------------------------- the quarterly task


def reviewers() -> list[str]:
	users = frappe.get_all(
		"Has Role",
		filters={"role": "Property Manager", "parenttype": "User", "parent": ("!=", "Administrator")},
		pluck="parent",
		distinct=True,
	)
	return frappe.get_all(
		"User", filters={"name": ("in", users or [""]), "enabled": 1}, pluck="name", order_by="name"
	)


def create_review_tasks(on=None) -> list[str]:
	"""Cron, first day of each quarter (hooks.py): a ToDo for each Property Manager to go through the Security
	Review report, once per manager and quarter."""
	day = getdate(on or nowdate())
	quarter = rules.quarter_of(day)
	made = []
	for user in reviewers():
		marker = f"[{quarter}]"
		if frappe.db.exists(
			"ToDo", {"allocated_to": user, "description": ("like", f"%Security Review%{marker}%")}
		):
			continue
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"assigned_by": "Administrator",
				"priority": "High",
				"date": add_days(day, 14),
				"description": _(
					'Quarterly Security Review {0}: go through the <a href="/app/query-report/Security Review">'
					"Security Review</a> report — roles and estates, who may export, dormant accounts, portal "
					"logins of residents who moved out, staff without a current confidentiality agreement — and "
					"fix each finding."
				).format(marker)
				+ f" <!-- Security Review {marker} -->",
			}
		)
		todo.insert(ignore_permissions=True)
		made.append(todo.name)
	frappe.db.commit()
	return made
