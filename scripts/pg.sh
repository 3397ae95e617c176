#!/bin/sh
# A private PostgreSQL cluster in a directory, reached through a Unix socket
# inside that directory (no TCP port), with a superuser and a database both
# named souk.  initdb refuses to run as root, so as root the cluster runs as
# an unprivileged user (postgres, or souk-pg created for the purpose).
#
#   scripts/pg.sh start DIR [--fast]   create if needed, start, create db
#   scripts/pg.sh stop DIR             stop if running
#   scripts/pg.sh status DIR           exit 0 if running
#   scripts/pg.sh conninfo DIR         print the libpq connection string
#   scripts/pg.sh psql DIR [ARGS...]   psql on the souk database
#
# --fast turns off durability (fsync, synchronous_commit): for throwaway
# test clusters only.
set -eu

usage() {
	echo "usage: scripts/pg.sh start|stop|status|conninfo|psql DIR [...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
shift 2

# The server's programs: pg_config's bindir, else the newest installed.
bindir=""
if command -v pg_config >/dev/null 2>&1; then
	bindir=$(pg_config --bindir 2>/dev/null || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg.sh: no PostgreSQL server found; run scripts/deps.sh" >&2
	exit 1
fi

case "$dir" in
/*) ;;
*) dir="$(pwd)/$dir" ;;
esac
data="$dir/data"

# Runs a command as the cluster's owner.
owner=""
if [ "$(id -u)" -eq 0 ]; then
	if id postgres >/dev/null 2>&1; then
		owner=postgres
	else
		id souk-pg >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin souk-pg
		owner=souk-pg
	fi
fi
as_owner() {
	if [ -n "$owner" ]; then
		runuser -u "$owner" -- "$@"
	else
		"$@"
	fi
}

running() {
	[ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

conninfo() {
	echo "host=$dir user=souk dbname=souk"
}

init() {
	mkdir -p "$dir"
	if [ -n "$owner" ]; then
		chown "$owner" "$dir"
		chmod 700 "$dir"
		if ! as_owner test -x "$dir"; then
			echo "pg.sh: $owner cannot reach $dir (a parent directory is closed to other users);" >&2
			echo "pg.sh: move the checkout or open its parents with chmod o+x" >&2
			exit 1
		fi
	fi
	as_owner "$bindir/initdb" -D "$data" -U souk -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	cat >>"$data/postgresql.conf" <<CONF

# souk: a private cluster reached only through its socket.
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
timezone = 'UTC'
log_timezone = 'UTC'
CONF
}

case "$cmd" in
start)
	fast=no
	for arg in "$@"; do
		case "$arg" in
		--fast) fast=yes ;;
		*) usage ;;
		esac
	done
	[ -f "$data/PG_VERSION" ] || init
	if [ "$fast" = yes ] && ! grep -q '^fsync = off' "$data/postgresql.conf"; then
		printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' \
			>>"$data/postgresql.conf"
	fi
	if ! running; then
		as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/postgresql.log" \
			-w -t 60 start >/dev/null || {
			tail -n 20 "$dir/postgresql.log" >&2
			exit 1
		}
	fi
	if ! "$bindir/psql" -h "$dir" -U souk -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'souk'" | grep -q 1; then
		"$bindir/psql" -h "$dir" -U souk -d postgres -qc "CREATE DATABASE souk" >/dev/null
	fi
	;;
stop)
	if running; then
		as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
	fi
	;;
status)
	running
	;;
conninfo)
	conninfo
	;;
psql)
	exec "$bindir/psql" -h "$dir" -U souk -d souk "$@"
	;;
*)
	usage
	;;
esac
