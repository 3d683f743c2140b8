#!/usr/bin/env bash
# diun-dashboard end to end on one engine, with curl: every route and status
# code, hostile inputs (each a 4xx that changes nothing, or stored verbatim
# as that one row), WEBHOOK_SECRET, restart, and SIGTERM losing no request.
#
#   api_test.sh DIUN_DASHBOARD sqlite|postgres WORKDIR
set -uo pipefail

bin=$1
. "$(dirname "$0")/lib.sh"
use_engine "$2" "$3"

diun=docker.io/crazymax/diun:latest
nginx=docker.io/library/nginx:1.27
redis=registry.example.com:5000/team/redis:7.2@sha256:0123456789abcdef

start_server
expect_eq "startup log" "$(grep -c "^diun-dashboard: using $backend (" "$server_log")" 1

# --- the page ------------------------------------------------------------
req GET /
expect_code 200
checks=$((checks + 1))
grep -q '<title>Diun updates</title>' "$work/body" || fail "GET / is not the page"
req GET /app.js
expect_code 200
req GET /style.css
expect_code 200
checks=$((checks + 1))
curl -sSI "$base/" | grep -qi '^content-security-policy: default-src' || fail "GET / has no CSP"
req HEAD / -I
expect_code 200
req POST /
expect_code 405
req GET /healthz
expect_code 200
req GET /nope
expect_code 404

# --- POST /webhook ---------------------------------------------------------
send POST /webhook "$(payload "$diun")"
expect_code 200
expect_json '.image == "docker.io/crazymax/diun:latest"'
send POST /webhook "$(payload "$nginx" '.status = "update" | del(.metadata, .hub_link)')"
expect_code 200
# Diun's own header set: no JSON content type needed for the webhook.
payload "$redis" >"$work/redis.json"
req POST /webhook --data-binary "@$work/redis.json"
expect_code 200
req GET /webhook
expect_code 405
send POST /webhook '{"status": "new"'
expect_code 400
send POST /webhook "$(payload "$diun" 'del(.image)')"
expect_code 400
expect_json '.error | test("image")'
send POST /webhook "$(payload "$diun" '.image = ""')"
expect_code 400
send POST /webhook "$(payload "$diun" 'del(.hostname)')"
expect_code 400
send POST /webhook '[1, 2]'
expect_code 400
send POST /webhook ''
expect_code 400

# --- GET /api/updates --------------------------------------------------------
req GET /api/updates
expect_code 200
expect_json 'keys == ["docker.io/crazymax/diun:latest", "docker.io/library/nginx:1.27",
                      "registry.example.com:5000/team/redis:7.2@sha256:0123456789abcdef"]'
expect_json '.["docker.io/crazymax/diun:latest"] | .acknowledged == false and .tag == null
             and .seen_count == 1 and .event.status == "new" and .event.provider == "file"
             and .event.metadata.ctn_names == "diun" and .event.image == "docker.io/crazymax/diun:latest"'
expect_json '[.[].received_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")] | all'
expect_json '.["docker.io/library/nginx:1.27"].event | has("metadata") == false and has("hub_link") == false'
req POST /api/updates
expect_code 405

# --- PATCH /api/updates/{image} ----------------------------------------------
req PATCH "/api/updates/$nginx"
expect_code 200
expect_json '.acknowledged == true'
req PATCH "/api/updates/docker.io%2Fcrazymax%2Fdiun%3Alatest" # encoded, as the page sends it
expect_code 200
req PATCH "/api/updates/$redis"
expect_code 200
req GET /api/updates
expect_json '[.[].acknowledged] | all'
expect_json '.["docker.io/library/nginx:1.27"].acknowledged_at | type == "string"'
req PATCH /api/updates/docker.io/library/nginx:9.99
expect_code 404
req PATCH /api/updates/docker.io/library
expect_code 404
req GET "/api/updates/$nginx"
expect_code 405

