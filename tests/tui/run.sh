#!/bin/sh
# The console's tests, against a real soukd over a throwaway PostgreSQL
# cluster loaded with the demo region tree, the test's own vendors and
# listings (tests/tui/catalogue.sql: other demo data would move the ids
# and rows the screens show) and a few accounts (soukd runs the API
# only: no workers or schedules change the jobs a screen shows):
#
#   - scripted screen tests: souk plays tests/tui/NAME.script in a fixed
#     headless terminal (TERM, LINES=24, COLUMNS=80, TZ=UTC, HOME in a
#     temporary directory) and dumps the screen with save-display; each dump
#     is compared with tests/tui/expected/ after masking what changes from
#     run to run (port, latency, timestamps);
#   - signing in: the sign-in screen, a token revoked mid-session renewed
#     silently, a used-up refresh token sending souk back to sign in;
#   - the staff's registration queue, vendors and listing review, on data
#     made through the API (registrations with their documents) and
#     tests/tui/catalogue.sql (vendors, listings);
#   - live updates: an event from soukd reloads the view by itself;
#   - souk -c: tables, JSON, exit statuses and messages, souk login and
#     logout, the credentials file's checks;
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
	ASAN_OPTIONS=detect_leaks=0 SOUKD_MEDIA_DIR="$work/media" "$soukd" \
		--database "$conninfo" --listen "$listen" --role api 2>>"$log" &
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

# Masks what differs between runs, keeping every column in place: ports,
# latencies, times (as soukd sends them and as souk shows them) and the
# one-time passwords soukd makes.
normalize() {
	perl -CSD -pe '
		s/(127\.0\.0\.1:)(\d+)/$1 . ("P" x length($2))/ge;
		s/( *\d+)ms\b/sprintf("%*s", length($1), "N") . "ms"/ge;
		s/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/YYYY-MM-DDTHH:MM:SS.sssZ/g;
		s/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/YYYY-MM-DD HH:MM:SS/g;
		s/\d{4}-\d\d-\d\d \d\d:\d\d/YYYY-MM-DD HH:MM/g;
		s/(One-time password  |"password": ")([A-Za-z0-9_-]{16})/$1 . ("X" x 16)/ge;
		s{/tmp/souk-tui\.\w{6}/}{/tmp/souk-tui.XXXXXX/}g;
	' "$1" | case "$1" in
	*/agent-*|*/wallboard-*)
		# Running clocks: time in state, call timers, local times.
		perl -CSD -pe 's/\b((?:\d+:)?\d\d:\d\d)\b/$1 =~ tr{0-9}{N}r/ge' ;;
	*) cat ;;
	esac
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

# A fresh home for each run: HOME, config, state, and credentials: signed
# in as $3 (default admin@test.souk; none: not signed in).
make_home() {
	home="$work/home-$1"
	mkdir -p "$home/.config/souk"
	printf 'refresh = %s\n' "${2:-0}" >"$home/.config/souk/config"
	creds="$home/.config/souk/credentials"
	if [ "${3:-admin@test.souk}" != none ]; then
		sign_in "${3:-admin@test.souk}"
	fi
}

# Signs $1 in, in $home, as a script would.
sign_in() {
	if ! (printf '%s\n' "$password" | souk_env "$souk" login --email "$1" \
		--password-stdin) >"$work/login.out" 2>&1; then
		echo "tui: cannot sign $1 in: $(cat "$work/login.out")" >&2
		exit 1
	fi
}

# The refresh token in a credentials file.
refresh_token() {
	sed -n 's/.*"refresh_token": "\([^"]*\)".*/\1/p' "$1"
}

# Runs SQL on the test database.
sql() {
	scripts/pg.sh psql "$work/pg" -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null
}

