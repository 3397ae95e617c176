#!/bin/sh
# The console's tests, against a real soukd over a throwaway PostgreSQL
# cluster loaded with the demo data:
#
#   - scripted screen tests: souk plays tests/tui/NAME.script in a fixed
#     headless terminal (TERM, LINES=24, COLUMNS=80, TZ=UTC, HOME in a
#     temporary directory) and dumps the screen with save-display; each dump
#     is compared with tests/tui/expected/ after masking what changes from
#     run to run (port, latency, timestamps);
#   - souk -c: tables, JSON, exit statuses and messages;
#   - a tmux run, for what only a real terminal shows: resizing, colours
#     and NO_COLOR;
#   - resident memory of the release build after opening every view.
#
# Sanitizer reports fail the run.  Everything started here is stopped on
# exit, failure or interrupt.
#
#   tests/tui/run.sh [BUILD_DIR]     BUILD_DIR holds bin/souk, bin/soukd
#   UPDATE=1 tests/tui/run.sh ...    rewrite the expected dumps
#   KEEP=1 tests/tui/run.sh ...      keep the work directory
set -eu

build=${1:-build/asan}
cd "$(dirname "$0")/../.."
top=$(pwd)
case "$build" in
/*) ;;
*) build="$top/$build" ;;
esac
souk="$build/bin/souk"
soukd="$build/bin/soukd"
expected="$top/tests/tui/expected"

# Builds what is missing or stale (a no-op under make check), ignoring
# the caller's make flags.
remake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s \
		"$@" >&2
}
case "$build" in
"$top"/build/*)
	variant=${build#"$top"/build/}
	remake VARIANT="$variant" "build/$variant/bin/souk" \
		"build/$variant/bin/soukd"
	;;
esac
for f in "$souk" "$soukd"; do
	[ -x "$f" ] || { echo "tui: $f is missing; build it first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/souk-tui.XXXXXX)
chmod 755 "$work"
out="$work/out"
mkdir -p "$out"
soukd_pid=""
souk_pid=""
silent_pid=""
tmux_sock="$work/tmux.sock"
failed=0
passed=0

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -S "$tmux_sock" ]; then
		tmux -S "$tmux_sock" kill-server 2>/dev/null || true
	fi
	for pid in "$souk_pid" "$silent_pid"; do
		if [ -n "$pid" ]; then
			kill "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		fi
	done
	stop_soukd
	scripts/pg.sh stop "$work/pg" >/dev/null 2>&1 || true
	if [ "${KEEP:-0}" = 1 ]; then
		echo "tui: kept $work" >&2
	else
		rm -rf "$work"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

pass() {
	passed=$((passed + 1))
	echo "  ok    $1"
}

fail() {
	failed=$((failed + 1))
	echo "  FAIL  $1" >&2
	shift
	for line in "$@"; do
		echo "        $line" >&2
	done
}

# Waits up to $2 seconds (default 20) for file $1 to exist.
wait_file() {
	n=0
	limit=$(( ${2:-20} * 10 ))
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		[ $n -le "$limit" ] || return 1
		sleep 0.1
	done
}

start_soukd() {
	listen=${1:-127.0.0.1:0}
	log="$work/soukd.log"
	lines=$(cat "$log" 2>/dev/null | wc -l)
	ASAN_OPTIONS=detect_leaks=0 "$soukd" --database "$conninfo" \
		--listen "$listen" 2>>"$log" &
	soukd_pid=$!
	n=0
	while :; do
		url=$(tail -n +$((lines + 1)) "$log" |
			sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' |
			head -n 1)
		[ -n "$url" ] && break
		n=$((n + 1))
		if [ $n -gt 200 ] || ! kill -0 "$soukd_pid" 2>/dev/null; then
			cat "$log" >&2
			echo "tui: soukd did not start" >&2
			exit 1
		fi
		sleep 0.05
	done
	port=${url##*:}
}

stop_soukd() {
	if [ -n "$soukd_pid" ]; then
		kill -TERM "$soukd_pid" 2>/dev/null || true
		wait "$soukd_pid" 2>/dev/null || true
		soukd_pid=""
	fi
}

# Masks what differs between runs, keeping every column in place.
normalize() {
	perl -CSD -pe '
		s/(127\.0\.0\.1:)(\d+)/$1 . ("P" x length($2))/ge;
		s/( *\d+)ms\b/sprintf("%*s", length($1), "N") . "ms"/ge;
		s/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/YYYY-MM-DDTHH:MM:SS.sssZ/g;
	' "$1"
}

# Compares dump $1 (a name in $out) with its expected text.
check_dump() {
	name=$1
	if [ ! -f "$out/$name" ]; then
		fail "$name" "souk wrote no such dump"
		return
	fi
	normalize "$out/$name" >"$out/$name.norm"
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$out/$name.norm" "$expected/$name"
		pass "$name (updated)"
	elif [ ! -f "$expected/$name" ]; then
		fail "$name" "no expected dump tests/tui/expected/$name"
	elif cmp -s "$expected/$name" "$out/$name.norm"; then
		pass "$name"
	else
		fail "$name" "differs from tests/tui/expected/$name:"
		diff -u "$expected/$name" "$out/$name.norm" | sed 's/^/        /' >&2 || true
	fi
}

# Checks a souk run's status and that no sanitizer spoke.
check_run() {
	what=$1
	status=$2
	err=$3
	if grep -q -e 'Sanitizer' -e 'runtime error' "$err"; then
		fail "$what: sanitizer report" "$(head -n 30 "$err")"
	elif [ "$status" -ne 0 ]; then
		fail "$what: exit status $status" "$(head -n 10 "$err")"
	fi
}

# A fresh home for each run: HOME, config, state.
make_home() {
	home="$work/home-$1"
	mkdir -p "$home/.config/souk"
	printf 'refresh = %s\n' "${2:-0}" >"$home/.config/souk/config"
}

# The fixed terminal of the scripted runs (souk replaces the shell).
souk_env() {
	exec env -i PATH="$PATH" HOME="$home" TERM=xterm-256color LINES=24 \
		COLUMNS=80 TZ=UTC LC_ALL=C.UTF-8 SOUK_URL="$url" \
		ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" \
		UBSAN_OPTIONS="print_stacktrace=1" "$@"
}

# Plays tests/tui/$1.script in $out and checks its dumps.
play() {
	name=$1
	status=0
	(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/$name.script" \
		"$souk") 2>"$work/$name.err" || status=$?
	check_run "$name" "$status" "$work/$name.err"
}

dumps_of() {
	sed -n 's/.*save-display \([^ >]*\).*/\1/p' "$top/tests/tui/$1.script"
}

