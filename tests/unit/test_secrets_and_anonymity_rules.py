"""Pure rules of issue 18's anonymity and secrets-at-rest fixes: a sent survey mail's token cut out of its
stored MIME text (quoted-printable and base64 parts alike), small groups' per-person figures hidden,
complaint references found in a mail's subject."""

import email
from email import charset as charsets
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from property_crm.property_complaints.rules.analysis import MIN_GROUP_FOR_PERSONS, hide_small_groups
from property_crm.property_complaints.rules.complaint import references_in
from property_crm.property_surveys.rules.mail import MARK, mark_redacted, redact_message, redact_text

TOKEN = "0123456789abcdef" * 2 + "ABCDEFGHijklmnop"


def texts(message: str) -> list[str]:
	return [
		part.get_payload(decode=True).decode()
		for part in email.message_from_string(message).walk()
		if part.get_content_maintype() == "text"
	]


def mail(encoding) -> str:
	charset = charsets.Charset("utf-8")
	charset.body_encoding = encoding
	message = MIMEMultipart("alternative")
	message["Subject"] = "调查：年度满意度"
	link = f"https://example.com/property/s/{TOKEN}?_lang=zh"
	for subtype, body in (("plain", f"请告诉我们：{link} " * 3), ("html", f'<a href="{link}">{link}</a>')):
		part = MIMEText("", subtype, "utf-8")
		part.set_payload(body, charset=charset)
		message.attach(part)
	return message.as_string()


def test_token_is_cut_out_of_every_encoding():
	for encoding in (charsets.QP, charsets.BASE64):
		stored = mail(encoding)
		assert any(TOKEN in text for text in texts(stored))
		redacted = redact_message(stored)
		assert TOKEN not in redacted
		assert all(TOKEN not in text for text in texts(redacted))
		assert all("/property/s/redacted?_lang=zh" in text for text in texts(redacted))
		assert "请告诉我们" in texts(redacted)[0], "the rest of the mail is kept"


def test_a_redacted_mail_is_marked_and_still_a_mail():
	stored = mark_redacted(mail(charsets.QP))
	assert stored.startswith(MARK)
	parsed = email.message_from_string(stored)
	assert parsed["X-Property-CRM-Redacted"] == "1"
	assert parsed["Subject"]
	assert all(TOKEN not in text for text in texts(stored))


def test_a_mail_without_a_link_is_left_as_it_is():
	message = MIMEText("没有链接", "plain", "utf-8").as_string()
	assert redact_message(message) == message
	assert redact_text("/property/s/short") == "/property/s/short"


def test_small_groups_show_no_per_person_figure():
	rows = [
		{"complaints": MIN_GROUP_FOR_PERSONS - 1, "repeat_complainants": 1},
		{"complaints": MIN_GROUP_FOR_PERSONS, "repeat_complainants": 1},
	]
	assert [row["repeat_complainants"] for row in hide_small_groups(rows)] == [None, 1]


def test_complaint_references_in_a_subject():
	assert references_in("Re: Your complaint CMP-2026-00012 has been received") == ["CMP-2026-00012"]
	assert references_in("回复：CMP-2026-00012 / CMP-2026-00012, CMP-2025-00100") == [
		"CMP-2026-00012",
		"CMP-2025-00100",
	]
	assert references_in("投诉CMP-2026-00012的回复") == ["CMP-2026-00012"]
	assert references_in("XCMP-2026-00012") == []
	assert references_in(None) == []
