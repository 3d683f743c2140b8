#!/usr/bin/env bash
# keel on a real primary + streaming standby (clusters of its own, from
# pg_fixture.sh): routing of each kind of call, a replica stopped and
# started under a running handle, and a failover (primary stopped, standby
# promoted) through a multi-host DSN. Each server change happens when the
# tool says it is ready, and the tool goes on when told it is done.
#
#   replica_test.sh REPLICA_TOOL PG_FIXTURE WORKDIR
set -euo pipefail
tool=$1 fixture=$2 work=$3
if [ -n "${KEEL_TEST_PG_DSN:-}" ]; then
    echo "KEEL_TEST_PG_DSN is set: this test needs clusters of its own; skipped"
    exit 0
fi
rm -rf "$work" && mkdir -p "$work"
cleanup() {
    bash "$fixture" stop "$work/standby" >/dev/null 2>&1 || true
    bash "$fixture" stop "$work/primary" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

bash "$fixture" start "$work/primary" >/dev/null
bash "$fixture" start-standby "$work/standby" "$work/primary" >/dev/null
primary="$(head -n 1 "$work/primary/dsn") application_name=keel_replica_test"
standby="$(head -n 1 "$work/standby/dsn") application_name=keel_replica_test"

# start_tool ARGS...: the tool as a coprocess; $from/$to are its stdout/stdin
# (copies: bash drops the coproc's own descriptors and pid when it ends).
start_tool() {
    coproc TOOL { "$tool" "$@"; }
    tool_pid=$TOOL_PID
    exec {from}<&"${TOOL[0]}" {to}>&"${TOOL[1]}"
}
# finish_tool: echoes the rest of its output and checks its exit status.
finish_tool() {
    exec {to}>&-
    while IFS= read -r -u "$from" line; do echo "  | $line"; done
    exec {from}<&-
    wait "$tool_pid" || fail "$1 failed"
}

# expect_line FD WHAT: reads the tool's lines (echoing them) until WHAT, 120 s at most.
expect_line() {
    local line
    while IFS= read -r -t 120 -u "$1" line; do
        echo "  | $line"
        [ "$line" = "$2" ] && return 0
    done
    fail "the tool never said \"$2\""
}

echo "== routing"
"$tool" routing "$primary" "$standby"

echo "== a replica stopped and started under a running handle"
start_tool replica-stop "$primary" "$standby"
expect_line "$from" ready
bash "$fixture" server-stop "$work/standby"
echo "replica stopped" >&"$to"
expect_line "$from" "routed around"
bash "$fixture" server-start "$work/standby"
echo "replica started" >&"$to"
finish_tool replica-stop

echo "== failover: the primary stops, the standby is promoted"
primary_host=$(cat "$work/primary/base") standby_host=$(cat "$work/standby/base")
multi="host=$primary_host,$standby_host user=postgres dbname=postgres target_session_attrs=read-write application_name=keel_replica_test"
start_tool failover "$multi"
expect_line "$from" ready
# The call in flight is running on the primary before the primary goes.
for _ in $(seq 600); do
    [ "$(psql -X -At "$primary" -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'")" = 1 ] && break
    sleep 0.05
done
bash "$fixture" server-stop "$work/primary"
bash "$fixture" promote "$work/standby"
echo "promoted" >&"$to"
finish_tool failover
echo "replica tests: all passed"
