#!/usr/bin/env bash
# keel migrate, status and drift on one engine, end to end: a fresh
# database, migrating it (twice), its status, no drift; then a drifted
# database (changed by hand), edited, added and removed migration files, a
# hand-made schema adopted with --baseline, a database the generated code
# migrated (the CLI's checksums must be the generated code's), and
# databases that cannot be reached.
#
#   db_verbs.sh ENGINE KEEL HELPER DSN_FILE WORK REPO INGEST REFERENCE_ROOT
#
# ENGINE sqlite or postgres; KEEL the keel binary; HELPER keel-clidb-test
# (its exec and fresh-pg helpers); DSN_FILE the ctest PostgreSQL fixture's
# DSN; REPO tests/clidb/repo; INGEST the diun-ingest binary and
# REFERENCE_ROOT the source tree (its schema/ is what the generated diun
# code embeds).
set -uo pipefail
engine=$1 keel=$2 helper=$3 dsn_file=$4 work=$5 repo_src=$6 ingest=$7 reference=$8

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

rm -rf "$work"
mkdir -p "$work"
cp -r "$repo_src" "$work/repo"
cd "$work/repo" || exit 1

# fresh_db NAME: the DSN of a new, empty database
fresh_db() {
    if [ "$engine" = sqlite ]; then
        rm -f "$work/$1.db" "$work/$1.db-wal" "$work/$1.db-shm"
        echo "$work/$1.db"
    else
        $helper fresh-pg "$(head -n 1 "$dsn_file")" "clidb_$1"
    fi
}

# on DSN SQL: changes a database by hand
on() { $helper exec "$1" "$2" || fail "exec $2"; }

# run NAME STATUS VERB ARGS...: runs the verb on the test repository;
# stdout and stderr land in NAME.out / NAME.err (durations as N ms)
run() {
    local name=$1 want=$2 verb=$3
    shift 3
    "$keel" "$verb" --name repo --schema schema --queries queries "$@" >"$work/$name.raw" 2>"$work/$name.err"
    local got=$?
    sed -E 's/\([0-9]+ ms\)$/(N ms)/' "$work/$name.raw" >"$work/$name.out"
    [ "$got" -eq "$want" ] || fail "$name: exit status $got, expected $want; stderr: $(cat "$work/$name.err")"
}

# same NAME out|err EXPECTED: the output is exactly EXPECTED (lines)
same() {
    local file="$work/$1.$2"
    if [ -z "$3" ]; then
        [ -s "$file" ] && fail "$1: expected no std$2, got: $(cat "$file")"
    elif ! diff -u <(printf '%s\n' "$3") "$file" >"$work/$1.$2.diff"; then
        fail "$1: std$2 differs (- expected, + actual):"
        cat "$work/$1.$2.diff"
    fi
    return 0
}

dir=schema/$engine

# --- a fresh database: migrate, migrate again, status, no drift
db=$(fresh_db main) || { fail "fresh database"; exit 1; }
if [ "$engine" = postgres ]; then
    run status_fresh 0 status --dsn "$db"
    same status_fresh out "pending  0001_init.sql
pending  0002_notes.sql"
    same status_fresh err "keel status: 0 applied, 2 pending, 0 changed, 0 missing"
fi
run migrate 0 migrate --dsn "$db"
same migrate out "applied 0001_init.sql (N ms)
applied 0002_notes.sql (N ms)"
same migrate err "keel migrate: applied 2 migrations of $dir"
run migrate_again 0 migrate --dsn "$db"
same migrate_again out ""
same migrate_again err "keel migrate: nothing to apply; the database has all 2 migrations of $dir"
run status 0 status --dsn "$db"
same status out "applied  0001_init.sql
applied  0002_notes.sql"
same status err "keel status: 2 applied, 0 pending, 0 changed, 0 missing"
run drift_none 0 drift --dsn "$db"
same drift_none out ""
same drift_none err "keel drift: the database matches $dir"

# --- drift: changed by hand
if [ "$engine" = sqlite ]; then
    on "$db" "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"
    on "$db" "DROP INDEX notes_by_author"
    on "$db" "CREATE TABLE scratch (id INTEGER, note TEXT DEFAULT 'x')"
    on "$db" "DROP VIEW note_titles"
    on "$db" "CREATE VIEW note_titles AS SELECT id, title, body FROM notes"
    run drift 1 drift --dsn "$db"
    same drift out 'table notes: column "pinned": in the database, not in the migrations
