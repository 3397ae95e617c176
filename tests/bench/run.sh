#!/bin/sh
# `make bench`: soukd against references measured in the same invocation,
# on loopback, on this machine.  Sections (BENCH_ONLY, default all):
#
# http       GET /healthz        soukd vs tests/bench/refserver.c, a bare
#                                libmicrohttpd server with soukd's flags
#                                and thread count answering the same bytes
#                                (the HTTP floor)
#            GET /v1/regions/ID  soukd (one indexed query, not cached) vs
#                                pgbench -S (PostgreSQL's own point-read
#                                rate), 64 connections
#            soukd's resident memory, idle after start and after the load
# jobs       no-op jobs through the queue: N bulk-inserted as jobs_enqueue
#            inserts them, a soukd --role worker with 4 workers woken, the
#            time until all are done; vs pgbench's TPC-B (4 clients)
#            enqueue to start of one job at a time on an idle queue
#            (test.record, test mode), p50 and p99
# sse        GET /v1/regions/ID with 500 idle event streams open
#            (tests/bench/sseidle.c, GET /v1/stream?topics=jobs as an
#            admin) vs without them: the p99
# auth       GET /v1/regions/ID with a valid access token vs without one
#            (the route is public; a token sent is still verified)
#            POST /v1/auth/login with the right password: logins/s, and
#            per CPU, at the configured argon2id cost
# catalogue  tests/bench/catalogue.sql's catalogue (BENCH_LISTINGS
#            listings), and tests/bench/requests.sql's requests, 16
#            clients: GET /v1/products?q= (search), GET /v1/search/suggest,
#            GET /v1/products?category_id=&<filter> (browse); and
#            GET /v1/products/ID over every listing vs pgbench -S, 64
# tele       tests/bench/tele.sql's call queue of BENCH_LEADS leads and
#            100 agents (tests/bench/telebench.c), each looping next lead,
#            call, disposition and about BENCH_TELE_THINK ms of talk
#            (default 500; each call 0.5 to 1.5 times that, agents
#            starting at random): POST /v1/queues/ID/next's p50 and p99; the
#            disposition-to-next-card time as its two requests take it
#            (the disposition, then at once the next lead); and the same
#            on the console's agent screen, driven through tmux by one
#            more agent while the 100 work again, right after
#            (tests/bench/teleconsole.sh: the key 2 to the next card on
#            the screen, read every 10 ms or so; not during the measured
#            run, which that reading would load)
#
# It starts its own PostgreSQL cluster (normal durability) and soukd, and
# stops everything it started when it ends, however it ends.  Prints
# rates, p50, p99, the reference and whether each target is met.  A
# missed target is reported, not failed (benchmarks are not timed tests)
# unless BENCH_STRICT=1; a run that could not measure fails.
#
#   BENCH_ONLY       the sections to run, of "http jobs sse auth catalogue
#                    tele"
#   BENCH_SECONDS    length of each measured run (default 10)
#   BENCH_WARMUP     unmeasured run before each (default 2)
#   BENCH_ROUNDS     rounds of every run (default 2); the table shows, for
#                    each soukd/reference pair, the round in which other
#                    processes took the least CPU
#   BENCH_THREADS    soukd's http_threads (default: soukd's own choice)
#   BENCH_LISTINGS   listings in the catalogue (default 100000)
#   BENCH_JOBS       no-op jobs per throughput run (default 40000)
#   BENCH_STREAMS    idle event streams of the sse section (default 500)
#   BENCH_LEADS      leads in the tele section's queue (default 1000000)
#   BENCH_STRICT     1: exit 1 when a target is missed
set -eu
cd "$(dirname "$0")/../.."

secs=${BENCH_SECONDS:-10}
warmup=${BENCH_WARMUP:-2}
strict=${BENCH_STRICT:-0}
rounds=${BENCH_ROUNDS:-2}
only=${BENCH_ONLY:-http jobs sse auth catalogue tele}
leads=${BENCH_LEADS:-1000000}
tele_agents=100
tele_think=${BENCH_TELE_THINK:-500}
listings=${BENCH_LISTINGS:-100000}
njobs=${BENCH_JOBS:-40000}
nstreams=${BENCH_STREAMS:-500}
out=build/bench
pg=$out/pg
ncpu=$(getconf _NPROCESSORS_ONLN)
healthz_conns="16 64"
regions_conns=64
catalogue_conns=16
job_workers=4
login_conns=$((2 * ncpu))
password=bench-password-not-secret

die() {
	echo "bench: $*" >&2
	exit 1
}

