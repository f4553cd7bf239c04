"""The unit tier's promise: the domain rules import no Frappe at all."""

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import property_crm.domain
from property_crm.domain import errors

DOMAIN = Path(property_crm.domain.__file__).parent


def test_domain_modules_do_not_import_frappe():
	modules = [f"property_crm.domain.{m.name}" for m in pkgutil.iter_modules([str(DOMAIN)])]
	assert len(modules) >= 5
	code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "import property_crm\n"
	code += "bad = sorted(m for m in sys.modules if m == 'frappe' or m.startswith('frappe.'))\n"
	code += "assert not bad, bad\nprint('ok')"
	result = subprocess.run(
		[sys.executable, "-c", code], capture_output=True, text=True, cwd=DOMAIN.parents[1]
	)
	assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_every_message_template_is_listed():
	"""Templates are module constants in errors.py; every one used by a rule is in MESSAGES."""
	used = set()
	for path in DOMAIN.glob("*.py"):
		tree = ast.parse(path.read_text(encoding="utf-8"))
		for node in ast.walk(tree):
			if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DomainError":
				first = node.args[0]
				assert isinstance(first, ast.Name), f"{path.name}: use a template constant from errors.py"
				used.add(getattr(errors, first.id))
	assert used and used <= set(errors.MESSAGES)
	for template in errors.MESSAGES:
		assert re.match(r"^(\{0\}|[A-Z][\w\s(),.²-]*)[:\s]", template), template