table notes: index "notes_by_author" (author_id): in the migrations, not in the database
table scratch: in the database, not in the migrations
view note_titles: defined differently in the database'
    same drift err "keel drift: 4 differences between the database and $dir"
else
    on "$db" "ALTER TABLE notes ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT false"
    on "$db" "DROP INDEX notes_by_author"
    on "$db" "ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(100)"
    on "$db" "ALTER TABLE notes ALTER COLUMN title DROP NOT NULL"
    on "$db" "ALTER TABLE notes ALTER COLUMN created_at SET DEFAULT '2024-01-01'"
    on "$db" "ALTER TABLE notes DROP CONSTRAINT notes_author_id_fkey"
    on "$db" "CREATE UNIQUE INDEX notes_title ON notes (title)"
    on "$db" "CREATE TABLE scratch (id INTEGER)"
    on "$db" "CREATE VIEW extra AS SELECT 1 AS one"
    run drift 1 drift --dsn "$db"
    same drift out 'table notes: column "title": nullable in the database, NOT NULL in the migrations
table notes: column "body": type character varying(100) in the database, text in the migrations
table notes: column "created_at": default '"'"'2024-01-01 00:00:00+00'"'"'::timestamp with time zone in the database, default now() in the migrations
table notes: column "pinned": in the database, not in the migrations
table notes: index "notes_by_author" btree (author_id): in the migrations, not in the database
table notes: index "notes_title" unique btree (title): in the database, not in the migrations
table notes: foreign key (author_id) REFERENCES users(id) ON DELETE CASCADE: in the migrations, not in the database
table scratch: in the database, not in the migrations
view extra: in the database, not in the migrations'
    same drift err "keel drift: 9 differences between the database and $dir"
fi

# --- migration files: a new one, an edited one, a removed one
printf 'CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n' >"$dir/0005_tags.sql"
run status_pending 0 status --dsn "$db"
same status_pending out "applied  0001_init.sql
applied  0002_notes.sql
pending  0005_tags.sql"
same status_pending err "keel status: 2 applied, 1 pending, 0 changed, 0 missing"

old_sum=$(sha256sum <"$dir/0001_init.sql" | cut -c1-64)
printf -- '-- users sign up with a name\n' >>"$dir/0001_init.sql"
new_sum=$(sha256sum <"$dir/0001_init.sql" | cut -c1-64)
run status_changed 1 status --dsn "$db"
same status_changed out "changed  0001_init.sql: edited after it was applied (applied checksum ${old_sum:0:12}, file ${new_sum:0:12})
applied  0002_notes.sql
pending  0005_tags.sql"
same status_changed err "keel status: 1 applied, 1 pending, 1 changed, 0 missing"
run migrate_changed 1 migrate --dsn "$db"
same migrate_changed out ""
same migrate_changed err "keel migrate: KEEL_MIGRATION_CHECKSUM: keel_migrate repo: migration 0001_init.sql (version 1) was edited after it was applied: applied checksum $old_sum, file checksum $new_sum"

cp "$repo_src/$dir/0001_init.sql" "$dir/0001_init.sql"
mv "$dir/0002_notes.sql" "$work/0002_notes.sql"
run status_missing 1 status --dsn "$db"
same status_missing out "applied  0001_init.sql
missing  0002_notes.sql: applied (version 2), but not in $dir
pending  0005_tags.sql"
same status_missing err "keel status: 1 applied, 1 pending, 0 changed, 1 missing"
run migrate_missing 1 migrate --dsn "$db"
same migrate_missing err "keel migrate: KEEL_MIGRATION_MISSING: keel_migrate repo: applied migration 0002_notes.sql (version 2) is missing from this binary"

# a migration slipped in below the newest applied one: migrate refuses it
mv "$work/0002_notes.sql" "$dir/0002_notes.sql"
run migrate_tags 0 migrate --dsn "$db"
same migrate_tags out "applied 0005_tags.sql (N ms)"
printf 'CREATE TABLE late (id INTEGER);\n' >"$dir/0004_late.sql"
run status_late 1 status --dsn "$db"
same status_late out "applied  0001_init.sql
applied  0002_notes.sql
pending  0004_late.sql: older than the applied 0005_tags.sql; keel migrate refuses it
applied  0005_tags.sql"
rm "$dir/0004_late.sql" "$dir/0005_tags.sql"