# The one value a query answers.
sql_value() {
	scripts/pg.sh psql "$work/pg" -q -A -t -v ON_ERROR_STOP=1 -c "$1"
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
for f in sql/seed/0001_regions.sql tests/tui/catalogue.sql; do
	scripts/pg.sh psql "$work/pg" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
done
start_soukd
echo "soukd on $url"
password=souk-test-password
add_user() {
	# add_user ROLE EMAIL NAME [REGION]
	region=""
	[ -z "${4:-}" ] || region="--region $4"
	# shellcheck disable=SC2086 # $region: one option or none
	printf '%s\n' "$password" | ASAN_OPTIONS=detect_leaks=0 "$soukd" user \
		add --role "$1" --email "$2" --name "$3" $region \
		--password-stdin --database "$conninfo" >/dev/null 2>&1
}
add_user admin admin@test.souk "Test admin"
add_user admin revoke@test.souk "Revoked admin"
add_user admin reuse@test.souk "Reused admin"
add_user telecaller caller@test.souk "Test caller" IN-MH
# A job that failed, a schedule, and a message delivered at the second
# attempt.
sql "INSERT INTO jobs (kind, state, attempts, finished_at, last_error)
	VALUES ('noop', 'failed', 1, now(), 'boom')"
sql "INSERT INTO schedules (name, kind, spec, timezone, next_run_at)
	VALUES ('jobs.prune', 'jobs.prune', 'hourly :07', 'UTC',
	now() + interval '1 hour')"
sql "INSERT INTO notifications (user_id, kind, channel, recipient, language,
	body, urgent, state, attempts, provider_id, sent_at) VALUES (4,
	'auth.otp', 'sms', '+919800000001', 'en', E'123456 is your souk code.',
	true, 'sent', 2, 'SM0001', now());
	INSERT INTO notification_attempts (notification_id, attempt, outcome,
	http_status, provider_id, detail) VALUES (1, 1, 'retry', 503, NULL,
	'provider busy'), (1, 2, 'sent', 201, 'SM0001', NULL)"

# --- scripted screens --------------------------------------------------------

echo "-- screens"
for t in navigation sorting filter help errors resize; do
	make_home "$t"
	if [ "$t" = navigation ]; then
		if [ "$(stat -c %a "$creds")" = 600 ]; then
			pass "credentials file written by souk login (mode 0600)"
		else
			fail "credentials file" "$(ls -la "$(dirname "$creds")")"
		fi
	fi
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

# --- signing in ------------------------------------------------------------------

echo "-- signing in"
# No credentials: the sign-in screen, a wrong password, the right one.
make_home login 0 none
play_and_check login

# A token revoked mid-session: souk renews it and carries on.
make_home refresh 0 revoke@test.souk
before=$(refresh_token "$creds")
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/refresh.script" "$souk") \
	2>"$work/refresh.err" &
souk_pid=$!
if wait_file "$out/refresh-1.txt"; then
	sql "UPDATE users SET tokens_valid_after = now()
		WHERE email = 'revoke@test.souk'; SELECT pg_notify('souk_auth', '1')"
	sleep 0.5
	touch "$out/revoked"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run refresh "$status" "$work/refresh.err"
for d in $(dumps_of refresh); do
	check_dump "$d"
done
after=$(refresh_token "$creds")
if [ -n "$after" ] && [ "$after" != "$before" ]; then
	pass "a revoked token is renewed and the new refresh token kept"
else
	fail "renewal" "refresh token before $before, after $after"
fi

# A refresh token used up elsewhere: back to the sign-in screen, saying so.
make_home reuse 0 reuse@test.souk
cp "$creds" "$work/reuse.creds"
sql "UPDATE users SET tokens_valid_after = now()
	WHERE email = 'reuse@test.souk'; SELECT pg_notify('souk_auth', '1')"
sleep 0.5
batch_run() {
	# batch_run NAME ARGS...: souk in $home, output in $out/NAME.*
	name=$1
	shift
	status=0
	(souk_env "$souk" "$@") >"$out/$name.out" 2>"$out/$name.err" ||
		status=$?
}
batch_run reuse-renew -c me
[ "$status" -eq 0 ] || fail "reuse: renewing first" "$(cat "$out/reuse-renew.err")"
cp "$work/reuse.creds" "$creds"
play_and_check reuse
if [ ! -e "$creds" ]; then
	pass "a refused refresh removes the credentials file"
