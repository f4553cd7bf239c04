"""The test command's own failure modes (tests/integration_setup.sh), on this bench: it never prompts,
says what to set when it has no MariaDB root password, and makes a half-created test site again."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase

CHECKOUT = Path(frappe.get_app_path("property_crm")).resolve().parent
SCRIPT = CHECKOUT / "tests" / "integration_setup.sh"
BENCH = Path(frappe.utils.get_bench_path()).resolve()


def run_setup(bench: Path, site: str, **env) -> subprocess.CompletedProcess:
	environment = {k: v for k, v in os.environ.items() if k != "PROPERTY_CRM_DB_ROOT_PASSWORD"} | env
	return subprocess.run(
		["bash", str(SCRIPT), str(bench), site, str(CHECKOUT)],
		stdin=subprocess.DEVNULL,  # as in CI: a prompt would fail at once instead of waiting
		capture_output=True,
		text=True,
		timeout=900,
		env=environment,
	)


def frappe_cli(*args: str) -> subprocess.CompletedProcess:
	python = str(BENCH / "env" / "bin" / "python")
	return subprocess.run(
		[python, "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=BENCH / "sites",
		capture_output=True,
		text=True,
		stdin=subprocess.DEVNULL,
	)


class TestIntegrationSetup(FrappeTestCase):
	def test_without_a_root_password_it_says_what_to_set(self):
		with tempfile.TemporaryDirectory() as folder:
			bench = Path(folder)
			(bench / "env" / "bin").mkdir(parents=True)
			(bench / "env" / "bin" / "python").symlink_to(BENCH / "env" / "bin" / "python")
			(bench / "sites").mkdir()
			(bench / "sites" / "common_site_config.json").write_text(json.dumps({"db_host": "127.0.0.1"}))
			result = run_setup(bench, "nowhere.localhost")
		self.assertNotEqual(result.returncode, 0)
		lines = [line for line in result.stdout.splitlines() if "PROPERTY_CRM_DB_ROOT_PASSWORD" in line]
		self.assertEqual(len(lines), 1, result.stdout + result.stderr)
		self.assertIn("root_password", lines[0])

	def test_a_half_created_site_is_made_again(self):
		site = f"pcrm-broken-{frappe.generate_hash(length=6).lower()}.localhost"
		folder = BENCH / "sites" / site
		folder.mkdir()
		# what a new-site that stopped at its root-password prompt leaves: a config, no database user
		(folder / "site_config.json").write_text(json.dumps({"db_name": "_" + site[:12], "db_password": "x"}))
		try:
			result = run_setup(BENCH, site)
			self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
			self.assertIn("broken", result.stdout)
			config = json.loads((folder / "site_config.json").read_text())
			self.assertNotEqual(config["db_password"], "x")
			listed = frappe_cli("--site", site, "list-apps").stdout
			self.assertIn("property_crm", listed)
			self.assertIn("erpnext", listed)
		finally:
			root_password = frappe.conf.root_password or os.environ.get("PROPERTY_CRM_DB_ROOT_PASSWORD")
			frappe_cli("drop-site", site, "--force", "--no-backup", "--db-root-password", root_password or "")
			if folder.exists():
				subprocess.run(["rm", "-rf", str(folder)])
