# lib.sh — shared by the diun-dashboard tests (sourced, not run).
#
#   use_engine sqlite|postgres WORKDIR   fresh database, exports DB_PATH or DATABASE_URL
#   start_server [ENV=VALUE...]          the service on 127.0.0.1, a free port; sets $base
#   stop_server                          SIGTERM, wait; sets $server_status
#   expect/expect_eq/fail                checks, counted; finish prints the total
#
# Every process started here is stopped by the EXIT trap, by its pid.

unset DATABASE_URL DB_PATH WEBHOOK_SECRET LISTEN_ADDR PORT
failures=0 checks=0
server_pid='' server_log='' base='' pg_cleanup=''

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
    checks=$((checks + 1))
    [[ $2 == "$3" ]] || fail "$1: got '$2', expected '$3'"
}

cleanup() {
    [[ $(type -t extra_cleanup) != function ]] || extra_cleanup
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    [[ -z $pg_cleanup ]] || eval "$pg_cleanup"
}
trap cleanup EXIT

use_engine() {
    engine=$1 work=$2
    rm -rf "$work" && mkdir -p "$work" || exit 1
    case $engine in
    sqlite)
        export DB_PATH=$work/diun.db
        backend=SQLite
        ;;
    postgres)
        local dsn dbname
        dsn=$(cat "${KEEL_TEST_PG_DSN_FILE:?the pg fixture did not run}") || exit 1
        dbname=diun_dashboard_test_$$
        psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" -c "CREATE DATABASE $dbname" || exit 1
        pg_cleanup="psql -X -q -d '$dsn' -c 'DROP DATABASE IF EXISTS $dbname WITH (FORCE)'"
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
}

# start_server [ENV=VALUE...]: runs $bin in the background with PORT=0 and
# waits (10 s at most) for its "listening on" line.
start_server() {
    server_log=$(mktemp "$work/server-XXXX.log")
    env PORT=0 "$@" "$bin" >"$server_log" 2>&1 &
    server_pid=$!
    local i url=''
    for ((i = 0; i < 200; i++)); do
        url=$(sed -n 's|^diun-dashboard: listening on \(http://[^ ]*\)/ .*|\1|p' "$server_log")
        [[ -n $url ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [[ -z $url ]]; then
        echo "FAIL: the server did not start; its log:" >&2
        cat "$server_log" >&2
        exit 1
    fi
    base=$url
}

# stop_server: SIGTERM, then waits for the exit (15 s at most).
stop_server() {
    kill -TERM "$server_pid"
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        fail "the server did not stop within 15 s of SIGTERM"
        kill -KILL "$server_pid"
    fi
    wait "$server_pid"
    server_status=$?
    server_pid=''
}

finish() {
    echo "$1: $((checks - failures)) of $checks checks passed"
    [[ $failures == 0 ]]
}
