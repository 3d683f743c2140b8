#!/usr/bin/env bash
# Runs the generator corpus: each tests/codegen/corpus/*.case file is one
# repository written inline, in sections:
#
#   --- schema/sqlite/0001_init.sql       a file of the repository
#   ...SQL...
#   --- queries/sqlite/q.sql
#   ...SQL...
#   --- expect                            `keel describe` output (exit 0)
#   ...                                     or diagnostics (exit 1)
#   --- warnings                          optional: the exact stderr of a
#   ...                                     successful run (warnings)
#
# A case with a sqlc.yaml, sqlc.yml or sqlc.json section at its top is a
# repository as sqlc lays it out: keel runs without layout options and
# reads the configuration (whose gen.go.out should be "out").
#
# The case passes when the generator's stdout (success) or stderr (failure)
# equals the expect section. A section header ending in " (escaped)" has
# \xNN escapes decoded, for NUL bytes and invalid UTF-8. With
# KEEL_CORPUS_GENERATE=1 the generator runs as `keel generate`, and a failing
# case must leave no output directory behind.
#
#   run_corpus.sh KEEL CORPUS_DIR WORK_DIR [NAME_FILTER]
#
# With KEEL_TEST_PG_DSN_FILE set (the ctest PostgreSQL fixture), every case
# is also verified against that server (keel's --postgres check). With
# KEEL_CORPUS_COMPARE_STATIC=1 as well, each case runs once more without
# the server: the two runs must print the same thing, or static inference
# disagrees with the server (a bug in keel), whatever the case expects.
set -u
keel=$1 corpus=$2 work=$3 filter=${4:-}
if [ -n "${KEEL_TEST_PG_DSN_FILE:-}" ]; then
    if [ ! -s "$KEEL_TEST_PG_DSN_FILE" ]; then
        echo "no PostgreSQL DSN in $KEEL_TEST_PG_DSN_FILE: did the pg_start fixture run?"
        exit 1
    fi
    KEEL_POSTGRES_DSN=$(cat "$KEEL_TEST_PG_DSN_FILE")
    export KEEL_POSTGRES_DSN
fi
passed=0 failed=0
rm -rf "$work"
mkdir -p "$work"
for case_file in "$corpus"/*.case; do
    name=$(basename "$case_file" .case)
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
    dir="$work/$name"
    mkdir -p "$dir"
    awk -v dir="$dir" '
        /^--- / { out = dir "/" substr($0, 5); sub(/[ \t]+$/, "", out);
                  d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\"");
                  printf "" > out; next }
        out != "" { print >> out }
    ' "$case_file"
    for escaped in "$dir"/*/*/*" (escaped)"; do
        [ -e "$escaped" ] || continue
        perl -pe 's/\\x([0-9a-fA-F]{2})/chr(hex($1))/ge' "$escaped" >"${escaped% (escaped)}"
        rm "$escaped"
    done
    if [ ! -f "$dir/expect" ]; then
        echo "FAIL $name: no --- expect section"
        failed=$((failed + 1))
        continue
    fi
    layout=(--name repo --schema schema --queries queries)
    out_option=(--out out)
    if [ -f "$dir/sqlc.yaml" ] || [ -f "$dir/sqlc.yml" ] || [ -f "$dir/sqlc.json" ]; then
        layout=() out_option=()
    fi
    if [ "${KEEL_CORPUS_GENERATE:-0}" = 1 ]; then
        (cd "$dir" && "$keel" generate "${layout[@]}" "${out_option[@]}" >actual.out 2>actual.err)
        status=$?
        if [ $status -eq 1 ] && [ -e "$dir/out" ]; then
            echo "FAIL $name: output written despite errors"
            failed=$((failed + 1))
            continue
        fi
    else
        (cd "$dir" && "$keel" describe "${layout[@]}" >actual.out 2>actual.err)
        status=$?
        if [ -n "${KEEL_POSTGRES_DSN:-}" ] && [ "${KEEL_CORPUS_COMPARE_STATIC:-0}" = 1 ]; then
            # the same case without the server: static inference alone must
            # say exactly what it says with the server's check
            (cd "$dir" && env -u KEEL_POSTGRES_DSN "$keel" describe "${layout[@]}" >static.out 2>static.err)
            static_status=$?
            if [ $static_status -ne $status ] || ! cmp -s "$dir/static.out" "$dir/actual.out" ||
                ! cmp -s "$dir/static.err" "$dir/actual.err"; then
                echo "FAIL $name: the PostgreSQL server disagrees with keel's static inference"
                echo "  without the server (exit $static_status):"
                sed 's/^/    /' "$dir/static.out" "$dir/static.err"
                echo "  with the server (exit $status):"
                sed 's/^/    /' "$dir/actual.out" "$dir/actual.err"
                failed=$((failed + 1))
                continue
            fi
        fi
    fi
    if [ $status -eq 0 ]; then actual="$dir/actual.out"; else actual="$dir/actual.err"; fi
    if [ $status -gt 1 ]; then
        echo "FAIL $name: generator exited with $status (crash?)"
        cat "$dir/actual.err"
        failed=$((failed + 1))
    elif ! diff -u "$dir/expect" "$actual" >"$dir/diff"; then
        echo "FAIL $name (- expected, + actual):"
        cat "$dir/diff"
        failed=$((failed + 1))
    elif [ $status -eq 0 ] && [ -f "$dir/warnings" ] && ! diff -u "$dir/warnings" "$dir/actual.err" >"$dir/diff"; then
        echo "FAIL $name: warnings differ (- expected, + actual):"
        cat "$dir/diff"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
