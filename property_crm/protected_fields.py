"""Protected personal values: encrypted at rest, masked in their column, found through a keyed hash.

A protected field (PROTECTED) keeps three columns:
- the field itself holds the MASKED value (138****5678, 1101**********1234), so every list, report, export,
  print, notification and page that reads the column shows the mask without knowing about this module;
- `<field>_encrypted` the full value encrypted with the site's key (Frappe's `encrypt`, Fernet), at a
  permission level no role has, so no door (form, REST, Report Builder, export) ever sends it;
- `<field>_hash` an HMAC-SHA256 of the full value keyed by a key derived from the site's key: duplicate
  detection and exact lookup (`find_by_value`) without decrypting anything.

`protect` (before_validate of the doctypes below and of the parents of the protected child tables) turns an
incoming plain value into the three columns; the form round-trips the mask, which keeps the stored secret.
The value's own checks (ID format and check digit, mobile format) run first, in the controller's
`before_validate`, on the plain value. `plain_value` decrypts; the logged reveal
(`property_privacy/reveal.py`) is the only door that sends it to a browser.

Key rotation (`property-crm-rotate-key`) writes a new `encryption_key` and keeps the old one as
`previous_encryption_key` until every value is re-encrypted: reads try the new key, then the old one.
"""

import hashlib
import hmac
import json
import re
import unicodedata

from cryptography.fernet import Fernet, InvalidToken

import frappe
from frappe import _
from frappe.utils.password import get_encryption_key

from property_crm.masks import is_masked, mask

# doctype: {field: kind}; kind picks the mask (property_crm.masks.MASKS)
PROTECTED: dict[str, dict[str, str]] = {
	"Property Owner": {"id_number": "id", "mobile": "mobile", "emergency_contact_phone": "mobile"},
	"Property Family Member": {"mobile": "mobile"},
	"Property Unit Occupant": {"mobile": "mobile"},
	"Survey Invitation": {"mobile": "mobile"},
}

PREVIOUS_KEY = "previous_encryption_key"
HASH_CONTEXT = b"property_crm.protected_fields.v1"


def encrypted_field(fieldname: str) -> str:
	return f"{fieldname}_encrypted"


def hash_field(fieldname: str) -> str:
	return f"{fieldname}_hash"


def kind_of(doctype: str, fieldname: str) -> str | None:
	return PROTECTED.get(doctype, {}).get(fieldname)


# --- keys, encryption, hashes ---------------------------------------------------------------------------


def _keys() -> list[str]:
	"""The site's key, then (during a rotation) the previous one."""
	keys = [get_encryption_key()]
	previous = frappe.conf.get(PREVIOUS_KEY)
	if previous and previous not in keys:
		keys.append(previous)
	return keys


def canonical(value: str | None) -> str:
	"""What the hash is taken of: NFKC, no white space, upper case (stored values are already so)."""
	return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or "")).upper()


def hash_value(value: str | None, key: str | None = None) -> str:
	if not value:
		return ""
	derived = hmac.new((key or get_encryption_key()).encode(), HASH_CONTEXT, hashlib.sha256).digest()
	return hmac.new(derived, canonical(value).encode(), hashlib.sha256).hexdigest()


def hashes_of(value: str | None) -> list[str]:
	"""The value's hash under the site's key (and under the previous one while a rotation runs)."""
	return [hash_value(value, key) for key in _keys()] if value else []


def encrypt_value(plain: str, key: str | None = None) -> str:
	return Fernet((key or get_encryption_key()).encode()).encrypt(plain.encode()).decode()


def looks_encrypted(text: str | None) -> bool:
	return bool(text) and text.startswith("gAAAAA")


def decrypt_value(text: str | None) -> str:
	"""The plain value of a ciphertext, with the site's key or the previous one. A value that is no
	ciphertext (a legacy plaintext row) is returned as it is."""
	if not text:
		return ""
	if not looks_encrypted(text):
		return text
	for key in _keys():
		try:
			return Fernet(key.encode()).decrypt(text.encode()).decode()
		except (InvalidToken, ValueError):
			continue
	frappe.throw(
		_("A protected value cannot be decrypted with this site's encryption key."),
		title=_("Encryption key"),
	)


def protected_values(kind: str, plain: str, key: str | None = None) -> tuple[str, str, str]:
	"""(mask, ciphertext, hash) of a plain value."""
	if not plain:
		return "", "", ""
	return mask(kind, plain), encrypt_value(plain, key), hash_value(plain, key)