for s in $only; do
	case $s in
	http | jobs | sse | auth | catalogue | tele) ;;
	*) die "BENCH_ONLY: unknown section $s (http jobs sse auth catalogue tele)" ;;
	esac
done
want() {
	case " $only " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# --- cleanup ---------------------------------------------------------------

soukd_pid=""
worker_pid=""
ref_pid=""
load_pid=""
sse_pid=""

cleanup() {
	for pid in $load_pid $sse_pid $ref_pid $worker_pid \
	    $soukd_pid; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $load_pid $sse_pid $ref_pid $worker_pid \
	    $soukd_pid; do
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
# bench_cc OUTPUT SOURCE [PKG...]: builds a load generator or reference.
bench_cc() {
	o=$1
	src=$2
	shift 2
	${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Wformat=2 -Wshadow \
		-Wpointer-arith -Wcast-qual -Wwrite-strings -Wstrict-prototypes \
		-Wmissing-prototypes -Wvla ${1:+$(pkg-config --cflags "$@")} \
		-o "$o" "$src" ${1:+$(pkg-config --libs "$@")} -lpthread ||
		die "cannot build $src"
}
want http && bench_cc "$out/refserver" tests/bench/refserver.c libmicrohttpd
want sse && bench_cc "$out/sseidle" tests/bench/sseidle.c
want tele && bench_cc "$out/telebench" tests/bench/telebench.c libcurl

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
ours() {
	echo $$ $soukd_pid $worker_pid $ref_pid $sse_pid $postmaster
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

# Waits up to 10 s for a line matching a pattern in a file.
wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$3" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	cat "$3" >&2
	return 1
}

# The value of key in a "key=value key=value" line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
# The part of it that is soukd's own: anonymous pages (heap, stacks), not
# the pages of shared libraries it maps.
anon_kib() {
	awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"
}

psql_q() {
	scripts/pg.sh psql "$pg" -qtA -v ON_ERROR_STOP=1 "$@"
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

# wrk_run NAME CONNS URL [ARGS] [-- SCRIPT-ARGS]: a warm-up, then a
# measured run; sets $result to its wrk-result line and appends it to
# $out/results.  With a script argument "@FILE" (requests from FILE) the
# threads of the warm-up start at 0 and 1/2 of the file (with 2 threads),
# and those of the measured run at 1/4 and 3/4: the measured run asks for
# what the warm-up did not, but for the popular requests that recur
# everywhere in the file.
wrk_run() {
	name=$1
	conns=$2
	shift 2
	from_file=""
	for a in "$@"; do
		case $a in
		@*) from_file=yes ;;
		esac
	done
	run_load wrk -t "$ncpu" -c "$conns" -d "${warmup}s" --timeout 10s \
		-s tests/bench/wrk.lua "$@" ${from_file:+0 $ncpu}
	a=$(cpu_snapshot $(ours))
	run_load wrk -t "$ncpu" -c "$conns" -d "${secs}s" --timeout 10s \
		-s tests/bench/wrk.lua "$@" ${from_file:+0.25 $ncpu}
	b=$(cpu_snapshot $(ours))
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
	result="conns=$conns $result"
}

# pgbench_run NAME CONNS [-S]: a warm-up, then a measured run of pgbench
# (-S: the select-only script, else TPC-B); sets $result to a line like
# wrk_run's and appends it to $out/results.
pgbench_run() {
	name=$1
	conns=$2
	shift 2
	run_load $pgb "$@" -c "$conns" -j "$ncpu" -T "$warmup" -M prepared \
		pgbench
	rm -f "$out"/pgbench_log.*
	a=$(cpu_snapshot $(ours))
	run_load $pgb "$@" -c "$conns" -j "$ncpu" -T "$secs" -M prepared -l \
		--sampling-rate=0.05 --log-prefix="$out/pgbench_log" pgbench
	b=$(cpu_snapshot $(ours))
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
	echo "$name conns=$conns $result" >>"$out/results"
	result="conns=$conns $result"
}

# keep NAME A B: keeps the pair of results of the round in which other
# processes took the least CPU, as NAME_s and NAME_r.
keep() {
	n=$(printf '%s\n%s\n' "$2" "$3" | sed -n 's/.* others=\([0-9]*\)$/\1/p' |
	    awk '{ v = $1 + 0; m = v > m ? v : m } END { print NR == 2 ? m + 0 : 100 }')
	eval "old=\${${1}_noise:-101}"
	if [ "$n" -lt "$old" ]; then
		eval "${1}_s=\$2 ${1}_r=\$3 ${1}_noise=\$n"
	fi
}
# keep1 NAME RESULT: the same for a result of its own, as NAME_s.
keep1() {
	keep "$1" "$2" "$2"
}

# A result line of a run measured without wrk: name, then key=value.
record() {
	result="$*"
	echo "$result" >>"$out/results"
}

# soukd's catalogue cache counters, "hits misses", from /metrics.
cache_counts() {
	curl -s "$souk/metrics" | awk '
	/^soukd_catalog_cache_total\{result="hit"\}/ { h = $2 }
	/^soukd_catalog_cache_total\{result="miss"\}/ { m = $2 }
	END { print h + 0, m + 0 }'
}
# cache_hits BEFORE: "hits=N" with the share of requests since BEFORE
# (warm-up included) answered from memory, in percent.
cache_hits() {
	echo "$1 $(cache_counts)" | awk '{ h = $3 - $1; m = $4 - $2
		p = h + m > 0 ? 100 * h / (h + m) : 0
		printf "hits=%.0f", p }'
}

# The body of an access token for the bench account.
token() {
	curl -sS -H 'Content-Type: application/json' -d "{\"email\":\
\"bench@bench.invalid\",\"password\":\"$password\"}" "$souk/v1/auth/login" |
	    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'
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
echo "$password" | bin/soukd user add --database "$conninfo" --role admin \
	--email bench@bench.invalid --name Bench --password-stdin >/dev/null

pgb="$pgbin/pgbench -h $PWD/$pg -U souk"
if want http || want jobs || want catalogue; then
	scripts/pg.sh psql "$pg" -qc "CREATE DATABASE pgbench" >/dev/null
	$pgb -i -s 10 -q pgbench >"$out/pgbench-init.log" 2>&1 || {
		cat "$out/pgbench-init.log" >&2
		die "pgbench -i failed"
	}
fi

if want catalogue; then
	echo "bench: loading a catalogue of $listings listings"
	scripts/pg.sh psql "$pg" -q -v vendors=500 -v listings="$listings" \
		-f tests/bench/catalogue.sql >/dev/null
	set -- $(scripts/pg.sh psql "$pg" -tA -F ' ' -c "SELECT min(id),
	    max(id), count(*) FROM listings WHERE status = 'active'")
	l_lo=$1
	l_hi=$2
	[ "$3" -eq $((l_hi - l_lo + 1)) ] ||
		die "listing ids are not contiguous ($l_lo..$l_hi, $3 rows)"
	psql_q -v n=40000 -f tests/bench/requests.sql >"$out/requests"
	for k in search suggest browse; do
		sed -n "s/^$k //p" "$out/requests" >"$out/$k.txt"
		[ -s "$out/$k.txt" ] || die "no $k requests"
	done
fi

if want tele; then
	echo "bench: loading a call queue of $leads leads and $tele_agents agents"
	# One more agent works on the console (teleconsole.sh).
	scripts/pg.sh psql "$pg" -q -v ON_ERROR_STOP=1 -v leads="$leads" \
		-v agents="$((tele_agents + 1))" -f tests/bench/tele.sql >/dev/null
	tele_queue=$(scripts/pg.sh psql "$pg" -tA -c "SELECT id FROM queues
	    WHERE name = 'Bench queue'")
fi
# As a database in service would be: vacuumed since its bulk loads, so
# that autovacuum does not take a million new rows in hand mid-run and
# reads do not write hint bits.
echo "bench: vacuuming"
scripts/pg.sh psql "$pg" -qc "VACUUM (ANALYZE)" >/dev/null

# --- the servers -----------------------------------------------------------

if [ -n "${BENCH_THREADS:-}" ]; then
	export SOUKD_HTTP_THREADS="$BENCH_THREADS"
fi
export SOUKD_ACCESS_LOG=no SOUKD_MEDIA_DIR="$out/media" \
	SOUKD_OUTBOX_DIR="$out/outbox"
# Tokens last the whole run.
export SOUKD_TOKEN_TTL=2h
# Emptied first: the background shell may open the log after we read it.
: >"$out/soukd.log"
# Jobs are the worker's (jobs section): this one only serves.
bin/soukd --role api --database "$conninfo" --listen 127.0.0.1:0 \
	2>"$out/soukd.log" &
soukd_pid=$!
soukd_port=$(wait_port "$soukd_pid" "$out/soukd.log") ||
	die "soukd did not start"
threads=$(sed -n 's/.*(\([0-9]*\) HTTP threads.*/\1/p' "$out/soukd.log")
[ -n "$threads" ] || die "cannot read soukd's thread count from its log"
souk=http://127.0.0.1:$soukd_port
code=$(curl -s -o /dev/null -w '%{http_code}' "$souk/v1/regions/$id_hi")
[ "$code" = 200 ] || die "GET /v1/regions/$id_hi answered $code"
if want http; then
	: >"$out/refserver.log"
	"$out/refserver" "$threads" 2>"$out/refserver.log" &
	ref_pid=$!
	ref_port=$(wait_port "$ref_pid" "$out/refserver.log") ||
		die "refserver did not start"
	ref=http://127.0.0.1:$ref_port

	# The floor must answer what soukd answers, Date and request id aside.
	shape() {
		curl -sSi "$1" | tr -d '\r' |
		    sed -e 's/^\(Date\|X-Request-Id\): .*/\1: -/'
	}
	shape "$souk/healthz" >"$out/soukd.healthz"
	shape "$ref/healthz" >"$out/refserver.healthz"
	cmp -s "$out/soukd.healthz" "$out/refserver.healthz" || {
		diff "$out/soukd.healthz" "$out/refserver.healthz" >&2 || true
		die "refserver's answer differs from soukd's /healthz"
	}
fi

sleep 1
rss_start=$(rss_kib "$soukd_pid")
anon_start=$(anon_kib "$soukd_pid")

echo "bench: $ncpu CPUs, soukd with $threads HTTP threads, $nregions regions," \
	"${secs}s per run after ${warmup}s of warm-up, $rounds round(s);" \
	"sections: $only"

# --- http ------------------------------------------------------------------

if want http; then
	r=1
	while [ "$r" -le "$rounds" ]; do
		for c in $healthz_conns; do
			echo "bench: round $r, GET /healthz, $c connections:" \
				"soukd, then the floor"
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
		pgbench_run pgbench-S "$regions_conns" -S
		keep rg "$s" "$result"
		r=$((r + 1))
	done
	# soukd has been idle since its last run.
	sleep 2
	rss_after=$(rss_kib "$soukd_pid")
	anon_after=$(anon_kib "$soukd_pid")
fi

# --- jobs ------------------------------------------------------------------

# Waits until no job of a kind is pending or running (at most 300 s).
jobs_wait() {
	i=0
	while [ "$(psql_q -c "SELECT count(*) FROM jobs WHERE kind = '$1'
	    AND state IN ('pending', 'running')")" != 0 ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || die "jobs: $1 jobs still not done after 300 s"
		kill -0 "$worker_pid" 2>/dev/null || die "the worker died"
		sleep 0.25
	done
}

# jobs_throughput N: enqueues N no-op jobs in one transaction (the
# statement of jobs_enqueue, for many rows) and times them through.
jobs_throughput() {
	psql_q -c "DELETE FROM jobs WHERE kind = 'noop'" -c "VACUUM jobs"
	a=$(cpu_snapshot $(ours))
	t0=$(psql_q <<SQL
BEGIN;
INSERT INTO jobs (kind, payload, priority, run_at, max_attempts, unique_key)
SELECT 'noop', '{}', 0, now() + 0 * interval '1 ms', 1, NULL
  FROM generate_series(1, $1);
SELECT pg_notify('souk_jobs', '');
COMMIT;
SELECT extract(epoch FROM clock_timestamp());
SQL
)
	t0=$(echo "$t0" | tail -n 1)
	jobs_wait noop
	b=$(cpu_snapshot $(ours))
	set -- $(psql_q -F ' ' -c "SELECT count(*) FILTER (WHERE state =
	    'done'), extract(epoch FROM max(finished_at)) - $t0 FROM jobs
	    WHERE kind = 'noop'")
	[ "$1" = "$njobs" ] || die "jobs: $1 of $njobs no-op jobs done"
	record "jobs-noop conns=$job_workers requests=$1 seconds=$2" \
	    "rps=$(echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }')" \
	    "p50_us=- p99_us=- cpu_us=$(cpu_per "$a" "$b" "$1")" \
	    "others=$(cpu_others "$a" "$b")"
}

# jobs_latency N: enqueues N test.record jobs one at a time, 25 ms apart
# (the queue is idle when each comes), each as jobs_enqueue does; the job
# records when it started.
jobs_latency() {
	psql_q -c "TRUNCATE test_job_runs" \
	    -c "DELETE FROM jobs WHERE kind = 'test.record'"
	i=0
	while [ $i -lt "$1" ]; do
		cat <<'SQL'
WITH ins AS (
 INSERT INTO jobs (kind, payload, priority, run_at, max_attempts, unique_key)
 VALUES ('test.record', '{}', 0, now() + 0 * interval '1 ms', 3, NULL)
 ON CONFLICT (unique_key) WHERE state = 'pending' AND
  unique_key IS NOT NULL DO NOTHING
 RETURNING id, run_at)
SELECT id, CASE WHEN run_at <= now() THEN pg_notify('souk_jobs', '') END
  FROM ins;
SELECT pg_sleep(0.025);
SQL
		i=$((i + 1))
	done >"$out/enqueue.sql"
	a=$(cpu_snapshot $(ours))
	psql_q -f "$out/enqueue.sql" >/dev/null
	jobs_wait test.record
	b=$(cpu_snapshot $(ours))
	set -- $(psql_q -F ' ' -c "SELECT count(*), round(1e6 *
	    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
	    r.at - j.created_at))), round(1e6 * percentile_cont(0.99) WITHIN
	    GROUP (ORDER BY extract(epoch FROM r.at - j.created_at)))
	    FROM test_job_runs r JOIN jobs j ON j.id = r.job_id")
	[ "$1" = 200 ] || die "jobs: $1 of 200 test.record jobs ran"
	record "jobs-latency conns=1 requests=$1 rps=- p50_us=$2 p99_us=$3" \
	    "cpu_us=- others=$(cpu_others "$a" "$b")"
}

if want jobs; then
	echo "bench: starting a worker soukd with $job_workers job workers"
	psql_q -c "CREATE TABLE test_job_runs (job_id bigint NOT NULL,
	    pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"
	: >"$out/worker.log"
	SOUKD_TEST_MODE=yes SOUKD_JOB_WORKERS=$job_workers bin/soukd \
		--role worker --database "$conninfo" 2>"$out/worker.log" &
	worker_pid=$!
	wait_line "$worker_pid" "running jobs with" "$out/worker.log" ||
		die "the worker soukd did not start"
	r=1
	while [ "$r" -le "$rounds" ]; do
		echo "bench: round $r, $njobs no-op jobs, then pgbench" \
			"(TPC-B), $job_workers connections"
		jobs_throughput "$njobs"
		s=$result
		pgbench_run pgbench-tpcb "$job_workers"
		keep jq "$s" "$result"
		echo "bench: round $r, 200 jobs enqueued one at a time"
		jobs_latency 200
		keep1 jl "$result"
		r=$((r + 1))
	done
	kill "$worker_pid"
	wait "$worker_pid" || die "the worker soukd did not stop cleanly"
	worker_pid=""
fi

# --- sse -------------------------------------------------------------------

if want sse; then
	r=1
	while [ "$r" -le "$rounds" ]; do
		echo "bench: round $r, GET /v1/regions/{id}, $regions_conns" \
			"connections, without then with $nstreams idle streams"
		wrk_run regions-nostreams "$regions_conns" "$souk/" -- \
			/v1/regions/ "$id_lo" "$id_hi"
		s0=$result
		: >"$out/sseidle.out"
		"$out/sseidle" "$soukd_port" "/v1/stream?topics=jobs" \
			"$(token)" "$nstreams" >"$out/sseidle.out" \
			2>"$out/sseidle.err" &
		sse_pid=$!
		i=0
		until grep -q '^sseidle open=' "$out/sseidle.out"; do
			kill -0 "$sse_pid" 2>/dev/null || {
				cat "$out/sseidle.err" >&2
				die "sseidle could not open $nstreams streams"
			}
			sleep 0.1
		done
		wrk_run regions-streams "$regions_conns" "$souk/" -- \
			/v1/regions/ "$id_lo" "$id_hi"
		s1=$result
		kill "$sse_pid"
		wait "$sse_pid" || die "sseidle failed"
		sse_pid=""
		sse_end=$(tail -n 1 "$out/sseidle.out")
		[ "$(field open "$sse_end")" = "$nstreams" ] ||
			die "streams closed during the run: $sse_end"
		keep sse "$s1" "$s0"
		r=$((r + 1))
	done
fi

# --- auth ------------------------------------------------------------------

if want auth; then
	tok=$(token)
	[ -n "$tok" ] || die "cannot sign in as the bench account"
	r=1
	while [ "$r" -le "$rounds" ]; do
		echo "bench: round $r, GET /v1/regions/{id}, $regions_conns" \
			"connections, without then with a token"
		wrk_run regions-notoken "$regions_conns" "$souk/" -- \
			/v1/regions/ "$id_lo" "$id_hi"
		s0=$result
		wrk_run regions-token "$regions_conns" "$souk/" \
			-H "Authorization: Bearer $tok" -- /v1/regions/ \
			"$id_lo" "$id_hi"
		keep tk "$result" "$s0"
		echo "bench: round $r, POST /v1/auth/login, $login_conns" \
			"connections"
		wrk_run login "$login_conns" "$souk/" -- POST /v1/auth/login \
			"{\"email\":\"bench@bench.invalid\",\"password\":\"$password\"}"
		keep1 lg "$result"
		r=$((r + 1))
	done
fi

# --- catalogue ---------------------------------------------------------------

if want catalogue; then
	r=1
	while [ "$r" -le "$rounds" ]; do
		for k in search suggest browse; do
			echo "bench: round $r, $k, $catalogue_conns connections"
			# Every round starts with no answer kept in memory, as
			# after a change to the catalogue (0017's triggers).
			psql_q -c "NOTIFY souk_catalog"
			cache_before=$(cache_counts)
			wrk_run "$k" "$catalogue_conns" "$souk/" -- \
				"@$out/$k.txt"
			result=$(echo "$result" | sed "s/ others=/ $(cache_hits \
			    "$cache_before") others=/")
			keep1 "ct_$k" "$result"
		done
		echo "bench: round $r, GET /v1/products/{id} then pgbench -S," \
			"$regions_conns connections"
		wrk_run product "$regions_conns" "$souk/" -- /v1/products/ \
			"$l_lo" "$l_hi"
		s=$result
		pgbench_run pgbench-S "$regions_conns" -S
		keep pr "$s" "$result"
		r=$((r + 1))
	done
	sleep 2
	rss_catalogue=$(rss_kib "$soukd_pid")
fi

# --- tele ------------------------------------------------------------------

if want tele; then
	r=1
	while [ "$r" -le "$rounds" ]; do
		echo "bench: round $r, POST /v1/queues/{id}/next, $tele_agents" \
			"agents (next, call, disposition)"
		# A warm-up, as the other sections have: the first seconds
		# after the agents sign in are not the working day's.
		run_load "$out/telebench" "$souk" "$tele_queue" "$warmup" \
			"$tele_think" "$password" $(seq -f 'bench-tele-%g@bench.invalid' 1 \
			"$tele_agents")
		a=$(cpu_snapshot $$ $soukd_pid $postmaster)
		run_load "$out/telebench" "$souk" "$tele_queue" "$secs" \
			"$tele_think" "$password" $(seq -f 'bench-tele-%g@bench.invalid' 1 \
			"$tele_agents")
		b=$(cpu_snapshot $$ $soukd_pid $postmaster)
		line=$(cat "$out/load.out")
		# Then the console's disposition-to-card time, the agents at
		# work again (their figures not kept): reading the console's
		# screen through tmux every 10 ms loads the machine, so it is
		# not done while the next lead is measured.
		"$out/telebench" "$souk" "$tele_queue" "$((secs * 2))" \
			"$tele_think" "$password" $(seq -f 'bench-tele-%g@bench.invalid' 1 \
			"$tele_agents") >/dev/null 2>"$out/load.err" &
		load_pid=$!
		if ! tests/bench/teleconsole.sh "$PWD/bin/souk" "$souk" \
			"bench-tele-$((tele_agents + 1))@bench.invalid" "$password" \
			"$tele_queue" 8 "$out" >"$out/console.out" \
			2>"$out/console.err"; then
			cat "$out/console.err" >&2
			die "teleconsole.sh failed"
		fi
		# Left to finish: an agent stopped mid-call would keep it
		# open, and no next lead would come to it in the next round.
		if ! wait "$load_pid"; then
			load_pid=""
			cat "$out/load.err" >&2
			die "telebench (load for the console) failed"
		fi
		load_pid=""
		n=$(echo "$line" | sed -n 's/.* requests=\([0-9]*\).*/\1/p')
		[ "$(echo "$line" | sed -n 's/.* errors=\([0-9]*\).*/\1/p')" = 0 ] ||
			die "telebench: $line"
		record "tele conns=$tele_agents rps=$(field rps "$line")" \
			"p50_us=$(field p50_us "$line")" \
			"p99_us=$(field p99_us "$line")" \
			"cpu_us=$(cpu_per "$a" "$b" "$n")" \
			"others=$(cpu_others "$a" "$b")"
		tele_line=$result
		record "tele-card conns=$tele_agents rps=-" \
			"p50_us=$(field card_p50_us "$line")" \
			"p99_us=$(field card_p99_us "$line")" \
			"cpu_us=- others=$(cpu_others "$a" "$b")"
		tele_card=$result
		cline=$(cat "$out/console.out")
		record "tele-console conns=1 rps=-" \
			"p50_us=$(field p50_us "$cline")" \
			"p99_us=$(field max_us "$cline")" \
			"cpu_us=- others=$(cpu_others "$a" "$b")"
		keep te "$tele_line" "$tele_card"
		keep1 tc "$result"
		r=$((r + 1))
	done
fi

# --- the table -------------------------------------------------------------

fmt='%-24s %5s %9s %7s %8s %6s %6s  %-14s %9s %6s  %-21s %s\n'
missed=0
# row TEST CONNS RATE P50US P99US CPUUS OTHERS REFNAME REFRATE RATIO
#     TARGET OK: one line; OK is 1 (PASS), 0 (MISS) or - (no target).
row() {
	awk -v fmt="$fmt" -v t="$1" -v c="$2" -v r="$3" -v p50="$4" \
	    -v p99="$5" -v cpu="$6" -v o="$7" -v rn="$8" -v rr="$9" \
	    -v ra="${10}" -v tg="${11}" -v ok="${12}" 'BEGIN {
		rs = r ~ /^[0-9.]+$/ ? sprintf("%.0f", r) : r
		p50s = p50 == "-" ? "-" : sprintf("%.2f", p50 / 1000)
		p99s = p99 == "-" ? "-" : sprintf("%.2f", p99 / 1000)
		os = o == "-" ? "-" : o "%"
		rrs = rr == "-" ? "-" : sprintf("%.0f", rr)
		res = ok == "1" ? "PASS" : ok == "0" ? "MISS" : ""
		printf fmt, t, c, rs, p50s, p99s, cpu, os, rn, rrs, ra, tg, res
		exit ok == "0" ? 1 : 0 }' || missed=$((missed + 1))
}
# refrow TEST RESULT: a reference's own line.
refrow() {
	row "$1" "$(field conns "$2")" "$(field rps "$2")" \
		"$(field p50_us "$2")" "$(field p99_us "$2")" \
		"$(field cpu_us "$2")" "$(field others "$2")" "(reference)" - \
		"" "" -
}
# ratiorow TEST RESULT REFNAME REFRESULT RATIO-MIN [P99-MAX-US]: a
# measured line against a reference's rate.
ratiorow() {
	eval "$(echo "$(field rps "$2") $(field rps "$4") $5 ${6:-0} \
	    $(field p99_us "$2")" | awk '{
		ratio = $2 > 0 ? $1 / $2 : 0
		ok = ratio >= $3 && ($4 == 0 || $5 < $4)
		tg = sprintf(">= %.2gx", $3)
		if ($4 > 0)
			tg = tg sprintf(", p99 < %g ms", $4 / 1000)
		printf "ratio=%.2f tg=\"%s\" ok=%d\n", ratio, tg, ok }')"
	row "$1" "$(field conns "$2")" "$(field rps "$2")" \
		"$(field p50_us "$2")" "$(field p99_us "$2")" \
		"$(field cpu_us "$2")" "$(field others "$2")" "$3" \
		"$(field rps "$4")" "$ratio" "$tg" "$ok"
}
# limitrow TEST RESULT P50-MAX-US P99-MAX-US [RATE-MIN [NOTE]]: a measured
# line against fixed limits (0: none), NOTE in the reference column.
limitrow() {
	eval "$(echo "$(field p50_us "$2") $(field p99_us "$2") $3 $4 \
	    $(field rps "$2") ${5:-0}" | awk '{
		ok = ($3 == 0 || $1 < $3) && ($4 == 0 || $2 < $4) &&
		    ($6 == 0 || $5 >= $6)
		tg = ""
		if ($3 > 0) tg = sprintf("p50 < %g ms", $3 / 1000)
		if ($4 > 0) tg = tg (tg == "" ? "" : ", ") \
		    sprintf("p99 < %g ms", $4 / 1000)
		if ($6 > 0) tg = tg (tg == "" ? "" : ", ") sprintf(">= %g/s", $6)
		printf "tg=\"%s\" ok=%s\n", tg, tg == "" ? "-" : ok }')"
	row "$1" "$(field conns "$2")" "$(field rps "$2")" \
		"$(field p50_us "$2")" "$(field p99_us "$2")" \
		"$(field cpu_us "$2")" "$(field others "$2")" "${6:-}" - "" \
		"$tg" "$ok"
}
# rssrow TEST KIB [MAX-MIB]
rssrow() {
	eval "$(echo "$2 ${3:-0}" | awk '{
		if ($2 == 0) { print "tg= ok=-"; exit }
		ok = $1 < $2 * 1024
		printf "tg=\"< %d MiB\" ok=%d\n", $2, ok }')"
	row "$1" - "$(echo "$2" | awk '{ printf "%.1f MiB", $1 / 1024 }')" \
		- - - - - - - "$tg" "$ok"
}
echo
printf "$fmt" test conns rate/s p50/ms p99/ms cpu/us others reference \
	'ref rate/s' ratio target result
