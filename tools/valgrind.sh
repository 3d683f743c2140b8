#!/usr/bin/env bash
# valgrind memcheck over the generator (on the reference repository) and
# every SQLite parity suite, in a build without sanitizers. Any error or
# leak fails.
#
#   tools/valgrind.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --track-origins=yes)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== keel generate (reference repository)"
"${vg[@]}" "$build/codegen/keel" generate --name diun --schema schema --queries queries --out "$tmp/gen"
echo "== keel verify (the command line, on ./keel.yaml)"
"${vg[@]}" "$build/codegen/keel" verify
echo "== keel vet / migrate / status / drift (reference repository, SQLite file)"
for verb in vet "migrate --dsn $tmp/verbs.db" "status --dsn $tmp/verbs.db" "drift --dsn $tmp/verbs.db"; do
    # shellcheck disable=SC2086
    "${vg[@]}" "$build/codegen/keel" $verb --name diun --schema schema --queries queries 2>/dev/null
done
for suite in tests/parity/diun_parity tests/codegen/books_parity tests/fixtures/kv/kv_conformance \
             tests/fixtures/agent_memory/agent_memory_parity tests/fixtures/compliance/compliance_parity \
             tests/fixtures/array_lists/array_lists_parity; do
    for target in sqlite-memory sqlite-file; do
        echo "== $suite $target"
        KEEL_TEST_TMPDIR="$tmp" "${vg[@]}" "$build/$suite" "$target" | tail -1
    done
done
echo "valgrind: no errors, no leaks"
