#!/bin/sh
# `make fuzz`: builds the libFuzzer targets of tests/fuzz with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs each for
# SECONDS (default 60), as many at once as there are CPUs.  Fails if any
# target crashes, leaks, trips a sanitizer or breaks one of its checks;
# the input that did it is kept in build/fuzz/artifacts/.
#
#   tests/fuzz/run.sh [SECONDS]
#   FUZZ_TARGETS="router body"  only these targets
#   FUZZ_JOBS=N                 targets run at once (default: CPUs)
#
# Each target starts from its seeds (tests/fuzz/corpus/TARGET/, committed)
# and from what earlier runs found (build/fuzz/corpus/TARGET/, kept), with
# tests/fuzz/TARGET.dict as its dictionary when there is one.  To replay a
# crash: build/fuzz/fuzz_TARGET build/fuzz/artifacts/TARGET-crash-...
set -eu
cd "$(dirname "$0")/../.."

secs=${1:-60}
case "$secs" in
'' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac
out=build/fuzz
targets=${FUZZ_TARGETS:-"router body page conf utf8"}
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN)}
CLANG=${CLANG:-clang}

command -v "$CLANG" >/dev/null 2>&1 ||
	{ echo "fuzz: clang is missing; run scripts/deps.sh --fuzz" >&2; exit 1; }

# --- build -------------------------------------------------------------------

# The packages and header directories soukd is built with (Makefile's
# DAEMON_PKGS; every directory of daemon/).
pkgs="libmicrohttpd jansson libsodium libpq libcurl libcrypto"
incs="-Icommon -Idaemon $(for d in daemon/*/; do printf -- '-I%s ' "${d%/}"; done)"
CFLAGS="-std=c17 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE
	-DSOUK_VERSION=\"fuzz\" -DSOUK_SYSCONFDIR=\"/nonexistent\"
	-Wall -Wextra -Wno-unused-parameter $incs
	$(pkg-config --cflags $pkgs | sed 's/-I/-isystem /g')"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
LIBS="$(pkg-config --libs $pkgs) -lpthread"

mkdir -p "$out/obj" "$out/gen" "$out/artifacts"
# The files soukd embeds (migrations, OpenAPI document), as the Makefile
# makes them.
${CC:-cc} -std=c17 -O1 -o "$out/embed" scripts/embed.c
"$out/embed" "$out/gen/migrations.c" migrations $(ls sql/migrations/*.sql | sort)
"$out/embed" "$out/gen/openapi.c" openapi daemon/openapi.json

# Everything soukd is made of but main(), instrumented for coverage.
srcs=$(ls common/*.c daemon/*.c daemon/*/*.c "$out"/gen/*.c |
	grep -v '^daemon/main\.c$')
echo "fuzz: building $(echo "$srcs" | wc -l) sources with $CLANG"
rm -f "$out"/obj/*.o
n=0
for src in $srcs; do
	obj=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	$CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c -o "$obj" "$src" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait
for src in $srcs; do
	[ -f "$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')" ] ||
		{ echo "fuzz: cannot compile $src" >&2; exit 1; }
done
for t in $targets; do
	$CLANG $CFLAGS $SAN -fsanitize=fuzzer -o "$out/fuzz_$t" \
		"tests/fuzz/fuzz_$t.c" "$out"/obj/*.o $LIBS ||
		{ echo "fuzz: cannot build fuzz_$t" >&2; exit 1; }
done

# --- run ---------------------------------------------------------------------

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
	t=$1
	mkdir -p "$out/corpus/$t" "tests/fuzz/corpus/$t"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	"$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
		$dict "$out/corpus/$t" "tests/fuzz/corpus/$t" \
		>"$out/$t.log" 2>&1 &
	echo $! >"$out/$t.pid"
	wait $! && rc=0 || rc=$?
	rm -f "$out/$t.pid"
	echo "$rc" >"$out/$t.rc"
}

# Stopped early: stop the fuzzers too.
stop_fuzzers() {
	for f in "$out"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
}
trap 'stop_fuzzers; exit 130' INT
trap 'stop_fuzzers; exit 143' TERM
trap 'stop_fuzzers; exit 129' HUP

echo "fuzz: running $targets for ${secs}s each, $jobs at a time"
running=0
for t in $targets; do
	rm -f "$out/$t.rc"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

# --- report ------------------------------------------------------------------

failed=0
printf '%-8s %12s %8s %8s %8s  %s\n' target executions exec/s coverage \
	corpus result
for t in $targets; do
	rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log")
	last=$(grep -E '^#[0-9]+' "$out/$t.log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	if [ "$rc" = 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, log $out/$t.log)"
		failed=$((failed + 1))
	fi
	printf '%-8s %12s %8s %8s %8s  %s\n' "$t" "${execs:--}" "${speed:--}" \
		"${cov:--}" "${corp:--}" "$result"
done
if [ "$failed" -gt 0 ]; then
	for t in $targets; do
		rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
		[ "$rc" = 0 ] && continue
		echo
		echo "== fuzz_$t"
		grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|fuzz_[a-z]*: .*:[0-9]+:' \
			"$out/$t.log" | head -n 60
		grep -E '^(artifact_prefix|Test unit written to)' "$out/$t.log" || true
	done
	echo "fuzz: $failed target(s) failed"
	exit 1
fi
echo "fuzz: no crash"
