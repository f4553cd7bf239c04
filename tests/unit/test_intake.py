"""Where an e-mailed request belongs: the pure placement rule and the body's HTML."""

from property_crm.property_service.rules.intake import (
	NO_CURRENT_UNIT,
	SEVERAL_FILES,
	SEVERAL_UNITS,
	UNKNOWN_SENDER,
	body_as_html,
	place,
)


def test_unknown_sender():
	assert place({}) == (None, None, UNKNOWN_SENDER, (), ())


def test_one_file_one_unit_is_placed():
	assert place({"PO-1": ["A01-2-1203"]})[:3] == ("PO-1", "A01-2-1203", None)


def test_one_file_listed_twice_in_the_same_unit_is_one_unit():
	assert place({"PO-1": ["A01-2-1203", "A01-2-1203"]})[:3] == ("PO-1", "A01-2-1203", None)


def test_one_file_several_units_leaves_the_unit_to_customer_service():
	placement = place({"PO-1": ["B-1-2", "A-1-1"]})
	assert placement[:3] == ("PO-1", None, SEVERAL_UNITS)
	assert placement.units == ("A-1-1", "B-1-2")


def test_one_file_without_a_current_unit():
	assert place({"PO-1": []})[:3] == ("PO-1", None, NO_CURRENT_UNIT)


def test_household_sharing_an_address_keeps_its_one_unit_but_no_requester():
	placement = place({"PO-2": ["A-1-1"], "PO-1": ["A-1-1"]})
	assert placement[:3] == (None, "A-1-1", SEVERAL_FILES)
	assert placement.files == ("PO-1", "PO-2")


def test_several_files_in_several_units_place_nothing():
	assert place({"PO-1": ["A-1-1"], "PO-2": ["B-1-1"]})[:3] == (None, None, SEVERAL_FILES)


def test_plain_text_body_is_escaped_into_paragraphs():
	text = "您好：\n\n室温 < 10 度 & 暖气不热\n第二行\n\n"
	assert body_as_html(text) == "<p>您好：</p><p>室温 &lt; 10 度 &amp; 暖气不热<br>第二行</p>"


def test_html_body_is_left_to_the_sanitiser():
	assert body_as_html(" <p>门禁卡失灵</p> ") == "<p>门禁卡失灵</p>"


def test_empty_body():
	assert body_as_html(None) == body_as_html("  ") == ""
