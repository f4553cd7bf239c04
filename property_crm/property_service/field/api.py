"""The field staff's writes from the phone (`/field`), all POST, all checked on the server.

Who: the order must be one the caller may write — a technician only the orders assigned to him (need-to-know,
`permissions.order_has_permission`), staff within their estates; an order the caller may not even read is
"not found" (404, as REST). What: the workflow decides every move (`frappe.model.workflow.apply_workflow`: its
roles and conditions), the phone offers only the field moves (`jobs.FIELD_ACTIONS`).

The phone works offline and sends its queued changes later:
- `modified`: the version the change was based on. Another version now → HTTP 409 with
  `{"conflict": {status, modified, modified_by, what}}` and nothing written (Frappe's own `modified` check,
  answered before anything is touched).
- `client_id`: the phone's id of one queued change. A replay (the answer was lost on a bad line) gets the first
  answer again and writes nothing; remembered a day, per user, once the first write has been committed.
"""

import hashlib
import json
import secrets

import requests

import frappe
from frappe import _
from frappe.model.workflow import apply_workflow
from frappe.utils import flt, format_datetime, get_fullname, now_datetime

from property_crm import images, uploads
from property_crm.access_fields import allow
from property_crm.errors import Conflict
from property_crm.masks import is_masked, mask_mobile
from property_crm.mobile_numbers import full_numbers
from property_crm.property_service.field.jobs import CONFIRMABLE, FIELD_ACTIONS, allowed_actions
from property_crm.property_service.rules import field as rules
from property_crm.rate_limits import DAY, limited
from property_crm.validation import apply_rule, json_argument

ORDER = "Service Order"
WORKERS = ("Property Technician", "Property Manager", "Property Customer Service", "System Manager")
PHOTO_FIELD = "completion_photo"
MAX_PHOTOS = 12
PHOTO_MAX_BYTES = 3 * 1024 * 1024
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
REPLAY_KEY = "property_crm:field_replay:"
CODE_KEY = "property_crm:field_code:"
BUSY = ":busy"
CONFIRMATION_FIELDS = ("resident_signature", "confirmation_method", "confirmed_on", "confirmed_by_name")
# no confirmation, photo or change once the order is finished (a completed order may still be signed)
CLOSED = ("Closed", "Cancelled")
# a drawn signature: a phone's canvas is at most a few megapixels (a PNG header declaring more is a bomb)
SIGNATURE_MAX_PIXELS = 4_000_000
# a resident gets one code a minute at most (unless the last one was used up by wrong tries)
CODE_RESEND_SECONDS = 60
TRIES = ":tries"


# ------------------------------------------------------------------ the order and the caller
def _check_worker() -> None:
	"""Field staff and dispatchers only (a resident, an accountant, a guest: 403)."""
	if frappe.session.user == "Guest" or not set(frappe.get_roles()) & set(WORKERS):
		raise frappe.PermissionError(_("Only field staff and dispatchers may do this."))


def order_for(name, ptype: str = "write"):
	"""The order `name` if the caller may `ptype` it; an order they may not read is not found (404)."""
	_check_worker()
	if not isinstance(name, str) or not name or not frappe.db.exists(ORDER, name):
		raise frappe.DoesNotExistError(
			_("Service Order {0} not found").format(name if isinstance(name, str) else "")
		)
	doc = frappe.get_doc(ORDER, name)
	if not doc.has_permission("read"):
		raise frappe.DoesNotExistError(_("Service Order {0} not found").format(name))
	if ptype != "read" and not doc.has_permission(ptype):
		raise frappe.PermissionError(_("You may not change this order."))
	return doc


def _check_open(doc, closed: tuple[str, ...] = (*CLOSED, "Completed")) -> None:
	if doc.status in closed:
		frappe.throw(
			_("This order is {0}: it can no longer be changed here.").format(_(doc.status)),
			title=_("Not possible now"),
		)


def _check_confirmable(doc) -> None:
	"""The resident confirms the work once, while it is being done or just completed (as the job page offers):
	not before it started, and a confirmation given is not replaced."""
	_check_open(doc, CLOSED)
	if doc.get("confirmed_on"):
		frappe.throw(
			_("The resident has already confirmed this order ({0}).").format(
				_(doc.confirmation_method or "")
			),
			title=_("Not possible now"),
		)
	if doc.status not in CONFIRMABLE:
		frappe.throw(
			_("The resident confirms the work once it has started; this order is {0}.").format(_(doc.status)),
			title=_("Not possible now"),
		)


