"""pytest entry for the integration tier: connects to the dedicated test site of a Frappe bench.

Run from the bench's `sites/` folder, with the site in PROPERTY_CRM_TEST_SITE (tests/run.sh does this).
"""

import os

import pytest


def pytest_configure(config):
	import frappe

	site = os.environ.get("PROPERTY_CRM_TEST_SITE")
	if not site:
		raise pytest.UsageError("Set PROPERTY_CRM_TEST_SITE to the test site's name (see README).")
	frappe.init(site=site, sites_path=os.getcwd())
	frappe.connect()
	frappe.flags.in_test = True
	# tests create many users within a minute; Frappe throttles that (60 a minute by default)
	frappe.local.conf.throttle_user_limit = 100_000
	frappe.clear_cache()
	for method in frappe.get_hooks("before_tests", app_name="property_crm"):
		frappe.get_attr(method)()
	frappe.db.commit()


@pytest.fixture(autouse=True, scope="module")
def fresh_rate_limits():
	"""Every test request comes from 127.0.0.1 and a guest is limited per address (property_crm.rate_limits):
	each test module starts with fresh counters, so that one module's guests do not use up the next one's."""
	from property_crm.rate_limits import reset_counters

	reset_counters()


def pytest_unconfigure(config):
	import frappe

	if getattr(frappe.local, "db", None):
		frappe.db.rollback()
		frappe.destroy()
