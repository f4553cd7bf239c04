#!/usr/bin/env bash
# Prepares the integration tier on an existing bench (it never builds one):
#   1. starts MariaDB and the bench's Redis servers on 127.0.0.1 when they are not running;
#   2. points the bench's apps/property_crm at this checkout (the previous target is restored afterwards);
#   3. makes the dedicated test site afresh (with ERPNext; PROPERTY_CRM_KEEP_TEST_SITE=1 keeps the one there),
#      installs or migrates property_crm on it.
# Usage: integration_setup.sh BENCH SITE CHECKOUT   |   integration_setup.sh --restore BENCH
set -uo pipefail

if [ "${1:-}" = "--restore" ]; then
	BENCH=$2
	saved="$BENCH/.property_crm_app_link"
	if [ -f "$saved" ]; then
		target=$(cat "$saved")
		rm -f "$saved"
		if [ -n "$target" ]; then ln -sfn "$target" "$BENCH/apps/property_crm"; fi
		echo "restored apps/property_crm -> ${target:-<none>}"
	fi
	exit 0
fi

BENCH=$1 SITE=$2 CHECKOUT=$3
PY="$BENCH/env/bin/python"
conf() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[2])).get(sys.argv[1]) or '')" "$1" "${2:-$BENCH/sites/common_site_config.json}"; }
# The MariaDB root password: from the environment, else the bench's config. Never prompted for (CI has
# no standard input): without one, say what to set and stop.
ROOT_PW=${PROPERTY_CRM_DB_ROOT_PASSWORD:-$(conf root_password)}
if [ -z "$ROOT_PW" ]; then
	echo "!!!!! NO MARIADB ROOT PASSWORD: set PROPERTY_CRM_DB_ROOT_PASSWORD, or root_password in $BENCH/sites/common_site_config.json !!!!!"
	exit 3
fi
DB_HOST=$(conf db_host); DB_HOST=${DB_HOST:-127.0.0.1}
# the password goes through the environment, never -p (an empty -p prompts)
as_root() { MYSQL_PWD="$ROOT_PW" "$@" --protocol=tcp -h "$DB_HOST" -uroot </dev/null; }

# ---- MariaDB
if ! as_root mysqladmin ping >/dev/null 2>&1; then
	echo "starting MariaDB"
	(service mariadb start || service mysql start) >/dev/null 2>&1 || (mysqld_safe >/dev/null 2>&1 &)
	for _ in $(seq 60); do
		as_root mysqladmin ping >/dev/null 2>&1 && break
		sleep 1
	done
	if ! as_root mysqladmin ping >/dev/null 2>&1; then
		echo "MariaDB does not answer at $DB_HOST with the root password given (wrong password, or not installed)"
		exit 1
	fi
fi

# ---- Redis (the bench's own configs, which bind 127.0.0.1)
for name in redis_cache redis_queue; do
	cfg="$BENCH/config/$name.conf"
	[ -f "$cfg" ] || continue
	port=$(awk '$1=="port"{print $2}' "$cfg")
	if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
		echo "starting $name on 127.0.0.1:$port"
		(cd "$BENCH/config" && redis-server "$cfg" --daemonize yes --bind 127.0.0.1 >/dev/null)
		for _ in $(seq 20); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.5; done
	fi
done

# ---- the checked-out code as the bench's property_crm
link="$BENCH/apps/property_crm"
if [ -e "$link" ] && [ ! -L "$link" ]; then
	echo "$link is a real folder, not a link: refusing to replace it"; exit 1
fi
if [ "$(readlink -f "$link" 2>/dev/null)" != "$(readlink -f "$CHECKOUT")" ]; then
	readlink "$link" > "$BENCH/.property_crm_app_link" 2>/dev/null || echo "" > "$BENCH/.property_crm_app_link"
	ln -sfn "$CHECKOUT" "$link"
fi
grep -qx "property_crm" "$BENCH/sites/apps.txt" || printf '\nproperty_crm\n' >> "$BENCH/sites/apps.txt"
sed -i '/^$/d' "$BENCH/sites/apps.txt"
# Import the app through the link (a .pth line), not through a path resolved at install time: an
# editable install by pip records the link's target, which would keep testing the old checkout.
site_packages=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
imported=$("$PY" -c "import property_crm; print(property_crm.__file__)" 2>/dev/null)
if [ "$imported" != "$link/property_crm/__init__.py" ]; then
	"$BENCH/env/bin/pip" uninstall -q -y property_crm >/dev/null 2>&1
	echo "$link" > "$site_packages/property_crm.pth"
fi
"$PY" -c "import pytest, hypothesis, freezegun" 2>/dev/null || "$BENCH/env/bin/pip" install -q pytest hypothesis freezegun || exit 1
# the app's own dependencies (setup.py install_requires), which the .pth line above does not install
requires=$("$PY" - "$CHECKOUT/setup.py" <<'PY'
import ast, sys
for node in ast.walk(ast.parse(open(sys.argv[1]).read())):
	if isinstance(node, ast.keyword) and node.arg == "install_requires":
		print(" ".join(ast.literal_eval(node.value)))
PY
)
if [ -n "$requires" ] && ! "$BENCH/env/bin/pip" install -q $requires >"$BENCH/logs/property_crm_ci_requires.log" 2>&1; then
	tail -20 "$BENCH/logs/property_crm_ci_requires.log"; echo "installing the app's requirements failed"; exit 1