# An upsert resets the acknowledgement and counts the event.
send POST /webhook "$(payload "$diun" '.status = "update"')"
expect_code 200
req GET /api/updates
expect_json '.["docker.io/crazymax/diun:latest"] | .acknowledged == false and .acknowledged_at == null
             and .seen_count == 2 and .event.status == "update"'
expect_json '.["docker.io/library/nginx:1.27"].acknowledged == true'

# --- /api/tags ---------------------------------------------------------------
req GET /api/tags
expect_code 200
expect_json '. == []'
send POST /api/tags '{"name": "infra"}'
expect_code 201
expect_json '.name == "infra" and (.id | type == "number")'
infra=$(jq .id <<<"$body")
send POST /api/tags '{"name": "web"}'
expect_code 201
web=$(jq .id <<<"$body")
send POST /api/tags '{"name": "Ünïcødé 🚀 東京"}'
expect_code 201
unicode=$(jq .id <<<"$body")
send POST /api/tags '{"name": "infra"}'
expect_code 409
req POST /api/tags -H 'Content-Type: text/plain' --data-binary '{"name": "csrf"}'
expect_code 415
req POST /api/tags --data-urlencode 'name=csrf'
expect_code 415
send POST /api/tags '{"name": ""}'
expect_code 400
send POST /api/tags '{}'
expect_code 400
req GET /api/tags
expect_json '[.[].name] | sort == ["infra", "web", "Ünïcødé 🚀 東京"]' # order: the engine's collation
req PUT /api/tags
expect_code 405

# --- /api/tag-assignments ----------------------------------------------------
send PUT /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": $infra}"
expect_code 200
send PUT /api/tag-assignments "{\"image\": \"$nginx\", \"tag_id\": $web}"
expect_code 200
send PUT /api/tag-assignments "{\"image\": \"$nginx\", \"tag_id\": $unicode}" # replaces web
expect_code 200
send PUT /api/tag-assignments "{\"image\": \"$redis\", \"tag_id\": $web}"
expect_code 200
req GET /api/updates
expect_json ".[\"$diun\"].tag == {\"id\": $infra, \"name\": \"infra\"}"
expect_json ".[\"$nginx\"].tag == {\"id\": $unicode, \"name\": \"Ünïcødé 🚀 東京\"}"
send PUT /api/tag-assignments "{\"image\": \"docker.io/no/such:image\", \"tag_id\": $infra}"
expect_code 404
expect_json '.error == "no such image"'
send PUT /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": 987654}"
expect_code 404
expect_json '.error == "no such tag"'
send PUT /api/tag-assignments '{"image": "x"}'
expect_code 400
req PUT /api/tag-assignments -H 'Content-Type: text/plain' --data-binary "{\"image\": \"$diun\", \"tag_id\": $web}"
expect_code 415
send DELETE /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": $web}" # not its tag
expect_code 404
send DELETE /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": $infra}"
expect_code 204
send DELETE /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": $infra}"
expect_code 404
req GET /api/tag-assignments
expect_code 405
# The tag survives a new event.
send POST /webhook "$(payload "$nginx")"
req GET /api/updates
expect_json ".[\"$nginx\"].tag.id == $unicode and .[\"$diun\"].tag == null"

# DELETE /api/tags/{id}: assignments go with the tag.
req DELETE "/api/tags/$web"
expect_code 204
req GET /api/updates
expect_json ".[\"$redis\"].tag == null"
req DELETE "/api/tags/$web"
expect_code 404
req GET "/api/tags/$infra"
expect_code 405

# --- hostile input: a 4xx each, and nothing changes ------------------------
before=$(snapshot)
hostile() { # EXPECTED-CODE then what send/req take
    local want=$1
    shift
    "$@"
    expect_code "$want"
}
bad_utf8() { printf '%s' "${1//@@BAD@@/$'\xff\xfe\xc0\xaf'}" >"$work/hostile.json"; echo "@$work/hostile.json"; }
deep=$(printf '%*s' 3000 '' | tr ' ' '[')$(printf '%*s' 3000 '' | tr ' ' ']')
deep_json() { printf '%s' "${1//'"@@BAD@@"'/$deep}" >"$work/hostile.json"; echo "@$work/hostile.json"; }
sql="x'); DROP TABLE updates; -- \" OR 1=1; DELETE FROM tags WHERE '1'='1"
big=$(printf '%*s' 70000 '' | tr ' ' a)