# --- adopting a schema made by hand: refused, then --baseline
hand=$(fresh_db hand)
on "$hand" "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
run migrate_untracked 1 migrate --dsn "$hand"
same migrate_untracked out ""
grep -q '^keel migrate: KEEL_MIGRATION_UNTRACKED: keel_migrate repo: the tables of 0001_init.sql (users) already exist' \
    "$work/migrate_untracked.err" || fail "migrate_untracked: $(cat "$work/migrate_untracked.err")"
run migrate_baseline 0 migrate --dsn "$hand" --baseline 1
same migrate_baseline out "applied 0002_notes.sql (N ms)"
run status_baseline 0 status --dsn "$hand"
same status_baseline out "applied  0001_init.sql
applied  0002_notes.sql"

# --- the generated code's checksums: diun-ingest migrates with its embedded
# schema, the CLI reading the same migration files agrees, both ways
gen=$(fresh_db generated)
if [ "$engine" = sqlite ]; then
    DB_PATH=$gen "$ingest" "$reference/apps/diun-ingest/examples/events.ndjson" >/dev/null 2>"$work/ingest.err" ||
        fail "diun-ingest: $(cat "$work/ingest.err")"
else
    DATABASE_URL=$gen "$ingest" "$reference/apps/diun-ingest/examples/events.ndjson" >/dev/null 2>"$work/ingest.err" ||
        fail "diun-ingest: $(cat "$work/ingest.err")"
fi
"$keel" status --name diun --schema "$reference/schema" --queries "$reference/queries" --dsn "$gen" \
    >"$work/status_generated.out" 2>"$work/status_generated.err" || fail "status_generated: $(cat "$work/status_generated.err")"
same status_generated out "applied  0001_initial_schema.sql
applied  0002_seen_count.sql"
"$keel" drift --name diun --schema "$reference/schema" --queries "$reference/queries" --dsn "$gen" \
    >"$work/drift_generated.out" 2>"$work/drift_generated.err" || fail "drift_generated: $(cat "$work/drift_generated.err")"
same drift_generated out ""

# --- databases that cannot be reached
if [ "$engine" = sqlite ]; then
    run status_no_file 1 status --dsn "$work/absent.db"
    same status_no_file err "keel status: cannot open the database: $work/absent.db: No such file or directory"
    [ -e "$work/absent.db" ] && fail "status created $work/absent.db"
    run drift_no_file 1 drift --dsn "$work/absent.db"
    same drift_no_file err "keel drift: cannot open the database: $work/absent.db: No such file or directory"
    run migrate_no_dir 1 migrate --dsn "$work/no/such/dir.db"
    same migrate_no_dir err "keel migrate: cannot open the database (KEEL_BAD_DSN): keel_open: cannot open SQLite database \"$work/no/such/dir.db\": unable to open database file"
else
    for verb in migrate status drift; do
        run "${verb}_unreachable" 1 "$verb" --dsn "host=/nonexistent-keel-clidb port=5432 dbname=x"
        grep -q "^keel $verb: cannot open the database (KEEL_CONNECTION_LOST): keel_open: cannot connect to PostgreSQL: connection to server on socket \"/nonexistent-keel-clidb/.s.PGSQL.5432\" failed" \
            "$work/${verb}_unreachable.err" || fail "${verb}_unreachable: $(cat "$work/${verb}_unreachable.err")"
        same "${verb}_unreachable" out ""
    done
fi

# --- a repository without this engine's migrations
mkdir -p "$work/other/schema/nothing"
(cd "$work/other" && "$keel" migrate --name other --schema schema --queries queries --dsn "$db" \
    >"$work/no_dialect.out" 2>"$work/no_dialect.err")
[ $? -eq 1 ] || fail "no_dialect: exit status"
same no_dialect err "keel: error: the repository has no $engine migrations: schema/$engine is not a directory"

# --- drift needs to create its scratch database: a role without CREATEDB
if [ "$engine" = postgres ]; then
    admin=$(head -n 1 "$dsn_file")
    limited=$(fresh_db nocreatedb)
    on "$limited" "DROP ROLE IF EXISTS clidb_nocreatedb"
    on "$limited" "CREATE ROLE clidb_nocreatedb LOGIN"
    on "$limited" "GRANT ALL ON SCHEMA public TO clidb_nocreatedb"
    limited_dsn="$limited user='clidb_nocreatedb'"
    run migrate_limited 0 migrate --dsn "$limited_dsn"
    run drift_limited 1 drift --dsn "$limited_dsn"
    same drift_limited out ""
    same drift_limited err "keel drift: cannot create a scratch database on the server (needs CREATEDB): ERROR:  permission denied to create database"
    on "$admin" "DROP DATABASE clidb_nocreatedb WITH (FORCE)"
    on "$admin" "DROP ROLE clidb_nocreatedb"
