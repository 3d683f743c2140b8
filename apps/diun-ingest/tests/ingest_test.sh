#!/usr/bin/env bash
# End-to-end test of diun-ingest on one engine.
#
#   ingest_test.sh DIUN_INGEST sqlite|postgres WORKDIR
#
# sqlite: a fresh database file in WORKDIR. postgres: a fresh database on
# the server whose DSN is in the file $KEEL_TEST_PG_DSN_FILE (written by the
# pg fixture), dropped at the end.
set -uo pipefail

bin=$1 engine=$2 work=$3
examples=$(cd "$(dirname "$0")/../examples" && pwd)
rm -rf "$work" && mkdir -p "$work" || exit 1
unset DATABASE_URL DB_PATH

case $engine in
sqlite)
    export DB_PATH=$work/diun.db
    backend=SQLite
    ;;
postgres)
    dsn=$(cat "${KEEL_TEST_PG_DSN_FILE:?the pg fixture did not run}") || exit 1
    dbname=diun_ingest_test_$$
    psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" -c "CREATE DATABASE $dbname" || exit 1
    trap 'psql -X -q -d "$dsn" -c "DROP DATABASE IF EXISTS $dbname"' EXIT
    if [[ $dsn =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]; then
        export DATABASE_URL="${BASH_REMATCH[1]}/$dbname${BASH_REMATCH[4]}"
    else
        export DATABASE_URL="$dsn dbname=$dbname" # libpq: the last keyword wins
    fi
    backend=PostgreSQL
    ;;
*)
    echo "unknown engine: $engine" >&2
    exit 2
    ;;
esac

failures=0 checks=0
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}

# run ARGS... (stdin from the caller): sets $status, $work/out, $work/err.
run() {
    "$bin" "$@" >"$work/out" 2>"$work/err"
    status=$?
    last="diun-ingest $*"
}
expect_status() {
    checks=$((checks + 1))
    [[ $status == "$1" ]] || fail "$last: exit status $status, expected $1; stderr:
$(cat "$work/err")"
}
expect_out() { # ERE that some stdout line must match
    checks=$((checks + 1))
    grep -Eq -- "$1" "$work/out" || fail "$last: no stdout line matches /$1/; stdout:
$(cat "$work/out")"
}
expect_err() { # ERE that some stderr line must match
    checks=$((checks + 1))
    grep -Eq -- "$1" "$work/err" || fail "$last: no stderr line matches /$1/; stderr:
$(cat "$work/err")"
}
expect_rows() { # the table has exactly N images
    checks=$((checks + 1))
    local n=$(($(wc -l <"$work/out") - 1))
    [[ $n == "$1" ]] || fail "$last: $n rows, expected $1; stdout:
$(cat "$work/out")"
}
# Every cell starts under its header (ASCII data: bytes are columns).
expect_aligned() {
    checks=$((checks + 1))
    awk 'NR == 1 { for (i = 1; i <= NF; i++) pos[i] = index($0, $i); n = NF; next }
         { for (i = 2; i <= n; i++)
               if (substr($0, pos[i] - 2, 2) != "  " || substr($0, pos[i], 1) == " ") bad = 1 }
         END { exit bad }' "$work/out" || fail "$last: table not aligned:
$(cat "$work/out")"
}
re() { sed 's/[][\.*^$()+?{}|/]/\\&/g' <<<"$1"; }
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)'
row() { # IMAGE STATUS SEEN ACK TAG -> ERE for that table line
    printf '^%s +%s +%s +%s +%s +%s$' "$(re "$1")" "$2" "$3" "$ts" "$4" "$(re "$5")"
}

diun=docker.io/crazymax/diun:latest
diun4=docker.io/crazymax/diun:4
nginx=docker.io/library/nginx:1.25
redis=docker.io/library/redis:7

# --- the examples --------------------------------------------------------
run "$examples/diun-file-provider.json" "$examples/diun-docker-provider.json" </dev/null
expect_status 0
expect_err "^diun-ingest: using $backend \("
expect_out '^IMAGE +STATUS +SEEN +RECEIVED +ACK +TAG$'
expect_out "$(row "$diun" new 1 no -)"
expect_out "$(row "$diun4" update 1 no -)"
expect_rows 2
expect_aligned

# The same event again updates the row in place.
run "$examples/diun-file-provider.json" </dev/null
expect_status 0
expect_out "$(row "$diun" new 2 no -)"
expect_out "$(row "$diun4" update 1 no -)"
expect_rows 2