# --- reading -------------------------------------------------------------------------------------------


def plain_value(doc, fieldname: str) -> str:
	"""The full value of a protected field of a document (or child row, or dict of its columns): decrypted;
	a legacy row whose column still holds the plain value gives that value."""
	value = doc.get(fieldname) or ""
	if not is_masked(value):
		return value
	cipher = doc.get(encrypted_field(fieldname))
	if not cipher and doc.get("doctype") and doc.get("name"):  # a saved document (see forget_ciphertexts)
		cipher = frappe.db.get_value(doc.get("doctype"), doc.get("name"), encrypted_field(fieldname))
	return decrypt_value(cipher)


def plain_value_of(doctype: str, name: str, fieldname: str) -> str:
	"""`plain_value` of a stored record, read without permission checks (callers check them)."""
	row = frappe.db.get_value(doctype, name, [fieldname, encrypted_field(fieldname)], as_dict=True)
	return plain_value(row, fieldname) if row else ""


def find_by_value(doctype: str, fieldname: str, value: str) -> list[str]:
	"""Names of the records whose protected field holds exactly this value (through the keyed hash)."""
	if not value or not kind_of(doctype, fieldname):
		return []
	if is_masked(value):
		return []
	return frappe.get_all(
		doctype,
		filters={hash_field(fieldname): ("in", hashes_of(value))},
		pluck="name",
		order_by="creation asc",
	)


# --- writing -------------------------------------------------------------------------------------------


def protect_row(doctype: str, row: dict) -> dict:
	"""A row about to be bulk-inserted (demo, imports): every protected field holding a plain value becomes
	its mask, with `<field>_encrypted` and `<field>_hash` set. Returns the row (changed in place)."""
	for fieldname, kind in PROTECTED.get(doctype, {}).items():
		value = row.get(fieldname)
		if value and not is_masked(value):
			row[fieldname], row[encrypted_field(fieldname)], row[hash_field(fieldname)] = protected_values(
				kind, value
			)
	return row


REDACTED = "[REDACTED]"  # what Frappe's personal-data deletion writes in place of a value


def protect(doc, method=None) -> None:
	"""before_validate: the protected fields of the document and of its child rows."""
	for d in [doc, *doc.get_all_children()]:
		for fieldname, kind in PROTECTED.get(d.doctype, {}).items():
			_protect_field(d, fieldname, kind)


def forget_ciphertexts(doc, method=None) -> None:
	"""on_change (the last event of a save, after its Version): the saved document no longer carries its
	ciphertexts, so the answer to a REST POST/PUT (which Frappe sends without its field-level read check)
	never holds them. `plain_value` reads them from the database when asked."""
	for d in [doc, *doc.get_all_children()]:
		for fieldname in PROTECTED.get(d.doctype, {}):
			d.set(encrypted_field(fieldname), None)


def _protect_field(d, fieldname: str, kind: str) -> None:
	value = (d.get(fieldname) or "").strip()
	enc_field, hash_fieldname = encrypted_field(fieldname), hash_field(fieldname)
	if not value or value == REDACTED:
		# emptied, or redacted by Frappe's personal-data deletion: nothing of the old value stays behind
		d.set(fieldname, value)
		d.set(enc_field, "")
		d.set(hash_fieldname, "")
		return
	if not is_masked(value):
		d.set(fieldname, mask(kind, value))
		d.set(enc_field, encrypt_value(value))
		d.set(hash_fieldname, hash_value(value))
		return
	# a mask came back (the form, or a row copied from another record): keep its secret if it is the one
	plain = _secret_behind(d, fieldname, value, kind)
	if plain is None:
		frappe.throw(
			_("{0}: enter the full value, not a masked one.").format(_(d.meta.get_label(fieldname))),
			title=_("Please correct this value"),
		)
	d.set(hash_fieldname, hash_value(plain))  # never a hash sent by the client


def _secret_behind(d, fieldname: str, value: str, kind: str) -> str | None:
	"""The plain value whose mask came back: the row's own ciphertext, else (a field fetched from a linked
	record, e.g. an occupant's mobile from the resident file) the source's."""
	enc_field = encrypted_field(fieldname)
	for enc in _candidates(d, fieldname):
		if not looks_encrypted(enc):
			continue
		plain = decrypt_value(enc)
		if mask(kind, plain) == value:
			d.set(enc_field, enc)
			return plain
	return None