fi

# --- usage: exit status 2, the problem, where the options are listed
for verb in migrate status drift; do
    run "${verb}_no_dsn" 2 "$verb"
    same "${verb}_no_dsn" err "keel $verb: --dsn DSN is required (a SQLite file, or a PostgreSQL URL or key=value string)
\`keel $verb --help\` lists the options."
    same "${verb}_no_dsn" out ""
    run "${verb}_empty_dsn" 2 "$verb" --dsn ""
    same "${verb}_empty_dsn" err "keel $verb: --dsn DSN is required (a SQLite file, or a PostgreSQL URL or key=value string)
\`keel $verb --help\` lists the options."
    run "${verb}_dsn_without_value" 2 "$verb" --dsn
    same "${verb}_dsn_without_value" err "keel $verb: --dsn needs a value
\`keel $verb --help\` lists the options."
    run "${verb}_bad_flag" 2 "$verb" --dsn "$db" --colour
    same "${verb}_bad_flag" err "keel $verb: unknown option \"--colour\"
\`keel $verb --help\` lists the options."
    run "${verb}_stray_argument" 2 "$verb" --dsn "$db" extra
    same "${verb}_stray_argument" err "keel $verb: unexpected argument \"extra\"
\`keel $verb --help\` lists the options."
    run "${verb}_help" 0 "$verb" --help
    same "${verb}_help" err ""
    head -n 1 "$work/${verb}_help.out" | grep -q "^usage: keel $verb \[OPTIONS\] --dsn DSN" ||
        fail "${verb}_help: $(head -n 1 "$work/${verb}_help.out")"
    grep -q '^  --dsn DSN  ' "$work/${verb}_help.out" || fail "${verb}_help does not describe --dsn"
    grep -q '^  --schema DIR  ' "$work/${verb}_help.out" || fail "${verb}_help does not list the repository options"
done
grep -q '^  --baseline VERSION  ' "$work/migrate_help.out" || fail "migrate --help does not describe --baseline"
run baseline_not_a_number 2 migrate --dsn "$db" --baseline one
same baseline_not_a_number err 'keel migrate: --baseline wants a migration version (a number), not "one"'

# --- no configuration file, no repository flags: a usage error naming the way out
mkdir -p "$work/noconfig"
for verb in migrate status drift; do
    (cd "$work/noconfig" && "$keel" "$verb" --dsn "$db" >"$work/${verb}_no_config.out" 2>"$work/${verb}_no_config.err")
    got=$?
    [ $got -eq 2 ] || fail "${verb}_no_config: exit status $got, expected 2"
    same "${verb}_no_config" out ""
    same "${verb}_no_config" err "keel: no keel.yaml, keel.yml, sqlc.yaml, sqlc.yml or sqlc.json in the current folder: \`keel init\` writes one; or name one with --config FILE, or give --name, --schema and --queries
usage: keel $verb [OPTIONS] --dsn DSN$([ $verb = migrate ] && echo ' [--baseline VERSION]')
\`keel $verb --help\` lists the options."
done

# --- the repository from keel.yaml, as `keel init` writes it
(cd "$work" && rm -rf initialized && "$keel" init initialized >/dev/null) || fail "keel init"
cfg_db=$(fresh_db from_config)
(cd "$work/initialized" && "$keel" migrate --dsn "$cfg_db" >"$work/config_migrate.raw" 2>"$work/config_migrate.err") ||
    fail "migrate from keel.yaml: $(cat "$work/config_migrate.err")"
sed -E 's/\([0-9]+ ms\)$/(N ms)/' "$work/config_migrate.raw" >"$work/config_migrate.out"
same config_migrate out "applied 0001_init.sql (N ms)"
same config_migrate err "keel migrate: applied 1 migration of schema/$engine"
(cd "$work/initialized" && "$keel" status --dsn "$cfg_db" >"$work/config_status.out" 2>"$work/config_status.err") ||
    fail "status from keel.yaml: $(cat "$work/config_status.err")"
same config_status out "applied  0001_init.sql"
(cd "$work/initialized" && "$keel" drift --dsn "$cfg_db" >"$work/config_drift.out" 2>"$work/config_drift.err") ||
    fail "drift from keel.yaml: $(cat "$work/config_drift.err")"
same config_drift err "keel drift: the database matches schema/$engine"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "db verbs on $engine: ok"
