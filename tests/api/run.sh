#!/bin/sh
# Runs the API tests (build/<variant>/tests/api) against a throwaway
# PostgreSQL cluster.  Whatever happens (a failed test, Ctrl-C, a crash),
# every soukd and cluster the tests started is stopped and the temporary
# directory removed.
#
#   tests/api/run.sh [BUILD_DIR]       (default build/asan)
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build/asan}

tmp=$(mktemp -d /tmp/souk-api.XXXXXX)
chmod 755 "$tmp"	# the cluster's owner must reach it when run as root

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -f "$tmp/pids" ]; then
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null || true
		done <"$tmp/pids"
	fi
	for pid in $(find "$tmp" -maxdepth 3 -name postmaster.pid 2>/dev/null); do
		scripts/pg.sh stop "$(dirname "$(dirname "$pid")")" || true
	done
	if [ "$status" -ne 0 ] && [ -z "${SOUK_KEEP_LOGS:-}" ]; then
		for log in "$tmp"/soukd-*.log; do
			[ -f "$log" ] || continue
			echo "--- last lines of $(basename "$log")" >&2
			tail -n 15 "$log" >&2
		done
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

scripts/pg.sh start "$tmp/pg" --fast

# The test processes themselves leak freely (fixtures are never freed);
# harness.c turns leak detection back on for every soukd it starts.
ASAN_OPTIONS=detect_leaks=0 \
SOUK_TEST_TMP=$tmp \
SOUK_TEST_PG=$tmp/pg \
SOUKD=${SOUKD:-$build/bin/soukd} \
SOUK_ROOT=$(pwd) \
	"$build/tests/api"