if want http; then
	for c in $healthz_conns; do
		eval "s=\$hz_${c}_s r=\$hz_${c}_r"
		refrow "libmicrohttpd floor" "$r"
		ratiorow "GET /healthz" "$s" floor "$r" 0.7
	done
	refrow "pgbench -S" "$rg_r"
	ratiorow "GET /v1/regions/{id}" "$rg_s" "pgbench -S" "$rg_r" 0.4 5000
	rssrow "soukd RSS, started" "$rss_start" 20
	rssrow "soukd RSS, after load" "$rss_after" 20
	rssrow "  of which its own" "$anon_start"
	rssrow "  its own, after load" "$anon_after"
fi
if want jobs; then
	refrow "pgbench TPC-B" "$jq_r"
	limitrow "no-op jobs, 4 workers" "$jq_s" 0 0 5000
	limitrow "enqueue to start" "$jl_s" 10000 0
fi
if want sse; then
	limitrow "regions, no streams" "$sse_r" 0 0
	eval "$(echo "$(field p99_us "$sse_s") $(field p99_us "$sse_r")" |
	    awk '{ ratio = $2 > 0 ? $1 / $2 : 0; ok = $1 <= 1.2 * $2
		printf "ratio=%.2f ok=%d\n", ratio, ok }')"
	row "regions, $nstreams streams" "$(field conns "$sse_s")" \
		"$(field rps "$sse_s")" "$(field p50_us "$sse_s")" \
		"$(field p99_us "$sse_s")" "$(field cpu_us "$sse_s")" \
		"$(field others "$sse_s")" "no streams, p99" \
		- "$ratio" "p99 <= 1.2x" "$ok"