fields=(image diun_version hostname status provider hub_link mime_type digest created platform
        metadata.ctn_names metadata.ctn_id metadata.ctn_state metadata.ctn_status)
for f in "${fields[@]}"; do
    tpl=$(payload "$diun" ".$f = \"@@BAD@@\"")
    for value in $'"\xff\xfe\xc0\xaf"' '"\ud800"' "$deep" 42 true '["x"]' '{"$gt": ""}' '"\u0000"'; do
        hostile 400 send POST /webhook "${tpl//'"@@BAD@@"'/$value}"
    done
    hostile 413 send POST /webhook "${tpl//@@BAD@@/$big}"
done
# An image must be an image reference: SQL, paths, spaces, control characters are not.
for image in "$sql" "../../etc/passwd" "docker.io/../x" "docker.io//x" "/abs" "a b" "x?y=1" "x#y" \
    "x%2Fy" "<script>alert(1)</script>" $'docker.io/x\n' "$(printf '%*s' 600 '' | tr ' ' x)"; do
    hostile 400 send POST /webhook "$(jq -c --arg i "$image" '.image = $i' <<<"$(payload x)")"
done
hostile 400 send POST /webhook "$(payload "$diun" '.metadata = "x"')"
hostile 413 req POST /webhook -H 'Transfer-Encoding: chunked' --data-binary "@-" < <(head -c 300000 /dev/zero)
hostile 413 send POST /webhook "{\"image\": \"$big\"}"

# Tag names: any text up to 100 bytes, no control characters.
for name in '"@@BAD@@"' 42 null '["a"]' '"a\nb"' '"\u0000"' '"\u001b[31m"' "\"$(printf '%*s' 101 '' | tr ' ' t)\""; do
    hostile 400 send POST /api/tags "$(bad_utf8 "{\"name\": $name}")"
done
hostile 400 send POST /api/tags "$(deep_json '{"name": "@@BAD@@"}')"
hostile 400 send POST /api/tags '{"name": "infra", "name": "x"}'
hostile 413 send POST /api/tags "{\"name\": \"$big\"}"
hostile 409 send POST /api/tags '{"name": "infra"}'

# Assignments: wrong types are 400; anything that names no row is 404.
for body in '{"image": "@@BAD@@", "tag_id": 1}' "{\"image\": \"$diun\", \"tag_id\": \"$infra\"}" \
    "{\"image\": \"$diun\", \"tag_id\": $infra.0}" "{\"image\": \"$diun\", \"tag_id\": 1e400}" \
    "{\"image\": \"$diun\", \"tag_id\": \"1 OR 1=1\"}" "{\"image\": 7, \"tag_id\": $infra}" '"x"'; do
    hostile 400 send PUT /api/tag-assignments "$(bad_utf8 "$body")"
    hostile 400 send DELETE /api/tag-assignments "$(bad_utf8 "$body")"
done
for image in "$sql" "../$diun" "$diun/.." "$diun%00" "${diun^^}" "$diun "; do
    hostile 404 send PUT /api/tag-assignments "$(jq -cn --arg i "$image" --argjson t "$infra" '{image: $i, tag_id: $t}')"
    hostile 404 send DELETE /api/tag-assignments "$(jq -cn --arg i "$image" --argjson t "$unicode" '{image: $i, tag_id: $t}')"
done
for id in -1 0 9223372036854775807; do
    hostile 404 send PUT /api/tag-assignments "{\"image\": \"$diun\", \"tag_id\": $id}"
