#!/bin/sh
# `make run`: starts the private PostgreSQL cluster under ./var, brings the
# schema up to date, loads the demo data once, and runs soukd in the
# foreground on 127.0.0.1:8080.  Ctrl-C stops soukd; `make stop` stops the
# cluster; running again reuses cluster and data.
set -eu
cd "$(dirname "$0")/.."

listen=${SOUK_LISTEN:-127.0.0.1:8080}
mkdir -p var
scripts/pg.sh start var/pg
conninfo=$(scripts/pg.sh conninfo var/pg)

bin/soukd migrate --database "$conninfo"

# One demo account per role, each with a generated password, listed in
# var/demo-credentials.txt (private to its owner) for the banner below.
demo_accounts() {
	tmp=var/demo-credentials.txt.tmp
	rm -f "$tmp"
	(umask 077 && : >"$tmp")
	{
		echo "  demo accounts (bin/souk login, or the sign-in screen):"
		printf '    %-12s %-25s %s\n' ROLE EMAIL PASSWORD
	} >>"$tmp"
	# The vendor accounts belong to the demo electronics shop in Mumbai.
	shop=$(scripts/pg.sh psql var/pg -qtA -c "SELECT id FROM vendors
		WHERE name = 'Sharma Electronics'")
	for role in admin supervisor moderator employee telecaller \
		customer b2b_buyer vendor_owner vendor_staff; do
		pw=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
		case $role in
		employee | telecaller | supervisor) set -- --region IN-MH ;;
		vendor_owner | vendor_staff) set -- --vendor "$shop" ;;
		*) set -- ;;
		esac
		printf '%s\n' "$pw" | bin/soukd user add --role "$role" \
			--email "$role@demo.souk" --name "Demo $role" "$@" \
			--password-stdin --database "$conninfo" >/dev/null
		printf '    %-12s %-25s %s\n' "$role" "$role@demo.souk" "$pw" \
			>>"$tmp"
	done
	# The demo telecaller and supervisor work the demo call queues.
	scripts/pg.sh psql var/pg -q -v ON_ERROR_STOP=1 -c "INSERT INTO
		queue_agents (queue_id, user_id) SELECT q.id, u.id FROM queues q,
		users u WHERE u.email IN ('telecaller@demo.souk',
		'supervisor@demo.souk') ON CONFLICT DO NOTHING" >/dev/null
	cat >>"$tmp" <<'NOTE'
    employee, telecaller and supervisor work in Maharashtra (IN-MH);
    vendor_owner and vendor_staff run Sharma Electronics, Mumbai.

NOTE
	mv "$tmp" var/demo-credentials.txt
}

if [ ! -e var/pg/seeded ]; then
	echo "loading demo data (sql/seed)"
	for f in sql/seed/*.sql; do
		scripts/pg.sh psql var/pg -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
	done
	demo_accounts
	touch var/pg/seeded
fi

cat <<MSG

  souk is starting on http://$listen
    API         curl http://$listen/v1/regions
    OpenAPI     http://$listen/v1/openapi.json
    console     bin/souk          (or: bin/souk -c regions)
    database    scripts/pg.sh psql var/pg
  Ctrl-C stops soukd; \`make stop\` stops PostgreSQL.

MSG
if [ -f var/demo-credentials.txt ]; then
	cat var/demo-credentials.txt
fi

exec bin/soukd --database "$conninfo" --listen "$listen"
