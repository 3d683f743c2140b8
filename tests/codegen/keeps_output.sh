#!/usr/bin/env bash
# A run that fails must leave the files of the last good run as they were.
set -eu
keel=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cp -r "$src/schema" "$src/queries" "$work/"
"$keel" generate --name diun --schema "$work/schema" --queries "$work/queries" --out "$work/out"
cp -r "$work/out" "$work/before"
printf '\n-- name: Broken :one\nSELECT nope FROM tags;\n' >> "$work/queries/sqlite/tags.sql"
if "$keel" generate --name diun --schema "$work/schema" --queries "$work/queries" --out "$work/out" 2>"$work/err"; then
    echo "FAIL: the generator accepted a broken query"
    exit 1
fi
grep -q 'no column "nope" in table "tags"' "$work/err"
diff -r "$work/before" "$work/out"
if ls -A "$work/out" | grep -q '^\.'; then
    echo "FAIL: temporary files left behind"
    exit 1
fi
echo "previous output intact"