done
hostile 400 send PUT /api/tag-assignments "$(deep_json '{"image": "@@BAD@@", "tag_id": 1}')"
hostile 413 send PUT /api/tag-assignments "{\"image\": \"$big\", \"tag_id\": 1}"

# Path tricks in {image} and {id}.
for path in "/api/updates/" "/api/updates/../tags" "/api/updates/..%2F..%2Fetc%2Fpasswd" \
    "/api/updates/$nginx/.." "/api/updates/$nginx%20" "/api/updates/${nginx^^}" \
    "/api/updates/docker.io%2Flibrary%2Fnginx%3A1.27'%20OR%20'1'%3D'1" "/api/updates/*" "/api/updates/%25"; do
    hostile 404 req PATCH "$path"
done
for path in "/api/updates/$nginx%00" "/api/updates/$nginx%00x" "/api/updates/%zz" "/api/updates/%4"; do
    hostile 400 req PATCH "$path"
done
for path in "/api/tags/$unicode%20OR%201=1" "/api/tags/-$unicode" "/api/tags/+$unicode" "/api/tags/0" \
    "/api/tags/99999999999999999999" "/api/tags/$unicode/../$infra" "/api/tags/0x1" "/api/tags/" "/api/tags/%31"; do
    hostile 404 req DELETE "$path"
done
for path in "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "//api/updates" "/index.html" "/app.js/../"; do
    hostile 404 req GET "$path"
done
hostile 405 req GET "/api/updates/../../app.js"
hostile 414 req GET "/api/updates/$(printf '%*s' 40000 '' | tr ' ' a)"
hostile 404 req PATCH "/api/updates/?image=$nginx" # the query string is not part of the route
hostile 405 req TRACE /api/updates
hostile 405 req DELETE /api/updates

checks=$((checks + 1))
after=$(snapshot)
[[ $after == "$before" ]] || fail "hostile requests changed the data:
$(diff <(echo "$before") <(echo "$after"))"

# --- SQL metacharacters where free text is allowed: stored verbatim, in
# that one row only ---------------------------------------------------------
victim=docker.io/test/victim:1
send POST /webhook "$(payload "$victim")"
expect_code 200
others() { snapshot | jq -S "if type == \"object\" then del(.[\"$victim\"]) else . end"; }
before=$(others)
for value in "$sql" "../../etc/passwd" "%00%s%n" "<img src=x onerror=alert(1)>" "Ünïcødé 🚀" " "; do
    send POST /webhook "$(jq -c --arg v "$value" "$(printf '.%s = $v | ' "${fields[@]:1}") ." <<<"$(payload "$victim")")"
    expect_code 200
    req GET /api/updates
    expect_json "$(printf '.[$img].event.%s == $v and ' "${fields[@]:1}") true" --arg v "$value" --arg img "$victim"
done
send POST /api/tags "$(jq -cn --arg n "$sql" '{name: $n}')"
expect_code 201
expect_json '.name == $n' --arg n "$sql"
sqltag=$(jq .id <<<"$body")
req DELETE "/api/tags/$sqltag"
expect_code 204
checks=$((checks + 1))
after=$(others)
[[ $after == "$before" ]] || fail "storing SQL metacharacters changed other rows:
$(diff <(echo "$before") <(echo "$after"))"

# --- restart: migrations at start are a no-op, the data is there ---------
state=$(snapshot)
stop_server
expect_eq "exit status after SIGTERM" "$server_status" 0
expect_eq "stop log" "$(grep -c '^diun-dashboard: stopped$' "$server_log")" 1

start_server WEBHOOK_SECRET='s3cr3t-Tøken'
expect_eq "data after restart" "$(snapshot)" "$state"

# --- WEBHOOK_SECRET ----------------------------------------------------------
payload "$diun" >"$work/p.json"
send POST /webhook "@$work/p.json"
expect_code 401
for auth in '' 's3cr3t-Tøke' 's3cr3t-Tøkenn' 'S3CR3T-TØKEN' 'Bearer s3cr3t-Tøken' 's3cr3t-Tøken '; do
    req POST /webhook -H "Authorization: $auth" --data-binary "@$work/p.json"
    expect_code 401
