"""Confidentiality agreements (保密协议) and training: who holds a current one, the guard on the roles that read
personal data (a `validate` doc_event on User: Frappe's roles are its Has Role rows, whatever the door — the
form, REST, `frappe.client`, Data Import, a Role Profile), and the daily job that refreshes each agreement's
status and reminds the staff member and the managers before it expires (Frappe's Notification Log, which
Frappe also e-mails when an outgoing account is set up). Pure rules: rules/agreements.py."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, today

from property_crm.property_privacy.rules import agreements as rules

DOCTYPE = "Confidentiality Agreement"
SETTINGS = "Property CRM Settings"


def settings_value(field: str, default=None):
	value = (
		frappe.db.get_single_value(SETTINGS, field) if frappe.get_meta(SETTINGS).has_field(field) else None
	)
	return default if value in (None, "") else value


def enforcement() -> str:
	mode = settings_value("agreement_enforcement", rules.WARN)
	return mode if mode in rules.ENFORCEMENT_MODES else rules.WARN


def thresholds() -> list[int]:
	return rules.reminder_thresholds(settings_value("agreement_reminder_days", "30,7"))


def users_with_current_agreement(on=None) -> set[str]:
	"""The users holding an agreement in force on `on` (today): signed on or before, valid until on or after."""
	day = getdate(on or today())
	agreement = frappe.qb.DocType(DOCTYPE)
	return {
		user
		for (user,) in frappe.qb.from_(agreement)
		.select(agreement.user)
		.distinct()
		.where((agreement.signed_on <= day) & (agreement.valid_until >= day))
		.run()
	}


def has_current_agreement(user: str, on=None) -> bool:
	day = getdate(on or today())
	return bool(
		frappe.db.exists(DOCTYPE, {"user": user, "signed_on": ("<=", day), "valid_until": (">=", day)})
	)


def validate_agreement(doc) -> None:
	"""Dates in order (417), training dates not in the future, nobody but IT records their own agreement, the
	status and last training computed."""
	if doc.user == frappe.session.user and "System Manager" not in frappe.get_roles():
		raise frappe.PermissionError(_("Your own confidentiality agreement is recorded by another manager."))
	if not doc.signed_on or not doc.valid_until:
		frappe.throw(_("Signed On and Valid Until are both required."), title=_("Please correct this value"))
	signed_on, valid_until = getdate(doc.signed_on), getdate(doc.valid_until)
	if not rules.dates_in_order(signed_on, valid_until):
		frappe.throw(_("Valid Until must be after Signed On."), title=_("Please correct this value"))
	day = getdate(today())
	if signed_on > day:
		frappe.throw(_("Signed On cannot be in the future."), title=_("Please correct this value"))
	if rules.future_dates([getdate(row.training_date) for row in doc.trainings if row.training_date], day):
		frappe.throw(_("A training session cannot be in the future."), title=_("Please correct this value"))
	if doc.user and not doc.employee_name:
		doc.employee_name = frappe.db.get_value("User", doc.user, "full_name")
	dates = [getdate(row.training_date) for row in doc.trainings if row.training_date]
	doc.last_training_on = max(dates) if dates else None
	doc.status = rules.status(signed_on, valid_until, day, max(thresholds(), default=0))
	if doc.has_value_changed("valid_until") and not doc.is_new():
		doc.reminders_sent = ""  # a renewed agreement is reminded afresh


# ---- the guard on User roles ----


def exempt(user_doc) -> bool:
	"""Administrator; install, migrate and patches; the test process itself (its factories make staff) unless a
	test turns the check on; a save flagged `ignore_agreement_check` (retention disabling a resident's login)."""
	if user_doc.name in ("Administrator", "Guest"):
		return True
	flags = frappe.flags
	if flags.in_install or flags.in_migrate or flags.in_patch or flags.in_setup_wizard:
		return True
	if user_doc.flags.ignore_agreement_check:
		return True
	return bool(flags.in_test) and not flags.check_agreements_in_test


def check_user_roles(doc, method=None) -> None:
	"""`validate` doc_event on User: granting a role that reads personal data needs a current confidentiality
	agreement — Warn (the default) says so, Enforce refuses (417, nothing saved), Off does nothing."""
	mode = enforcement()
	if mode == rules.OFF or exempt(doc) or not doc.enabled:
		return
	before = doc.get_doc_before_save()
	# enabling a disabled account grants its roles anew
	old = {row.role for row in before.roles} if before and before.enabled else set()
	granted = rules.roles_needing_agreement(old, {row.role for row in doc.roles})
	if not granted or has_current_agreement(doc.name):
		return
	roles = "、".join(_(role) for role in granted)
	if mode == rules.ENFORCE:
		frappe.throw(
			_("{0} has no current confidentiality agreement: the roles {1} read residents' personal data and "
				"are granted only after the agreement is recorded.").format(doc.name, roles),
			title=_("Confidentiality agreement required"),
		)  # fmt: skip
	frappe.msgprint(
		_("{0} has no current confidentiality agreement, yet is given {1}, which read residents' personal "
			"data. Record the signed agreement (Confidentiality Agreement).").format(doc.name, roles),
		title=_("Confidentiality agreement missing"),
		indicator="orange",
	)  # fmt: skip


# ---- the daily job ----


def managers() -> list[str]:
	"""Enabled users holding Property Manager with no estate restriction, or System Manager (HR-like)."""
	has_role = frappe.qb.DocType("Has Role")
	user = frappe.qb.DocType("User")
	found = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.name)
		.distinct()
		.where(
			(has_role.parenttype == "User")
			& (has_role.role.isin(["Property Manager", "System Manager"]))
			& (user.enabled == 1)
			& (user.user_type == "System User")
			& (user.name.notin(["Administrator", "Guest"]))
		)
		.run()
	)
	restricted = set(
		frappe.get_all("User Permission", filters={"allow": "Property Estate"}, pluck="user", distinct=True)
	)
	return sorted(name for (name,) in found if name not in restricted)


