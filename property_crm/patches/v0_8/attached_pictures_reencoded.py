"""Files attached to our records before uploads were judged by their content (issue 18, `property_crm.uploads`).

A file that is a picture is replaced by its clean encoding: a new private File under a generated name (no
EXIF, nothing appended), the record's field pointed at it, the old File deleted. A file that is not a picture
is kept for staff to review (listed in the migrate output) but moved out of the public folder, so the site
never serves it from /files; our photo endpoints send such a file only as a download. Files uploaded since
(private, named `<doctype>-<12 hex>.<jpg|png>`) are left alone, so the patch may run again."""

import os
import re

import frappe
from frappe.utils import get_files_path

from property_crm import images


def execute():
	doctypes = frappe.get_all(
		"DocType", filters={"module": ("in", frappe.get_module_list("property_crm"))}, pluck="name"
	)
	files = frappe.get_all(
		"File",
		filters={"attached_to_doctype": ("in", doctypes), "is_folder": 0},
		fields=["name", "file_name", "file_url", "is_private", "attached_to_doctype"],
	)
	left = []
	for row in files:
		if row.is_private and re.fullmatch(
			rf"{frappe.scrub(row.attached_to_doctype)}-[0-9a-f]{{12}}\.(jpg|png)", row.file_name or ""
		):
			continue  # judged on upload
		if (row.file_url or "").startswith(("http://", "https://")):
			left.append(row.file_url)
			continue
		file = frappe.get_doc("File", row.name)
		try:
			content = file.get_content()
		except (OSError, frappe.ValidationError):
			continue  # not on disk any more
		try:
			picture = images.clean_picture(content.encode() if isinstance(content, str) else content)
		except images.Rejected:
			left.append(file.file_url)
			make_private(file)
			continue
		replace(file, picture)
	if left:
		print(f"Files attached to property records that are not pictures, kept private for review: {left}")


def replace(file, picture: images.Picture) -> None:
	new = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"photo.{picture.extension}",  # renamed by uploads.PropertyFile
			"content": picture.content,
			"attached_to_doctype": file.attached_to_doctype,
			"attached_to_name": file.attached_to_name,
			"attached_to_field": file.attached_to_field,
			"is_private": 1,
		}
	)
	new.flags.ignore_permissions = True
	new.insert()
	repoint(file, new.file_url)
	frappe.delete_doc("File", file.name, ignore_permissions=True, force=True)


def make_private(file) -> None:
	if file.is_private or not (file.file_url or "").startswith("/files/"):
		return
	name = file.file_url[len("/files/") :]
	public, private = get_files_path(name), get_files_path(name, is_private=1)
	if os.path.exists(public) and not os.path.exists(private):
		os.rename(public, private)
	url = f"/private/files/{name}"
	frappe.db.set_value("File", file.name, {"is_private": 1, "file_url": url}, update_modified=False)
	repoint(file, url)


def repoint(file, url: str) -> None:
	"""The record's Attach field that showed the old file shows the new one."""
	if not (file.attached_to_field and file.attached_to_name):
		return
	if not frappe.get_meta(file.attached_to_doctype).has_field(file.attached_to_field):
		return
	if (
		frappe.db.get_value(file.attached_to_doctype, file.attached_to_name, file.attached_to_field)
		== file.file_url
	):
		frappe.db.set_value(
			file.attached_to_doctype,
			file.attached_to_name,
			file.attached_to_field,
			url,
			update_modified=False,
		)