def _conflict_if_stale(doc, modified) -> None:
	"""HTTP 409 with what happened meanwhile, before anything is written."""
	if not apply_rule(rules.is_conflict, modified, doc.modified):
		return
	by = get_fullname(doc.modified_by)
	_conflict(doc, _(rules.CONFLICT_WHAT).format(by, format_datetime(doc.modified), _(doc.status)))


def _conflict(doc, what: str) -> None:
	frappe.local.response["conflict"] = {
		"status": doc.status,
		"modified": str(doc.modified),
		"modified_by": get_fullname(doc.modified_by),
		"what": what,
	}
	raise Conflict(what)


# ------------------------------------------------------------------ replays
def _replay_key(kind: str, name: str, client_id: str, suffix: str = ""):
	return frappe.cache.make_key(f"{REPLAY_KEY}{frappe.session.user}:{kind}:{name}:{client_id}{suffix}")


def _replayed(kind: str, doc, client_id: str | None):
	"""The first answer to `client_id`, or None (then this request holds the id until it commits or rolls
	back: the same change sent again meanwhile, a phone retrying on a slow line, is a 409, not a second write)."""
	if not client_id:
		return None
	key = _replay_key(kind, doc.name, client_id)
	raw = frappe.cache.get(key)
	if raw:
		return json.loads(raw)
	busy = _replay_key(kind, doc.name, client_id, BUSY)
	if not frappe.cache.set(busy, 1, nx=True, ex=120):
		_conflict(doc, _("This change is still being saved; reload the order in a moment."))
	frappe.db.after_rollback.add(lambda: frappe.cache.delete(busy))
	return None


def _remember(kind: str, name: str, client_id: str | None, answer: dict) -> dict:
	"""Keep `answer` for a replay of `client_id`, once the request's writes are committed."""
	if client_id:
		key, value = _replay_key(kind, name, client_id), json.dumps(answer, default=str)
		busy = _replay_key(kind, name, client_id, BUSY)

		def keep():
			frappe.cache.set(key, value, ex=DAY)
			frappe.cache.delete(busy)

		frappe.db.after_commit.add(keep)
	return answer


def _answer(doc, message: str) -> dict:
	return {
		"status": doc.status,
		"modified": str(doc.modified),
		"actions": allowed_actions(doc),
		"message": message,
	}


# ------------------------------------------------------------------ act
@frappe.whitelist(methods=["POST"])
def act(name: str, modified: str | None = None, action: str | None = None, completion_notes: str | None = None,
	labour_hours=None, materials=None, client_id: str | None = None) -> dict:  # fmt: skip
	"""Save the job's notes, hours and materials and (optionally) press a workflow action, in one transaction.
	`materials` (JSON) `[{"item", "qty"}]` replaces the order's materials. Answer: status, modified, the
	actions now allowed, a message."""
	doc = order_for(name)
	client_id = apply_rule(rules.check_client_id, client_id)
	if (first := _replayed("act", doc, client_id)) is not None:
		return first
	_conflict_if_stale(doc, modified)
	action = action.strip() if isinstance(action, str) else action
	if action and action not in FIELD_ACTIONS:
		frappe.throw(
			_("{0} is not an action of the field app.").format(str(action)[:40]), title=_("Not possible now")
		)
	notes = apply_rule(rules.check_notes, completion_notes)
	hours = apply_rule(rules.check_labour_hours, labour_hours)
	rows = None
	if materials not in (None, ""):
		rows = apply_rule(rules.check_materials, json_argument(materials, "Materials"))
		rows = apply_rule(rules.check_materials, rows, _usable_items([r["item"] for r in rows]))
	if notes is not None or hours is not None or rows is not None:
		_check_open(doc)
	changed = _set_fields(doc, notes, hours, rows)
	if changed:
		doc.save()
	if action:
		if action == "Complete" and not photo_count(doc.name):
			frappe.throw(
				_("Completion photo: take at least one photo of the finished work before completing."),
				title=_("Please correct this value"),
			)
		doc = apply_workflow(doc, action)
	message = _("{0}: {1}.").format(_(action), _(doc.status)) if action else _("Saved.")
	return _remember("act", doc.name, client_id, _answer(doc, message))