def notify(recipients: list[str], agreement, days: int) -> None:
	subject = _("Confidentiality agreement of {0} expires in {1} days ({2})").format(
		agreement.employee_name or agreement.user, days, frappe.format(agreement.valid_until, "Date")
	)
	for recipient in recipients:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": recipient,
				"type": "Alert",
				"document_type": DOCTYPE,
				"document_name": agreement.name,
				"subject": subject,
				"email_content": _(
					"Please renew the agreement before it expires: afterwards the roles that read residents' "
					"personal data may no longer be granted."
				),
			}
		).insert(ignore_permissions=True)


def daily(on=None) -> dict[str, int]:
	"""Refresh every agreement's status; send each reminder threshold (days before valid_until) once per
	agreement, to the staff member and the managers. Returns counts."""
	day = getdate(on or today())
	steps = thresholds()
	expiring = max(steps, default=0)
	counts = {"refreshed": 0, "reminded": 0}
	rows = frappe.get_all(
		DOCTYPE,
		fields=["name", "user", "employee_name", "signed_on", "valid_until", "status", "reminders_sent"],
		filters={"valid_until": (">=", add_days(day, -400))},
	)
	manager_list = None
	for row in rows:
		status = rules.status(getdate(row.signed_on), getdate(row.valid_until), day, expiring)
		if status != row.status:
			frappe.db.set_value(DOCTYPE, row.name, "status", status, update_modified=False)
			counts["refreshed"] += 1
		sent = {cint(x) for x in (row.reminders_sent or "").split(",") if x.strip().isdigit()}
		due = rules.due_threshold(getdate(row.valid_until), day, steps, sent)
		if due is None:
			continue
		if manager_list is None:
			manager_list = managers()
		recipients = sorted({row.user, *manager_list} - {"Administrator"})
		notify(recipients, row, rules.days_until(getdate(row.valid_until), day))
		# every larger threshold counts as passed too, so a late reminder is never followed by an earlier one
		sent |= {t for t in steps if t >= due}
		frappe.db.set_value(
			DOCTYPE, row.name, "reminders_sent", ",".join(map(str, sorted(sent))), update_modified=False
		)
		counts["reminded"] += 1
	frappe.db.commit()
	return counts


# ---- who reads agreements: managers all, other staff their own ----


def query_conditions(user=None, doctype=None) -> str:
	user = user or frappe.session.user
	if user == "Administrator" or {"Property Manager", "System Manager"} & set(frappe.get_roles(user)):
		return ""
	return f"`tab{DOCTYPE}`.`user` = {frappe.db.escape(user)}"


def has_permission(doc, ptype=None, user=None, debug=False) -> bool:
	user = user or frappe.session.user
	if user == "Administrator" or {"Property Manager", "System Manager"} & set(frappe.get_roles(user)):
		return True
	return doc.user == user


def after_migrate() -> None:
	"""System Manager (IT) works on agreements too: a Custom DocPerm beside the Property Manager's (the
	DocType's own permissions list only Property CRM roles)."""
	if not frappe.db.exists("DocType", DOCTYPE):
		return
	if frappe.db.exists("Custom DocPerm", {"parent": DOCTYPE, "role": "System Manager", "permlevel": 0}):
		return
	from frappe.permissions import add_permission, update_permission_property

	add_permission(DOCTYPE, "System Manager", 0)
	for right in ("read", "write", "create", "delete", "export", "print", "report"):
		update_permission_property(DOCTYPE, "System Manager", 0, right, 1, validate=False)
