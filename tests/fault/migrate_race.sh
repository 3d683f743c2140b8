#!/usr/bin/env bash
# 2, 5 and 8 processes migrating one fresh database at once: each migration
# is applied exactly once (kv's 0002 inserts one kv_history row per run).
source "$(dirname "$0")/lib.sh"
for n in 2 5 8; do
    for round in 1 2; do
        dsn=$(fresh_db "race_${n}_${round}_$$")
        pids=()
        for i in $(seq "$n"); do
            timeout 60 "$tool" migrate "$dsn" >"$work/out.$i" 2>&1 & pids+=($!)
        done
        for i in $(seq "$n"); do
            wait "${pids[$((i - 1))]}" || { cat "$work/out.$i" >&2; fail "migrator $i of $n failed"; }
        done
        got=$(timeout 30 "$tool" history "$dsn")
        [ "$got" = "1 2" ] || fail "$n migrators: kv_history rows and keel_migrations rows are '$got', expected '1 2'"
        echo "$n processes: each migration applied once"
    done
done
