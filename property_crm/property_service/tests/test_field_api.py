"""The field app's writes (`property_service.field.api`) over real HTTP, as the phone sends them: a technician
does a job from Start to the resident's signature and Complete; a stale version is a 409 that writes nothing;
a replayed queued change is answered once; and every other caller — another technician, a technician of
another estate, a resident, a guest, an accountant — is turned away at every endpoint."""

import base64
import json
import re
import threading
import time
import uuid
from http.server import HTTPServer

import frappe
from frappe.desk.form.assign_to import add as assign_to
from frappe.tests.utils import FrappeTestCase

from property_crm.property_service.field import api
from property_crm.protected_fields import plain_value_of
from property_crm.rate_limits import reset_counters
from property_crm.sms import sync_sms_notifications
from property_crm.tests.factories import (
	act,
	make_category,
	make_estate,
	make_order,
	make_outgoing_email_account,
	make_place,
	make_user,
	portal_login,
	without_committed_outgoing_account,
)
from property_crm.tests.pictures import encoded
from property_crm.tests.served import HttpClient
from property_crm.tests.sms_gateway import sms_gateway

API = "property_crm.property_service.field.api."
ORDER = "Service Order"
PIPE, TAP = "PCRM-FIELD-PIPE", "PCRM-FIELD-TAP"


def png_data_url(content: bytes | None = None) -> str:
	return "data:image/png;base64," + base64.b64encode(content or encoded("PNG", (300, 120))).decode()


def jpeg(size=(640, 480)) -> bytes:
	return encoded("JPEG", size)


def cid() -> str:
	return str(uuid.uuid4())


