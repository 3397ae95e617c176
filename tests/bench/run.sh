#!/bin/sh
# `make bench`: soukd against references measured in the same invocation,
# on loopback, on this machine.
#
#   GET /healthz        soukd vs tests/bench/refserver.c, a bare
#                       libmicrohttpd server with soukd's flags and thread
#                       count answering the same bytes (the HTTP floor)
#   GET /v1/regions/ID  soukd (one indexed query, not cached) vs pgbench -S
#                       (PostgreSQL's own point-read rate), 64 connections
#   soukd's resident memory, idle after start and idle after the load
#
# It starts its own PostgreSQL cluster (normal durability) and soukd, and
# stops everything it started when it ends, however it ends.  Prints
# req/s, p50, p99, the ratio to the reference and whether each target is
# met.  A missed target is reported, not failed (benchmarks are not timed
# tests) unless BENCH_STRICT=1; a run that could not measure fails.
#
#   BENCH_SECONDS    length of each measured run (default 10)
#   BENCH_WARMUP     unmeasured run before each (default 2)
#   BENCH_ROUNDS     rounds of every run (default 2); the table shows, for
#                    each soukd/reference pair, the round in which other
#                    processes took the least CPU
#   BENCH_THREADS    soukd's http_threads (default: soukd's own choice)
#   BENCH_STRICT     1: exit 1 when a target is missed
set -eu
cd "$(dirname "$0")/../.."

secs=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
strict=${BENCH_STRICT:-0}
rounds=${BENCH_ROUNDS:-2}
out=build/bench
pg=$out/pg
ncpu=$(getconf _NPROCESSORS_ONLN)
healthz_conns="16 64"
regions_conns=64

die() {
	echo "bench: $*" >&2
	exit 1
}

# --- cleanup ---------------------------------------------------------------

soukd_pid=""
ref_pid=""
load_pid=""
cleanup() {
	for pid in $load_pid $ref_pid $soukd_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $load_pid $ref_pid $soukd_pid; do
		wait "$pid" 2>/dev/null || true
	done
	scripts/pg.sh stop "$pg" 2>/dev/null || true
	rm -rf "$pg"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# --- tools -----------------------------------------------------------------

[ -x bin/soukd ] || die "bin/soukd is missing; run make first"
command -v wrk >/dev/null 2>&1 || die "wrk is missing; run scripts/deps.sh --bench"
command -v curl >/dev/null 2>&1 || die "curl is missing; run scripts/deps.sh"
pgbin=""
if command -v pg_config >/dev/null 2>&1; then
	pgbin=$(pg_config --bindir 2>/dev/null || true)
fi
if [ -z "$pgbin" ] || [ ! -x "$pgbin/pgbench" ]; then
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -x "$pgbin/pgbench" ] || die "pgbench is missing; run scripts/deps.sh"

mkdir -p "$out"
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Wformat=2 -Wshadow \
	-Wpointer-arith -Wcast-qual -Wwrite-strings -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla $(pkg-config --cflags \
	libmicrohttpd) -o "$out/refserver" tests/bench/refserver.c \
	$(pkg-config --libs libmicrohttpd) -lpthread ||
	die "cannot build tests/bench/refserver.c"

# --- helpers ---------------------------------------------------------------

# Share of CPU time spent busy over one second, in percent.
cpu_busy() {
	a=$(head -n 1 /proc/stat)
	sleep 1
	b=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$a" "$b" | awk '{
		busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6
		if (NR == 1) { b0 = busy; t0 = total }
		else printf "%.0f", 100 * (busy - b0) / (total - t0) }'
}

# "total busy ours" in clock ticks: the machine's time and busy time from
# /proc/stat, and the CPU time of the given processes (with their threads,
# reaped children and live children).  The difference tells how much of
# the machine something else used while we measured.
cpu_snapshot() {
	{ head -n 1 /proc/stat; cat /proc/[0-9]*/stat 2>/dev/null; } |
	awk -v pids="$*" '
	BEGIN { n = split(pids, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
	NR == 1 { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; next }
	{ s = $0; sub(/^[^)]*\) /, "", s); split(s, f, " "); pid = $1
	  if (pid in want) ours += f[12] + f[13] + f[14] + f[15]
	  else if (f[2] in want) ours += f[12] + f[13] }
	END { print total, busy, ours }'
}

