#!/bin/sh
# teleconsole: the console's disposition-to-next-card time, for
# tests/bench/run.sh's tele section.  Runs souk's agent screen in a tmux
# of its own, signed in as EMAIL, on queue QUEUE, and ROUNDS times: c
# (the call), then the disposition key 2 (not interested) and, once the
# screen says so, n; it times from the key 2 to the next lead's card on
# the screen (tmux's screen, read every 10 ms or so, which
# the figures include; a second between rounds keeps the reading from
# loading the machine).  Prints one
# line:
#
#   teleconsole samples=N p50_us=P p99_us=P max_us=M
#
# usage: teleconsole.sh SOUK URL EMAIL PASSWORD QUEUE ROUNDS WORKDIR
set -eu

souk=$1
url=$2
email=$3
password=$4
queue=$5
rounds=$6
work=$7
sock="teleconsole-$$"
home="$work/console-home"

die() {
	echo "teleconsole: $*" >&2
	exit 1
}

rm -rf "$home"
mkdir -p "$home/.config/souk"
printf 'refresh = 0\n' >"$home/.config/souk/config"
printf '%s\n' "$password" | env -i PATH="$PATH" HOME="$home" SOUK_URL="$url" \
	"$souk" login --email "$email" --password-stdin >/dev/null ||
	die "cannot sign $email in"

t() {
	tmux -L "$sock" "$@"
}
cleanup() {
	t kill-server 2>/dev/null || true
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"
}
trap cleanup EXIT

# Microseconds since the epoch.
us() {
	date +%s%6N
}

# Waits up to 10 s for the screen to match an extended regex.
wait_screen() {
	n=0
	while ! t capture-pane -p -t c | grep -Eq "$1"; do
		n=$((n + 1))
		[ $n -lt 1000 ] || die "the screen never showed /$1/:
$(t capture-pane -p -t c)"
		sleep 0.01
	done
}

# The lead on the card, or nothing.
card_lead() {
	t capture-pane -p -t c | sed -n 's/^>Lead .*(lead \([0-9]*\)).*/\1/p'
}

t new-session -d -s c -x 100 -y 30 "env -i PATH='$PATH' HOME='$home' \
TERM=xterm-256color TZ=UTC LC_ALL=C.UTF-8 SOUK_URL='$url' '$souk'"
wait_screen 'ready'
t send-keys -t c ":agent $queue" Enter
wait_screen 'n asks for the next lead|\(lead [0-9]+\)'
# The screen asks for the queue's dispositions first: n until a card.
n=0
while [ -z "$(card_lead)" ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || die "no first card: $(t capture-pane -p -t c)"
	t send-keys -t c n
	sleep 0.2
done
: >"$work/teleconsole.samples"
i=0
while [ $i -lt "$rounds" ]; do
	lead=$(card_lead)
	[ -n "$lead" ] || die "no lead on the card"
	t send-keys -t c c
	wait_screen '^ on_call '
	t0=$(us)
	t send-keys -t c 2
	wait_screen 'n for the next lead'
	t send-keys -t c n
	while next=$(card_lead); [ -z "$next" ] || [ "$next" = "$lead" ]; do
		sleep 0.01
		[ $(($(us) - t0)) -lt 10000000 ] ||
			die "no next card after 10 s"
	done
	echo $(($(us) - t0)) >>"$work/teleconsole.samples"
	i=$((i + 1))
	sleep 1
done
sort -n "$work/teleconsole.samples" | awk '
	{ v[NR] = $1 }
	END {
		if (NR == 0) { print "teleconsole samples=0"; exit }
		p50 = v[int(NR * 0.5) + 1 > NR ? NR : int(NR * 0.5) + 1]
		p99 = v[int(NR * 0.99) + 1 > NR ? NR : int(NR * 0.99) + 1]
		printf "teleconsole samples=%d p50_us=%d p99_us=%d max_us=%d\n",
		    NR, p50, p99, v[NR]
	}'
