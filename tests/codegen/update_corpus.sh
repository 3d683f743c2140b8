#!/usr/bin/env bash
# Rewrites the "--- expect" section of corpus cases with what the generator
# says now (stdout on success, stderr on failure), so expectations are
# regenerated, never typed by hand. Review the diff before committing.
#
#   update_corpus.sh KEEL CORPUS_DIR NAME...
set -eu
keel=$1 corpus=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in "$@"; do
    case_file="$corpus/$name.case"
    if grep -q ' (escaped)$' "$case_file"; then
        echo "skipped $name: it has (escaped) sections, which this script does not decode"
        continue
    fi
    dir="$work/$name"
    mkdir -p "$dir"
    awk -v dir="$dir" '
        /^--- / { out = dir "/" substr($0, 5); sub(/[ \t]+$/, "", out);
                  d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\"");
                  printf "" > out; next }
        out != "" { print >> out }
    ' "$case_file"
    status=0
    (cd "$dir" && "$keel" describe --name repo --schema schema --queries queries >actual.out 2>actual.err) || status=$?
    actual="$dir/actual.out"
    [ "$status" -ne 0 ] && actual="$dir/actual.err"
    # everything up to "--- expect", the new expectation, then any later section (--- warnings)
    awk -v actual="$actual" '
        /^--- expect/ { print; while ((getline line < actual) > 0) print line; skipping = 1; next }
        skipping && /^--- / { skipping = 0 }
        !skipping { print }
    ' "$case_file" >"$dir/new.case"
    mv "$dir/new.case" "$case_file"
    echo "updated $name (exit $status)"
done