done
req POST /webhook -H 'Authorization: s3cr3t-Tøken' --data-binary "@$work/p.json"
expect_code 200
req GET /api/updates # the API itself is not behind the secret
expect_code 200

# --- SIGTERM loses no request --------------------------------------------
# An upload the test itself paces (chunked, from a FIFO) is in progress
# when SIGTERM comes, and a burst of webhooks races it: each is answered
# 200 and stored, or refused at connect (curl exit 7) -- never cut off
# halfway. The rest of the slow body is sent only once the server has said
# it is finishing the requests in progress.
for i in $(seq 1 30); do
    jq -c ".image = \"docker.io/test/burst:$i\"" "$work/p.json" >"$work/burst-$i.json"
done
jq -c '.image = "docker.io/test/slow:1"' "$work/p.json" >"$work/slow.json"
printf '%*s' 30000 '' >>"$work/slow.json" # trailing whitespace is valid JSON
rm -f "$work/slow.fifo" && mkfifo "$work/slow.fifo"
curl -sS -o /dev/null -w '%{http_code}' -X POST -T - -H 'Content-Type: application/json' \
    -H 'Authorization: s3cr3t-Tøken' "$base/webhook" <"$work/slow.fifo" >"$work/slow.code" 2>"$work/slow.err" &
slow_pid=$!
exec {slow_fd}>"$work/slow.fifo"
head -c 1000 "$work/slow.json" >&"$slow_fd"
# Until the server counts it in flight (the /metrics request itself is the other one).
for _ in $(seq 400); do
    [[ $(curl -sS --max-time 5 "$base/metrics" | awk '$1 == "diun_dashboard_requests_in_flight" { print $2 }') -ge 2 ]] && break
    sleep 0.05
done
burst_pids=()
for i in $(seq 1 30); do
    curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -H 'Authorization: s3cr3t-Tøken' \
        --data-binary "@$work/burst-$i.json" "$base/webhook" >"$work/burst-$i.code" 2>"$work/burst-$i.err" &
    burst_pids+=($!)
done
sleep 0.05 # some of the burst connected, some not yet
kill -TERM "$server_pid"
for _ in $(seq 400); do
    grep -q '^diun-dashboard: SIGTERM: finishing' "$server_log" && break
    sleep 0.05
done
tail -c +1001 "$work/slow.json" >&"$slow_fd"
exec {slow_fd}>&-
stop_server # SIGTERM again is harmless; waits for the exit
expect_eq "exit status after SIGTERM during requests" "$server_status" 0
expect_eq "requests in progress at SIGTERM" "$(grep -c '^diun-dashboard: SIGTERM: finishing [1-9][0-9]* request' "$server_log")" 1
wait "$slow_pid"
expect_eq "the slow upload in progress at SIGTERM" "$(cat "$work/slow.code")" 200
answered=()
for i in $(seq 1 30); do
    wait "${burst_pids[$((i - 1))]}"
    rc=$?
    checks=$((checks + 1))
    if [[ $rc == 0 && $(cat "$work/burst-$i.code") == 200 ]]; then
        answered+=("docker.io/test/burst:$i")
    elif [[ $rc != 7 ]]; then
        fail "burst request $i: curl exit $rc, status $(cat "$work/burst-$i.code"): $(cat "$work/burst-$i.err")"
    fi
done
echo "SIGTERM: ${#answered[@]} of 30 racing webhooks answered, the rest refused at connect"

start_server
req GET /api/updates
for image in docker.io/test/slow:1 "${answered[@]}"; do
    expect_json "has(\"$image\")"
done
stop_server
expect_eq "exit status" "$server_status" 0

# --- /metrics: counters from a fresh start -----------------------------
start_server
for i in 1 2 3; do
    send POST /webhook "$(payload docker.io/library/metrics-$i:1)"
    expect_code 200