def _candidates(d, fieldname: str):
	"""Ciphertexts that may be behind the mask: a fetched field's source first (two numbers may share a
	mask, and the link may have changed), then the row's own, then the stored one."""
	enc_field = encrypted_field(fieldname)
	df = d.meta.get_field(fieldname)
	if df and df.fetch_from and "." in df.fetch_from:
		link, source_field = df.fetch_from.split(".", 1)
		link_df = d.meta.get_field(link)
		if link_df and link_df.fieldtype == "Link" and d.get(link) and kind_of(link_df.options, source_field):
			yield frappe.db.get_value(link_df.options, d.get(link), encrypted_field(source_field))
	yield d.get(enc_field)
	if d.name:
		yield frappe.db.get_value(d.doctype, d.name, enc_field)


# --- stored rows: conversion of plaintext (patch) and re-encryption (key rotation) ----------------------

CHUNK = 2000


def _tables():
	for doctype, fields in PROTECTED.items():
		if frappe.db.table_exists(doctype):
			yield doctype, fields


def _stored_rows(doctype: str, fieldname: str, plain_only: bool = False):
	"""(name, value, ciphertext) of every row with a value (or only of those holding a plain value), in
	chunks, by name."""
	enc = encrypted_field(fieldname)
	plain = f"and `{fieldname}` not like '%%*%%'" if plain_only else ""
	last = ""
	while True:
		rows = frappe.db.sql(
			f"""select `name`, `{fieldname}`, `{enc}` from `tab{doctype}`
			where `name` > %s and ifnull(`{fieldname}`, '') != '' {plain} order by `name` limit %s""",
			(last, CHUNK),
		)
		if not rows:
			return
		yield rows
		last = rows[-1][0]


def _write(doctype: str, fieldname: str, updates: list[tuple[str, str, str, str]]) -> None:
	if not updates:
		return
	enc, hashed = encrypted_field(fieldname), hash_field(fieldname)
	for mask_, cipher, digest, name in updates:
		frappe.db.sql(
			f"""update `tab{doctype}` set `{fieldname}` = %s, `{enc}` = %s, `{hashed}` = %s
			where `name` = %s""",
			(mask_, cipher, digest, name),
		)


def protect_stored(progress=None) -> dict[str, int]:
	"""Every stored plain value of a protected field (rows written before the fields were protected, or by
	a bulk insert that skipped `protect_row`) becomes mask + ciphertext + hash; the plain values found are
	also masked in the records' history (Version, Deleted Document). Returns {doctype.field: rows}."""
	done, seen = {}, {}
	for doctype, fields in _tables():
		for fieldname, kind in fields.items():
			count = 0
			for rows in _stored_rows(doctype, fieldname, plain_only=True):
				updates = []
				for name, value, _cipher in rows:
					if is_masked(value):
						continue
					masked, cipher, digest = protected_values(kind, value)
					seen[value] = masked
					updates.append((masked, cipher, digest, name))
				_write(doctype, fieldname, updates)
				count += len(updates)
				if progress:
					progress(f"{doctype}.{fieldname}", count)
			done[f"{doctype}.{fieldname}"] = count
	if seen:
		scrub_history(seen)
	return done


def scrub_history(plain_to_mask: dict[str, str]) -> int:
	"""Masks the given plain values wherever the history of protected records keeps them: Version diffs
	and Deleted Document copies. Returns how many rows changed."""
	parents = set(PROTECTED)
	for doctype in PROTECTED:
		if frappe.get_meta(doctype).istable:
			parents.update(
				df.parent
				for df in frappe.get_all(
					"DocField", filters={"fieldtype": "Table", "options": doctype}, fields=["parent"]
				)
			)
	changed = 0
	for table, doctype_column, data_column in (
		("tabVersion", "ref_doctype", "data"),
		("tabDeleted Document", "deleted_doctype", "data"),
	):
		last = ""
		while True:
			rows = frappe.db.sql(
				f"""select `name`, `{data_column}` from `{table}`
				where `{doctype_column}` in %(doctypes)s and `name` > %(last)s order by `name` limit {CHUNK}""",
				{"doctypes": tuple(parents), "last": last},
			)
			if not rows:
				break
			last = rows[-1][0]
			for name, data in rows:
				new = _mask_json(data, plain_to_mask)
				if new != data:
					frappe.db.sql(f"update `{table}` set `{data_column}` = %s where `name` = %s", (new, name))
					changed += 1
	return changed