else
	fail "a refused refresh" "$creds is still there"
fi

# What a role may not do is a message, and the view closes again.
make_home roles 0 caller@test.souk
play_and_check roles

# --- jobs, live ---------------------------------------------------------------------

echo "-- jobs and live updates"
make_home jobs
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/jobs.script" "$souk") \
	2>"$work/jobs.err" &
souk_pid=$!
if wait_file "$out/jobs-7.txt"; then
	# A job fails elsewhere; soukd tells the stream; nobody presses a key.
	sql "INSERT INTO jobs (kind, state, attempts, finished_at, last_error)
		VALUES ('noop', 'failed', 3, now(), 'second failure');
		INSERT INTO events (topic, type, data)
		VALUES ('jobs', 'job.failed', '{}'); NOTIFY souk_events"
	touch "$out/event-sent"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run jobs "$status" "$work/jobs.err"
for d in $(dumps_of jobs); do
	check_dump "$d"
done
if grep -q 'second failure' "$out/jobs-8.txt" 2>/dev/null &&
	! grep -q 'second failure' "$out/jobs-7.txt" 2>/dev/null; then
	pass "live: the event reloaded the jobs without a key"
else
	fail "live: the jobs were not reloaded by the event"
fi

# --- templates, users, audit ----------------------------------------------------------

echo "-- templates, users, audit"
for t in templates users audit; do
	make_home "$t"
	play_and_check "$t"
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

# The administrator's commands.
batch batch-jobs 0 -c jobs
batch batch-jobs-json 0 -c 'jobs --state failed' --json
batch batch-job 0 -c 'job 1'
batch batch-retry-job 0 -c 'retry-job 2'
batch batch-retry-job-again 1 -c 'retry-job 2'
batch batch-cancel-job 0 -c 'cancel-job 2'
batch batch-jobs-bad-state 2 -c 'jobs --state lost'
batch batch-schedules 0 -c schedules
batch batch-templates 0 -c 'templates --channel email --language en'
batch batch-template 0 -c 'template 1'
batch batch-kinds 0 -c kinds
batch batch-outbox 0 -c 'outbox --state sent'
batch batch-notification 0 -c 'notification 1'
batch batch-users 0 -c 'users --role admin'
batch batch-new-user 0 -c 'new-user --role employee --name "Esha Employee"
	--email esha@test.souk --regions 15'
batch batch-new-user-json 0 -c 'new-user --role moderator --name Mo
	--phone 9800000042' --json
batch batch-new-user-taken 1 -c 'new-user --role employee --name Dup
	--email esha@test.souk'
batch batch-new-user-short 2 -c 'new-user --role employee'
batch batch-users-query 0 -c 'users esha@'
batch batch-edit-user 0 -c 'edit-user 6 --role supervisor --regions 15,16'
batch batch-suspend-user 0 -c 'suspend-user 6 --reason "left the company"'
batch batch-reactivate-user 0 -c 'reactivate-user 6'
batch batch-reset-login 0 -c 'reset-login 6'
batch batch-suspend-self 1 -c 'suspend-user 1 --reason "to see"'
batch batch-audit 0 -c 'audit --action user. --target user:6 --since 1h'
batch batch-audit-bad-time 2 -c 'audit --since whenever'
batch batch-me 0 -c me
batch batch-me-json 0 -c me --json
batch batch-revoke-session-missing 1 -c 'revoke-session 999999'
batch batch-password-screen-only 2 -c password
# Tele-calling commands refusing what they cannot do, before any request.
batch batch-import-missing 1 -c 'leads import /nonexistent.csv --queue Diwali'
batch batch-queue-usage 2 -c 'queue show Diwali'
batch batch-reports-bad-group 2 -c 'reports --group week'
batch batch-leads-bad-status 2 -c 'leads --status happy'
batch batch-agent-screen-only 2 -c agent

