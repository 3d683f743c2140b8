#!/usr/bin/env bash
# Runs the `keel vet` cases: each vet/*.case file is one repository written
# inline (the format of tests/codegen/run_corpus.sh):
#
#   --- schema/sqlite/0001_init.sql       a file of the repository
#   ...SQL...
#   --- args                              optional: more flags for vet
#   --- expect                            vet's exact stderr
#
# A case passes when stderr equals the expect section and the exit status
# is 1 when it expects findings, 0 when it expects none.
#
#   run_vet.sh KEEL CASES_DIR WORK_DIR
set -u
keel=$1 cases=$2 work=$3
passed=0 failed=0
rm -rf "$work"
mkdir -p "$work"
for case_file in "$cases"/*.case; do
    name=$(basename "$case_file" .case)
    dir="$work/$name"
    mkdir -p "$dir"
    awk -v dir="$dir" '
        /^--- / { out = dir "/" substr($0, 5); sub(/[ \t]+$/, "", out);
                  d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\"");
                  printf "" > out; next }
        out != "" { print >> out }
    ' "$case_file"
    mkdir -p "$dir/queries"
    args=()
    [ -f "$dir/args" ] && read -r -a args <"$dir/args"
    (cd "$dir" && "$keel" vet --name repo --schema schema --queries queries "${args[@]}" >actual.out 2>actual.err)
    status=$?
    want=0
    grep -q 'warning: \|error: ' "$dir/expect" && want=1
    if [ $status -ne $want ]; then
        echo "FAIL $name: exit status $status, expected $want"
        cat "$dir/actual.err"
        failed=$((failed + 1))
    elif [ -s "$dir/actual.out" ]; then
        echo "FAIL $name: unexpected stdout"
        cat "$dir/actual.out"
        failed=$((failed + 1))
    elif ! diff -u "$dir/expect" "$dir/actual.err" >"$dir/diff"; then
        echo "FAIL $name (- expected, + actual):"
        cat "$dir/diff"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "vet cases: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