def _mask_json(data: str | None, plain_to_mask: dict[str, str]) -> str | None:
	if not data:
		return data
	try:
		parsed = json.loads(data)
	except ValueError:
		return data

	def walk(node):
		if isinstance(node, str):
			return plain_to_mask.get(node, node)
		if isinstance(node, list):
			return [walk(n) for n in node]
		if isinstance(node, dict):
			return {k: walk(v) for k, v in node.items()}
		return node

	new = walk(parsed)
	return data if new == parsed else json.dumps(new, ensure_ascii=False, separators=(",", ":"))


def reencrypt_stored(old_key: str, new_key: str, progress=None) -> dict[str, int]:
	"""Every protected value re-encrypted and re-hashed under new_key (ciphertexts of either key are read);
	a plain value left in a column is protected on the way. Returns {doctype.field: rows}."""
	done = {}
	for doctype, fields in _tables():
		for fieldname, kind in fields.items():
			count = 0
			for rows in _stored_rows(doctype, fieldname):
				updates = []
				for name, value, cipher in rows:
					plain = _decrypt_with(cipher, (new_key, old_key)) if is_masked(value) else value
					if plain is None:
						continue  # nothing readable behind this mask: left as it is, counted below
					masked, new_cipher, digest = protected_values(kind, plain, new_key)
					updates.append((masked, new_cipher, digest, name))
				_write(doctype, fieldname, updates)
				count += len(updates)
				if progress:
					progress(f"{doctype}.{fieldname}", count)
			done[f"{doctype}.{fieldname}"] = count
	return done


def _decrypt_with(cipher: str | None, keys) -> str | None:
	if not looks_encrypted(cipher):
		return None
	for key in keys:
		try:
			return Fernet(key.encode()).decrypt(cipher.encode()).decode()
		except (InvalidToken, ValueError):
			continue
	return None


def unreadable_with(key: str) -> int:
	"""How many stored protected values the given key cannot decrypt (0 once a rotation is complete); a
	plain value left in a column counts too, a mask with no ciphertext (nothing to decrypt) does not."""
	missing = 0
	for doctype, fields in _tables():
		for fieldname in fields:
			for rows in _stored_rows(doctype, fieldname):
				missing += sum(
					1
					for _n, value, cipher in rows
					if not is_masked(value)
					or (looks_encrypted(cipher) and _decrypt_with(cipher, (key,)) is None)
				)
	return missing


def rotate_site_key(progress=None) -> dict:
	"""A new site key (site_config `encryption_key`): every protected value and every password Frappe keeps
	encrypted (__Auth) re-encrypted under it. The old key stays as `previous_encryption_key` while this
	runs, so every read keeps working (decrypt tries the new key, then the old); it is removed once nothing
	needs it. An interrupted rotation is resumed by running it again."""
	from frappe.installer import update_site_config

	previous = frappe.conf.get(PREVIOUS_KEY)
	if previous:  # resume: the new key is already the site's
		old, new = previous, get_encryption_key()
	else:
		old, new = get_encryption_key(), Fernet.generate_key().decode()
		update_site_config(PREVIOUS_KEY, old)
		frappe.local.conf[PREVIOUS_KEY] = old
		update_site_config("encryption_key", new)
		frappe.local.conf.encryption_key = new
	done = reencrypt_stored(old, new, progress)
	frappe.db.commit()
	done["__Auth"] = _reencrypt_passwords(old, new)
	frappe.db.commit()
	# a value written meanwhile by a worker that still read the old key: once more, then the check
	reencrypt_stored(old, new)
	frappe.db.commit()
	left = unreadable_with(new)
	if not left:
		update_site_config(PREVIOUS_KEY, "None")
		frappe.local.conf.pop(PREVIOUS_KEY, None)
	done["unreadable"] = left
	return done


def _reencrypt_passwords(old: str, new: str) -> int:
	"""Frappe's own encrypted passwords (e-mail accounts, API secrets…) follow the key."""
	rows = frappe.db.sql(
		"select `doctype`, `name`, `fieldname`, `password` from `__Auth` where `encrypted` = 1", as_dict=True
	)
	count = 0
	for row in rows:
		plain = _decrypt_with(row.password, (new, old))
		if plain is None:
			continue
		frappe.db.sql(
			"""update `__Auth` set `password` = %s
			where `doctype` = %s and `name` = %s and `fieldname` = %s and `encrypted` = 1""",
			(encrypt_value(plain, new), row.doctype, row.name, row.fieldname),
		)
		count += 1
	return count