done
req GET /api/updates
expect_code 200
req GET /no-such-route
expect_code 404
send POST /api/tags '{"name": "metrics-tag"}'
expect_code 201
send POST /api/tags '{"name": "metrics-tag"}'
expect_code 409
req POST /metrics
expect_code 405
req GET /metrics
expect_code 200
metrics=$body
expect_eq "metrics content type" "$(curl -sS -o /dev/null -w '%{content_type}' "$base/metrics")" \
    "text/plain; version=0.0.4; charset=utf-8"
metric() { # NAME{LABELS}: its value, or "missing"
    awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }' <<<"$metrics"
}
expect_eq "webhooks counted" "$(metric 'diun_dashboard_requests_total{route="/webhook",method="POST",status="200"}')" 3
expect_eq "updates counted" "$(metric 'diun_dashboard_requests_total{route="/api/updates",method="GET",status="200"}')" 1
expect_eq "404 counted" "$(metric 'diun_dashboard_requests_total{route="other",method="GET",status="404"}')" 1
expect_eq "201 counted" "$(metric 'diun_dashboard_requests_total{route="/api/tags",method="POST",status="201"}')" 1
expect_eq "409 counted" "$(metric 'diun_dashboard_requests_total{route="/api/tags",method="POST",status="409"}')" 1
expect_eq "405 counted" "$(metric 'diun_dashboard_requests_total{route="/metrics",method="POST",status="405"}')" 1
expect_eq "UpsertEvent calls" "$(metric 'diun_dashboard_query_duration_seconds_count{query="UpsertEvent"}')" 3
expect_eq "GetUpdates calls" "$(metric 'diun_dashboard_query_duration_seconds_count{query="GetUpdates"}')" 1
expect_eq "CreateTag calls" "$(metric 'diun_dashboard_query_duration_seconds_count{query="CreateTag"}')" 2
expect_eq "CreateTag errors" \
    "$(metric 'diun_dashboard_query_errors_total{query="CreateTag",code="KEEL_UNIQUE_VIOLATION"}')" 1
expect_eq "UpsertEvent +Inf bucket" \
    "$(metric 'diun_dashboard_query_duration_seconds_bucket{query="UpsertEvent",le="+Inf"}')" 3
# Every histogram's buckets only grow, up to its count.
checks=$((checks + 1))
awk -F'[{}]' '/_bucket\{/ { split($2, l, ","); q = l[1]; v = $3 + 0
                             if (q in last && v < last[q]) bad = 1; last[q] = v }
              END { exit bad }' <<<"$metrics" || fail "a histogram's buckets decrease: $metrics"
stop_server

# --- configuration errors, the default database ------------------------
checks=$((checks + 2))
PORT=99999 "$bin" >/dev/null 2>&1 && fail "PORT=99999 was accepted"
LISTEN_ADDR=not-an-address "$bin" >/dev/null 2>&1 && fail "LISTEN_ADDR=not-an-address was accepted"
"$bin" --help | grep -q '^usage: diun-dashboard'
expect_eq "--help" "$?" 0
if [[ $engine == sqlite ]]; then
    mkdir -p "$work/cwd"
    saved=$DB_PATH
    unset DB_PATH
    (cd "$work/cwd" && start_server && stop_server && grep -q '^diun-dashboard: using SQLite (\./diun\.db)$' "$server_log")
    expect_eq "default database ./diun.db" "$?" 0
    expect_eq "./diun.db created" "$([[ -s $work/cwd/diun.db ]] && echo yes)" yes
    export DB_PATH=$saved
fi
# LISTEN_ADDR: IPv6 loopback, where the machine has it.
if grep -qs '^0*1 ' /proc/net/if_inet6; then
    start_server LISTEN_ADDR=::1
    expect_eq "IPv6 URL" "${base%:*}" "http://[::1]"
    req GET /healthz -g
    expect_code 200
    stop_server
    expect_eq "exit status" "$server_status" 0
fi

finish "diun_dashboard_api ($engine)"