play_and_check() {
	play "$1"
	for d in $(dumps_of "$1"); do
		check_dump "$d"
	done
}

# --- the server --------------------------------------------------------------

echo "== console tests ($build)"
scripts/pg.sh start "$work/pg" --fast >/dev/null
conninfo=$(scripts/pg.sh conninfo "$work/pg")
"$soukd" migrate --database "$conninfo" >/dev/null 2>&1
for f in sql/seed/*.sql; do
	scripts/pg.sh psql "$work/pg" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
done
start_soukd
echo "soukd on $url"

# --- scripted screens --------------------------------------------------------

echo "-- screens"
for t in navigation sorting filter help errors resize; do
	make_home "$t"
	play_and_check "$t"
done

make_home live 1h
play_and_check live

make_home history
play history-1
if [ -f "$home/.local/state/souk/history" ] &&
	[ "$(stat -c %a "$home/.local/state/souk/history")" = 600 ]; then
	pass "history file (mode 0600)"
else
	fail "history file" "no $home/.local/state/souk/history with mode 0600"
fi
play_and_check history-2

# Lost connection: the script waits for the test to stop and start soukd.
make_home lost
status=0
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/lost.script" "$souk") \
	2>"$work/lost.err" &
souk_pid=$!
if wait_file "$out/lost-1.txt"; then
	stop_soukd
	touch "$out/soukd-stopped"
	if wait_file "$out/lost-3.txt"; then
		start_soukd "127.0.0.1:$port"
		touch "$out/soukd-started"
	fi
fi
wait "$souk_pid" || status=$?
souk_pid=""
[ -n "$soukd_pid" ] || start_soukd "127.0.0.1:$port"
check_run lost "$status" "$work/lost.err"
for d in $(dumps_of lost); do
	check_dump "$d"
done

# --- souk -c -------------------------------------------------------------------

echo "-- souk -c"
make_home batch
batch() {
	# batch NAME EXPECTED_STATUS ARGS...: output in $out/NAME.txt
	name=$1
	want=$2
	shift 2
	status=0
	(souk_env "$souk" "$@") >"$out/$name.txt" 2>"$out/$name.err" ||
		status=$?
	if grep -q -e 'Sanitizer' -e 'runtime error' "$out/$name.err"; then
		fail "$name: sanitizer report" "$(head -n 30 "$out/$name.err")"
	elif [ "$status" -ne "$want" ]; then
		fail "$name: exit status $status, not $want" \
			"$(cat "$out/$name.err")"
	else
		cat "$out/$name.err" >>"$out/$name.txt"
		check_dump "$name.txt"
	fi
}
batch batch-states 0 -c 'regions --parent 1'
batch batch-region 0 -c 'region 15'
batch batch-region-json 0 -c 'region 15' --json
batch batch-kind-json 0 -c 'regions --kind city' --json
batch batch-lookup 0 -c 'lookup 1 400001 99999'
batch batch-health 0 -c health
batch batch-help 0 -c help
batch batch-not-found 1 -c 'region 99999'
batch batch-bad-kind 1 -c 'regions --kind planet'
batch batch-bad-pincode 1 -c 'lookup 012345'
batch batch-unknown 2 -c 'fly --to mars'
batch batch-screen-only 2 -c 'save-display x'
batch batch-no-server 1 --url http://127.0.0.1:9 -c 'region 1'
batch batch-usage 2 --json
status=0
(souk_env "$souk" --help) >"$out/help.txt" 2>&1 || status=$?
if [ "$status" -eq 0 ] && grep -q save-display "$out/help.txt" &&
	grep -q 'sort by column N' "$out/help.txt"; then
	pass "souk --help"
else
	fail "souk --help" "status $status"
fi
status=0
(souk_env "$souk") </dev/null >"$out/notty.txt" 2>&1 || status=$?
if [ "$status" -eq 2 ] && grep -q 'needs a terminal' "$out/notty.txt"; then
	pass "no terminal: a message, not a crash"
else
	fail "no terminal" "status $status: $(cat "$out/notty.txt")"
fi

# --- a real terminal -----------------------------------------------------------

echo "-- tmux"
tmux_run() {
	LC_ALL=C.UTF-8 tmux -u -S "$tmux_sock" -f /dev/null "$@"
}
capture() {
	tmux_run capture-pane -p -t souk "$@"
}
# Waits until the pane shows text $1 (a grep pattern).
wait_screen() {
	n=0
	until capture | grep -q -- "$1"; do
		n=$((n + 1))
		if [ $n -gt 100 ]; then
			return 1
		fi
		sleep 0.1
	done
}
make_home tmux
tmux_start() {
	# tmux_start EXTRA_ENV...: souk full screen in an 80x24 tmux window.
	tmux_run new-session -d -s souk -x 80 -y 24 \
		"env -i PATH='$PATH' HOME='$home' TERM=screen-256color \
		LC_ALL=C.UTF-8 TZ=UTC SOUK_URL='$url' $* \
		ASAN_OPTIONS=detect_leaks=1 '$souk' regions \
		2>'$work/tmux.err'; echo EXIT=\$? >'$work/tmux.exit'; sleep 30"
}
rm -f "$work/tmux.exit"
tmux_start
if ! wait_screen 'Andhra Pradesh'; then
	fail "tmux: souk shows the regions" "$(capture)"
else
	pass "tmux: souk shows the regions"
	if capture -e | grep -q "$(printf '\033')\[[0-9;]*\(3[0-7]\|4[0-7]\|38;5\|48;5\)[;m]"; then
		pass "tmux: colours"
	else
		fail "tmux: colours" "no colour in $(capture -e | head -n 3)"
	fi
	tmux_run resize-window -t souk -x 132 -y 40
	if wait_screen 'Andaman and Nicobar Islands  *अंडमान' &&
		[ "$(capture | wc -l)" -eq 40 ] &&
		capture | sed -n 39p | grep -q 'auto off'; then
		pass "tmux: resized to 132x40, columns widen"
	else
		fail "tmux: resize to 132x40" "$(capture)"
	fi
	tmux_run resize-window -t souk -x 20 -y 5
	if wait_screen '^> *67 Abids' && [ "$(capture | wc -l)" -eq 5 ] &&
		capture | sed -n 4p | grep -q ready; then
		pass "tmux: resized to 20x5"
	else
		fail "tmux: resize to 20x5" "$(capture)"
	fi
	tmux_run resize-window -t souk -x 12 -y 3
	if wait_screen 'souk: the'; then
		pass "tmux: 12x3 says it is too small"
	else
		fail "tmux: resize to 12x3" "$(capture)"
	fi
	tmux_run resize-window -t souk -x 80 -y 24
	tmux_run send-keys -t souk j j /
	tmux_run send-keys -t souk -l 'प्रदेश'
	tmux_run send-keys -t souk Enter
	if wait_screen '/प्रदेश  1/5' && capture | grep -q '^> *2 Andhra Pradesh'; then
		pass "tmux: back to 80x24, Devanagari typed into the filter"
	else
		fail "tmux: back to 80x24, filter" "$(capture)"
	fi
	tmux_run send-keys -t souk Escape q
	if wait_file "$work/tmux.exit" 10 &&
		[ "$(cat "$work/tmux.exit")" = EXIT=0 ]; then
		pass "tmux: q quits"
	else
		fail "tmux: q quits" "$(cat "$work/tmux.exit" 2>/dev/null)"
	fi
fi
check_run "tmux" 0 "$work/tmux.err"
tmux_run kill-server 2>/dev/null || true

rm -f "$work/tmux.exit"
tmux_start NO_COLOR=1
if wait_screen 'Andhra Pradesh' &&
	! capture -e | grep -q "$(printf '\033')\[[0-9;]*\(3[0-7]\|4[0-7]\|38;5\|48;5\)[;m]" &&
	capture -e | grep -q "$(printf '\033')\[[0-9;]*7m"; then
	pass "tmux: NO_COLOR is monochrome (reverse video, no colours)"
else
	fail "tmux: NO_COLOR" "$(capture -e | head -n 3)"
fi
tmux_run send-keys -t souk q
wait_file "$work/tmux.exit" 10 || true
check_run "tmux NO_COLOR" 0 "$work/tmux.err"
tmux_run kill-server 2>/dev/null || true

# A server that takes the connection and never answers: souk shows it is
# loading, keeps answering keys, and quits at once when asked.
perl -MIO::Socket::INET -e '
	$s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
	    Listen => 16, ReuseAddr => 1) or die "listen: $!";
	$| = 1;
	print $s->sockport, "\n";
	sleep 300;' >"$work/silent.port" &
silent_pid=$!
wait_file "$work/silent.port" 5 || true
sleep 0.2
silent=$(head -n 1 "$work/silent.port")
rm -f "$work/tmux.exit"
tmux_run new-session -d -s souk -x 80 -y 24 \
	"env -i PATH='$PATH' HOME='$home' TERM=screen-256color LC_ALL=C.UTF-8 \
	ASAN_OPTIONS=detect_leaks=1 '$souk' --url 'http://127.0.0.1:$silent' \
	--timeout 60s regions 2>'$work/tmux.err'; \
	echo EXIT=\$? >'$work/tmux.exit'; sleep 30"
if wait_screen 'loading…' && capture | grep -q ' connecting '; then
	tmux_run send-keys -t souk '?'
	if wait_screen 'keys of regions'; then
		tmux_run send-keys -t souk q : h e l p Enter
		if wait_screen 'save-display'; then
			pass "tmux: a silent soukd: loading shown, keys still work"
		else
			fail "tmux: silent soukd: the command line" "$(capture)"
		fi
	else
		fail "tmux: silent soukd: ? while loading" "$(capture)"
	fi
else
	fail "tmux: silent soukd: loading" "$(capture)"
fi
start=$(date +%s)
tmux_run send-keys -t souk q q
if wait_file "$work/tmux.exit" 10 && [ "$(cat "$work/tmux.exit")" = EXIT=0 ] &&
	[ $(( $(date +%s) - start )) -le 3 ]; then
	pass "tmux: quits at once with requests hanging"
else
	fail "tmux: quit with requests hanging" \
		"$(cat "$work/tmux.exit" 2>/dev/null), $(( $(date +%s) - start ))s"
fi
check_run "tmux silent" 0 "$work/tmux.err"
tmux_run kill-server 2>/dev/null || true
kill "$silent_pid" 2>/dev/null || true
wait "$silent_pid" 2>/dev/null || true
silent_pid=""

# --- memory --------------------------------------------------------------------

echo "-- memory"
# A release build: sanitizers multiply memory.
remake VARIANT=rel bin/souk
make_home memory
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/memory.script" \
	"$top/bin/souk") 2>"$work/memory.err" &
souk_pid=$!
if wait_file "$out/memory.txt"; then
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$souk_pid/status")
	touch "$out/memory-read"
	if [ "$rss" -lt 15360 ]; then
		pass "resident memory after every view: $rss KiB (< 15 MiB)"
	else
		fail "resident memory after every view: $rss KiB (>= 15 MiB)"
	fi
else
	fail "memory: the views did not open" "$(cat "$work/memory.err")"
fi
wait "$souk_pid" || true
souk_pid=""

echo "console tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
