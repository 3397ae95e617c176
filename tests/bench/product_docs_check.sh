#!/bin/sh
# Runs tests/bench/product_docs_check.sql with product_get as
# daemon/api/products.c has it:
#
#   tests/bench/product_docs_check.sh CONNINFO
set -eu
cd "$(dirname "$0")/../.."
[ $# -eq 1 ] || { echo "usage: $0 CONNINFO" >&2; exit 2; }
# The statement's string literal, joined (it has no escapes).
stmt=$(sed -n '/{ "product_get",/,/ },$/p' daemon/api/products.c |
    sed '1d; s/^[[:space:]]*"//; s/" },$//; s/"$//' | tr -d '\n')
case $stmt in
"SELECT "*) ;;
*) echo "$0: no product_get in daemon/api/products.c" >&2; exit 1 ;;
esac
exec psql "$1" -X -q -v ON_ERROR_STOP=1 -v product_get="$stmt" \
    -f tests/bench/product_docs_check.sql
