#!/usr/bin/env bash
# clang-tidy on the generator and the runtime with the checked-in
# .clang-tidy (warnings are errors). Needs a configured and built tree for
# compile_commands.json and the generated grammar header.
#
#   tools/tidy.sh [BUILD_DIR]       (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || { echo "no $build/compile_commands.json: build first" >&2; exit 2; }
status=0
for f in codegen/*.c src/*.c src/*/*.c; do
    if ! out=$(clang-tidy --quiet -p "$build" "$f" 2>/dev/null); then
        printf '%s\n' "$out"
        status=1
    elif [ -n "$out" ]; then
        printf '%s\n' "$out"
    fi
done
[ $status -eq 0 ] && echo "clang-tidy: codegen/ and src/ (engines included) clean"
exit $status
