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

if [ ! -e var/pg/seeded ]; then
	echo "loading demo data (sql/seed)"
	for f in sql/seed/*.sql; do
		scripts/pg.sh psql var/pg -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
	done
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