# Signing in and out without the screen, and credentials souk refuses.
make_home batch-creds 0 none
batch batch-not-signed-in 1 -c jobs
batch batch-public 0 -c 'region 15'
batch_in() {
	# batch_in NAME EXPECTED_STATUS INPUT ARGS...: INPUT on stdin
	name=$1
	want=$2
	input=$3
	shift 3
	status=0
	(printf '%s\n' "$input" | souk_env "$souk" "$@") >"$out/$name.txt" \
		2>"$out/$name.err" || status=$?
	if [ "$status" -ne "$want" ]; then
		fail "$name: exit status $status, not $want" \
			"$(cat "$out/$name.err")"
	else
		cat "$out/$name.err" >>"$out/$name.txt"
		check_dump "$name.txt"
	fi
}
batch_in batch-login-wrong 1 not-the-password login --email admin@test.souk \
	--password-stdin
batch_in batch-login-no-email 2 x -c 'login --password-stdin'
batch_in batch-login 0 "$password" login --email admin@test.souk \
	--password-stdin
batch_in batch-login-json 0 "$password" -c \
	'login --email admin@test.souk --password-stdin' --json
chmod 644 "$creds"
batch batch-insecure 1 -c jobs
chmod 600 "$creds"
cp "$creds" "$work/good.creds"
printf 'not json\n' >"$creds"
batch batch-corrupt 1 -c jobs
cp "$work/good.creds" "$creds"
batch batch-logout 0 logout
if [ ! -e "$creds" ]; then
	pass "logout removes the credentials file"
else
	fail "logout" "$creds is still there"
fi
batch batch-after-logout 1 -c me
batch batch-logout-again 0 -c logout
status=0
setsid -w env -i PATH="$PATH" HOME="$home" SOUK_URL="$url" \
	ASAN_OPTIONS=detect_leaks=1 "$souk" login --email admin@test.souk \
	</dev/null >"$out/batch-login-notty.txt" 2>&1 || status=$?
if [ "$status" -eq 2 ] && grep -q 'no terminal' "$out/batch-login-notty.txt"; then
	pass "souk login without a terminal says to use --password-stdin"
else
	fail "souk login without a terminal" \
		"status $status: $(cat "$out/batch-login-notty.txt")"
fi
make_home batch-caller 0 caller@test.souk
batch batch-forbidden 1 -c jobs
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

# --- registrations, vendors, listings -----------------------------------------

echo "-- registrations, vendors, listings"
add_user employee ravi@test.souk "Ravi Regional" IN-MH
add_user moderator mo@test.souk "Mo Moderator"

# POSTs $3 (JSON, or @FILE sent as it is) to path $2 as $1 (an email) and
# prints soukd's answer.
api() {
	token=$(curl -s -X POST -H 'Content-Type: application/json' \
		-d "{\"email\": \"$1\", \"password\": \"$password\"}" \
		"$url/v1/auth/login" |
		sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
	case "$3" in
	@*) type=application/octet-stream ;;
	*) type=application/json ;;
	esac
	curl -s -X POST -H "Authorization: Bearer $token" \
		-H "Content-Type: $type" --data-binary "$3" "$url$2"
}

