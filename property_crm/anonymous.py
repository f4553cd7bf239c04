"""Writing without a trace of who asked: what residents file anonymously (complaints, survey answers)."""

from contextlib import contextmanager

import frappe


@contextmanager
def as_system():
	"""Write as the system (Administrator): what a resident files anonymously carries no trace of their user
	(owner, modified_by, version and comment authors). Only the session's user name changes — not the
	session itself (`frappe.set_user` would replace its id and data in the middle of a web request)."""
	session = frappe.local.session
	user = session.user
	session.user = "Administrator"
	try:
		yield
	finally:
		session.user = user
