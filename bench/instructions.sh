#!/usr/bin/env bash
# instructions.sh [BUILD-DIR] [ENGINES]
#
# Counts the user-space instructions each side of keel_bench executes for
# the same work, under callgrind: keel's generated function against the
# hand-written sqlite3 code, for every SQLite workload. Timing ratios on a
# shared 2-core machine move by a few percent between runs; instruction
# counts do not, so this is the figure to read when a ratio sits near its
# target. Both sides run the same number of calls (keel_bench gives each
# side the same slices), so the ratio of their inclusive costs is the
# per-call ratio. Each workload runs twice, for 1 and for 3 rounds, and
# the difference is what is counted: two steady-state rounds, without the
# warm-up's one-time work (statements prepared on each connection). Printed as hand/keel, the orientation of keel_bench's
# ratios (above 1: keel executes fewer instructions).
#
# Kernel time (a file's fsync, reads) is not counted: on a SQLite file the
# ratio is of the CPU work only.
set -euo pipefail

build=${1:-build}
engines=${2:-sqlite-memory,sqlite-file}
bench=$build/bench/keel_bench
[ -x "$bench" ] || { echo "instructions.sh: no $bench (cmake --build $build --target keel_bench)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }

# workload name (keel_bench --only) and its run_ function in bench/keel_side.c,
# which dispatches both sides: keel's count is run_'s less the hand side's
workloads=(
    "UpsertEvent, 5000 per tx|upsert_tx"
    "UpsertEvent, autocommit|upsert_autocommit"
    "TagExists|tag_exists"
    "GetUpdates :many|get_updates_many"
    "GetUpdates _each|get_updates_each"
    "kv Put|kv_put_run"
    "kv Get|kv_get_run"
    "ScanFrom :many|kv_scan_many"
    "ScanFrom _each|kv_scan_each"
)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

inclusive() { # callgrind file, file:function -> its inclusive instruction count
    # the largest line naming it: an inlined copy is listed again under other file names
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v pat="$2" '$2 == "(" || $2 ~ /^\(/ { if (index($0, pat)) { gsub(/,/, "", $1); if ($1 + 0 > max) max = $1 + 0 } }
                         END { if (max) printf "%.0f\n", max }'
}

IFS=, read -r -a engine_list <<<"$engines"
for engine in "${engine_list[@]}"; do
    printf '\n== %s: instructions per side (callgrind, keel_bench --quick, per round) ==\n' "$engine"
    printf '%-28s %14s %14s %8s\n' workload keel sqlite3 hand/keel
    for entry in "${workloads[@]}"; do
        name=${entry%%|*}
        fn=${entry##*|}
        keel=0 hand=0
        for rounds in 1 3; do
            cg=$out/$engine-$fn-$rounds.cg
            valgrind --tool=callgrind --callgrind-out-file="$cg" "$bench" --quick --rounds "$rounds" --no-peak \
                --engines "$engine" --only "$name" --tmpdir "$out" >/dev/null 2>"$out/valgrind.log" ||
                { cat "$out/valgrind.log" >&2; exit 1; }
            both=$(inclusive "$cg" "keel_side.c:run_$fn")
            side=$(inclusive "$cg" "hand_sqlite.c:hand_sqlite_run")
            [ -n "$both" ] && [ -n "$side" ] || { echo "instructions.sh: no counts for $name" >&2; exit 1; }
            sign=$([ "$rounds" = 1 ] && echo -1 || echo 1)
            keel=$((keel + sign * (both - side)))
            hand=$((hand + sign * side))
        done
        printf '%-28s %14s %14s %8.3f\n' "$name" "$((keel / 2))" "$((hand / 2))" \
            "$(awk -v h="$hand" -v k="$keel" 'BEGIN { print h / k }')"
    done
done
