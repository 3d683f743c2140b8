#!/usr/bin/env bash
# PostgreSQL restarted under a running workload: calls fail with
# KEEL_CONNECTION_LOST (no crash, no hang) and succeed again once the server
# is back. Uses a cluster of its own (pg_fixture.sh start/server-stop/...).
set -euo pipefail
tool=$1
fixture=$2
dir=$3
if [ -n "${KEEL_TEST_PG_DSN:-}" ]; then
    echo "KEEL_TEST_PG_DSN is set: not restarting someone else's server; skipped"
    exit 0
fi
cleanup() { bash "$fixture" stop "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
bash "$fixture" start "$dir" >/dev/null
dsn=$(head -n 1 "$dir/dsn")

timeout 60 "$tool" survive "$dsn" 7 >"$dir/survive.out" 2>&1 & pid=$!
sleep 2
bash "$fixture" server-stop "$dir"
echo "server stopped"
sleep 1.5
bash "$fixture" server-start "$dir"
echo "server started again"
status=0
wait "$pid" || status=$?
cat "$dir/survive.out"
[ "$status" -eq 0 ] || { echo "FAIL: the workload did not come through the restart (status $status)" >&2; exit 1; }