# Percent of the machine's CPU time used by others between two snapshots.
cpu_others() {
	echo "$1 $2" | awk 'NF == 6 && $4 > $1 {
		v = 100 * (($5 - $2) - ($6 - $3)) / ($4 - $1)
		printf "%.0f", v < 0 ? 0 : v; next } { printf "?" }'
}

# CPU time our processes spent per request between two snapshots, in
# microseconds: cpu_per A B REQUESTS.
cpu_per() {
	echo "$1 $2 $3 $(getconf CLK_TCK)" | awk 'NF == 8 && $7 > 0 {
		printf "%.0f", ($6 - $3) * 1e6 / $8 / $7; next } { printf "?" }'
}

# Waits for "listening on http://127.0.0.1:PORT" in a log; prints PORT.
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$2")
		if [ -n "$port" ]; then
			echo "$port"
			return 0
		fi
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	cat "$2" >&2
	return 1
}

# The value of key in a "key=value key=value" line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Runs a load generator in the background (so that a signal interrupts the
# wait), and puts its standard output in $out/load.out.
run_load() {
	"$@" >"$out/load.out" 2>"$out/load.err" &
	load_pid=$!
	if ! wait "$load_pid"; then
		load_pid=""
		cat "$out/load.err" >&2
		die "$1 failed"
	fi
	load_pid=""
}

# wrk_run NAME CONNS URL [-- ARGS]: a warm-up, then a measured run; sets
# $result to its wrk-result line and appends it to $out/results.
wrk_run() {
	name=$1
	conns=$2
	shift 2
	run_load wrk -t "$ncpu" -c "$conns" -d "${warmup}s" --timeout 10s \
		-s tests/bench/wrk.lua "$@"
	a=$(cpu_snapshot $$ $soukd_pid $ref_pid $postmaster)
	run_load wrk -t "$ncpu" -c "$conns" -d "${secs}s" --timeout 10s \
		-s tests/bench/wrk.lua "$@"
	b=$(cpu_snapshot $$ $soukd_pid $ref_pid $postmaster)
	result=$(grep '^wrk-result ' "$out/load.out") ||
		die "$name: no result from wrk"
	result="$result cpu_us=$(cpu_per "$a" "$b" "$(field requests "$result")")"
	result="$result others=$(cpu_others "$a" "$b")"
	echo "$name conns=$conns $result" >>"$out/results"
	if [ "$(field non2xx "$result")" != 0 ] ||
	    [ "$(field errors "$result")" != 0 ]; then
		cat "$out/load.out" >&2
		die "$name: some requests failed ($result)"
	fi
}

# --- the database ----------------------------------------------------------

: >"$out/results"
busy=$(cpu_busy)
echo "bench: setting up (CPU busy before start: $busy%)"
scripts/pg.sh stop "$pg" 2>/dev/null || true
rm -rf "$pg"
scripts/pg.sh start "$pg"
conninfo=$(scripts/pg.sh conninfo "$pg")
postmaster=$(head -n 1 "$pg/data/postmaster.pid")
bin/soukd migrate --database "$conninfo" >/dev/null
scripts/pg.sh psql "$pg" -q -v ON_ERROR_STOP=1 \
	-f sql/seed/0001_regions.sql >/dev/null
scripts/pg.sh psql "$pg" -q -v ON_ERROR_STOP=1 \
	-f tests/bench/regions.sql >/dev/null
set -- $(scripts/pg.sh psql "$pg" -tA -F ' ' \
	-c "SELECT min(id), max(id), count(*) FROM regions")
id_lo=$1
id_hi=$2
nregions=$3
[ "$nregions" -eq $((id_hi - id_lo + 1)) ] ||
	die "region ids are not contiguous ($id_lo..$id_hi, $nregions rows)"

pgb="$pgbin/pgbench -h $PWD/$pg -U souk"
scripts/pg.sh psql "$pg" -qc "CREATE DATABASE pgbench" >/dev/null
$pgb -i -s 10 -q pgbench >"$out/pgbench-init.log" 2>&1 || {
	cat "$out/pgbench-init.log" >&2
	die "pgbench -i failed"
}

# --- the servers -----------------------------------------------------------

if [ -n "${BENCH_THREADS:-}" ]; then
	export SOUKD_HTTP_THREADS="$BENCH_THREADS"
fi
# Emptied first: the background shell may open the log after we read it.
: >"$out/soukd.log"
: >"$out/refserver.log"
SOUKD_ACCESS_LOG=no bin/soukd --database "$conninfo" \
	--listen 127.0.0.1:0 2>"$out/soukd.log" &