def _set_fields(doc, notes, hours, rows) -> bool:
	changed = False
	if notes is not None and notes != (doc.completion_notes or ""):
		doc.completion_notes = notes
		changed = True
	if hours is not None and flt(hours) != flt(doc.labour_hours):
		doc.labour_hours = hours
		changed = True
	if rows is not None:
		before = [(r.item, flt(r.qty)) for r in doc.materials]
		if before != [(r["item"], flt(r["qty"])) for r in rows]:
			_set_materials(doc, rows)
			changed = True
	return changed


def _set_materials(doc, rows: list[dict]) -> None:
	"""The order's materials become `rows`; an item already on the order keeps its rate and chargeable flag
	(the desk may have set them), a new one gets the selling price list's rate and the category's flag."""
	kept = {r.item: r for r in doc.materials}
	rates = _rates([r["item"] for r in rows if r["item"] not in kept])
	chargeable = frappe.db.get_value("Service Category", doc.service_category, "chargeable") or 0
	doc.set("materials", [])
	for row in rows:
		old = kept.get(row["item"])
		doc.append(
			"materials",
			{
				"item": row["item"],
				"qty": row["qty"],
				"rate": old.rate if old else rates.get(row["item"], 0),
				"chargeable": old.chargeable if old else chargeable,
			},
		)


def _usable_items(codes: list[str]) -> list[str]:
	"""Of `codes`, the enabled sales items (no templates with variants)."""
	if not codes:
		return []
	return frappe.get_all(
		"Item",
		filters={"name": ("in", codes), "disabled": 0, "is_sales_item": 1, "has_variants": 0},
		pluck="name",
	)


def _price_list() -> str:
	return frappe.db.get_single_value("Selling Settings", "selling_price_list") or "Standard Selling"


def _rates(codes: list[str]) -> dict[str, float]:
	"""The selling price list's rate of each item (the latest valid one; none: not in the dict)."""
	if not codes:
		return {}
	rates: dict[str, float] = {}
	for row in frappe.get_all(
		"Item Price",
		filters={"item_code": ("in", codes), "price_list": _price_list(), "selling": 1},
		fields=["item_code", "price_list_rate"],
		order_by="valid_from asc, modified asc",
	):
		rates[row.item_code] = flt(row.price_list_rate)
	return rates


# ------------------------------------------------------------------ photos
def photo_count(name: str) -> int:
	return frappe.db.count(
		"File", {"attached_to_doctype": ORDER, "attached_to_name": name, "attached_to_field": PHOTO_FIELD}
	)


def _one_upload_at_a_time(name) -> None:
	"""Parallel uploads of one order wait for each other (the order's row locked until commit), and each then
	counts what the one before committed: the 12-photo limit holds. Nothing is written before this point; the
	commit ends the request's read-only transaction so that the next read sees the others' photos."""
	_check_worker()
	if isinstance(name, str) and name:
		frappe.db.commit()
		frappe.db.get_value(ORDER, name, "name", for_update=True)


@frappe.whitelist(methods=["POST"])
@limited("field_photo")
def upload_photo(name: str, client_id: str | None = None) -> dict:
	"""A completion photo (multipart field `file`): JPEG, PNG or WebP by its content, at most 3 MB, kept as a
	private, re-encoded File of the order (the first one also its Completion Photo); at most 12 an order."""
	_one_upload_at_a_time(name)
	doc = order_for(name)
	client_id = apply_rule(rules.check_client_id, client_id)
	if (first := _replayed("photo", doc, client_id)) is not None:
		return first
	_check_open(doc)
	upload = frappe.request.files.get("file") if frappe.request and frappe.request.files else None
	if not upload:
		frappe.throw(_("Photo: choose a picture to upload."), title=_("Please correct this value"))
	content = upload.stream.read(PHOTO_MAX_BYTES + 1)
	if len(content) > PHOTO_MAX_BYTES:
		frappe.throw(_("Photo: the picture is larger than 3 MB."), title=_("Please correct this value"))
	try:
		kind = images.checked_header(content).format
	except images.Rejected as error:
		frappe.throw(uploads.refusal(error), title=_("Please correct this value"))
	if kind not in PHOTO_FORMATS:
		frappe.throw(_("Photo: only JPEG, PNG or WebP pictures."), title=_("Please correct this value"))
	if photo_count(doc.name) >= MAX_PHOTOS:
		frappe.throw(
			_("Photo: at most {0} completion photos per order.").format(MAX_PHOTOS),
			title=_("Please correct this value"),
		)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": "photo.jpg",  # renamed and re-encoded by uploads.PropertyFile
			"content": content,
			"attached_to_doctype": ORDER,
			"attached_to_name": doc.name,
			"attached_to_field": PHOTO_FIELD,
			"is_private": 1,
		}
	)
	# Safe: the caller may write this open order (checked above); the content is judged and re-encoded.
	file.insert(ignore_permissions=True)
	if not doc.completion_photo:
		# not a new version of the order: the phone's queued action based on it stays valid
		doc.db_set(PHOTO_FIELD, file.file_url, update_modified=False)
	return _remember("photo", doc.name, client_id, {"file": file.name, "file_url": file.file_url})


