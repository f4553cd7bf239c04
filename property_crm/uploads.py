"""Files attached to our records are pictures we encoded ourselves, private, under a name we made.

Every door that attaches a file to a record of ours ends in a File insert: the portal's request and
complaint photos (`clean_upload` + `attach_picture`, judged before the record is written), and Frappe's
generic doors: `/api/method/upload_file` from a form (completion photos, meter reading photos, attachments),
`frappe.client.insert` and `/api/resource/File`, a library file attached or re-attached. `PropertyFile`
(before Frappe writes anything) and the `validate` doc_event (a File re-pointed at one of our records) judge
the content itself (`property_crm.images`): what does not decode as a picture, or declares too many pixels,
is refused with a 417 and nothing is kept; what is kept is a fresh JPEG/PNG encoding (no EXIF, nothing
appended) named `<doctype>-<random>.<jpg|png>`, private. `upload_file` looks at a picture's header before
Frappe decodes it. `serve_picture` sends one back with its true content type; `after_request` adds
`X-Content-Type-Options: nosniff` to every response of the site, a locked-down policy to our picture
endpoints, and framing and referrer rules to whatever is answered under /property (the portal pages
themselves carry their full policy, `portal.shell`).

Files attached before this: served by our photo endpoints as image/jpeg or image/png only when their bytes
are one (else as an application/octet-stream download); through /private/files with nosniff. They are
re-encoded when re-attached or re-pointed (`validate`)."""

import mimetypes

import frappe
import frappe.handler
from frappe import _
from frappe.core.doctype.file.file import File
from frappe.utils import cint

from property_crm import images
from property_crm.rate_limits import limited

# our picture endpoints: never a document, only an image (no script runs even if a browser thought otherwise)
PICTURE_METHODS = (
	"/api/method/property_crm.property_service.api.photo",
	"/api/method/property_crm.property_complaints.api.photo",
)
PICTURE_POLICY = (
	"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)


def refusal(error: images.Rejected) -> str:
	return {
		"empty": _("Photo: the file is empty."),
		"too_large": _("Photo: the picture is larger than 8 MB."),
		"too_many_pixels": _("Photo: the picture has too many pixels (at most 50 megapixels)."),
	}.get(error.reason, _("Photo: only pictures (JPEG, PNG, GIF, WebP or BMP) can be attached."))


def clean(content: bytes | str) -> images.Picture:
	"""The picture re-encoded, or a translated 417 (frappe.ValidationError)."""
	if isinstance(content, str):
		content = content.encode()
	try:
		return images.clean_picture(content or b"")
	except images.Rejected as error:
		frappe.throw(refusal(error), title=_("Please correct this value"))


def clean_upload(upload) -> images.Picture:
	"""A multipart upload (werkzeug FileStorage) judged by its bytes, read no further than the size bound."""
	return clean(upload.stream.read(images.MAX_BYTES + 1))


def attach_picture(doc, fieldname: str, picture: images.Picture) -> str:
	"""Keep `picture` as the private file of `doc.<fieldname>`; its URL."""
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"photo.{picture.extension}",  # renamed by PropertyFile
			"content": picture.content,
			"attached_to_doctype": doc.doctype,
			"attached_to_name": doc.name,
			"attached_to_field": fieldname,
			"is_private": 1,
		}
	)
	# Safe: callers attach to a record the user has just filed or may write; the content is a clean picture.
	file.insert(ignore_permissions=True)
	doc.db_set(fieldname, file.file_url)
	return file.file_url


# what Frappe's upload_file decodes whole before any File is made (its optimize option; its EXIF stripping
# of a .jpg): a file named as one of these must be a picture, within the pixel bound, before it gets there
DECODED_BY_FRAPPE = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")


@frappe.whitelist(allow_guest=True)
@limited("upload")
def upload_file():
	"""Frappe's `upload_file` (override_whitelisted_methods), after a cheap look at the picture's header: a
	decompression bomb, or a non-picture named .jpg, would otherwise be decoded by Frappe (a 500, or
	gigabytes of memory) before the File and its checks are reached."""
	upload = frappe.request.files.get("file") if frappe.request and frappe.request.files else None
	if upload:
		claimed = mimetypes.guess_type(upload.filename or "")[0]
		if cint(frappe.form_dict.optimize) or claimed in DECODED_BY_FRAPPE:
			head = upload.stream.read(images.MAX_BYTES + 1)
			upload.stream.seek(0)
			try:
				if len(head) > images.MAX_BYTES and is_ours(frappe.form_dict.doctype):
					raise images.Rejected("too_large")
				images.checked_header(head)
			except images.Rejected as error:
				frappe.throw(refusal(error), title=_("Please correct this value"))
	return frappe.handler.upload_file()