soukd_pid=$!
soukd_port=$(wait_port "$soukd_pid" "$out/soukd.log") ||
	die "soukd did not start"
threads=$(sed -n 's/.*(\([0-9]*\) HTTP threads).*/\1/p' "$out/soukd.log")
[ -n "$threads" ] || die "cannot read soukd's thread count from its log"
"$out/refserver" "$threads" 2>"$out/refserver.log" &
ref_pid=$!
ref_port=$(wait_port "$ref_pid" "$out/refserver.log") ||
	die "refserver did not start"
souk=http://127.0.0.1:$soukd_port
ref=http://127.0.0.1:$ref_port

# The floor must answer what soukd answers, Date and request id aside.
shape() {
	curl -sSi "$1" | tr -d '\r' | sed -e 's/^\(Date\|X-Request-Id\): .*/\1: -/'
}
shape "$souk/healthz" >"$out/soukd.healthz"
shape "$ref/healthz" >"$out/refserver.healthz"
cmp -s "$out/soukd.healthz" "$out/refserver.healthz" || {
	diff "$out/soukd.healthz" "$out/refserver.healthz" >&2 || true
	die "refserver's answer differs from soukd's /healthz"
}
code=$(curl -s -o /dev/null -w '%{http_code}' "$souk/v1/regions/$id_hi")
[ "$code" = 200 ] || die "GET /v1/regions/$id_hi answered $code"

sleep 1
rss_start=$(rss_kib "$soukd_pid")

# --- the runs --------------------------------------------------------------

# pgbench_run: a warm-up, then a measured run of pgbench -S; sets $result
# to a line like wrk_run's and appends it to $out/results.
pgbench_run() {
	run_load $pgb -S -c "$regions_conns" -j "$ncpu" -T "$warmup" \
		-M prepared pgbench
	rm -f "$out"/pgbench_log.*
	a=$(cpu_snapshot $$ $soukd_pid $ref_pid $postmaster)
	run_load $pgb -S -c "$regions_conns" -j "$ncpu" -T "$secs" \
		-M prepared -l --sampling-rate=0.05 \
		--log-prefix="$out/pgbench_log" pgbench
	b=$(cpu_snapshot $$ $soukd_pid $ref_pid $postmaster)
	rps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out/load.out")
	[ -n "$rps" ] || die "no tps from pgbench"
	# Transaction log lines: client, number, latency in microseconds, ...
	set -- $(cat "$out"/pgbench_log.* | awk '{ print $3 }' | sort -n |
	    awk 'function at(p,  i) { i = int(NR * p + 0.5); return v[i < 1 ? 1 : i] }
		{ v[NR] = $1 }
		END { if (NR == 0) print 0, 0; else print at(0.50), at(0.99) }')
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
	    "$out/load.out")
	result="rps=$rps p50_us=$1 p99_us=$2 cpu_us=$(cpu_per "$a" "$b" "$n")"
	result="$result others=$(cpu_others "$a" "$b")"
	echo "pgbench conns=$regions_conns $result" >>"$out/results"
}

# keep NAME SOUK REF: keeps the pair of results of the round in which
# other processes took the least CPU, as NAME_s and NAME_r.
keep() {
	n=$(printf '%s\n%s\n' "$2" "$3" | sed -n 's/.* others=\([0-9]*\)$/\1/p' |
	    awk '{ m = $1 > m ? $1 : m } END { print NR == 2 ? m : 100 }')
	eval "old=\${${1}_noise:-101}"
	if [ "$n" -lt "$old" ]; then
		eval "${1}_s=\$2 ${1}_r=\$3 ${1}_noise=\$n"
	fi
}

echo "bench: $ncpu CPUs, soukd with $threads HTTP threads, $nregions regions," \
	"${secs}s per run after ${warmup}s of warm-up, $rounds round(s)"
r=1
while [ "$r" -le "$rounds" ]; do
	for c in $healthz_conns; do
		echo "bench: round $r, GET /healthz, $c connections: soukd," \
			"then the floor"
		wrk_run healthz-soukd "$c" "$souk/healthz"
		s=$result
		wrk_run healthz-ref "$c" "$ref/healthz"
		keep "hz_$c" "$s" "$result"
	done
	echo "bench: round $r, GET /v1/regions/{id} then pgbench -S," \
		"$regions_conns connections"
	wrk_run regions-soukd "$regions_conns" "$souk/" -- /v1/regions/ \
		"$id_lo" "$id_hi"
	s=$result
	pgbench_run
	keep rg "$s" "$result"
	r=$((r + 1))
