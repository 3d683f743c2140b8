#!/usr/bin/env bash
# The web page in Debian's headless Chromium, driven through chromedriver's
# WebDriver HTTP API with curl: load the page, click "Acknowledge" and see
# the row change, add a tag with the form, pick it in a row's select.
# A screenshot is left in WORKDIR/dashboard.png.
#
#   browser_test.sh DIUN_DASHBOARD sqlite|postgres WORKDIR
set -uo pipefail

bin=$1
. "$(dirname "$0")/lib.sh"
use_engine "$2" "$3"

for tool in chromium chromedriver; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)" >&2; exit 1; }
done

start_server
nginx=docker.io/library/nginx:1.27
redis=docker.io/library/redis:7
for image in "$nginx" "$redis"; do
    jq -cn --arg i "$image" '{diun_version: "4.0.0", hostname: "myserver", status: "new",
        provider: "docker", image: $i, hub_link: "https://hub.docker.com/_/nginx"}' |
        curl -sS -o /dev/null --fail --data-binary @- "$base/webhook" || exit 1
done

# --- chromedriver and a headless Chromium -------------------------------
profile=$(mktemp -d)
chromedriver --port=0 >"$work/chromedriver.log" 2>&1 &
driver_pid=$!
session=''
extra_cleanup() {
    [[ -z $session ]] || curl -sS -o /dev/null --max-time 10 -X DELETE "$wd/session/$session"
    kill -TERM "$driver_pid" 2>/dev/null
    wait "$driver_pid" 2>/dev/null
    rm -rf "$profile"
}
wd=''
for ((i = 0; i < 100; i++)); do
    port=$(sed -n 's/.*started successfully on port \([0-9]*\).*/\1/p' "$work/chromedriver.log" 2>/dev/null)
    [[ -n $port ]] && { wd=http://127.0.0.1:$port; break; }
    sleep 0.05
done
[[ -n $wd ]] || { echo "FAIL: chromedriver did not start:" >&2; cat "$work/chromedriver.log" >&2; exit 1; }

# wd_call METHOD PATH [JSON]: a WebDriver command; prints .value, fails on an error.
wd_call() {
    local out
    out=$(curl -sS --max-time 60 -X "$1" -H 'Content-Type: application/json' \
        ${3+--data-binary "$3"} "$wd$2") || { fail "WebDriver $1 $2: curl failed"; return 1; }
    if jq -e '.value | type == "object" and has("error")' <<<"$out" >/dev/null; then
        fail "WebDriver $1 $2: $(jq -r '.value.error + ": " + .value.message' <<<"$out" | head -3)"
        return 1
    fi
    jq -c .value <<<"$out"
}
# js SCRIPT [ARGS-JSON]: runs SCRIPT in the page, prints its result as JSON.
js() {
    wd_call POST "/session/$session/execute/sync" "$(jq -cn --arg s "$1" --argjson a "${2:-[]}" '{script: $s, args: $a}')"
}
# wait_for WHAT SCRIPT [ARGS-JSON]: polls (10 s at most) until SCRIPT returns true.
wait_for() {
    local i
    checks=$((checks + 1))
    for ((i = 0; i < 100; i++)); do
        [[ $(js "$2" "${3:-[]}") == true ]] && return 0
        sleep 0.1
    done
    fail "timed out waiting for $1"
    return 1
}
# element CSS: the WebDriver id of the first element matching CSS.
element() {
    wd_call POST "/session/$session/element" "$(jq -cn --arg v "$1" '{using: "css selector", value: $v}')" |
        jq -r '.["element-6066-11e4-a52e-4f735466cecf"]'
}

caps=$(jq -cn --arg dir "$profile" '{capabilities: {alwaysMatch: {
    browserName: "chrome",
    "goog:loggingPrefs": {browser: "ALL"},
    "goog:chromeOptions": {binary: "/usr/bin/chromium", args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1200,800", ("--user-data-dir=" + $dir)]}}}}')
session=$(wd_call POST /session "$caps" | jq -r .sessionId)
[[ -n $session && $session != null ]] || { echo "FAIL: no WebDriver session" >&2; exit 1; }

# --- the page loads and lists the updates -----------------------------------
wd_call POST "/session/$session/url" "$(jq -cn --arg u "$base/" '{url: $u}')" >/dev/null
wait_for "the page to load the API" 'return document.body.dataset.loaded === "true"'
row='return document.querySelector(`tr[data-image="${arguments[0]}"]`)'
expect_eq "rows" "$(js 'return document.querySelectorAll("#updates tbody tr").length')" 2
expect_eq "summary" "$(js 'return document.getElementById("summary").textContent')" '"2 images, 2 not seen yet"'
expect_eq "nginx row before" "$(js "$row.className" "[\"$nginx\"]")" '"unseen"'

# --- click Acknowledge: the row changes ------------------------------------
button=$(element "tr[data-image=\"$nginx\"] button.ack")
wd_call POST "/session/$session/element/$button/click" '{}' >/dev/null
wait_for "the nginx row to show as seen" "$row.className === \"seen\"" "[\"$nginx\"]"
expect_eq "seen mark" "$(js "$row.querySelector(\"td.seen\").textContent" "[\"$nginx\"]")" '"✓ seen"'
expect_eq "summary after" "$(js 'return document.getElementById("summary").textContent')" '"2 images, 1 not seen yet"'
expect_eq "redis row untouched" "$(js "$row.className" "[\"$redis\"]")" '"unseen"'
expect_eq "acknowledged in the API" "$(curl -sS "$base/api/updates" |
    jq -c --arg n "$nginx" --arg r "$redis" '[.[$n].acknowledged, .[$r].acknowledged]')" '[true,false]'

# --- add a tag with the form, assign it with the row's select --------------
input=$(element '#tag-name')
wd_call POST "/session/$session/element/$input/value" '{"text": "prod <b>1</b>"}' >/dev/null
submit=$(element '#new-tag button[type=submit]')
wd_call POST "/session/$session/element/$submit/click" '{}' >/dev/null
wait_for "the new tag in the list" \
    'return [...document.querySelectorAll("#tags li")].some((li) => li.firstChild.textContent === "prod <b>1</b>")'
expect_eq "tag in the API" "$(curl -sS "$base/api/tags" | jq -c '[.[].name]')" '["prod <b>1</b>"]'
expect_eq "no markup injected" "$(js 'return document.querySelectorAll("#tags b, #updates b").length')" 0
tag_id=$(curl -sS "$base/api/tags" | jq '.[0].id')
option=$(element "tr[data-image=\"$redis\"] select.tag option[value=\"$tag_id\"]")
wd_call POST "/session/$session/element/$option/click" '{}' >/dev/null
wait_for "redis to carry the tag" 'return fetch("/api/updates").then((r) => r.json()).then((u) => u[arguments[0]].tag !== null)' "[\"$redis\"]"
expect_eq "tag of redis" "$(curl -sS "$base/api/updates" | jq -c --arg i "$redis" '.[$i].tag.name')" '"prod <b>1</b>"'

# --- a picture, and no error in the browser console ------------------------
wd_call GET "/session/$session/screenshot" | jq -r . | base64 -d >"$work/dashboard.png"
checks=$((checks + 1))
[[ -s $work/dashboard.png ]] || fail "no screenshot"
errors=$(wd_call POST "/session/$session/se/log" '{"type": "browser"}' | jq -r '.[] | select(.level == "SEVERE") | .message')
expect_eq "browser console errors" "$errors" ''
expect_eq "page error line" "$(js 'return document.getElementById("error").hidden')" true

wd_call DELETE "/session/$session" >/dev/null
session=''
stop_server
expect_eq "server exit status" "$server_status" 0
finish "diun_dashboard_browser ($engine)"