# A business registered by its applicant (a new customer, $1): its fields,
# a PAN card ($5) and a bank proof, submitted for review.
register() {
	add_user customer "$1" "$2"
	rid=$(api "$1" /v1/registrations "{\"legal_name\": \"$2 Pvt Ltd\",
		\"display_name\": \"$2\", \"category\": \"Grocery\",
		\"address\": \"1 Market Road\", \"region_id\": $3,
		\"pincode\": \"$4\", \"pan\": \"$5\",
		\"bank_account\": \"123456789012\", \"ifsc\": \"HDFC0001234\",
		\"bank_holder\": \"$2\", \"contact_name\": \"$2\",
		\"contact_phone\": \"+9198000000$3\",
		\"contact_email\": \"$1\"}" |
		sed -n 's/^{"id" *: *\([0-9]*\),.*/\1/p')
	docs="/v1/registrations/$rid/documents"
	api "$1" "$docs?kind=pan_card&filename=pan.pdf" "@$work/pan.pdf" \
		>/dev/null
	api "$1" "$docs?kind=bank_proof&filename=cheque.pdf" \
		"@$work/cheque.pdf" >/dev/null
	api "$1" "/v1/registrations/$rid/submit" '{}' >/dev/null
}
printf '%%PDF-1.4\n%% the PAN card\n%%%%EOF\n' >"$work/pan.pdf"
printf '%%PDF-1.4\n%% a cancelled cheque\n%%%%EOF\n' >"$work/cheque.pdf"
# Mumbai (38) twice and Pune (39), in Maharashtra; Bengaluru's Karnataka (12).
register sharma@test.souk "Sharma Stores" 38 400001 ABCDE1234F
register gupta@test.souk "Gupta General" 38 400002 BCDEF2345G
register patil@test.souk "Patil Provisions" 39 411001 CDEFG3456H
register bazaar@test.souk "Bengaluru Bazaar" 12 560001 DEFGH4567J
if [ "$(sql_value "SELECT count(*) FROM registrations WHERE state =
	'submitted'")" != 4 ]; then
	fail "registrations: the test's four were not made" \
		"$(tail -n 5 "$work/soukd.log")"
fi

make_home registrations 0 ravi@test.souk
mkdir -p "$out/kyc-documents"
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/registrations.script" \
	"$souk") 2>"$work/registrations.err" &
souk_pid=$!
if wait_file "$out/registrations-16.txt"; then
	# An administrator elsewhere rejects the third.
	api admin@test.souk /v1/registrations/3/reject \
		'{"reason": "the shop is registered twice"}' >/dev/null
	touch "$out/registration-decided"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run registrations "$status" "$work/registrations.err"
for d in $(dumps_of registrations); do
	check_dump "$d"
done
if grep -q 'rejected' "$out/registrations-17.txt" 2>/dev/null &&
	! grep -q 'rejected' "$out/registrations-16.txt" 2>/dev/null; then
	pass "live: a decision elsewhere reloaded the queue without a key"
else
	fail "live: the queue was not reloaded by the event"
fi
saved="$out/kyc-documents/cheque.pdf"
if cmp -s "$saved" "$work/cheque.pdf" &&
	[ "$(stat -c %a "$saved")" = 600 ]; then
	pass "a saved document is the uploaded file, mode 0600"
else
	fail "saved document" "$(ls -la "$saved" 2>&1)"
fi

make_home vendors 0 ravi@test.souk
play_and_check vendors

make_home listings 0 mo@test.souk
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/listings.script" \
	"$souk") 2>"$work/listings.err" &
souk_pid=$!
if wait_file "$out/listings-7.txt"; then
	# A vendor submits its draft: it joins the queue.
	sql "UPDATE listings SET status = 'pending_review' WHERE id = 5;
		INSERT INTO events (topic, type, data) VALUES ('listings',
		'listing.status', '{\"id\": 5}'); NOTIFY souk_events"
	touch "$out/listing-submitted"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run listings "$status" "$work/listings.err"
for d in $(dumps_of listings); do
	check_dump "$d"
done
if grep -q 'Ruled notebook' "$out/listings-8.txt" 2>/dev/null &&
	! grep -q 'Ruled notebook' "$out/listings-7.txt" 2>/dev/null; then
	pass "live: a listing submitted elsewhere joined the queue by itself"
else
	fail "live: the listing queue was not reloaded by the event"
fi

# The same with souk -c.
make_home batch-staff
batch batch-registrations 0 -c registrations
batch batch-registrations-json 0 -c 'registrations --state needs_changes
	--region 15' --json
