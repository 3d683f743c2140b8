#!/usr/bin/env bash
# Generates the reference repository twice, from two copies at different
# paths, the second with CRLF line endings, and requires identical bytes: no
# paths, times or order leak in, and line endings change neither the
# embedded SQL nor the migration checksums keel_migrate verifies.
set -eu
keel=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work/a" "$work/b/nested"
cp -r "$src/schema" "$src/queries" "$work/a/"
cp -r "$src/schema" "$src/queries" "$work/b/nested/"
find "$work/b/nested" -name '*.sql' -exec sed -i 's/$/\r/' {} +
grep -q $'\r' "$work/b/nested/schema/sqlite/0001_initial_schema.sql"
"$keel" generate --name diun --schema "$work/a/schema" --queries "$work/a/queries" --out "$work/out1"
(cd "$work/b/nested" && "$keel" generate --name diun --schema schema --queries queries --out "$work/out2")
diff -r "$work/out1" "$work/out2"
echo "identical: $(ls "$work/out1" | tr '\n' ' ')"
