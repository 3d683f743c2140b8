#!/usr/bin/env bash
# A sustained load run with wrk against 127.0.0.1 only, bounded in time:
# a mix of dashboard reads, webhooks and acknowledgements (load.lua) on 50
# seeded images. Requires zero non-2xx responses and zero socket errors,
# a healthy server afterwards and a clean SIGTERM; prints the figures.
#
#   load_test.sh DIUN_DASHBOARD sqlite|postgres WORKDIR [SECONDS] [CONNECTIONS]
set -uo pipefail

bin=$1
. "$(dirname "$0")/lib.sh"
use_engine "$2" "$3"
seconds=${4:-10} connections=${5:-16}
command -v wrk >/dev/null || { echo "FAIL: wrk is not installed (tools/install-deps.sh)" >&2; exit 1; }

start_server
for i in $(seq 1 50); do
    printf '{"diun_version":"4.0.0","hostname":"seed","status":"new","provider":"docker","image":"docker.io/load/image-%d:latest"}' "$i" |
        curl -sS -o /dev/null --fail --data-binary @- "$base/webhook" || exit 1
done
for t in infra web db; do
    curl -sS -o /dev/null --fail -H 'Content-Type: application/json' -d "{\"name\":\"$t\"}" "$base/api/tags" || exit 1
done
for i in $(seq 1 3 50); do
    printf '{"image":"docker.io/load/image-%d:latest","tag_id":%d}' "$i" $((i % 3 + 1)) |
        curl -sS -o /dev/null --fail -X PUT -H 'Content-Type: application/json' --data-binary @- "$base/api/tag-assignments" || exit 1
done

# Loopback only: $base is http://127.0.0.1:PORT.
[[ $base == http://127.0.0.1:* ]] || { echo "FAIL: refusing to load $base" >&2; exit 1; }
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 5s --latency -s "$(dirname "$0")/load.lua" "$base" >"$work/wrk.out" 2>&1
status=$?
cat "$work/wrk.out"
expect_eq "wrk exit status" "$status" 0

num() { sed -n "$1" "$work/wrk.out" | head -1; }
requests=$(num 's/^ *\([0-9]*\) requests in .*/\1/p')
rps=$(num 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
non2xx=$(num 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')
sockerr=$(num 's/^ *Socket errors: *\(.*\)/\1/p')
p50=$(num 's/^ *50% *\([0-9.]*[a-z]*\).*/\1/p')
p99=$(num 's/^ *99% *\([0-9.]*[a-z]*\).*/\1/p')
expect_eq "non-2xx responses" "${non2xx:-0}" 0
expect_eq "socket errors" "${sockerr:-none}" none
checks=$((checks + 1))
[[ ${requests:-0} -gt 0 ]] || fail "wrk completed no request"

# Still healthy and consistent afterwards.
expect_eq "health after the run" "$(curl -sS -o /dev/null -w '%{http_code}' "$base/healthz")" 200
expect_eq "images after the run" "$(curl -sS "$base/api/updates" | jq length)" 50
stop_server
expect_eq "exit status after SIGTERM" "$server_status" 0

echo "load ($engine): $requests requests in ${seconds} s with $connections connections, $rps req/s," \
    "latency p50 $p50 p99 $p99, non-2xx ${non2xx:-0}, socket errors ${sockerr:-none}"
finish "diun_dashboard_load ($engine)"
