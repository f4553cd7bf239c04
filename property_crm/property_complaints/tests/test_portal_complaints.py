"""Complaints on the resident portal over Frappe's real HTTP stack (issue 6, item 8): filing named and
anonymous complaints, who sees which (`property_complaints.resident_complaints`: own always, the household's named ones
of one's stay, nobody else's anonymous ones), what staff read of an anonymous complaint through every read
path, the complainant's feedback, and a constant number of queries per page.

One unit, and who lived there:
	former    Tenant         2021-01-01 … 2022-12-31  (before everybody else)
	owner     Owner          2023-01-01 …             files complaints on the portal today
	family    Family Member  2023-01-01 …             the owner's household
	mover     Tenant         2023-01-01 … 2024-12-31  filed a named and an anonymous complaint in 2024, moved out
	lodger    Tenant         2025-06-01 …             a new tenant: sees nothing filed before 2025-06-01
plus a neighbour in the next unit of the same estate and a resident of another estate."""

import io
import json
from datetime import datetime
from urllib.parse import parse_qsl

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import set_request
from frappe.website.serve import get_response_content

from property_crm.images import clean_picture
from property_crm.property_complaints.rules.complaint import ANONYMOUS
from property_crm.tests.factories import (
	SiteClient,
	make_building,
	make_complaint,
	make_estate,
	make_owner,
	make_place,
	make_unit,
	make_user,
	occupant,
	page_queries,
	portal_login,
	unique,
)

