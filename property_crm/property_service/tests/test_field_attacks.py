"""The field app attacked over real HTTP (issue 20's attacker's round): what a technician whose job was taken
away, a careless or hostile technician, and a page full of script get from the field endpoints and pages —
the status code, and that nothing was written. Each test is one hole that was open, or a door that must stay
shut (the other refusals are in test_field_api.py, test_field_pages.py, test_field_board.py)."""

import base64
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import HTTPServer

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase

from property_crm.property_service.dispatch import reassign
from property_crm.rate_limits import reset_counters
from property_crm.sms import sync_sms_notifications
from property_crm.tests.factories import act, make_category, make_order, make_place, make_user
from property_crm.tests.pictures import encoded, png_declaring
from property_crm.tests.served import HttpClient
from property_crm.tests.sms_gateway import sms_gateway

API = "property_crm.property_service.field.api."
ORDER = "Service Order"
SCRIPT = '<script>alert("x")</script></script><img src=x onerror=alert(1)>'


def data_url(content: bytes) -> str:
	return "data:image/png;base64," + base64.b64encode(content).decode()


def cid() -> str:
	return str(uuid.uuid4())


def posted(client, method: str, data: dict, files=None):
	"""POST as `client` from a worker thread (HttpClient.post touches the test's own connection; this does not)."""
	return client.session.post(
		f"{client.url}/api/method/{API}{method}",
		data=data,
		files=files,
		headers={"X-Frappe-CSRF-Token": client.csrf_token},
		timeout=60,
	)


