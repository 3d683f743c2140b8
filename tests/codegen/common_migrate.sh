#!/usr/bin/env bash
# keel migrate / status on a repository mixing schema/common/ with
# per-dialect versions: common 0001, sqlite/0002, common 0003 apply in
# version order to a SQLite file.
set -eu
keel=$1 repo=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cd "$repo"
"$keel" migrate --name repo --schema schema --queries queries --dsn "$work/db.sqlite" >"$work/migrate.out"
"$keel" status --name repo --schema schema --queries queries --dsn "$work/db.sqlite" >"$work/status.out"
diff -u - "$work/status.out" <<'OUT'
applied  0001_authors.sql
applied  0002_counters.sql
applied  0003_notes.sql
OUT
"$keel" check --name repo --schema schema --queries queries
echo ok
