#!/usr/bin/env bash
# diun-dashboard when its database fails under it:
#   postgres: the server stops under the running service: /healthz, reads and
#             writes answer 503; once the server is back, the same process
#             answers 200 again and nothing stored before is lost.
#   sqlite:   the disk fills up under the running service: writes answer 500
#             (the engine's words in the log only), reads still answer 200,
#             a failed write changes nothing; once there is room again, writes
#             work without a restart, and a restart sees exactly what was
#             answered 200.
#
#   fault_test.sh DIUN_DASHBOARD postgres WORKDIR PG_FIXTURE
#   fault_test.sh DIUN_DASHBOARD sqlite WORKDIR
#
# The full disk is a small tmpfs in a private mount namespace (unshare -m as
# root; as another user, a user namespace maps it to root): nothing outside
# this test sees it.
set -uo pipefail

if [[ $2 == sqlite && -z ${DIUN_FAULT_IN_NAMESPACE:-} ]]; then
    if [[ $(id -u) == 0 ]]; then ns=(unshare -m); else ns=(unshare -r -m); fi
    exec "${ns[@]}" env DIUN_FAULT_IN_NAMESPACE=1 bash "$0" "$@"
fi

bin=$1
. "$(dirname "$0")/lib.sh"
engine=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1

images() { curl -sS --max-time 20 "$base/api/updates" | jq -c 'keys'; }
seen_count() { curl -sS --max-time 20 "$base/api/updates" | jq -r --arg i "$1" '.[$i].seen_count'; }

if [[ $engine == postgres ]]; then
    fixture=$4
    if [[ -n ${KEEL_TEST_PG_DSN:-} ]]; then
        echo "KEEL_TEST_PG_DSN is set: not stopping someone else's server; skipped"
        exit 0
    fi
    pg_cleanup="bash '$fixture' stop '$work/pg' >/dev/null 2>&1"
    bash "$fixture" start "$work/pg" >/dev/null || exit 1
    export DATABASE_URL
    DATABASE_URL=$(head -n 1 "$work/pg/dsn")
    start_server

    send POST /webhook "$(payload docker.io/library/nginx:1.27)"
    expect_code 200
    send POST /webhook "$(payload docker.io/library/redis:7)"
    expect_code 200
    req GET /healthz
    expect_code 200
    before=$(images)

    bash "$fixture" server-stop "$work/pg" || exit 1
    req GET /healthz
    expect_code 503
    req GET /api/updates
    expect_code 503
    expect_json '.error | type == "string"'
    send POST /webhook "$(payload docker.io/library/postgres:16)"
    expect_code 503
    req PATCH /api/updates/docker.io/library/nginx:1.27
    expect_code 503

    bash "$fixture" server-start "$work/pg" || exit 1
    # The same process comes back by itself: wait (30 s at most) until it says so.
    for ((i = 0; i < 300; i++)); do
        req GET /healthz
        [[ $code == 200 ]] && break
        sleep 0.1
    done
    expect_code 200
    expect_eq "images after the restart" "$(images)" "$before"
    send POST /webhook "$(payload docker.io/library/postgres:16)"
    expect_code 200
    expect_eq "images after a new webhook" "$(images)" \
        '["docker.io/library/nginx:1.27","docker.io/library/postgres:16","docker.io/library/redis:7"]'
    stop_server
    expect_eq "exit status after SIGTERM" "$server_status" 0
    finish "diun_dashboard_fault (postgres)"
    exit
fi

# --- sqlite: a disk that fills up --------------------------------------------
disk=$work/disk
mkdir -p "$disk"
mount -t tmpfs -o size=4m tmpfs "$disk" || { echo "FAIL: cannot mount a tmpfs in a private namespace" >&2; exit 1; }
export DB_PATH=$disk/diun.db
start_server

first=docker.io/library/nginx:1.27
send POST /webhook "$(payload "$first")"
expect_code 200
# Fill the disk, then give back 64 KiB: a few more writes fit, then none.
dd if=/dev/zero of="$disk/filler" bs=4096 >/dev/null 2>&1
truncate -s -64K "$disk/filler"
# Webhooks until one fails, new images and updates of the first one in
# turn: whichever fails, what reads show must be exactly what was answered
# 200 (a failed write changes nothing, a 200 is never lost).
accepted=("$first")
updates=0 failed=''
for ((i = 0; i < 2000; i++)); do
    if ((i % 2 == 0)); then
        image=docker.io/team/app-$i:1.0.$i
        send POST /webhook "$(payload "$image")"
        [[ $code == 200 ]] && accepted+=("$image")
    else
        image=$first
        send POST /webhook "$(payload "$first" ".status = \"update\" | .digest = \"sha256:$i\"")"
        [[ $code == 200 ]] && updates=$((updates + 1))
    fi
    [[ $code == 200 ]] || { failed=$image; break; }
done
[[ -n $failed ]] || fail "no webhook failed on a full disk"
expect_code 500
expect_json '.error | type == "string"'
checks=$((checks + 1))
grep -qi 'full' "$server_log" || fail "the log does not carry the engine's message: $(tail -n 3 "$server_log")"
checks=$((checks + 1))
! grep -qi 'full' <<<"$body" || fail "the reply carries the engine's message: $body"

# Reads still work and show exactly what was answered 200.
expected=$(printf '%s\n' "${accepted[@]}" | jq -R . | jq -sc 'sort')
req GET /api/updates
expect_code 200
expect_eq "images on a full disk" "$(images)" "$expected"
expect_eq "seen_count on a full disk" "$(seen_count "$first")" $((1 + updates))

# Room again: the same process writes again.
rm -f "$disk/filler"
send POST /webhook "$(payload docker.io/library/redis:7)"
expect_code 200
send POST /webhook "$(payload "$first" '.status = "update"')"
expect_code 200
expect_eq "seen_count once there is room" "$(seen_count "$first")" $((2 + updates))
accepted+=(docker.io/library/redis:7)
expected=$(printf '%s\n' "${accepted[@]}" | jq -R . | jq -sc 'sort')
stop_server
expect_eq "exit status after SIGTERM" "$server_status" 0
start_server
expect_eq "images after a restart" "$(images)" "$expected"
stop_server
finish "diun_dashboard_fault (sqlite: the disk was full after ${#accepted[@]} images and $updates updates)"