batch batch-registrations-bad-state 2 -c 'registrations --state draft'
batch batch-registration 0 -c 'registration 1'
batch batch-review-registration 0 -c 'review-registration 4'
batch batch-approve-registration 0 -c 'approve-registration 4'
batch batch-reject-registration-late 1 -c 'reject-registration 4
	--reason "too late now"'
batch batch-request-changes-no-reason 2 -c 'request-changes 4'
batch batch-save-document 0 -c "save-document 1 1 --to $out/"
batch batch-save-document-exists 1 -c "save-document 1 1 --to $out/"
batch batch-vendors 0 -c vendors
batch batch-vendors-filtered 0 -c 'vendors --status active
	--badge verified_business --rating 4 --joined-before 30d'
batch batch-vendors-bad-time 2 -c 'vendors --joined-after whenever'
batch batch-vendor 0 -c 'vendor 2'
batch batch-suspend-vendor 0 -c 'suspend-vendor 2 --reason "licence expired"'
batch batch-suspend-vendor-again 1 -c 'suspend-vendor 2 --reason again'
batch batch-reactivate-vendor 0 -c 'reactivate-vendor 2 --reason renewed'
batch batch-note-vendor 0 -c 'note-vendor 2 --text "Owner asked about ads"'
batch batch-visit-vendor 0 -c 'visit-vendor 2 --at 3h --text "Stock checked"'
batch batch-visit-vendor-bad-time 1 -c 'visit-vendor 2 --at whenever
	--text x'
batch batch-listings 0 -c 'listings --status all --vendor 1'
batch batch-listings-json 0 -c 'listings --status active' --json
batch batch-listing 0 -c 'listing 4'
batch batch-approve-listing 0 -c 'approve-listing 5'
batch batch-approve-listing-again 1 -c 'approve-listing 5'
batch batch-reject-listing-no-reason 2 -c 'reject-listing 4'
# Regional staff: their regions only, and no moderation.
make_home batch-regional 0 ravi@test.souk
batch batch-registration-elsewhere 1 -c 'registration 4'
batch batch-approve-listing-regional 1 -c 'approve-listing 4'
make_home batch-caller-vendors 0 caller@test.souk
batch batch-vendors-caller 0 -c 'vendors --region 38'
batch batch-listings-caller 1 -c listings

# --- a real terminal -----------------------------------------------------------

echo "-- tmux"
tmux_run() {
	LC_ALL=C.UTF-8 tmux -u -S "$tmux_sock" -f /dev/null "$@"
}
# Starts an 80x24 session running $1; a server still going away from the
# last run can refuse once ("server exited unexpectedly"): try again.
tmux_new() {
	for try in 1 2 3; do
		tmux_run new-session -d -s souk -x 80 -y 24 "$1" && return 0
		tmux_run kill-server 2>/dev/null || true
		sleep 0.5
	done
	echo "tui: tmux would not start a session" >&2
	return 1
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
	tmux_new "env -i PATH='$PATH' HOME='$home' TERM=screen-256color \
		LC_ALL=C.UTF-8 TZ=UTC SOUK_URL='$url' $* \
		ASAN_OPTIONS=detect_leaks=1 '$souk' regions \
		2>'$work/tmux.err'; echo EXIT=\$? >'$work/tmux.exit'; sleep 30"
}
rm -f "$work/tmux.exit"
tmux_start || true
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
	if wait_screen '^> *[0-9]* Abids' && [ "$(capture | wc -l)" -eq 5 ] &&
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
tmux_start NO_COLOR=1 || true
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
# Signed in there (soukd never answers, so the tokens are never checked).
printf '{"url": "http://127.0.0.1:%s", "access_token": "a.b.c",
	"refresh_token": "r", "expires_at": 4000000000}\n' "$silent" \
	>"$home/.config/souk/credentials"
