#!/bin/sh
# Installs the Debian packages souk needs to build, run and test, if any is
# missing: directly as root, through sudo otherwise.  Quiet and quick (one
# dpkg-query) when everything is there.
#
#   scripts/deps.sh           build, run and `make check`
#   scripts/deps.sh --bench   also what `make bench` uses
#   scripts/deps.sh --fuzz    also what `make fuzz` uses
set -eu

pkgs="gcc make pkg-config ca-certificates
postgresql postgresql-contrib libpq-dev
libmicrohttpd-dev libjansson-dev libsodium-dev libcurl4-openssl-dev
libvips-dev libvips42
libncurses-dev libreadline-dev libssl-dev check tmux curl procps util-linux"

for arg in "$@"; do
	case "$arg" in
	--bench) pkgs="$pkgs wrk" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
	*) echo "usage: scripts/deps.sh [--bench] [--fuzz]" >&2; exit 2 ;;
	esac
done

missing=""
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $pkgs 2>/dev/null || true)
for p in $pkgs; do
	if ! printf '%s\n' "$status" | grep -q "^$p ii"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "souk: installing missing packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "souk: these packages are missing and there is no sudo:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale.
$sudo apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