API = "/api/method/property_crm.property_complaints.api."
CATEGORY = "Service Attitude"
# a 1×1 PNG
PNG = bytes.fromhex(
	"89504e470d0a1a0a0000000d4948445200000001000000010806000000"
	"1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def resident():
	return make_owner(email=f"{unique('c').lower()}@example.com")


def backdate(name: str, when: str) -> None:
	frappe.db.set_value("Complaint", name, "creation", datetime.fromisoformat(when), update_modified=False)


def delete_complaints(names) -> None:
	for name in names:
		identity = frappe.db.get_value("Complaint", name, "identity")
		for file in frappe.get_all("File", filters={"attached_to_doctype": "Complaint",
			"attached_to_name": name}, pluck="name"):  # fmt: skip
			frappe.delete_doc("File", file, force=True, ignore_permissions=True)
		frappe.db.delete("Return Visit", {"reference_doctype": "Complaint", "reference_name": name})
		if identity:
			frappe.db.set_value("Complaint", name, "identity", None, update_modified=False)
			frappe.delete_doc("Complaint Identity", identity, force=True, ignore_permissions=True)
		frappe.delete_doc("Complaint", name, force=True, ignore_permissions=True)


def resolve(name: str) -> None:
	"""Staff investigate and resolve the complaint (as Administrator, through the workflow's rules)."""
	doc = frappe.get_doc("Complaint", name)
	if doc.status in ("Registered", "Reopened"):
		doc.status = "Investigating"
		doc.save(ignore_version=False)  # as the desk keeps versions (tests skip them by default)
	doc.update({"root_cause": "Staff Conduct", "resolution": "已对当班保安批评教育并当面道歉",
		"findings": "监控显示保安语气生硬", "compensation_amount": 8765.43, "status": "Resolved"})  # fmt: skip
	doc.save(ignore_version=False)
	frappe.db.commit()


class TestComplaintsOnThePortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.estate = make_estate()
		building = make_building(cls.estate.name, "1")
		for who in ("former", "owner", "family", "mover", "lodger", "neighbour"):
			setattr(cls, who, resident())
		cls.unit = make_unit(
			building,
			"101",
			floor=1,
			occupants=[
				occupant(cls.former, "Tenant", move_in="2021-01-01", move_out="2022-12-31"),
				occupant(cls.owner, "Owner", primary_contact=1, move_in="2023-01-01"),
				occupant(cls.family, "Family Member", move_in="2023-01-01"),
				occupant(cls.mover, "Tenant", move_in="2023-01-01", move_out="2024-12-31"),
				occupant(cls.lodger, "Tenant", move_in="2025-06-01"),
			],
		)
		cls.next_unit = make_unit(building, "102", floor=1, occupants=[occupant(cls.neighbour)])
		_estate, _unit, cls.stranger = make_place()  # another estate's resident
		# the mover's complaints of 2024, named and anonymous, registered at the desk
		cls.mover_named = make_complaint(cls.unit, cls.mover, subject="搬走前的投诉").name
		cls.mover_anonymous = make_complaint(
			cls.unit, cls.mover, is_anonymous=1, subject="搬走前的匿名投诉"
		).name
		for name in (cls.mover_named, cls.mover_anonymous):
			backdate(name, "2024-03-01 10:00:00")
		cls.cs = make_user(["Property Customer Service"], [cls.estate.name])
		cls.people = ("former", "owner", "family", "mover", "lodger", "neighbour", "stranger")
		cls.users = {who: portal_login(getattr(cls, who)) for who in cls.people}
		frappe.db.commit()
		cls.clients = {}
		cls.filed = [cls.mover_named, cls.mover_anonymous]

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		delete_complaints(cls.filed)
		frappe.db.commit()
		super().tearDownClass()

	def client(self, who: str) -> SiteClient:
		if who not in self.clients:
			client = SiteClient(self.users[who])
			client.get("/property")  # the page gives the session's CSRF token, as a browser gets it
			self.clients[who] = client
		return self.clients[who]

	def submit(self, who: str = "owner", photo: bool = False, **fields):
		data = {"unit": self.unit.name, "complaint_category": CATEGORY, "subject": "门岗保安态度恶劣",
			"description": "<b>晚上十点</b>回家时保安出言不逊"} | fields  # fmt: skip
		if photo:
			data["photo"] = (io.BytesIO(PNG), "张三的照片.png", "image/png")
		response = self.client(who)._run("post", API + "submit_complaint", data=data)
		if response.status_code == 200:
			self.filed.append(response.json["message"])
		return response

	def sees(self, who: str, name: str) -> bool:
		"""Listed and opened, or neither (the rule is one for the list and the page)."""
		listed = name in self.client(who).get("/property/complaints").get_data(as_text=True)
		status = self.client(who).get(f"/property/complaints/{name}").status_code
		self.assertIn(status, (200, 404))
		self.assertEqual(listed, status == 200, (who, name, "list and page disagree"))
		return listed

	def feedback(self, who: str, name: str, feedback: str = "Not Satisfied", comment: str = ""):
		return self.client(who).post(
			API + "complaint_feedback", {"name": name, "feedback": feedback, "comment": comment}
		)

	# ------------------------------------------------------------------ filing
	def test_file_a_named_complaint(self):
		response = self.submit(photo=True)
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json["message"]
		doc = frappe.get_doc("Complaint", name)
		self.assertEqual(
			(doc.channel, doc.complainant, doc.unit, doc.estate, doc.status, doc.is_anonymous),
			("Portal", self.owner.name, self.unit.name, self.estate.name, "Registered", 0),
		)
		self.assertEqual(doc.owner, self.users["owner"])
		self.assertNotIn("<b>", doc.description)
		self.assertTrue(doc.photo.startswith("/private/files/"))
		self.assertTrue(doc.acknowledged_on and doc.acknowledged_via, "acknowledged at once")
		page = self.client("owner").get(f"/property/complaints/{name}", {"new": "1"}).get_data(as_text=True)
		self.assertIn(f"registered it under reference {name}", page, "the acknowledgement, at once")
		self.assertIn("Complaint received", page, "the resident's word for Registered")
		photo = self.client("owner").get(API + "photo", {"name": name})
		# kept as we re-encode it (property_crm.images): no file name, no EXIF, nothing appended
		self.assertEqual((photo.status_code, photo.get_data()), (200, clean_picture(PNG).content))
		# the household of the time sees it; the lodger too (filed during the lodger's stay)
		for who, expected in (("owner", True), ("family", True), ("lodger", True), ("mover", False),
			("former", False), ("neighbour", False), ("stranger", False)):  # fmt: skip
			self.assertEqual(self.sees(who, name), expected, who)
		self.assertEqual(self.client("neighbour").get(API + "photo", {"name": name}).status_code, 403)

	def test_a_public_area_complaint_needs_the_estate_of_a_home(self):
		response = self.submit(public_area=1)
		self.assertEqual(response.status_code, 200, response.text)
		doc = frappe.get_doc("Complaint", response.json["message"])
		self.assertEqual((doc.unit, doc.estate, doc.complainant), (None, self.estate.name, self.owner.name))
		self.assertTrue(self.sees("owner", doc.name))
		self.assertFalse(self.sees("family", doc.name), "about no unit: the complainant's own")
		# without a unit: their only estate
		response = self.submit(unit="", public_area=1)
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(
			frappe.db.get_value("Complaint", response.json["message"], "estate"), self.estate.name
		)

	def test_only_homes_one_lives_in_today(self):
		before = frappe.db.count("Complaint", {"estate": self.estate.name})
		for who, unit in (("owner", self.next_unit.name), ("mover", self.unit.name)):
			self.assertEqual(self.submit(who, unit=unit).status_code, 403, who)
		self.assertEqual(self.submit(complaint_category="Nonsense").status_code, 417)
		self.assertEqual(self.submit(subject="  ").status_code, 417)
		bad_photo = {"photo": (io.BytesIO(b"not a picture"), "x.txt", "text/plain")}
		response = self.client("owner")._run(
			"post",
			API + "submit_complaint",
			data={"unit": self.unit.name, "complaint_category": CATEGORY, "subject": "x"} | bad_photo,
		)
		self.assertEqual(response.status_code, 417)
		self.assertEqual(
			frappe.db.count("Complaint", {"estate": self.estate.name}),
			before,
			"refused input leaves nothing behind",
		)
		self.assertIn(SiteClient().get("/property/complaints").status_code, (301, 302), "guests log in")

	def test_residents_cannot_set_what_staff_decide(self):
		response = self.submit(status="Closed", severity="Critical", responsible_person="Administrator",
			root_cause="Process", resolution="x", compensation_amount=999, channel="Desk")  # fmt: skip
		self.assertEqual(response.status_code, 200, response.text)
		doc = frappe.get_doc("Complaint", response.json["message"])
		self.assertEqual((doc.status, doc.channel), ("Registered", "Portal"))
		self.assertFalse(doc.root_cause or doc.resolution or doc.compensation_amount)
		self.assertNotEqual(doc.severity, "Critical")
		for method, path, data in (
			("get", f"/api/resource/Complaint/{doc.name}", None),
			("get", "/api/resource/Complaint", None),
			("put", f"/api/resource/Complaint/{doc.name}", {"status": "Closed"}),
			("post", "/api/method/property_crm.property_complaints.complaints.record_feedback",
				{"complaint": doc.name, "feedback": "Satisfied"}),
		):  # fmt: skip
			client = self.client("owner")
			response = getattr(client, method)(path, data) if data is not None else client.get(path)
			self.assertIn(response.status_code, (403, 417), (path, response.text[:300]))

	# ------------------------------------------------------------------ anonymity
	def test_an_anonymous_complaint_names_nobody_to_staff(self):
		response = self.submit(anonymous=1, photo=True, subject="物业经理收了好处")
		self.assertEqual(response.status_code, 200, response.text)
		name = response.json["message"]
		user, owner = self.users["owner"], self.owner
		row = frappe.db.get_value("Complaint", name, ["*"], as_dict=True)
		self.assertEqual(row.complainant_name, ANONYMOUS)
		self.assertEqual((row.is_anonymous, row.channel, row.estate), (1, "Portal", self.estate.name))
		for field in ("complainant", "unit", "contact_mobile", "complainant_email", "related_service_order"):
			self.assertFalse(row[field], field)
		self.assertNotIn(user, (row.owner, row.modified_by))
		identity = frappe.db.get_value("Complaint Identity", row.identity, ["complainant", "unit", "user"],
			as_dict=True)  # fmt: skip
		self.assertEqual(
			(identity.complainant, identity.unit, identity.user), (owner.name, self.unit.name, user)
		)
		file = frappe.db.get_value("File", {"attached_to_doctype": "Complaint", "attached_to_name": name},
			["owner", "modified_by", "file_name", "is_private"], as_dict=True)  # fmt: skip
		self.assertNotIn(user, (file.owner, file.modified_by))
		self.assertNotIn("张三", file.file_name, "the uploaded file's name is not kept")
		self.assertTrue(file.is_private)
		for doctype, filters, fields in (
			("Version", {"ref_doctype": "Complaint", "docname": name}, ["owner", "modified_by", "data"]),
			("Comment", {"reference_doctype": "Complaint", "reference_name": name},
				["owner", "comment_email", "comment_by", "content"]),
		):  # fmt: skip
			for trace in frappe.get_all(doctype, filters=filters, fields=fields):
				self.assertNotIn(user, str(trace), doctype)
				self.assertNotIn(owner.full_name, str(trace), doctype)

		# customer service reads it through every path and finds 匿名, nothing of the resident
		staff = SiteClient(self.cs)
		answers = {
			"rest": staff.get(f"/api/resource/Complaint/{name}"),
			"rest list": staff.get(
				"/api/resource/Complaint", {"fields": '["*"]', "filters": f'[["name", "=", "{name}"]]'}
			),
			"client.get": staff.get("/api/method/frappe.client.get", {"doctype": "Complaint", "name": name}),
			"client.get_list": staff.get(
				"/api/method/frappe.client.get_list",
				{"doctype": "Complaint", "fields": '["*"]', "filters": f'[["name", "=", "{name}"]]'},
			),
			"client.get_value": staff.get(
				"/api/method/frappe.client.get_value",
				{
					"doctype": "Complaint",
					"filters": name,
					"fieldname": '["complainant", "complainant_name", "unit", "owner", '
					'"modified_by", "contact_mobile", "complainant_email"]',
				},
			),
		}
		for path, response in answers.items():
			self.assertEqual(response.status_code, 200, (path, response.text[:300]))
			text = json.dumps(response.json, ensure_ascii=False)
			self.assertIn(name if path != "client.get_value" else ANONYMOUS, text, path)
			self.assertIn(ANONYMOUS, text, path)
			for secret in (user, owner.name, owner.full_name, owner.mobile, self.unit.name):
				self.assertNotIn(secret, text, (path, secret))
		self.assertEqual(
			staff.get(f"/api/resource/Complaint Identity/{row.identity}").status_code, 403, "managers only"
		)

		# the resident lists and opens it, with its photo; nobody else does
		self.assertTrue(self.sees("owner", name))
		page = self.client("owner").get(f"/property/complaints/{name}").get_data(as_text=True)
		self.assertIn("物业经理收了好处", page)
		self.assertIn(self.unit.name, page, "their own complaint: they may read which home it was about")
		self.assertEqual(self.client("owner").get(API + "photo", {"name": name}).status_code, 200)
		for who in ("family", "lodger", "former", "neighbour", "stranger", "mover"):
			self.assertFalse(self.sees(who, name), who)
			self.assertEqual(self.client(who).get(API + "photo", {"name": name}).status_code, 403, who)
		resolve(name)
		for who in ("family", "lodger", "former", "neighbour", "stranger", "mover"):
			self.assertEqual(self.feedback(who, name).status_code, 403, who)
		self.assertEqual(frappe.db.get_value("Complaint", name, "status"), "Resolved")

		# the complainant is not satisfied: reopened, and still nothing of their user on it
		response = self.feedback("owner", name, comment="<i>保安还是那样</i>")
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value("Complaint", name, ["status", "reopen_count", "modified_by",
			"feedback_comment", "complainant"], as_dict=True)  # fmt: skip
		self.assertEqual((row.status, row.reopen_count), ("Reopened", 1))
		self.assertNotEqual(row.modified_by, user)
		self.assertFalse(row.complainant)
		self.assertNotIn("<i>", row.feedback_comment)
		for doctype, filters in (("Version", {"ref_doctype": "Complaint", "docname": name}),
			("Comment", {"reference_doctype": "Complaint", "reference_name": name})):  # fmt: skip
			traces = frappe.get_all(doctype, filters=filters, fields=["*"])
			self.assertTrue(traces, f"the feedback left a {doctype}")
			for trace in traces:
				self.assertNotIn(user, str(trace), doctype)

	def test_moving_out_keeps_ones_own_and_the_household_keeps_its_named_complaints(self):
		# the mover's own complaints of 2024: theirs for good, after moving out too
		self.assertTrue(self.sees("mover", self.mover_named))
		self.assertTrue(self.sees("mover", self.mover_anonymous))
		# who lived there in 2024 and still does sees the named one; never the anonymous one
		for who in ("owner", "family"):
			self.assertTrue(self.sees(who, self.mover_named), who)
			self.assertFalse(self.sees(who, self.mover_anonymous), who)
		# the new tenant (since 2025-06), the former tenant (until 2022), neighbours, other estates: nothing
		for who in ("lodger", "former", "neighbour", "stranger"):
			self.assertFalse(self.sees(who, self.mover_named), who)
			self.assertFalse(self.sees(who, self.mover_anonymous), who)

	# ------------------------------------------------------------------ feedback
	def test_feedback_closes_or_reopens_a_resolved_complaint(self):
		name = self.submit().json["message"]
		response = self.feedback("owner", name, "Satisfied")
		self.assertEqual(response.status_code, 417, "only a resolved complaint takes feedback")
		self.assertEqual(frappe.db.get_value("Complaint", name, "status"), "Registered")
		resolve(name)
		page = self.client("owner").get(f"/property/complaints/{name}").get_data(as_text=True)
		self.assertIn("已对当班保安批评教育并当面道歉", page, "the resolution")
		self.assertIn('id="feedback-form"', page)
		for internal in ("监控显示保安语气生硬", "Staff Conduct", "8765", "Customer Service", "SLA"):
			self.assertNotIn(internal, page.split("<main")[1], f"staff's side shown: {internal}")
		family_page = self.client("family").get(f"/property/complaints/{name}").get_data(as_text=True)
		self.assertNotIn('id="feedback-form"', family_page, "the complainant's feedback, not the household's")
		self.assertEqual(self.feedback("family", name).status_code, 403)
		self.assertEqual(self.feedback("owner", name, "Maybe").status_code, 417)

		response = self.feedback("owner", name, "Not Satisfied", "还是不满意")
		self.assertEqual(response.status_code, 200, response.text)
		self.assertEqual(response.json["message"], "Reopened")
		self.assertEqual(frappe.db.get_value("Complaint", name, ["status", "reopen_count"]), ("Reopened", 1))
		page = self.client("owner").get(f"/property/complaints/{name}").get_data(as_text=True)
		self.assertIn("Being handled again", page)

		resolve(name)
		response = self.feedback("owner", name, "Satisfied", "谢谢")
		self.assertEqual(response.status_code, 200, response.text)
		row = frappe.db.get_value("Complaint", name, ["status", "feedback", "closed_on"], as_dict=True)
		self.assertEqual((row.status, row.feedback), ("Closed", "Satisfied"))
		self.assertTrue(row.closed_on)
		self.assertEqual(self.feedback("owner", name, "Not Satisfied").status_code, 417, "closed is closed")
		home = self.client("owner").get("/property").get_data(as_text=True)
		self.assertIn("/property/complaints", home)

	def test_timeline_in_residents_words_whatever_language_staff_work_in(self):
		"""Frappe's version history keeps the status as the saving user saw it (已处理 in Chinese)."""
		name = self.submit().json["message"]
		frappe.local.lang = "zh"
		try:
			resolve(name)
		finally:
			frappe.local.lang = "en"
		version = frappe.get_all("Version", filters={"ref_doctype": "Complaint", "docname": name},
			fields=["data"], order_by="creation desc", limit=1)[0]  # fmt: skip
		self.assertIn("已处理", json.loads(version.data)["changed"][0], "saved in the clerk's words")
		page = self.client("owner").get(f"/property/complaints/{name}").get_data(as_text=True)
		timeline = page.split('<ul class="timeline">')[1].split("</ul>")[0]
		self.assertIn("Under investigation", timeline)
		self.assertIn("Handled, waiting for your feedback", timeline)

	def test_pages_in_chinese(self):
		name = self.submit().json["message"]
		frappe.db.set_value("User", self.users["family"], "language", "zh")
		frappe.clear_document_cache("User", self.users["family"])
		frappe.db.commit()
		self.addCleanup(frappe.db.set_value, "User", self.users["family"], "language", None)
		client = SiteClient(self.users["family"])
		for path in ("/property", "/property/complaints", "/property/complaints/new",
			f"/property/complaints/{name}"):  # fmt: skip
			response = client.get(path)
			self.assertEqual(response.status_code, 200, path)
			html = response.get_data(as_text=True)
			self.assertIn("我的投诉", html, path)
		self.assertIn("投诉已受理", client.get(f"/property/complaints/{name}").get_data(as_text=True))
		form = client.get("/property/complaints/new").get_data(as_text=True)
		self.assertIn("匿名：只有项目经理能看到我的身份", form)
		self.assertIn("服务态度", form, "categories in the resident's language")


class TestComplaintPagesQueryCount(FrappeTestCase):
	"""The complaints pages make the same number of queries with 5 or 200 complaints (no N+1)."""

	def count_queries(self, path: str) -> int:
		return page_queries(path)

	def seed(self, unit, complainant, count: int) -> None:
		now = frappe.utils.now_datetime()
		fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "naming_series",
			"subject", "complaint_category", "channel", "status", "estate", "building", "unit", "complainant",
			"is_anonymous"]  # fmt: skip
		statuses = ["Registered", "Investigating", "Resolved", "Closed", "Reopened"]
		rows = [
			(unique("CMP-T-"), now, now, "Administrator", "Administrator", 0, "CMP-.YYYY.-", f"投诉 {i}",
			 CATEGORY, "Portal", statuses[i % 5], unit.estate, unit.building, unit.name, complainant, 0)
			for i in range(count)
		]  # fmt: skip
		frappe.db.bulk_insert("Complaint", fields, rows)

	def test_query_count_does_not_grow(self):
		_estate, unit, owner = make_place()
		user = portal_login(owner)
		self.seed(unit, owner.name, 5)
		one = frappe.db.get_value("Complaint", {"unit": unit.name}, "name")
		paths = ("/property", "/property/complaints", "/property/complaints?status=open",
			"/property/complaints/new", f"/property/complaints/{one}")  # fmt: skip
		frappe.set_user(user)
		try:
			small = {path: self.count_queries(path) for path in paths}
			frappe.set_user("Administrator")
			self.seed(unit, owner.name, 195)
			frappe.set_user(user)
			large = {path: self.count_queries(path) for path in paths}
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Complaint", {"unit": unit.name}), 200)
		self.assertEqual(small, large)
		self.assertLess(max(large.values()), 40, large)
		print("queries per page at 5 and 200 complaints:", large)