chmod 600 "$home/.config/souk/credentials"
rm -f "$work/tmux.exit"
tmux_new "env -i PATH='$PATH' HOME='$home' TERM=screen-256color LC_ALL=C.UTF-8 \
	ASAN_OPTIONS=detect_leaks=1 '$souk' --url 'http://127.0.0.1:$silent' \
	--timeout 60s regions 2>'$work/tmux.err'; \
	echo EXIT=\$? >'$work/tmux.exit'; sleep 30" || true
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

# souk login on a terminal: it asks, and never shows the password.
make_home tmux-login 0 none
rm -f "$work/tmux.exit"
tmux_new "env -i PATH='$PATH' HOME='$home' TERM=screen-256color LC_ALL=C.UTF-8 \
	SOUK_URL='$url' ASAN_OPTIONS=detect_leaks=1 '$souk' login \
	2>'$work/tmux.err'; echo EXIT=\$? >'$work/tmux.exit'; sleep 30" || true
if wait_screen 'Email:'; then
	tmux_run send-keys -t souk -l 'admin@test.souk'
	tmux_run send-keys -t souk Enter
	if wait_screen 'Password:'; then
		tmux_run send-keys -t souk -l "$password"
		tmux_run send-keys -t souk Enter
	fi
fi
if wait_file "$work/tmux.exit" 10 &&
	[ "$(cat "$work/tmux.exit")" = EXIT=0 ] &&
	capture | grep -q 'Signed in as *Test admin (admin)' &&
	! capture | grep -q -- "$password" && [ -f "$creds" ]; then
	pass "tmux: souk login asks for the password and never shows it"
else
	fail "tmux: souk login" "$(capture)"
fi
check_run "tmux login" 0 "$work/tmux.err"
tmux_run kill-server 2>/dev/null || true

# --- tele-calling ------------------------------------------------------------------

# The agent screen through a whole cycle and the wallboard changing on an
# event, against soukd's tele-calling API; then souk -c's queue stats and
# lead import.
echo "-- tele-calling"
sql "INSERT INTO queues (name, call_from, call_until, call_days,
	script) VALUES ('Diwali', '00:00', '23:59', '{1,2,3,4,5,6,7}',
	'Namaste {{name}}, this is souk about your interest in {{interest}}.');
	INSERT INTO queue_agents (queue_id, user_id) SELECT q.id, u.id
	FROM queues q, users u WHERE q.name = 'Diwali'
	AND u.email = 'caller@test.souk';
	INSERT INTO leads (name, phone, region_id, source, interest, score,
	queue_id, tags) SELECT 'Asha Verma', '+919800000101', 15, 'manual',
	'lamps', 70, id, '{diwali}' FROM queues WHERE name = 'Diwali';
	INSERT INTO leads (name, phone, region_id, source, score, queue_id)
	SELECT 'Ravi Kulkarni', '+919800000102', 15, 'manual', 40, id
	FROM queues WHERE name = 'Diwali'"
make_home agent 0 caller@test.souk
play_and_check agent
# What the cycle left in soukd: a callback tomorrow at 11 for Asha, a
# no-answer for Ravi, the caller paused.
if [ "$(sql_value "SELECT string_agg(l.name || ':' || l.status || ':' ||
	coalesce(c.disposition, '-'), ',' ORDER BY l.id) FROM leads l
	JOIN calls c ON c.lead_id = l.id")" = \
	'Asha Verma:callback:callback,Ravi Kulkarni:unreachable:no_answer' ] &&
	[ "$(sql_value "SELECT count(*) FROM callbacks WHERE done_at IS NULL
	AND agent_id = (SELECT id FROM users WHERE email = 'caller@test.souk')
	AND due_at > now()")" = 1 ]; then
	pass "agent: the calls, dispositions and callback are in soukd"
else
	fail "agent: soukd does not have the cycle's calls and callback" \
		"$(sql_value "SELECT l.name, l.status, c.disposition FROM leads l
		LEFT JOIN calls c ON c.lead_id = l.id")"