class TestFieldApi(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		reset_counters()
		for code, rate in ((PIPE, 35), (TAP, 120)):
			if not frappe.db.exists("Item", code):
				frappe.get_doc(
					{"doctype": "Item", "item_code": code, "item_name": code, "item_group": "All Item Groups",
					"stock_uom": "Nos", "is_stock_item": 0, "is_sales_item": 1, "standard_rate": rate}
				).insert()  # fmt: skip
		cls.estate, cls.unit, cls.resident = make_place()
		cls.resident_user = portal_login(cls.resident)
		cls.category = make_category("Never", chargeable=1)
		cls.tech = make_user(["Property Technician"], [cls.estate.name])
		cls.other_tech = make_user(["Property Technician"])
		cls.far_tech = make_user(["Property Technician"], [make_estate().name])  # another estate's
		cls.dispatcher = make_user(["Property Customer Service"], [cls.estate.name])
		cls.accountant = make_user(["Property Accountant"])
		cls.orders = {
			key: cls.dispatched(subject=f"现场 {key}")
			for key in ("job", "notes", "conflict", "replay", "attack", "bad", "photos", "code", "dispatcher")
		}
		# the estate-restricted technician is assigned too: his estate restriction still keeps him out
		assign_to({"assign_to": [cls.far_tech], "doctype": ORDER, "name": cls.orders["attack"].name})
		frappe.db.commit()
		cls.client = HttpClient(cls.tech)

	@classmethod
	def dispatched(cls, **kwargs):
		order = make_order(cls.unit, cls.category, cls.resident, **kwargs)
		act(order, "Accept")
		assign_to(
			{"assign_to": [cls.tech], "doctype": ORDER, "name": order.name, "description": order.subject}
		)
		return act(order, "Dispatch")

	def setUp(self):
		reset_counters()
		frappe.db.rollback()

	# ------------------------------------------------------------------ helpers
	def modified(self, key: str) -> str:
		frappe.db.rollback()
		return str(frappe.db.get_value(ORDER, self.orders[key].name, "modified"))

	def order(self, key: str):
		frappe.db.rollback()
		return frappe.get_doc(ORDER, self.orders[key].name)

	def act(self, key: str, client=None, **params):
		params.setdefault("modified", self.modified(key))
		return (client or self.client).call(API + "act", name=self.orders[key].name, **params)

	def upload(self, key: str, content: bytes, client=None, filename="photo.jpg", client_id=None):
		data = {"name": self.orders[key].name} | ({"client_id": client_id} if client_id else {})
		return (client or self.client).post(
			f"/api/method/{API}upload_photo",
			data=data,
			files={"file": (filename, content, "image/jpeg")},
		)

	def photos(self, key: str) -> list:
		frappe.db.rollback()
		return frappe.get_all(
			"File",
			filters={"attached_to_doctype": ORDER, "attached_to_name": self.orders[key].name},
			fields=["name", "is_private", "file_url", "attached_to_field"],
		)

	def versions(self, key: str) -> int:
		frappe.db.rollback()
		return frappe.db.count("Version", {"ref_doctype": ORDER, "docname": self.orders[key].name})

	def start(self, key: str) -> dict:
		response = self.act(key, action="Start")
		self.assertEqual(response.status_code, 200, response.text[:500])
		return response.json()["message"]

	# ------------------------------------------------------------------ the job, end to end
	def test_technician_completes_a_job_with_photos_materials_and_signature(self):
		answer = self.start("job")
		self.assertEqual(answer["status"], "In Progress")
		self.assertIn("Complete", answer["actions"])
		self.assertNotIn("Start", answer["actions"])
		saved = self.act(
			"job",
			modified=answer["modified"],
			completion_notes="更换了角阀和软管",
			labour_hours="1.5",
			materials=json.dumps(
				[{"item": PIPE, "qty": 2}, {"item": TAP, "qty": 1}, {"item": PIPE, "qty": 1}]
			),
		)
		self.assertEqual(saved.status_code, 200, saved.text[:500])
		signed = self.client.call(
			API + "sign",
			name=self.orders["job"].name,
			signature=png_data_url(),
			signer_name="王 芳",
			modified=saved.json()["message"]["modified"],
		)
		self.assertEqual(signed.status_code, 200, signed.text[:500])
		modified = signed.json()["message"]["modified"]
		# the phone's completion: two photos and the action, timed after a warm-up request
		self.client.call(API + "unit_history", name=self.orders["job"].name)
		pictures = [jpeg((1280, 960)), jpeg((960, 1280))]
		started = time.monotonic()
		for picture in pictures:
			uploaded = self.upload("job", picture)
			self.assertEqual(uploaded.status_code, 200, uploaded.text[:500])
		done = self.act("job", modified=modified, action="Complete")
		elapsed = time.monotonic() - started
		self.assertEqual(done.status_code, 200, done.text[:500])
		self.assertLess(elapsed, 2.0)
		self.assertEqual(done.json()["message"]["status"], "Completed")
		self.assertEqual(done.json()["message"]["actions"], [])
		order = self.order("job")
		self.assertEqual(order.status, "Completed")
		self.assertEqual(order.completion_notes, "更换了角阀和软管")
		self.assertEqual(order.labour_hours, 1.5)
		self.assertEqual(
			[(r.item, r.qty, r.rate, r.chargeable) for r in order.materials],
			[(PIPE, 3, 35, 1), (TAP, 1, 120, 1)],
		)
		self.assertEqual(order.chargeable_amount, 3 * 35 + 120)
		self.assertTrue(order.resident_signature.startswith("data:image/png;base64,"))
		self.assertEqual((order.confirmation_method, order.confirmed_by_name), ("Signature", "王 芳"))
		self.assertIsNotNone(order.confirmed_on)
		files = self.photos("job")
		self.assertEqual(len(files), 2)
		self.assertTrue(all(f.is_private and f.attached_to_field == "completion_photo" for f in files))
		self.assertIn(order.completion_photo, {f.file_url for f in files})
		self.assertTrue(order.completion_photo.startswith("/private/files/"))
		# done is done: nothing more is added to a completed order from the phone
		self.assertEqual(self.upload("job", jpeg()).status_code, 417)
		self.assertEqual(self.act("job", completion_notes="改一下").status_code, 417)

	def test_complete_needs_notes_and_a_photo(self):
		answer = self.start("notes")
		no_notes = self.act("notes", modified=answer["modified"], action="Complete")
		self.assertEqual(no_notes.status_code, 417, no_notes.text[:300])
		no_photo = self.act("notes", action="Complete", completion_notes="修好了")
		self.assertEqual(no_photo.status_code, 417, no_photo.text[:300])
		self.assertIn("Completion photo", no_photo.text)
		order = self.order("notes")
		self.assertEqual((order.status, order.completion_notes), ("In Progress", None))  # nothing written
		# with a photo, the notes and the action in one call: saved, then the workflow's condition holds
		self.assertEqual(self.upload("notes", jpeg()).status_code, 200)
		done = self.act("notes", action="Complete", completion_notes="修好了", labour_hours=1)
		self.assertEqual(done.status_code, 200, done.text[:300])
		order = self.order("notes")
		self.assertEqual(
			(order.status, order.completion_notes, order.labour_hours), ("Completed", "修好了", 1)
		)

	# ------------------------------------------------------------------ conflicts and replays
	def test_a_stale_version_is_a_409_and_writes_nothing(self):
		answer = self.start("conflict")
		# meanwhile customer service put the job on hold from the desk
		desk = HttpClient(self.dispatcher)
		self.assertEqual(self.act("conflict", client=desk, action="Hold").status_code, 200)
		versions = self.versions("conflict")
		stale = self.act(
			"conflict",
			modified=answer["modified"],
			completion_notes="离线时写的",
			materials=json.dumps([{"item": PIPE, "qty": 1}]),
			action="Wait for Parts",
		)
		self.assertEqual(stale.status_code, 409, stale.text[:500])
		conflict = stale.json()["conflict"]
		self.assertEqual(conflict["status"], "On Hold")
		self.assertEqual(conflict["modified"], self.modified("conflict"))
		self.assertEqual(conflict["modified_by"], frappe.utils.get_fullname(self.dispatcher))
		self.assertIn(conflict["modified_by"], conflict["what"])
		order = self.order("conflict")
		self.assertEqual((order.status, order.completion_notes, len(order.materials)), ("On Hold", None, 0))
		self.assertEqual(self.versions("conflict"), versions)
		# no version at all is a 417, not a silent overwrite
		missing = self.client.call(API + "act", name=self.orders["conflict"].name, completion_notes="x")
		self.assertEqual(missing.status_code, 417, missing.text[:300])
		# with the current version the technician goes on
		self.assertEqual(self.act("conflict", action="Resume").status_code, 200)

	def test_a_replayed_change_is_answered_once(self):
		change = cid()
		modified = self.modified("replay")
		first = self.act("replay", modified=modified, action="Start", client_id=change)
		self.assertEqual(first.status_code, 200, first.text[:300])
		versions = self.versions("replay")
		again = self.act("replay", modified=modified, action="Start", client_id=change)
		self.assertEqual(again.status_code, 200, again.text[:300])
		self.assertEqual(again.json()["message"], first.json()["message"])
		self.assertEqual(self.versions("replay"), versions)
		self.assertEqual(self.order("replay").status, "In Progress")
		# a photo sent twice (the answer was lost) is one file
		photo_id = cid()
		one = self.upload("replay", jpeg(), client_id=photo_id)
		two = self.upload("replay", jpeg(), client_id=photo_id)
		self.assertEqual((one.status_code, two.status_code), (200, 200), two.text[:300])
		self.assertEqual(one.json()["message"], two.json()["message"])
		self.assertEqual(len(self.photos("replay")), 1)
		# another technician replaying the same id gets nothing of it
		other = self.act("replay", client=HttpClient(self.other_tech), modified=modified, client_id=change)
		self.assertIn(other.status_code, (403, 404))
		# a malformed id is refused
		self.assertEqual(self.act("replay", client_id="../x").status_code, 417)
		# the same change still being saved by an earlier request (a retry on a slow line): a 409, no write
		pending = cid()
		key = f"{api.REPLAY_KEY}{self.tech}:act:{self.orders['replay'].name}:{pending}"
		frappe.cache.set(frappe.cache.make_key(key + api.BUSY), 1, ex=60)
		versions = self.versions("replay")
		busy = self.act("replay", action="Hold", client_id=pending)
		self.assertEqual(busy.status_code, 409, busy.text[:300])
		self.assertEqual((self.order("replay").status, self.versions("replay")), ("In Progress", versions))

	# ------------------------------------------------------------------ who may not
	def test_everyone_else_is_turned_away_at_every_endpoint(self):
		name = self.orders["attack"].name
		calls = {
			"act": {"name": name, "modified": self.modified("attack"), "action": "Start"},
			"sign": {"name": name, "signature": png_data_url()},
			"send_confirmation_code": {"name": name},
			"confirm_code": {"name": name, "code": "123456"},
			"unit_history": {"name": name},
		}
		callers = {
			"another technician": (HttpClient(self.other_tech), (403, 404)),
			"a technician of another estate": (HttpClient(self.far_tech), (403, 404)),
			"a resident": (HttpClient(self.resident_user), (403,)),
			"a guest": (HttpClient(), (403,)),
			"an accountant": (HttpClient(self.accountant), (403,)),
		}
		versions = self.versions("attack")
		for who, (client, refused) in callers.items():
			for method, params in calls.items():
				with self.subTest(who=who, method=method):
					response = client.call(API + method, **params)
					if who == "a technician of another estate" and method == "unit_history":
						# assigned, the order is shared with him (Frappe's assign_to): he reads what REST lets
						# him read, and writes nothing
						rest = client.get(f"/api/resource/Service Order/{name}")
						self.assertEqual(
							response.status_code == 200, rest.status_code == 200, response.text[:300]
						)
						continue
					self.assertIn(response.status_code, refused, response.text[:300])
			with self.subTest(who=who, method="upload_photo"):
				self.assertIn(self.upload("attack", jpeg(), client=client).status_code, refused)
		order = self.order("attack")
		self.assertEqual((order.status, order.resident_signature), ("Dispatched", None))
		self.assertEqual(self.photos("attack"), [])
		self.assertEqual(self.versions("attack"), versions)
		for client in (HttpClient(self.resident_user), HttpClient()):
			self.assertEqual(client.call(API + "search_items", txt="PCRM").status_code, 403)
		# an unknown order is not found
		self.assertEqual(self.client.call(API + "unit_history", name="SO-NONE-1").status_code, 404)

	def test_the_workflow_decides_what_the_phone_may_do(self):
		# the technician may not close or cancel, nor use the field app for desk actions
		for action in ("Close", "Cancel", "Dispatch"):
			with self.subTest(action=action):
				response = self.act("dispatcher", action=action)
				self.assertEqual(response.status_code, 417, response.text[:300])
		# customer service act as dispatchers on an order they may write: the workflow allows them Start
		desk = HttpClient(self.dispatcher)
		started = self.act("dispatcher", client=desk, action="Start")
		self.assertEqual(started.status_code, 200, started.text[:300])
		self.assertEqual(self.order("dispatcher").status, "In Progress")
		self.assertEqual(self.act("dispatcher", action="Bogus").status_code, 417)

	def test_confirmation_fields_are_set_only_by_the_field_app(self):
		name = self.orders["attack"].name
		forged = {
			"resident_signature": png_data_url(),
			"confirmation_method": "Signature",
			"confirmed_on": "2026-12-01 10:00:00",
			"confirmed_by_name": "冒名",
		}
		for user in (self.tech, self.dispatcher):
			client = HttpClient(user)
			for field, value in forged.items():
				with self.subTest(user=user, field=field):
					put = client.request("PUT", f"/api/resource/Service Order/{name}", json={field: value})
					self.assertEqual(put.status_code, 403, put.text[:300])
					set_value = client.call(
						"frappe.client.set_value", doctype=ORDER, name=name, fieldname=field, value=value
					)
					self.assertEqual(set_value.status_code, 403, set_value.text[:300])
		order = self.order("attack")
		self.assertEqual([order.get(f) or None for f in forged], [None, None, None, None])

	# ------------------------------------------------------------------ bad input
	def test_bad_signatures_photos_and_materials_are_refused(self):
		name = self.orders["bad"].name
		self.start("bad")  # the resident confirms work that has started
		svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
		for label, signature in {
			"a JPEG": "data:image/png;base64," + base64.b64encode(jpeg()).decode(),
			"an SVG": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
			"an SVG called PNG": "data:image/png;base64," + base64.b64encode(svg).decode(),
			"too big": png_data_url(encoded("PNG", (2000, 2000), mode="RGB", compress_level=0)),
			"nothing": "",
		}.items():
			with self.subTest(signature=label):
				response = self.client.call(API + "sign", name=name, signature=signature)
				self.assertEqual(response.status_code, 417, response.text[:300])
		for label, content in {
			"HTML": b"<html><script>alert(document.cookie)</script></html>",
			"SVG": svg,
			"GIF": encoded("GIF"),
			"over 3 MB": jpeg() + b"\0" * (3 * 1024 * 1024),
		}.items():
			with self.subTest(upload=label):
				response = self.upload("bad", content, filename="photo.jpg")
				self.assertEqual(response.status_code, 417, response.text[:300])
		for label, materials in {
			"negative": [{"item": PIPE, "qty": -1}],
			"zero": [{"item": TAP, "qty": 0}],
			"unknown item": [{"item": "NO-SUCH-ITEM", "qty": 1}],
			"too many": [{"item": PIPE, "qty": 1000}],
			"not a list": {"item": PIPE},
			"not JSON": "[{",
		}.items():
			with self.subTest(materials=label):
				payload = materials if isinstance(materials, str) else json.dumps(materials)
				response = self.act("bad", materials=payload, labour_hours=2)
				self.assertEqual(response.status_code, 417, response.text[:300])
		self.assertEqual(self.act("bad", labour_hours=-3).status_code, 417)
		order = self.order("bad")
		self.assertEqual(
			(order.resident_signature, len(order.materials), order.labour_hours or 0), (None, 0, 0)
		)
		self.assertEqual(self.photos("bad"), [])

	def test_at_most_twelve_photos(self):
		self.start("photos")
		small = jpeg((64, 48))
		for _ in range(12):
			self.assertEqual(self.upload("photos", small).status_code, 200)
		thirteenth = self.upload("photos", small)
		self.assertEqual(thirteenth.status_code, 417, thirteenth.text[:300])
		self.assertEqual(len(self.photos("photos")), 12)

	# ------------------------------------------------------------------ one-time code
	def test_one_time_code_by_sms(self):
		name = self.orders["code"].name
		self.start("code")  # the resident confirms work that has started
		with sms_gateway() as received:
			sent = self.client.call(API + "send_confirmation_code", name=name)
			self.assertEqual(sent.status_code, 200, sent.text[:300])
			mobile = plain_value_of("Property Owner", self.resident.name, "mobile")
			self.assertEqual([m["to"] for m in received], [mobile])
			self.assertNotEqual(sent.json()["message"]["sent_to"], mobile)
			self.assertEqual(sent.json()["message"]["sent_to"][-4:], mobile[-4:])
			code = re.search(r"\b\d{6}\b", received[-1]["text"]).group(0)
			wrong = "000000" if code != "000000" else "111111"
			for _ in range(5):
				refused = self.client.call(API + "confirm_code", name=name, code=wrong)
				self.assertEqual(refused.status_code, 417, refused.text[:300])
			locked = self.client.call(API + "confirm_code", name=name, code=code)
			self.assertEqual(locked.status_code, 417, locked.text[:300])
			self.assertFalse(self.order("code").confirmation_method)
			# a new code, typed right
			self.assertEqual(self.client.call(API + "send_confirmation_code", name=name).status_code, 200)
			code = re.search(r"\b\d{6}\b", received[-1]["text"]).group(0)
			confirmed = self.client.call(API + "confirm_code", name=name, code=code, client_id=cid())
			self.assertEqual(confirmed.status_code, 200, confirmed.text[:300])
			order = self.order("code")
			self.assertEqual(order.confirmation_method, "One-time Code")
			self.assertEqual(order.confirmed_by_name, order.requester_name)
			self.assertEqual(self.client.call(API + "confirm_code", name=name, code=code).status_code, 417)

	# ------------------------------------------------------------------ reading
	def test_item_search_and_unit_history(self):
		found = self.client.call(API + "search_items", txt="PCRM-FIELD")
		self.assertEqual(found.status_code, 200, found.text[:300])
		rows = {row["item"]: row for row in found.json()["message"]}
		self.assertEqual(set(rows), {PIPE, TAP})
		self.assertEqual((rows[PIPE]["rate"], rows[PIPE]["uom"]), (35, "Nos"))
		self.assertEqual(set(rows[PIPE]), {"item", "item_name", "uom", "rate"})
		self.assertLessEqual(len(self.client.call(API + "search_items").json()["message"]), 20)
		history = self.client.call(API + "unit_history", name=self.orders["job"].name)
		self.assertEqual(history.status_code, 200, history.text[:300])
		rows = history.json()["message"]
		self.assertTrue(0 < len(rows) <= 5)
		self.assertTrue(all(set(row) == {"date", "category", "status", "subject"} for row in rows))
		self.assertNotIn(self.orders["job"].name, history.text)
		self.assertNotIn(self.resident.full_name, history.text)

	# ------------------------------------------------------------------ personal data
	def test_a_deletion_request_removes_the_signature(self):
		frappe.set_user("Administrator")
		make_outgoing_email_account()  # the request e-mails the resident; removed again below
		self.addCleanup(without_committed_outgoing_account)
		_estate, unit, resident = make_place()
		user = portal_login(resident)
		order = make_order(unit, self.category, resident)
		frappe.db.set_value(
			ORDER,
			order.name,
			{"resident_signature": png_data_url(), "confirmation_method": "Signature",
				"confirmed_by_name": resident.full_name},
		)  # fmt: skip
		request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": user})
		request.insert(ignore_permissions=True)
		request.db_set("status", "Pending Approval")
		request.reload()
		request.trigger_data_deletion()
		signature, name = frappe.db.get_value(ORDER, order.name, ["resident_signature", "confirmed_by_name"])
		self.assertFalse(signature)
		self.assertEqual(name, "[REDACTED]")
		frappe.db.rollback()