done

# soukd has been idle since its last run.
sleep 2
rss_after=$(rss_kib "$soukd_pid")

# --- the table -------------------------------------------------------------

fmt='%-21s %5s %9s %7s %8s %6s %6s  %-11s %9s %6s  %-19s %s\n'
missed=0
# row TEST CONNS RPS P50US P99US CPUUS OTHERS REFNAME REFRPS RATIO-MIN
#     [P99-MAX-US]
# prints a measured line; without REFNAME it is a reference's own line.
row() {
	awk -v fmt="$fmt" -v t="$1" -v c="$2" -v r="$3" -v p50="$4" \
	    -v p99="$5" -v cpu="$6" -v o="$7" -v rn="${8:-}" -v rr="${9:-0}" \
	    -v tr="${10:-0}" -v pmax="${11:-0}" 'BEGIN {
		if (rn == "") {
			printf fmt, t, c, sprintf("%.0f", r), sprintf("%.2f", p50 / 1000),
			    sprintf("%.2f", p99 / 1000), cpu, o "%", "(reference)",
			    "", "", "", ""
			exit 0
		}
		ratio = rr > 0 ? r / rr : 0
		ok = ratio >= tr && (pmax == 0 || p99 < pmax)
		target = sprintf(">= %.1fx", tr)
		if (pmax > 0)
			target = target sprintf(", p99 < %g ms", pmax / 1000)
		printf fmt, t, c, sprintf("%.0f", r), sprintf("%.2f", p50 / 1000),
		    sprintf("%.2f", p99 / 1000), cpu, o "%", rn, sprintf("%.0f", rr),
		    sprintf("%.2f", ratio), target, ok ? "PASS" : "MISS"
		exit ok ? 0 : 1 }' || missed=$((missed + 1))
}
# rssrow TEST KIB
rssrow() {
	awk -v fmt="$fmt" -v t="$1" -v k="$2" 'BEGIN {
		ok = k < 20 * 1024
		printf fmt, t, "-", sprintf("%.1f MiB", k / 1024), "-", "-", "-",
		    "-", "-", "-", "-", "< 20 MiB", ok ? "PASS" : "MISS"
		exit ok ? 0 : 1 }' || missed=$((missed + 1))
}
# wrkrow TEST RESULT [REFNAME REFRPS RATIO-MIN P99-MAX-US]
wrkrow() {
	row "$1" "$(field conns "$2")" "$(field rps "$2")" \
		"$(field p50_us "$2")" "$(field p99_us "$2")" \
		"$(field cpu_us "$2")" "$(field others "$2")" "${3:-}" "${4:-}" \
		"${5:-}" "${6:-}"
}

echo
printf "$fmt" test conns req/s p50/ms p99/ms cpu/us others reference \
	'ref req/s' ratio target result
for c in $healthz_conns; do
	eval "s=\$hz_${c}_s r=\$hz_${c}_r"
	wrkrow "libmicrohttpd floor" "conns=$c $r"
	wrkrow "GET /healthz" "conns=$c $s" floor "$(field rps "$r")" 0.7
done
wrkrow "pgbench -S" "conns=$regions_conns $rg_r"
wrkrow "GET /v1/regions/{id}" "conns=$regions_conns $rg_s" "pgbench -S" \
	"$(field rps "$rg_r")" 0.4 5000
rssrow "soukd RSS, started" "$rss_start"
rssrow "soukd RSS, after load" "$rss_after"
cat <<NOTE

  p50/p99 of wrk runs are wrk's, corrected for coordinated omission (a
  stalled request counts as the requests a steady client would have sent
  meanwhile); pgbench's come from a 5% sample of its transaction log.
  cpu/us is the CPU time per request of everything the run involves (load
  generator, server, PostgreSQL backends), which other load disturbs less
  than req/s: on a machine of its own, req/s is about CPUs / cpu/us.
  "others" is the share of the machine's CPU that processes not started by
  this benchmark used during the run: above a few percent, the figures of
  that run are not trustworthy (with several rounds, BENCH_ROUNDS, the table
  shows the quietest round of each pair).
  Raw results, every round: $out/results
NOTE
if [ "$missed" -gt 0 ]; then
	echo "bench: $missed target(s) missed"
	[ "$strict" = 1 ] && exit 1
fi
exit 0
