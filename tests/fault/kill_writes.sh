#!/usr/bin/env bash
# kill -9 a process in the middle of a write workload, 20 times: after
# reopening, migrating works and every transaction committed before the
# kill (printed by the writer only after keel_update returned) is there.
source "$(dirname "$0")/lib.sh"
for i in $(seq 20); do
    dsn=$(fresh_db "killw_${i}_$$")
    # Emptied here, not by the child's redirection: that one runs only once
    # the child does, and until then the file would show the last round's.
    written=$work/written_$i err=$work/err_$i
    : >"$written"
    "$tool" write "$dsn" >>"$written" 2>"$err" & pid=$!
    # The kill lands inside the workload, not in its start-up (slow under ASan).
    for _ in $(seq 1200); do
        [ -s "$written" ] || ! kill -0 "$pid" 2>/dev/null && break
        sleep 0.05
    done
    sleep_ms "$(random_ms 20 250)"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    last=$(grep -E '^[0-9]+$' "$written" | tail -n 1 || true)
    [ -n "$last" ] || { cat "$err" >&2; fail "round $i: the writer committed nothing"; }
    timeout 60 "$tool" migrate "$dsn" || fail "round $i: migrate after the kill"
    timeout 60 "$tool" verify "$dsn" "$last" || fail "round $i: committed data lost"
done
