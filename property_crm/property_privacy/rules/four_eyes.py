"""Four-eyes rule (四眼原则): which deletions and changes of key data need a second manager's approval.

Pure Python: the Frappe side (`property_privacy/four_eyes.py`) hands in plain values (the doctype, the
record before and after as dicts, who asks and who decides) and raises what these functions answer.
"""

# records whose deletion is a request a second manager approves (resident file, unit, occupancy row,
# service order, complaint, survey response, and the fee records of a household: what it used (meter
# readings), what it was billed (fee charges, late fees) and its own price (fee overrides))
GUARDED_DELETE = frozenset(
	(
		"Property Owner",
		"Property Unit",
		"Property Unit Occupant",
		"Service Order",
		"Complaint",
		"Survey Response",
		"Property Meter Reading",
		"Property Fee Charge",
		"Property Late Fee",
		"Property Fee Override",
	)
)
# records with guarded changes (a file's name and ID number, a unit's owners and occupancy rows)
GUARDED_CHANGE = frozenset(("Property Owner", "Property Unit", "Property Unit Occupant"))

# the fields a Change request may set, per doctype (only guarded fields: everything else is edited directly)
CHANGEABLE = {
	"Property Owner": ("full_name", "id_type", "id_number"),
	# the unit passes to a new owner: the current owners' rows end, an owner row for the new one begins
	"Property Unit": ("owner",),
}

OWNER_RELATIONS = frozenset(("Owner", "Co-owner"))
PENDING, APPROVED, REJECTED = "Pending", "Approved", "Rejected"
DELETE, CHANGE = "Delete", "Change"
# set on frappe.flags while an approved request is applied (and by merging duplicate files, which keeps
# every linked record on the file that stays)
APPROVED_FLAG = "four_eyes_approved"

# messages (English templates, translated by the Frappe side)
DELETE_NEEDS_APPROVAL = (
	"{0} {1} cannot be deleted directly: key data is deleted only after a second manager approves. "
	"Use Request deletion on the form to file a Data Change Request."
)
CHANGE_NEEDS_APPROVAL = (
	"{0} of {1} {2} cannot be changed directly: it changes only after a second manager approves. "
	"Use Request change on the form to file a Data Change Request."
)
SELF_DECISION = "You filed this request: another manager must approve or reject it (four-eyes principle)."
NOT_PENDING = "Data Change Request {0} was already decided ({1})."
NO_CHANGES = "Enter at least one new value for the change."
NOT_CHANGEABLE = "{0} cannot be changed through a request; only {1}."
NOT_GUARDED = "{0} is not a record whose deletion or change needs approval."


def is_exempt(user: str, flags: dict) -> bool:
	"""Who is not stopped: Administrator, install/migrate/patches, and an approved request being applied."""
	if user == "Administrator":
		return True
	return any(flags.get(flag) for flag in ("in_install", "in_migrate", "in_patch", APPROVED_FLAG))


def owner_rows(rows: list[dict]) -> list[tuple]:
	"""What makes a unit's owners: each owner or co-owner row's person and, when it ended, its end."""
	return sorted(
		(str(row.get("resident") or ""), str(row.get("relation") or ""), str(row.get("move_out") or ""))
		for row in rows
		if row.get("relation") in OWNER_RELATIONS
	)


def _stay(row: dict) -> tuple:
	return tuple(str(row.get(f) or "") for f in ("resident", "relation", "move_in"))


def guarded_changes(doctype: str, before: dict | None, after: dict, has_hash: bool = False) -> list[str]:
	"""The guarded fields that differ between the saved record and the one being saved (none for a new
	record). Property Owner: full_name, and the ID number — by its keyed hash where the file has one (the
	column itself holds the masked value). Property Unit: an occupancy row removed ("occupants") or the
	owners changed ("owner"), except the first owner registered on a unit that had none. An occupancy row
	saved on its own: its person, relation or end when it is an owner's row."""
	if not before:
		return []
	changed = []
	if doctype == "Property Owner":
		if (before.get("full_name") or "") != (after.get("full_name") or ""):
			changed.append("full_name")
		key = "id_number_hash" if has_hash else "id_number"
		if (before.get(key) or "") != (after.get(key) or ""):
			changed.append("id_number")
	elif doctype == "Property Unit":
		was, now = before.get("occupants") or [], after.get("occupants") or []
		# a row is removed when neither its name nor its person, relation and move-in are still there (a
		# client that sends the rows without their names gets them recreated, the same stays)
		names = {row.get("name") for row in now if row.get("name")}
		stays = {_stay(row) for row in now}
		if any(row.get("name") not in names and _stay(row) not in stays for row in was):
			changed.append("occupants")
		old_owners = owner_rows(was)
		if old_owners and old_owners != owner_rows(now):
			changed.append("owner")
	elif doctype == "Property Unit Occupant":
		if before.get("relation") in OWNER_RELATIONS or after.get("relation") in OWNER_RELATIONS:
			if owner_rows([before]) != owner_rows([after]):
				changed.append("owner")
	return changed


def check_decision(status_before: str, status_after: str, requester: str, user: str) -> str | None:
	"""A decision (Pending → Approved / Rejected) by anyone but the requester; a decided request stays.
	Returns the message template that refuses, or None."""
	if status_before == status_after:
		return None
	if status_before in (APPROVED, REJECTED):
		return NOT_PENDING
	if status_after in (APPROVED, REJECTED) and user == requester:
		return SELF_DECISION
	return None


def clean_changes(doctype: str, changes: dict) -> tuple[dict, str | None]:
	"""The proposed new values, limited to the fields a request may change; (values, refusal template)."""
	allowed = CHANGEABLE.get(doctype, ())
	if not allowed:
		return {}, NOT_GUARDED
	values = {str(k): ("" if v is None else str(v).strip()) for k, v in (changes or {}).items()}
	if any(field not in allowed for field in values):
		return {}, NOT_CHANGEABLE
	values = {k: v for k, v in values.items() if k != "id_type" or v}
	if not values:
		return {}, NO_CHANGES
	return values, None


def describe(before: dict, after: dict, labels: dict) -> list[tuple[str, str, str]]:
	"""(label, before, after) for each field that differs, in the order of `after`."""
	return [
		(labels.get(field, field), str(before.get(field) or ""), str(value or ""))
		for field, value in after.items()
		if str(before.get(field) or "") != str(value or "")
	]
