#!/usr/bin/env bash
# kill -9 a process in the middle of a migration, 20 times: the database is
# always at one consistent version, and migrating again completes it.
source "$(dirname "$0")/lib.sh"
killed_inside=0
for i in $(seq 20); do
    dsn=$(fresh_db "killmig_${i}_$$")
    "$tool" slow-migrate "$dsn" >/dev/null 2>&1 & pid=$!
    sleep_ms "$(random_ms 10 350)"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    state=$(timeout 30 "$tool" check-slow "$dsn") || fail "round $i: after the kill: $state"
    case "$state" in *"version 5"*) ;; *) killed_inside=$((killed_inside + 1)) ;; esac
    timeout 60 "$tool" slow-migrate "$dsn" || fail "round $i: migrating after the kill failed"
    state=$(timeout 30 "$tool" check-slow "$dsn") || fail "round $i: after re-migrating: $state"
    case "$state" in *"version 5 consistent"*) ;; *) fail "round $i: $state" ;; esac
    echo "round $i: killed at: $(echo "$state" | head -n 1)"
done
echo "$killed_inside of 20 kills landed before the last migration committed"
[ "$killed_inside" -ge 10 ] || fail "too few kills landed inside the migrations ($killed_inside)"
