#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) from its seed corpus in
# tests/fuzz/seeds/<target>. New inputs go to a scratch copy, never to the
# repository; a crash leaves its input in WORK/<target>/crash-* and fails.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS] [WORK_DIR]
#
# Build first: CC=clang cmake -S . -B build-fuzz -G Ninja -DKEEL_FUZZ=ON &&
#              cmake --build build-fuzz --target fuzzers
set -u
build=$1 seconds=${2:-60} work=${3:-$build/fuzz-work}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in fuzz_tokenizer fuzz_parser fuzz_generator fuzz_config fuzz_dsn; do
    corpus="$work/$target/corpus"
    rm -rf "$work/$target"
    mkdir -p "$corpus"
    cp "$here/seeds/$target"/* "$corpus/"
    echo "== $target for ${seconds}s"
    if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$work/$target/" -print_final_stats=1 "$corpus" 2>"$work/$target/log"; then
        tail -50 "$work/$target/log"
        echo "FAIL $target: crash input in $work/$target/"
        status=1
    else
        grep -E "^(stat::number_of_executed_units|Done)" "$work/$target/log" | tr '\n' ' '
        echo
    fi
done
exit $status
