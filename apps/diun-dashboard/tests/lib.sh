# lib.sh — shared by the diun-dashboard tests (sourced, not run).
#
#   use_engine sqlite|postgres WORKDIR   fresh database, exports DB_PATH or DATABASE_URL
#   start_server [ENV=VALUE...]          the service on 127.0.0.1, a free port; sets $base
#   stop_server                          SIGTERM, wait; sets $server_status
#   expect/expect_eq/fail                checks, counted; finish prints the total
#   req/send, expect_code/expect_json    HTTP calls on $base and checks of their reply
#   payload IMAGE [JQ-FILTER]            a Diun webhook payload
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

# req METHOD PATH [CURL ARGS...]: sets $code and $body.
req() {
    local method=$1 path=$2
    shift 2
    last="$method $path"
    code=$(curl -sS --path-as-is --max-time 20 -o "$work/body" -w '%{http_code}' -X "$method" "$@" "$base$path" 2>"$work/curl.err") ||
        code="curl exit $? ($(cat "$work/curl.err"))"
    body=$(cat "$work/body" 2>/dev/null)
}
# send METHOD PATH JSON-OR-@FILE: a JSON body with its content type.
send() {
    local data=$3
    [[ $data == @* ]] || { printf '%s' "$data" >"$work/req.json" && data=@$work/req.json; }
    req "$1" "$2" -H 'Content-Type: application/json' --data-binary "$data"
}
expect_code() {
    checks=$((checks + 1))
    [[ $code == "$1" ]] || fail "$last: status $code, expected $1; body: ${body:0:300}"
}
expect_json() { # FILTER [JQ ARGS...]: a jq filter that must hold on $body
    checks=$((checks + 1))
    jq -e "${@:2}" "$1" <<<"$body" >/dev/null 2>&1 || fail "$last: body does not satisfy $1: ${body:0:500}"
}
# The whole state visible through the API, normalised.
snapshot() {
    { curl -sS "$base/api/updates" | jq -S . && curl -sS "$base/api/tags" | jq -S .; } 2>&1
}
# payload IMAGE [JQ-FILTER]: a Diun webhook payload, optionally changed.
example=$(jq -cn '{
    diun_version: "4.0.0", hostname: "myserver", status: "new", provider: "file",
    image: "", hub_link: "https://hub.docker.com/r/crazymax/diun",
    mime_type: "application/vnd.docker.distribution.manifest.list.v2+json",
    digest: "sha256:216e3ae7de4ca8b553eb11ef7abda00651e79e537e85c46108284e5e91673e01",
    created: "2024-05-02T09:00:00Z", platform: "linux/amd64",
    metadata: {ctn_names: "diun", ctn_id: "0123456789", ctn_state: "running", ctn_status: "Up 3 hours"}
}')
payload() {
    jq -c --arg image "$1" ".image = \$image | ${2:-.}" <<<"$example"
}
