#!/usr/bin/env bash
# kill -9 a process in the middle of a migration, 20 times, each time at a
# point the test knows: the migrating process announces "hang N" (on its
# stdout) and blocks, either when migration N has started inside its
# transaction (16 rounds: the kill must leave version N-1) or just after N
# committed (4 rounds: version N). Nothing here depends on the machine's
# speed. After each kill the database is at exactly that version and
# consistent, and migrating again completes it.
source "$(dirname "$0")/lib.sh"

# wait_for_hang FILE PID: waits (bounded) until the process says where it hangs.
wait_for_hang() {
    for _ in $(seq 1200); do
        grep -q '^hang ' "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

for i in $(seq 20); do
    dsn=$(fresh_db "killmig_${i}_$$")
    target=$((2 + (i - 1) % 4))          # migrations 2..5 (1 creates the tables)
    if ((i % 5 == 0)); then
        mode=--hang-after expect=$target
    else
        mode=--hang-starting expect=$((target - 1))
    fi
    # A file of its own per round, made empty here: the background child's
    # redirection truncates only once it runs, so a reused file could still
    # show the previous round's "hang" line.
    out=$work/out_$i err=$work/err_$i
    : >"$out"
    "$tool" slow-migrate "$dsn" "$mode" "$target" >>"$out" 2>"$err" & pid=$!
    wait_for_hang "$out" "$pid" || { cat "$out" "$err" >&2; fail "round $i: no 'hang' from the migrating process"; }
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    state=$(timeout 30 "$tool" check-slow "$dsn") || fail "round $i: after the kill: $state"
    case "$state" in
        "version $expect consistent"*) ;;
        *) fail "round $i: killed at $mode $target, expected version $expect consistent, got: $state" ;;
    esac
    timeout 60 "$tool" slow-migrate "$dsn" || fail "round $i: migrating after the kill failed"
    state=$(timeout 30 "$tool" check-slow "$dsn") || fail "round $i: after re-migrating: $state"
    case "$state" in "version 5 consistent"*) ;; *) fail "round $i: $state" ;; esac
    echo "round $i: killed at $mode $target: version $expect, then migrated to 5"
done
echo "20 of 20 kills landed where intended"