# ------------------------------------------------------------------ the resident's confirmation
def _confirm(doc, method: str, who: str | None, signature: str | None = None) -> None:
	doc.resident_signature = signature
	doc.confirmation_method = method
	doc.confirmed_on = now_datetime()
	doc.confirmed_by_name = who or doc.requester_name or ""
	# the method made for these fields (access_fields): the caller may write the order, checked above
	allow(doc, *CONFIRMATION_FIELDS)
	doc.save()


@frappe.whitelist(methods=["POST"])
def sign(name: str, signature: str | None = None, signer_name: str | None = None, modified: str | None = None,
	client_id: str | None = None) -> dict:  # fmt: skip
	"""The resident's signature drawn on the phone (`data:image/png;base64,…`, at most 200 KB, a PNG)."""
	doc = order_for(name)
	client_id = apply_rule(rules.check_client_id, client_id)
	if (first := _replayed("sign", doc, client_id)) is not None:
		return first
	if modified not in (None, ""):
		_conflict_if_stale(doc, modified)
	_check_confirmable(doc)
	_check_picture(apply_rule(rules.check_signature, signature))
	# no < or > in a name: Frappe would escape them and the name might no longer fit its field
	who = rules.signer_name(str(signer_name or "").replace("<", " ").replace(">", " "))
	_confirm(doc, "Signature", who, signature.strip())
	return _remember(
		"sign", doc.name, client_id, _answer(doc, _("Signed by {0}.").format(doc.confirmed_by_name))
	)


def _check_picture(content: bytes) -> None:
	"""The signature's bytes are a PNG of a sane size that decodes (not a header over something else, not a
	decompression bomb that would explode where it is shown or printed)."""
	try:
		image = images.checked_header(content, max_pixels=SIGNATURE_MAX_PIXELS)
		if image.format != "PNG":
			raise images.Rejected("not_a_picture")
		image.load()
	# refused by its header, or a truncated or corrupt PNG (PIL's decoder raises these)
	except (images.Rejected, OSError, SyntaxError, ValueError, EOFError):
		frappe.throw(_(rules.SIGNATURE_NOT_PNG), title=_("Please correct this value"))


def _requester_mobile(doc) -> str | None:
	shown = (doc.contact_mobile or "").strip()
	if not shown:
		return None
	return (full_numbers(doc, [shown]) or [None])[0] if is_masked(shown) else shown


def _code_hash(name: str, code: str) -> str:
	return hashlib.sha256(f"{frappe.local.site}:{name}:{code}".encode()).hexdigest()


@frappe.whitelist(methods=["POST"])
@limited("field_code")
def send_confirmation_code(name: str) -> dict:
	"""A one-time code by SMS to the requester's mobile, valid 10 minutes (a new code voids the old one)."""
	doc = order_for(name)
	_check_confirmable(doc)
	if not frappe.db.get_single_value("SMS Settings", "sms_gateway_url"):
		frappe.throw(
			_("SMS is not set up on this site: ask the resident to sign instead."),
			title=_("Not possible now"),
		)
	mobile = _requester_mobile(doc)
	if not mobile:
		frappe.throw(_("This order has no contact mobile to send a code to."), title=_("Not possible now"))
	key, tries = (
		frappe.cache.make_key(CODE_KEY + doc.name),
		frappe.cache.make_key(CODE_KEY + doc.name + TRIES),
	)
	if frappe.cache.ttl(key) > rules.CODE_MINUTES * 60 - CODE_RESEND_SECONDS and (
		int(frappe.cache.get(tries) or 0) < rules.CODE_TRIES
	):
		frappe.throw(
			_("A code was sent to the resident less than a minute ago: wait for it, or try again shortly."),
			title=_("Not possible now"),
		)
	code = f"{secrets.randbelow(10**rules.CODE_LENGTH):0{rules.CODE_LENGTH}d}"
	frappe.cache.set(key, json.dumps({"hash": _code_hash(doc.name, code)}), ex=rules.CODE_MINUTES * 60)
	frappe.cache.delete(tries)
	try:
		_send(mobile, doc.name, code)
	except requests.RequestException:
		frappe.cache.delete(key)
		frappe.throw(
			_("The SMS could not be sent; try again, or ask the resident to sign."),
			title=_("Not possible now"),
		)
	return {"sent_to": mask_mobile(mobile)}