fi
ln -sfn "$link/property_crm/public" "$BENCH/sites/assets/property_crm" 2>/dev/null || true

# ---- the dedicated test site
frappe_cli() { (cd "$BENCH/sites" && "$PY" -m frappe.utils.bench_helper frappe "$@" </dev/null); }

site_is_usable() { # the site's own database user can log in and ERPNext is installed there
	local config="$BENCH/sites/$SITE/site_config.json" db user pw
	[ -f "$config" ] || return 1
	db=$(conf db_name "$config"); user=$(conf db_user "$config"); user=${user:-$db}; pw=$(conf db_password "$config")
	[ -n "$db" ] && [ -n "$pw" ] || return 1
	MYSQL_PWD="$pw" mysql --protocol=tcp -h "$DB_HOST" -u"$user" -N -e \
		"select 1 from \`tabInstalled Application\` where app_name = 'erpnext'" "$db" </dev/null 2>/dev/null | grep -qx 1
}

# A fresh test site each run: a long-used one grows with every run (users, orders, notifications to ever
# more staff) and the tier slowed from 19 to 54 minutes over a few weeks. new-site with ERPNext and the
# app's install take about two minutes. PROPERTY_CRM_KEEP_TEST_SITE=1 keeps the site (quicker reruns while
# developing). Only a site this script made (its marker file) or the default test site is ever dropped: a
# PROPERTY_CRM_TEST_SITE pointing at a real site is migrated, never dropped.
MARKER="$BENCH/sites/$SITE/.property_crm_test_site"
if [ -d "$BENCH/sites/$SITE" ] && [ "${PROPERTY_CRM_KEEP_TEST_SITE:-0}" != "1" ] \
	&& { [ -f "$MARKER" ] || [ "$SITE" = "property-crm-ci.localhost" ]; }; then
	echo "dropping the previous test site $SITE (a fresh one each run; PROPERTY_CRM_KEEP_TEST_SITE=1 keeps it)"
	archive=$(mktemp -d)
	frappe_cli drop-site "$SITE" --db-root-username root --db-root-password "$ROOT_PW" --no-backup --force \
		--archived-sites-path "$archive" >"$BENCH/logs/property_crm_ci_drop_site.log" 2>&1
	rm -rf "$archive"
	if [ -d "$BENCH/sites/$SITE" ]; then
		db=$(conf db_name "$BENCH/sites/$SITE/site_config.json" 2>/dev/null)
		[ -n "$db" ] && as_root mysql -e "drop database if exists \`$db\`; drop user if exists '$db'@'%'; drop user if exists '$db'@'localhost'" >/dev/null 2>&1
		rm -rf "${BENCH:?}/sites/${SITE:?}"
	fi
fi
if [ -d "$BENCH/sites/$SITE" ] && ! site_is_usable; then
	# a creation that failed half-way leaves a folder whose database user or tables are missing
	echo "test site $SITE is broken (its database cannot be used): making it again"
	db=$(conf db_name "$BENCH/sites/$SITE/site_config.json" 2>/dev/null)
	if [ -n "$db" ]; then
		as_root mysql -e "drop database if exists \`$db\`; drop user if exists '$db'@'%'; drop user if exists '$db'@'localhost'" >/dev/null 2>&1
	fi
	rm -rf "${BENCH:?}/sites/${SITE:?}"
fi
if [ ! -d "$BENCH/sites/$SITE" ]; then
	echo "creating test site $SITE (ERPNext; a few minutes)"
	if ! frappe_cli new-site "$SITE" --admin-password admin --db-root-username root --db-root-password "$ROOT_PW" \
		--db-host "$DB_HOST" --install-app erpnext --mariadb-user-host-login-scope='%' \
		>"$BENCH/logs/property_crm_ci_new_site.log" 2>&1; then
		tail -40 "$BENCH/logs/property_crm_ci_new_site.log"
		echo "new-site failed: the next run makes the site again"
		exit 1
	fi
	frappe_cli --site "$SITE" set-config allow_tests True --parse >/dev/null
	echo "made by tests/integration_setup.sh: dropped and made afresh by each test run" > "$MARKER"
fi
# tests create many users within a minute; Frappe throttles user creation (60 a minute by default)
frappe_cli --site "$SITE" set-config throttle_user_limit 100000 --parse >/dev/null
# a site's cached module map does not know an app just added to apps.txt: install-app would sync no doctype
frappe_cli --site "$SITE" clear-cache >/dev/null
installed=$(frappe_cli --site "$SITE" list-apps 2>/dev/null | grep -c "^property_crm")
synced=$(frappe_cli --site "$SITE" execute frappe.db.exists --args '["DocType", "Service Order"]' 2>/dev/null | tail -1)
if [ "$installed" -gt 0 ] && [ "$synced" = '"Service Order"' ]; then
	echo "migrating $SITE"
	frappe_cli --site "$SITE" migrate >"$BENCH/logs/property_crm_ci_migrate.log" 2>&1 \
		|| { tail -40 "$BENCH/logs/property_crm_ci_migrate.log"; echo "migrate failed"; exit 1; }
else
	# listed as installed without its doctypes (an install on a stale module map): install it again
	echo "installing property_crm on $SITE"
	frappe_cli --site "$SITE" install-app property_crm --force >"$BENCH/logs/property_crm_ci_install.log" 2>&1 \
		|| { tail -40 "$BENCH/logs/property_crm_ci_install.log"; echo "install-app failed"; exit 1; }
fi