fi
make_home wallboard 0 admin@test.souk
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/wallboard.script" \
	"$souk") 2>"$work/wallboard.err" &
souk_pid=$!
if wait_file "$out/wallboard-1.txt"; then
	token=$(curl -s -X POST -H 'Content-Type: application/json' \
		-d "{\"email\": \"caller@test.souk\", \"password\": \"$password\"}" \
		"$url/v1/auth/login" | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')
	# The caller, available since the end of the agent script's lunch,
	# takes a break elsewhere: the board shows it with no key pressed.
	curl -s -X PUT -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' \
		-d '{"state": "paused", "reason": "break"}' \
		"$url/v1/me/agent" >/dev/null
	touch "$out/agent-paused"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run wallboard "$status" "$work/wallboard.err"
for d in $(dumps_of wallboard); do
	check_dump "$d"
done
if grep -q 'Test caller *available' "$out/wallboard-1.txt" 2>/dev/null &&
	grep -q 'Test caller *paused break' "$out/wallboard-2.txt" 2>/dev/null
then
	pass "live: an agent's pause elsewhere reached the wallboard by itself"
else
	fail "live: the wallboard did not show the pause"
fi
# The agent screen follows its lead by itself: a supervisor's note on the
# lead the caller holds reaches its history with no key pressed.
sql "INSERT INTO leads (name, phone, region_id, source, score, queue_id)
	SELECT 'Kiran Rao', '+919800000103', 15, 'manual', 90, id
	FROM queues WHERE name = 'Diwali'"
make_home agentlive 0 caller@test.souk
(cd "$out" && souk_env SOUK_SCRIPT="$top/tests/tui/agentlive.script" \
	"$souk") 2>"$work/agentlive.err" &
souk_pid=$!
if wait_file "$out/agent-live-1.txt"; then
	api admin@test.souk "/v1/leads/$(sql_value "SELECT id FROM leads
		WHERE name = 'Kiran Rao'")/notes" \
		'{"text": "Prefers calls after 6pm"}' >/dev/null
	touch "$out/lead-noted"
fi
status=0
wait "$souk_pid" || status=$?
souk_pid=""
check_run agentlive "$status" "$work/agentlive.err"
for d in $(dumps_of agentlive); do
	check_dump "$d"
done
if grep -q 'Kiran Rao' "$out/agent-live-1.txt" 2>/dev/null &&
	! grep -q 'Prefers calls after 6pm' "$out/agent-live-1.txt" &&
	grep -q 'Prefers calls after 6pm' "$out/agent-live-2.txt" 2>/dev/null
then
	pass "live: a note on the agent's lead reached the agent screen by itself"
else
	fail "live: the agent screen did not show the note"
fi
make_home batch-tele
printf 'name,mobile,tags\nMeera Joshi,98000 00201,diwali|lamps\nNo Phone,,\nAsha again,9800000101,\n' \
	>"$work/leads.csv"
batch batch-leads-import-dry 0 -c "leads import $work/leads.csv --queue Diwali
	--dry-run"
batch batch-leads-import 0 -c "leads import $work/leads.csv --queue Diwali"
batch batch-queue-stats 0 -c 'queue stats Diwali'
batch batch-queue-stats-json 0 -c 'queue stats Diwali --json'
batch batch-queue-stats-missing 1 -c 'queue stats Holi'
# A tele-caller's report: today by default, their own row (soukd refuses
# them anyone else's).
make_home batch-tele-caller 0 caller@test.souk
status=0
(souk_env "$souk" -c reports) >"$out/reports-caller.out" \
	2>"$out/reports-caller.err" || status=$?
if [ "$status" -eq 0 ] &&
	grep -q '^[0-9]* *Test caller *2 *1 ' "$out/reports-caller.out"; then
	pass "reports: a tele-caller's own calls today"
else
	fail "reports: a tele-caller's own calls today (status $status)" \
		"$(cat "$out/reports-caller.out" "$out/reports-caller.err")"
fi

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
