#!/usr/bin/env bash
# Runs the generator on one case directory and compares what it says.
#
#   run_case.sh KEEL CASE_DIR WORK_DIR
#
# A case holds schema/<dialect>/ and queries/<dialect>/ and either
#   expected.stderr  - the exact diagnostics; the run must exit 1 and
#                      write nothing (the output directory must not appear)
# or
#   expected/        - files the run must produce byte for byte (exit 0),
#                      with expected.warnings, if present, the exact stderr;
#                      with KEEL_CASE_CXX (and KEEL_CASE_INCLUDE, keel.h's
#                      folder) the header must also compile as C++.
# The generator runs inside CASE_DIR with relative paths, so diagnostics
# read "queries/sqlite/x.sql:3:8: error: ..." as a user sees them.
set -u
keel=$1 case_dir=$2 work=$3
name=$(basename "$case_dir")
out="$work/$name.out"
rm -rf "$out" "$work/$name.stderr"
mkdir -p "$work"
cd "$case_dir" || exit 2
"$keel" generate --name "${KEEL_CASE_REPO:-repo}" --schema schema --queries queries --out "$out" \
    2>"$work/$name.stderr"
status=$?
if [ -f expected.stderr ]; then
    fail=0
    if [ "$status" -ne 1 ]; then
        echo "FAIL $name: exit status $status, expected 1"
        fail=1
    fi
    if [ -e "$out" ]; then
        echo "FAIL $name: output was written despite errors"
        fail=1
    fi
    if ! diff -u expected.stderr "$work/$name.stderr"; then
        echo "FAIL $name: diagnostics differ (above: - expected, + actual)"
        fail=1
    fi
    exit $fail
fi
if [ "$status" -ne 0 ]; then
    echo "FAIL $name: exit status $status"
    cat "$work/$name.stderr"
    exit 1
fi
fail=0
if [ -f expected.warnings ] && ! diff -u expected.warnings "$work/$name.stderr"; then
    echo "FAIL $name: warnings differ (above: - expected, + actual)"
    fail=1
fi
# The header is C++'s too (its extern "C" block): with KEEL_CASE_CXX set
# (a C++ compiler), it must compile as C++ without a warning.
if [ -n "${KEEL_CASE_CXX:-}" ] && [ -f "$out/${KEEL_CASE_REPO:-repo}.h" ]; then
    printf '#include "%s.h"\nint main(void) { return 0; }\n' "${KEEL_CASE_REPO:-repo}" >"$work/$name.cxx.cpp"
    if ! "$KEEL_CASE_CXX" -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$KEEL_CASE_INCLUDE" -I"$out" \
            "$work/$name.cxx.cpp"; then
        echo "FAIL $name: the generated header does not compile as C++"
        fail=1
    fi
fi
for f in expected/*; do
    if ! diff -u "$f" "$out/$(basename "$f")"; then
        echo "FAIL $name: $(basename "$f") differs (above: - expected, + actual)"
        fail=1
    fi
done
exit $fail