def is_ours(doctype: str | None) -> bool:
	if not doctype or not frappe.db.exists("DocType", doctype):
		return False
	return frappe.get_meta(doctype).module in frappe.get_module_list("property_crm")


class PropertyFile(File):
	"""Frappe's File (`override_doctype_class`): one of our records' files is judged and re-encoded before
	Frappe's own `before_insert` writes anything to disk (Frappe's EXIF stripping alone would fail with a
	500 on a file merely named .jpg)."""

	def before_insert(self):
		if not self.is_folder and is_ours(self.attached_to_doctype):
			take_clean_copy(self)
		super().before_insert()


def take_clean_copy(doc) -> None:
	"""A new File of ours: its content (sent, or the library file it points at) becomes a clean picture under
	a generated name, private; or a 417 and nothing is written."""
	if (doc.file_url or "").startswith(("http://", "https://")):
		frappe.throw(
			_("Photo: attach the picture itself, not a link to it."), title=_("Please correct this value")
		)
	if doc.file_url and not doc.content:
		check_readable(doc.file_url)
	picture = clean(doc.get_content() if (doc.content or doc.file_url) else b"")
	doc.file_name = generated_name(doc.attached_to_doctype, picture)
	doc.file_url = None
	doc.is_private = 1
	doc.content = picture.content
	doc.decode = False


def check_readable(file_url: str, exclude: str | None = None) -> None:
	"""A copy of a file already on the site is made only of one the user may read (Frappe's File would read
	any private file by its URL)."""
	filters = {"file_url": file_url, "is_folder": 0} | ({"name": ("!=", exclude)} if exclude else {})
	source = frappe.db.get_value("File", filters, "name")
	if not source or not frappe.has_permission("File", "read", doc=source):
		raise frappe.PermissionError(_("You may not attach this file."))


def generated_name(doctype: str, picture: images.Picture) -> str:
	return f"{frappe.scrub(doctype)}-{frappe.generate_hash(length=12)}.{picture.extension}"


def validate(doc, method=None):
	"""`File` doc_event: an existing file attached (again) to a record of ours, or pointed at other bytes,
	is kept as a clean copy too; a file of ours stays private."""
	if doc.is_new() or doc.is_folder or not is_ours(doc.attached_to_doctype):
		return
	if not doc.is_private:
		frappe.throw(_("Files attached to property records stay private."), title=_("Not permitted"))
	if not any(doc.has_value_changed(f) for f in ("file_url", "attached_to_doctype", "attached_to_name")):
		return
	if (doc.file_url or "").startswith(("http://", "https://")):
		frappe.throw(
			_("Photo: attach the picture itself, not a link to it."), title=_("Please correct this value")
		)
	if doc.has_value_changed("file_url"):
		check_readable(doc.file_url, exclude=doc.name)
	picture = clean(doc.get_content())
	doc.file_name = generated_name(doc.attached_to_doctype, picture)
	doc.file_url = None
	doc.decode = False
	doc.flags.new_file = True  # on rollback, Frappe removes the file written here
	doc.save_file(content=picture.content)


def serve_picture(file_url: str, doctype: str, name: str) -> None:
	"""Send the picture of a record of ours inline with its true content type; anything else that an older
	upload left (from before pictures were re-encoded) goes out as a download, never rendered."""
	file = frappe.get_doc(
		"File", {"file_url": file_url, "attached_to_doctype": doctype, "attached_to_name": name}
	)
	content = file.get_content()
	if isinstance(content, str):
		content = content.encode()
	content_type = images.content_type_of(content)
	response = frappe.local.response
	response.filecontent = content
	response.type = "download"
	if content_type:
		response.filename = (
			f"{frappe.scrub(doctype)}-{name}.{content_type.split('/')[1].replace('jpeg', 'jpg')}"
		)
		response.content_type = content_type
		response.display_content_as = "inline"
	else:
		response.filename = f"{frappe.scrub(doctype)}-{name}.bin"
		response.content_type = "application/octet-stream"
		response.display_content_as = "attachment"


def after_request(response=None, request=None) -> None:
	"""`after_request` hook: no response of the site is sniffed into another type; our picture endpoints
	are served as images only."""
	if response is None:
		return
	response.headers.setdefault("X-Content-Type-Options", "nosniff")
	path = request.path if request else ""
	if path in ("/property", "/field") or path.startswith(("/property/", "/field/")):
		# a portal page (residents', field staff's) sets its full policy (portal.shell); a redirect or error
		# page there is not framed
		response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
		response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
		response.headers.setdefault("Referrer-Policy", "same-origin")
	elif path.startswith(PICTURE_METHODS):
		response.headers["Content-Security-Policy"] = PICTURE_POLICY
		response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
		response.headers.setdefault("Referrer-Policy", "same-origin")
