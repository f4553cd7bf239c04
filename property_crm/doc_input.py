"""Documents sent by a client are checked against their fields' types before Frappe builds them (issue 18,
finding 8): REST `POST /api/resource/<doctype>` and `PUT /api/resource/<doctype>/<name>`, and the desk's and
scripts' `frappe.client.insert / insert_many / save / set_value / submit` and `savedocs`. A value of the wrong
shape for one of our doctypes (or their child tables) is refused with a translated 417 naming the field,
instead of a server error from deep inside Frappe or the database. The rule is `field_values` (no Frappe).
"""

import json
from urllib.parse import unquote

import frappe
from frappe import _

from property_crm.field_values import problems

# whitelisted doors that build documents from what they are sent: method → the argument holding the document(s)
DOC_METHODS = {
	"frappe.client.insert": "doc",
	"frappe.client.save": "doc",
	"frappe.client.submit": "doc",
	"frappe.client.insert_many": "docs",
	"frappe.desk.form.save.savedocs": "doc",
}
WHAT = {  # translated when the error is raised, in the user's language
	"text": lambda: _("text"),
	"a list of rows": lambda: _("a list of rows"),
	"a row": lambda: _("a row"),
	"a whole number": lambda: _("a whole number"),
	"a number": lambda: _("a number"),
	"a date (YYYY-MM-DD)": lambda: _("a date (YYYY-MM-DD)"),
	"a date and time (YYYY-MM-DD HH:MM:SS)": lambda: _("a date and time (YYYY-MM-DD HH:MM:SS)"),
	"a time (HH:MM:SS)": lambda: _("a time (HH:MM:SS)"),
	"at most {0} characters": lambda: _("at most {0} characters"),
	"at most {0} bytes": lambda: _("at most {0} bytes"),
}


def check_request() -> None:
	"""`before_request` hook: find the documents a request would build and check those of ours."""
	request = frappe.request
	if not request or request.method not in ("POST", "PUT"):
		return
	path = request.path
	if path.startswith("/api/resource/"):
		parts = path.split("/")
		if len(parts) >= 4:
			check(unquote(parts[3]), _payload())
		return
	method = path[len("/api/method/") :] if path.startswith("/api/method/") else frappe.form_dict.get("cmd")
	if method in DOC_METHODS:
		for doc in _as_list(_loaded(frappe.form_dict.get(DOC_METHODS[method]))):
			if isinstance(doc, dict):
				check(doc.get("doctype"), doc)
	elif method == "frappe.client.set_value":
		fieldname = _loaded(frappe.form_dict.get("fieldname"))
		values = (
			fieldname if isinstance(fieldname, dict) else {fieldname: _loaded(frappe.form_dict.get("value"))}
		)
		if isinstance(values, dict) and all(isinstance(key, str) for key in values):
			check(frappe.form_dict.get("doctype"), values)


def check(doctype, values) -> None:
	if not isinstance(doctype, str) or not isinstance(values, dict) or not _ours(doctype):
		return
	meta = frappe.get_meta(doctype)
	fields = _fields(meta)
	children = {
		field["options"]: _fields(frappe.get_meta(field["options"]))
		for field in fields.values()
		if field["fieldtype"] in ("Table", "Table MultiSelect") and field.get("options")
	}
	found = problems(fields, values, children)
	if not found:
		return
	fieldname, index, what = found[0]
	what, number = what if isinstance(what, tuple) else (what, None)
	label = _label(meta, fieldname)
	where = _("row {0}").format(index + 1) + ", " if index is not None else ""
	frappe.throw(
		_("{0}: {1}expected {2}.").format(_(label), where, WHAT[what]().format(number)),
		frappe.ValidationError,
		title=_("Please correct this value"),
	)


def _ours(doctype: str) -> bool:
	module = frappe.db.get_value("DocType", doctype, "module", cache=True)
	return bool(module) and module in frappe.get_module_list("property_crm")


def _fields(meta) -> dict[str, dict]:
	return {
		field.fieldname: {"fieldtype": field.fieldtype, "length": field.length, "options": field.options}
		for field in meta.fields
	}


def _label(meta, fieldname: str) -> str:
	table, _dot, child = fieldname.partition(".")
	field = meta.get_field(table)
	if child and field and field.options:
		child_field = frappe.get_meta(field.options).get_field(child)
		return f"{field.label} / {child_field.label}" if child_field else field.label
	return field.label if field else fieldname


def _payload():
	data = frappe.form_dict.get("data")
	if data is None:
		data = frappe.safe_decode(frappe.request.get_data())
	return _loaded(data) if data else dict(frappe.form_dict)


def _loaded(value):
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			return value
	return value


def _as_list(value) -> list:
	return value if isinstance(value, list) else [value]