# Several payloads on stdin, one per line, and "-" among files.
run <"$examples/events.ndjson"
expect_status 0
expect_out "$(row "$nginx" new 1 no -)"
expect_out "$(row "$redis" update 1 no -)"
expect_rows 4
run - "$examples/diun-docker-provider.json" <"$examples/events.ndjson"
expect_status 0
expect_out "$(row "$nginx" new 2 no -)"
expect_out "$(row "$redis" update 2 no -)"
expect_out "$(row "$diun4" update 2 no -)"
expect_rows 4

# --- --ack and --tag ---------------------------------------------------
run --ack "$diun" </dev/null
expect_status 0
expect_out "$(row "$diun" new 2 yes -)"
expect_out "$(row "$diun4" update 2 no -)"

run --tag "$diun" infra --tag "$nginx" infra --tag "$redis" cache </dev/null
expect_status 0
expect_out "$(row "$diun" new 2 yes infra)"
expect_out "$(row "$nginx" new 2 no infra)"
expect_out "$(row "$redis" update 2 no cache)"
expect_aligned

run --tag "$diun" "Ünïcødé 🚀 東京" </dev/null # replaces infra
expect_status 0
expect_out "^$(re "$diun") .* Ünïcødé 🚀 東京$"

# A new event clears the acknowledgement and keeps the tag.
run "$examples/diun-file-provider.json" </dev/null
expect_status 0
expect_out "^$(re "$diun") +new +3 +.* +no +Ünïcødé 🚀 東京$"

run --ack docker.io/no/such:image </dev/null
expect_status 1
expect_err '^diun-ingest: error: --ack docker.io/no/such:image: no such image$'
run --tag docker.io/no/such:image infra </dev/null
expect_status 1
expect_err '^diun-ingest: error: --tag docker.io/no/such:image infra: no such image$'
run --tag docker.io/no/such:image brand-new-tag --tag "$redis" brand-new-tag </dev/null
expect_status 1 # the first fails and creates nothing; the second still runs
expect_out "$(row "$redis" update 2 no brand-new-tag)"

# --- broken input --------------------------------------------------------
printf '{"image": "docker.io/library/bad:1",\n  "status": }\n' >"$work/bad.json"
printf '{"status": "new", "hostname": "h"}\n' >"$work/no-image.json"
printf '{"diun_version": "4.0.0", "hostname": "h", "status": "new", "provider": "file", "image": 42}\n' >"$work/wrong-type.json"
valid='{"diun_version":"4.0.0","hostname":"h","status":"new","provider":"file","image":"docker.io/library/alpine:3"}'
printf '%s\n%s {"image": x}\n%s\n' "$valid" "$valid" "$valid" >"$work/second-line.ndjson"

run "$work/bad.json" "$work/no-image.json" "$examples/diun-docker-provider.json" "$work/wrong-type.json" \
    "$work/missing.json" "$work/second-line.ndjson" </dev/null
expect_status 1
expect_err "^$(re "$work/bad.json"):2:13: error: unexpected token near '\\}'$"
expect_err "^$(re "$work/no-image.json"):1:1: error: payload has no \"image\"$"
expect_err "^$(re "$work/wrong-type.json"):1:1: error: \"image\" is not a string$"
expect_err "^$(re "$work/missing.json"): error: No such file or directory$"
expect_err "^$(re "$work/second-line.ndjson"):2:$((${#valid} + 1 + 11)): error: .*near 'x'"
expect_out "$(row "$diun4" update 3 no -)" # the good file in between was stored
expect_out "$(row docker.io/library/alpine:3 new 2 no -)" # so were the two payloads before the error
expect_rows 5
grep -q 'library/bad:1' "$work/out" && fail "the malformed payload was stored"

printf '%s\n%s\n{"image": "x",\n "status": ]\n' "$valid" "$valid" >"$work/stdin.ndjson"
run <"$work/stdin.ndjson"
expect_status 1
expect_err "^<stdin>:4:12: error: "
expect_out "$(row docker.io/library/alpine:3 new 4 no -)"

run --no-such-option </dev/null
expect_status 2
expect_err '^usage: diun-ingest '
run --help </dev/null
expect_status 0
expect_out '^usage: diun-ingest '

# --- the default database ------------------------------------------------
if [[ $engine == sqlite ]]; then
    mkdir -p "$work/cwd"
    (cd "$work/cwd" && env -u DB_PATH "$bin" "$examples/diun-file-provider.json") \
        </dev/null >"$work/out" 2>"$work/err"
    status=$? last="diun-ingest (no DB_PATH)"
    expect_status 0
    expect_err '^diun-ingest: using SQLite \(\./diun\.db\)$'
    checks=$((checks + 1))
    [[ -s $work/cwd/diun.db ]] || fail "no ./diun.db was created"
fi

echo "diun_ingest ($engine): $((checks - failures)) of $checks checks passed"
[[ $failures == 0 ]]
