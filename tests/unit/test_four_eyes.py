"""Four-eyes rules (四眼原则): which deletions and changes need a second manager, who decides, what a
request may change (pure, no Frappe)."""

from property_crm.property_privacy.rules import four_eyes as rules

OWNER_ROW = {"name": "r1", "resident": "DA-1", "relation": "Owner", "move_out": None}
TENANT_ROW = {"name": "r2", "resident": "DA-2", "relation": "Tenant", "move_out": None}


def test_exempt_only_administrator_install_and_an_approved_request():
	assert rules.is_exempt("Administrator", {})
	for flag in ("in_install", "in_migrate", "in_patch", rules.APPROVED_FLAG):
		assert rules.is_exempt("m@x.cn", {flag: True})
	assert not rules.is_exempt("m@x.cn", {})
	assert not rules.is_exempt("m@x.cn", {"in_test": True, "ignore_permissions": True})


def test_a_new_record_has_no_guarded_change():
	assert rules.guarded_changes("Property Owner", None, {"full_name": "张三"}) == []


def test_file_name_and_id_number():
	before = {"full_name": "张三", "id_number": "1101**********1234", "id_number_hash": "h1"}
	assert rules.guarded_changes("Property Owner", before, dict(before)) == []
	assert rules.guarded_changes("Property Owner", before, before | {"full_name": "张山"}) == ["full_name"]
	# with a hash, the masked column may look the same while the number changed
	assert rules.guarded_changes("Property Owner", before, before | {"id_number_hash": "h2"}, True) == [
		"id_number"
	]
	# …and a plain value re-entered (same hash) is no change
	same = before | {"id_number": "110101199003071234"}
	assert rules.guarded_changes("Property Owner", before, same, has_hash=True) == []
	assert rules.guarded_changes("Property Owner", before, same, has_hash=False) == ["id_number"]
	assert rules.guarded_changes("Property Owner", before, before | {"notes": "x", "mobile": "1"}) == []


def test_unit_owner_and_removed_rows():
	before = {"occupants": [OWNER_ROW, TENANT_ROW]}
	assert rules.guarded_changes("Property Unit", before, before) == []
	assert rules.guarded_changes("Property Unit", before, {"occupants": [OWNER_ROW]}) == ["occupants"]
	new_owner = {"occupants": [OWNER_ROW | {"resident": "DA-3"}, TENANT_ROW]}
	assert rules.guarded_changes("Property Unit", before, new_owner) == ["owner"]
	ended = {"occupants": [OWNER_ROW | {"move_out": "2026-01-01"}, TENANT_ROW]}
	assert rules.guarded_changes("Property Unit", before, ended) == ["owner"]
	# a tenant moving out or a new tenant is ordinary work
	moved = {"occupants": [OWNER_ROW, TENANT_ROW | {"move_out": "2026-01-01"}, {"resident": "DA-4",
		"relation": "Tenant"}]}  # fmt: skip
	assert rules.guarded_changes("Property Unit", before, moved) == []
	# rows sent again without their names are recreated by Frappe: the same stays, no removal
	renamed = {"occupants": [OWNER_ROW | {"name": None}, TENANT_ROW | {"name": "new"}]}
	assert rules.guarded_changes("Property Unit", before, renamed) == []
	# the first owner of a unit that had none is registered directly
	assert rules.guarded_changes("Property Unit", {"occupants": [TENANT_ROW]}, before) == []


def test_occupant_row_saved_alone():
	assert rules.guarded_changes("Property Unit Occupant", OWNER_ROW, OWNER_ROW | {"resident": "DA-9"}) == [
		"owner"
	]
	assert (
		rules.guarded_changes("Property Unit Occupant", TENANT_ROW, TENANT_ROW | {"move_out": "2026"}) == []
	)
	assert rules.guarded_changes(
		"Property Unit Occupant", TENANT_ROW, TENANT_ROW | {"relation": "Owner"}
	) == ["owner"]


def test_never_the_requester_and_decided_once():
	assert rules.check_decision("Pending", "Approved", "a", "a") == rules.SELF_DECISION
	assert rules.check_decision("Pending", "Rejected", "a", "a") == rules.SELF_DECISION
	assert rules.check_decision("Pending", "Approved", "a", "b") is None
	assert rules.check_decision("Approved", "Rejected", "a", "b") == rules.NOT_PENDING
	assert rules.check_decision("Rejected", "Pending", "a", "b") == rules.NOT_PENDING
	assert rules.check_decision("Pending", "Pending", "a", "a") is None


def test_what_a_request_may_change():
	assert rules.clean_changes("Property Owner", {"full_name": " 张山 "}) == ({"full_name": "张山"}, None)
	assert rules.clean_changes("Property Owner", {"email": "a@b.c"})[1] == rules.NOT_CHANGEABLE
	assert rules.clean_changes("Property Owner", {"id_type": ""})[1] == rules.NO_CHANGES
	assert rules.clean_changes("Property Owner", {})[1] == rules.NO_CHANGES
	assert rules.clean_changes("Service Order", {"subject": "x"})[1] == rules.NOT_GUARDED
	assert rules.clean_changes("Property Unit", {"owner": "DA-3"}) == ({"owner": "DA-3"}, None)


def test_guarded_sets_and_description():
	assert {"Property Owner", "Survey Response", "Property Meter Reading"} <= rules.GUARDED_DELETE
	assert "Property Fee Schedule" not in rules.GUARDED_DELETE
	assert set(rules.CHANGEABLE) <= rules.GUARDED_CHANGE
	assert rules.describe({"full_name": "张三"}, {"full_name": "张山"}, {"full_name": "姓名"}) == [
		("姓名", "张三", "张山")
	]
	assert rules.describe({"full_name": "张三"}, {"full_name": "张三"}, {}) == []
