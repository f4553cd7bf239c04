#!/usr/bin/env bash
# Property CRM's test command: both tiers, whatever this machine has.
#   unit tier         tests/unit, plain pytest, no Frappe (always runs)
#   integration tier  the app's FrappeTestCase tests on a dedicated test site of a Frappe v15 + ERPNext v15
#                     bench ($PROPERTY_CRM_BENCH, default /opt/frappe-bench); skipped, loudly, without one
# Environment: PROPERTY_CRM_BENCH, PROPERTY_CRM_TEST_SITE (default property-crm-ci.localhost).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=${PROPERTY_CRM_BENCH:-/opt/frappe-bench}
SITE=${PROPERTY_CRM_TEST_SITE:-property-crm-ci.localhost}
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

count() { # passed failed skipped of a junit file
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
	root = ET.parse(sys.argv[1]).getroot()
except Exception:
	print(0, 0, 0); sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - k, f, k)
PY
}

# ------------------------------------------------------------------ unit tier
echo "== unit tier =="
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
	python3 -m venv "$VENV" || exit 1
fi
if ! "$VENV/bin/python" -c "import pytest, hypothesis, property_crm" 2>/dev/null; then
	"$VENV/bin/pip" install -q -e "$ROOT[test]" || exit 1
fi
(cd "$ROOT" && "$VENV/bin/python" -m pytest tests/unit -q -p no:cacheprovider --junitxml="$RESULTS/unit.xml")
unit_rc=$?
read -r up uf us < <(count "$RESULTS/unit.xml")
[ "$unit_rc" -eq 5 ] && { echo "unit tier collected no tests"; unit_rc=1; }

# ------------------------------------------------------------------ integration tier
ip=0 if_=0 is=0 int_rc=0
if [ ! -x "$BENCH/env/bin/python" ] || [ ! -d "$BENCH/apps/frappe" ] || [ ! -d "$BENCH/apps/erpnext" ]; then
	echo "!!!!! INTEGRATION TIER SKIPPED: no Frappe v15 + ERPNext v15 bench at $BENCH (set PROPERTY_CRM_BENCH to one) !!!!!"
else
	echo "== integration tier: bench $BENCH, site $SITE =="
	"$ROOT/tests/integration_setup.sh" "$BENCH" "$SITE" "$ROOT"
	setup_rc=$?
	if [ "$setup_rc" -ne 0 ]; then
		echo "integration setup failed (exit $setup_rc)"
		int_rc=$setup_rc
	else
		(cd "$BENCH/sites" && PROPERTY_CRM_TEST_SITE="$SITE" "$BENCH/env/bin/python" -m pytest \
			"$BENCH/apps/property_crm/property_crm" -q -p no:cacheprovider --junitxml="$RESULTS/integration.xml")
		int_rc=$?
		read -r ip if_ is < <(count "$RESULTS/integration.xml")
		[ "$int_rc" -eq 5 ] && { echo "integration tier collected no tests"; int_rc=1; }
	fi
	"$ROOT/tests/integration_setup.sh" --restore "$BENCH"
fi

echo "unit tier: $up passed, $uf failed, $us skipped"
if [ -x "$BENCH/env/bin/python" ] && [ -d "$BENCH/apps/erpnext" ]; then
	echo "integration tier: $ip passed, $if_ failed, $is skipped"
else
	echo "integration tier: skipped (no bench at $BENCH)"
fi
echo "total: $((up + ip)) passed, $((uf + if_)) failed, $((us + is)) skipped"
[ "$unit_rc" -eq 0 ] && [ "$int_rc" -eq 0 ]