fi
if want auth; then
	refrow "regions, no token" "$tk_r"
	ratiorow "regions, with a token" "$tk_s" "no token" "$tk_r" 0.95
	row "POST /v1/auth/login" "$(field conns "$lg_s")" \
		"$(field rps "$lg_s")" "$(field p50_us "$lg_s")" \
		"$(field p99_us "$lg_s")" "$(field cpu_us "$lg_s")" \
		"$(field others "$lg_s")" "" - "" \
		"$(field rps "$lg_s" | awk -v n="$ncpu" '{ printf "%.1f/s per CPU", $1 / n }')" -
fi
if want catalogue; then
	for k in search suggest browse; do
		eval "s=\$ct_${k}_s"
		case $k in
		search) set -- search 15000 50000 ;;
		suggest) set -- suggest 0 10000 ;;
		browse) set -- "browse (category+filter)" 0 20000 ;;
		esac
		limitrow "$1" "$s" "$2" "$3" 0 "cache hits $(field hits "$s")%"
	done
	refrow "pgbench -S" "$pr_r"
	ratiorow "GET /v1/products/{id}" "$pr_s" "pgbench -S" "$pr_r" 0.4
	rssrow "soukd RSS, after catalogue" "$rss_catalogue"
fi
if want tele; then
	limitrow "next lead, $leads leads" "$te_s" 0 20000 0 \
		"$tele_agents agents, ${tele_think}ms"
	limitrow "disposition to next card" "$te_r" 0 0 0 \
		"disposition + next"
	limitrow "  on the console" "$tc_s" 0 0 0 "agent screen, max"
fi
cat <<NOTE

  p50/p99 of wrk runs are wrk's, corrected for coordinated omission (a
  stalled request counts as the requests a steady client would have sent
  meanwhile); pgbench's come from a 5% sample of its transaction log; the
  jobs' from the database (enqueue to start: the enqueuing statement's
  start to the job's first statement).  rate/s is requests, transactions,
  jobs or logins per second.  cpu/us is the CPU time per request (job) of
  everything the run involves (load generator, servers, PostgreSQL
  backends), which other load disturbs less than rates: on a machine of
  its own, rate/s is about CPUs / cpu/us.
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
