#!/usr/bin/env bash
# Prepares the integration tier on an existing bench (it never builds one):
#   1. starts MariaDB and the bench's Redis servers on 127.0.0.1 when they are not running;
#   2. points the bench's apps/property_crm at this checkout (the previous target is restored afterwards);
#   3. creates the dedicated test site (with ERPNext) when missing, installs or migrates property_crm on it.
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
conf() { "$PY" -c "import json,sys; print(json.load(open('$BENCH/sites/common_site_config.json')).get(sys.argv[1]) or '')" "$1"; }
ROOT_PW=$(conf root_password)
DB_HOST=$(conf db_host); DB_HOST=${DB_HOST:-127.0.0.1}

# ---- MariaDB
if ! mysqladmin --protocol=tcp -h "$DB_HOST" -uroot -p"$ROOT_PW" ping >/dev/null 2>&1; then
	echo "starting MariaDB"
	(service mariadb start || service mysql start) >/dev/null 2>&1 || (mysqld_safe >/dev/null 2>&1 &)
	for _ in $(seq 60); do
		mysqladmin --protocol=tcp -h "$DB_HOST" -uroot -p"$ROOT_PW" ping >/dev/null 2>&1 && break
		sleep 1
	done
	mysqladmin --protocol=tcp -h "$DB_HOST" -uroot -p"$ROOT_PW" ping >/dev/null 2>&1 || { echo "MariaDB did not start"; exit 1; }
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
ln -sfn "$link/property_crm/public" "$BENCH/sites/assets/property_crm" 2>/dev/null || true

# ---- the dedicated test site
frappe_cli() { (cd "$BENCH/sites" && "$PY" -m frappe.utils.bench_helper frappe "$@"); }
if [ ! -f "$BENCH/sites/$SITE/site_config.json" ]; then
	echo "creating test site $SITE (ERPNext; a few minutes)"
	frappe_cli new-site "$SITE" --admin-password admin --db-root-password "$ROOT_PW" \
		--install-app erpnext --mariadb-user-host-login-scope='%' >"$BENCH/logs/property_crm_ci_new_site.log" 2>&1 \
		|| { tail -40 "$BENCH/logs/property_crm_ci_new_site.log"; echo "new-site failed"; exit 1; }
	frappe_cli --site "$SITE" set-config allow_tests True --parse >/dev/null
fi
# tests create many users within a minute; Frappe throttles user creation (60 a minute by default)
frappe_cli --site "$SITE" set-config throttle_user_limit 100000 --parse >/dev/null
if frappe_cli --site "$SITE" list-apps 2>/dev/null | grep -q "^property_crm"; then
	echo "migrating $SITE"
	frappe_cli --site "$SITE" migrate >"$BENCH/logs/property_crm_ci_migrate.log" 2>&1 \
		|| { tail -40 "$BENCH/logs/property_crm_ci_migrate.log"; echo "migrate failed"; exit 1; }
else
	echo "installing property_crm on $SITE"
	frappe_cli --site "$SITE" install-app property_crm || { echo "install-app failed"; exit 1; }
fi