class TestFieldAttacks(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_counters()
		cls.estate, cls.unit, cls.resident = make_place()
		frappe.db.set_value("Property Building", cls.unit.building, "building_name", "楼" + SCRIPT)
		cls.category = make_category("Never")
		cls.tech = make_user(["Property Technician"], [cls.estate.name])
		cls.tech2 = make_user(["Property Technician"], [cls.estate.name])
		cls.dispatcher = make_user(["Property Customer Service"], [cls.estate.name])
		cls.orders = {
			key: cls.dispatched(cls.tech, started=key != "early", subject=f"攻击 {key}")
			for key in ("moved", "done", "early", "sig", "photos", "code", "race", "mine")
		}
		cls.orders["xss"] = cls.dispatched(
			cls.tech, subject="漏水" + SCRIPT, description="<p>厨房</p>" + SCRIPT
		)
		cls.orders["theirs"] = cls.dispatched(cls.tech2, subject="别人的")
		# the job taken away mid-work: started by tech, then given to tech2 from the board
		frappe.set_user(cls.dispatcher)
		reassign(cls.orders["moved"].name, cls.tech2, "病假")
		frappe.set_user("Administrator")
		# a completed job the resident has signed
		frappe.db.set_value(
			ORDER,
			cls.orders["done"].name,
			{"status": "Completed", "resident_signature": data_url(encoded("PNG", (40, 20))),
				"confirmation_method": "Signature", "confirmed_on": frappe.utils.now_datetime(),
				"confirmed_by_name": "住户本人"},
		)  # fmt: skip
		frappe.db.commit()
		cls.client = HttpClient(cls.tech)
		cls.client.get("/field")  # the page hands out the CSRF token the phone sends

	@classmethod
	def dispatched(cls, user: str, started: bool = True, **kwargs):
		order = make_order(cls.unit, cls.category, cls.resident, **kwargs)
		act(order, "Accept")
		assign_to({"assign_to": [user], "doctype": ORDER, "name": order.name, "description": order.subject})
		act(order, "Dispatch")
		if started:
			act(order, "Start", user)
		return frappe.get_doc(ORDER, order.name)

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in frappe.get_all(ORDER, filters={"unit": cls.unit.name}, pluck="name"):
			frappe.delete_doc(ORDER, name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		reset_counters()
		frappe.db.rollback()

	# ------------------------------------------------------------------ helpers
	def name(self, key: str) -> str:
		return self.orders[key].name

	def order(self, key: str):
		frappe.db.rollback()
		return frappe.get_doc(ORDER, self.name(key))

	def modified(self, key: str) -> str:
		frappe.db.rollback()
		return str(frappe.db.get_value(ORDER, self.name(key), "modified"))

	def versions(self, key: str) -> int:
		frappe.db.rollback()
		return frappe.db.count("Version", {"ref_doctype": ORDER, "docname": self.name(key)})

	def photos(self, key: str) -> int:
		frappe.db.rollback()
		return frappe.db.count("File", {"attached_to_doctype": ORDER, "attached_to_name": self.name(key)})

	def upload(self, key: str, content: bytes, client=None, client_id=None):
		client = client or self.client
		data = {"name": self.name(key)} | ({"client_id": client_id} if client_id else {})
		return client.post(
			f"/api/method/{API}upload_photo", data=data, files={"file": ("p.jpg", content, "image/jpeg")}
		)

	def sign(self, key: str, signature: str, client=None, **params):
		return (client or self.client).call(API + "sign", name=self.name(key), signature=signature, **params)

	# ------------------------------------------------------------------ the job taken away
	def test_a_job_reassigned_mid_work_takes_nothing_from_the_old_phone(self):
		key, versions = "moved", self.versions("moved")
		calls = {
			"queued action": lambda: self.client.call(
				API + "act",
				name=self.name(key),
				modified=self.modified(key),
				action="Wait for Parts",
				completion_notes="离线写的",
				client_id=cid(),
			),
			"queued photo": lambda: self.upload(key, encoded("JPEG", (64, 48)), client_id=cid()),
			"queued signature": lambda: self.sign(key, data_url(encoded("PNG", (40, 20)))),
			"code": lambda: self.client.call(API + "send_confirmation_code", name=self.name(key)),
			"history": lambda: self.client.call(API + "unit_history", name=self.name(key)),
			"page": lambda: self.client.get(f"/field/jobs/{self.name(key)}"),
		}
		for label, call in calls.items():
			with self.subTest(label):
				self.assertEqual(call().status_code, 404)
		order = self.order(key)
		self.assertEqual(
			(order.status, order.completion_notes, order.confirmed_on), ("In Progress", None, None)
		)
		self.assertEqual((self.photos(key), self.versions(key)), (0, versions))

	# ------------------------------------------------------------------ the resident's confirmation
	def test_a_confirmation_given_is_not_replaced(self):
		before = self.order("done")
		for label, call in {
			"signed again": lambda: self.sign("done", data_url(encoded("PNG", (41, 20))), signer_name="冒名"),
			"code sent": lambda: self.client.call(API + "send_confirmation_code", name=self.name("done")),
			"code typed": lambda: self.client.call(
				API + "confirm_code", name=self.name("done"), code="123456"
			),
			"photo": lambda: self.upload("done", encoded("JPEG", (64, 48))),
		}.items():
			with self.subTest(label):
				response = call()
				self.assertEqual(response.status_code, 417, response.text[:300])
		after = self.order("done")
		self.assertEqual(
			(after.resident_signature, after.confirmed_by_name, after.modified),
			(before.resident_signature, "住户本人", before.modified),
		)
		self.assertEqual(self.photos("done"), 0)

	def test_no_confirmation_before_the_work_started(self):
		signed = self.sign("early", data_url(encoded("PNG", (40, 20))))
		self.assertEqual(signed.status_code, 417, signed.text[:300])
		order = self.order("early")
		self.assertEqual(
			(order.status, order.confirmation_method or None, order.resident_signature),
			("Dispatched", None, None),
		)

	def test_a_signature_must_be_a_real_png_of_a_sane_size(self):
		for label, content in {
			"a bomb: 100000 × 100000 declared": png_declaring(100_000, 100_000),
			"PNG's magic before HTML": b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>",
			"a truncated PNG": encoded("PNG", (40, 20))[:40],
		}.items():
			with self.subTest(label):
				response = self.sign("sig", data_url(content))
				self.assertEqual(response.status_code, 417, response.text[:300])
				self.assertIn("PNG", response.json()["exception"])
		self.assertIsNone(self.order("sig").confirmed_on)
		# a name full of markup is no 500 (Frappe escapes it, it no longer fits) and is kept without it
		signed = self.sign("sig", data_url(encoded("PNG", (300, 120))), signer_name=SCRIPT * 10)
		self.assertEqual(signed.status_code, 200, signed.text[:300])
		order = self.order("sig")
		self.assertEqual(order.confirmation_method, "Signature")
		self.assertNotIn("<", order.confirmed_by_name)
		self.assertNotIn("&lt;", order.confirmed_by_name)

	def test_one_time_code_guessed_in_parallel_and_sms_flood(self):
		name = self.name("code")
		with sms_gateway() as received:
			self.assertEqual(self.client.call(API + "send_confirmation_code", name=name).status_code, 200)
			# the same resident again within a minute: refused, no second SMS
			again = self.client.call(API + "send_confirmation_code", name=name)
			self.assertEqual(again.status_code, 417, again.text[:300])
			self.assertEqual(len(received), 1)
			code = re.search(r"\b\d{6}\b", received[-1]["text"]).group(0)
			wrong = [f"{n:06d}" for n in range(20) if f"{n:06d}" != code][:12]
			phones = [HttpClient(self.tech) for _ in range(3)]
			for phone in phones:
				phone.get("/field")

			def guess(index: int):
				phone = phones[index % len(phones)]
				return posted(phone, "confirm_code", {"name": name, "code": wrong[index]})

			with ThreadPoolExecutor(6) as pool:
				answers = list(pool.map(guess, range(len(wrong))))
			self.assertEqual({a.status_code for a in answers}, {417})
			judged = [a for a in answers if "tries left" in a.text]
			self.assertLessEqual(len(judged), 4)  # five tries: the fifth wrong one says "too many"
			# the right code after the five tries: locked
			locked = self.client.call(API + "confirm_code", name=name, code=code)
			self.assertEqual(locked.status_code, 417, locked.text[:300])
			self.assertIsNone(self.order("code").confirmed_on)
			# a used-up code may be replaced at once
			self.assertEqual(self.client.call(API + "send_confirmation_code", name=name).status_code, 200)
			self.assertEqual(len(received), 2)

	# ------------------------------------------------------------------ races
	def test_parallel_uploads_keep_the_twelve_photo_limit(self):
		phones = [HttpClient(self.tech) for _ in range(3)]
		for phone in phones:
			phone.get("/field")

		name, pictures = self.name("photos"), [encoded("JPEG", (40 + n, 30)) for n in range(18)]

		def send(index: int):
			files = {"file": ("p.jpg", pictures[index], "image/jpeg")}
			return posted(phones[index % 3], "upload_photo", {"name": name}, files).status_code

		with ThreadPoolExecutor(8) as pool:
			answers = list(pool.map(send, range(18)))
		self.assertEqual(answers.count(200), 12, answers)
		self.assertEqual(set(answers), {200, 417})
		self.assertEqual(self.photos("photos"), 12)

	def test_parallel_changes_on_one_version_save_one(self):
		name, modified = self.name("race"), self.modified("race")
		phones = [HttpClient(self.tech) for _ in range(3)]
		for phone in phones:
			phone.get("/field")

		def change(index: int):
			data = {"name": name, "modified": modified, "completion_notes": f"第{index}次"}
			return posted(phones[index % 3], "act", data)

		with ThreadPoolExecutor(5) as pool:
			answers = list(pool.map(change, range(5)))
		codes = [a.status_code for a in answers]
		self.assertEqual(codes.count(200), 1, codes)
		# the losers were told of the conflict (409, or Frappe's own timestamp check, which the phone's outbox
		# shows as a conflict too), never a 500
		for answer in answers:
			if answer.status_code != 200:
				self.assertTrue(
					answer.status_code == 409 or answer.json().get("exc_type") == "TimestampMismatchError",
					answer.text[:300],
				)
		winner = codes.index(200)
		self.assertEqual(self.order("race").completion_notes, f"第{winner}次")

	# ------------------------------------------------------------------ replays and forged requests
	def test_a_client_id_is_only_its_own_users_and_orders(self):
		key = cid()
		mine = self.client.call(
			API + "act",
			name=self.name("mine"),
			modified=self.modified("mine"),
			completion_notes="我的",
			client_id=key,
		)
		self.assertEqual(mine.status_code, 200, mine.text[:300])
		other = HttpClient(self.tech2)
		theirs = other.call(
			API + "act", name=self.name("theirs"), modified=self.modified("theirs"), completion_notes="他的",
			client_id=key,
		)  # fmt: skip
		self.assertEqual(theirs.status_code, 200, theirs.text[:300])
		self.assertNotEqual(theirs.json()["message"]["modified"], mine.json()["message"]["modified"])
		self.assertEqual(self.order("theirs").completion_notes, "他的")
		# his id replayed on my order answers nothing of his: my order is not his to change
		replay = other.call(
			API + "act", name=self.name("mine"), modified=self.modified("mine"), client_id=key
		)
		self.assertEqual(replay.status_code, 404, replay.text[:300])
		self.assertEqual(self.order("mine").completion_notes, "我的")

	def test_forged_and_malformed_requests_write_nothing(self):
		name, versions = self.name("mine"), self.versions("mine")
		no_token = self.client.session.post(
			f"{self.client.url}/api/method/{API}act",
			data={"name": name, "modified": self.modified("mine"), "completion_notes": "CSRF"},
			timeout=60,
		)
		self.assertEqual(no_token.status_code, 400, no_token.text[:300])
		self.assertEqual(self.client.get(f"/api/method/{API}act", params={"name": name}).status_code, 403)
		for label, params in {
			"materials NaN": {"materials": '[{"item": "X", "qty": NaN}]'},
			"materials Infinity": {"materials": '[{"item": "X", "qty": Infinity}]'},
			"materials 1e308": {"materials": '[{"item": "X", "qty": 1e308}]'},
			"materials nested": {"materials": '[[{"item": "X", "qty": 1}]]'},
			"materials deep": {"materials": "[" * 50_000 + "]" * 50_000},
			"materials 5000 rows": {
				"materials": json.dumps([{"item": f"I{n}", "qty": 1} for n in range(5000)])
			},
			"hours nan": {"labour_hours": "nan"},
			"hours inf": {"labour_hours": "inf"},
			"hours 1e309": {"labour_hours": "1e309"},
			"modified missing": {"modified": "", "completion_notes": "x"},
			"notes too long": {"completion_notes": "长" * 5001},
			"client id path": {"client_id": "../../etc", "completion_notes": "x"},
		}.items():
			with self.subTest(label):
				params = {"modified": self.modified("mine")} | params
				response = self.client.call(API + "act", name=name, **params)
				self.assertEqual(response.status_code, 417, response.text[:300])
		garbage = self.client.call(API + "act", name=name, modified="garbage", completion_notes="x")
		self.assertEqual(garbage.status_code, 409, garbage.text[:300])
		self.assertEqual(self.versions("mine"), versions)

	# ------------------------------------------------------------------ pages
	def test_script_in_the_data_stays_text_on_every_page(self):
		self.client.call(
			API + "act", name=self.name("xss"), modified=self.modified("xss"), completion_notes=SCRIPT
		)
		pages = {
			"my jobs": self.client.get("/field"),
			"the job": self.client.get(f"/field/jobs/{self.name('xss')}"),
			"the board": HttpClient(self.dispatcher).get("/field/board"),
		}
		for label, response in pages.items():
			with self.subTest(label):
				self.assertEqual(response.status_code, 200, response.text[:300])
				self.assertNotIn('<script>alert("x")', response.text)
				self.assertNotIn("<img src=x", response.text)
				# every inline script carries the nonce (a script smuggled in would not run)
				nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
				for tag in re.findall(r"<script[^>]*>", response.text):
					self.assertIn(f'nonce="{nonce}"', tag)

	def test_routes_and_the_language_switch_send_nowhere_else(self):
		for path, status in {
			"/field/icon-0.png": 404,
			"/field/icon-99999999.png": 404,
			"/field/icon-" + "9" * 300 + ".png": 404,
			"/field/jobs/..%2F..%2Fapp": 404,
			"/fieldx": 404,
			"/field?tab=<script>": 200,
		}.items():
			with self.subTest(path):
				response = self.client.get(path)
				self.assertEqual(response.status_code, status, response.text[:200])
				self.assertNotIn('<script>"', response.text)
		desk = HttpClient(self.dispatcher)  # his language, not the technician's, is switched
		for target in ("/field//evil.example", "/field\\evil.example", "/fieldx", "https://evil.example/field",
			"/field%0d%0aSet-Cookie:x=1"):  # fmt: skip
			with self.subTest(target):
				response = desk.call(
					"property_crm.portal.api.set_language", language="en", redirect_to=target
				)
				self.assertEqual(response.headers.get("Location"), "/property")
		# the worker and the manifest are the same for everybody: nothing personal in them
		guest, mine = HttpClient(), self.client
		for path in ("/field/sw.js", "/field/manifest.webmanifest"):
			with self.subTest(path):
				self.assertEqual(guest.get(path).text.replace('"lang": "en"', '"lang": "zh"'),
					mine.get(path).text.replace('"lang": "en"', '"lang": "zh"'))  # fmt: skip
				self.assertNotIn(self.tech, mine.get(path).text)