def _send(mobile: str, name: str, code: str) -> None:
	from frappe.core.doctype.sms_settings.sms_settings import send_sms

	send_sms(
		[mobile],
		_(
			"Your code to confirm the work on service order {0} is {1}. Give it to the technician only."
		).format(name, code),
		success_msg=False,
	)


@frappe.whitelist(methods=["POST"])
@limited("field_code_try")
def confirm_code(name: str, code: str | None = None, client_id: str | None = None) -> dict:
	"""The resident's code read out to the technician: the order is confirmed by One-time Code. Five wrong
	codes and it is void (a new one must be sent)."""
	doc = order_for(name)
	client_id = apply_rule(rules.check_client_id, client_id)
	if (first := _replayed("code", doc, client_id)) is not None:
		return first
	_check_confirmable(doc)
	key, tries = (
		frappe.cache.make_key(CODE_KEY + doc.name),
		frappe.cache.make_key(CODE_KEY + doc.name + TRIES),
	)
	raw = frappe.cache.get(key)
	data = json.loads(raw) if raw else None
	if not data:
		frappe.throw(_(rules.CODE_EXPIRED).format(rules.CODE_MINUTES), title=_("Please correct this value"))
	# every try is counted before it is judged, atomically: parallel guesses cannot share one try
	tried = frappe.cache.incr(tries)
	frappe.cache.expire(tries, rules.CODE_MINUTES * 60)
	if tried > rules.CODE_TRIES:
		frappe.throw(_(rules.CODE_LOCKED), title=_("Please correct this value"))
	typed = "".join(str(code or "").split())
	if not rules.code_matches(data["hash"], _code_hash(doc.name, typed) if typed else None):
		left = rules.CODE_TRIES - tried
		message = _(rules.CODE_LOCKED) if left <= 0 else _(rules.CODE_WRONG).format(left)
		frappe.throw(message, title=_("Please correct this value"))
	frappe.cache.delete(key, tries)
	_confirm(doc, "One-time Code", doc.requester_name)
	return _remember("code", doc.name, client_id, _answer(doc, _("Confirmed by the resident's code.")))


# ------------------------------------------------------------------ reading what the phone needs
@frappe.whitelist(methods=["POST"])
def search_items(txt: str | None = "") -> list[dict]:
	"""At most 20 enabled sales items matching `txt` (code or name): code, name, unit, rate. Field staff have no
	Item permission; this is their one door, read-only and limited to these fields."""
	_check_worker()
	txt = txt.strip()[:100] if isinstance(txt, str) else ""
	item = frappe.qb.DocType("Item")
	query = (
		frappe.qb.from_(item)
		.select(item.item_code, item.item_name, item.stock_uom)
		.where((item.disabled == 0) & (item.is_sales_item == 1) & (item.has_variants == 0))
		.orderby(item.item_name)
		.limit(20)
	)
	if txt:
		like = f"%{txt.replace('%', '').replace('_', '')}%"
		query = query.where(item.item_code.like(like) | item.item_name.like(like))
	rows = query.run(as_dict=True)
	rates = _rates([r.item_code for r in rows])
	return [
		{"item": r.item_code, "item_name": r.item_name, "uom": r.stock_uom, "rate": rates.get(r.item_code, 0)}
		for r in rows
	]


HISTORY_LIMIT = 5


def unit_history_of(doc) -> list[dict]:
	"""The unit's last 5 other orders: date, category, status, subject only (no names, phones, texts). The
	caller has checked that the user may read `doc`; the job page and `unit_history` share this."""
	if not doc.get("unit"):
		return []
	rows = frappe.get_all(
		ORDER,
		filters={"unit": doc.unit, "name": ("!=", doc.name), "status": ("!=", "Cancelled")},
		fields=["creation", "service_category", "status", "subject"],
		order_by="creation desc",
		limit=HISTORY_LIMIT,
	)
	return [
		{
			"date": str(row.creation.date()) if row.creation else None,
			"category": row.service_category,
			"status": row.status,
			"subject": row.subject,
		}
		for row in rows
	]


@frappe.whitelist(methods=["POST"])
def unit_history(name: str) -> list[dict]:
	return unit_history_of(order_for(name, "read"))
