#!/usr/bin/env bash
# The command line: --version, every --help, usage errors (exit 2), the
# configuration files (keel.yaml; sqlc.yaml and sqlc.json of two sqlc
# projects), init, diff/verify, JSON diagnostics. Outputs are compared
# exactly wherever they do not depend on what the emitter writes.
#
#   cli_test.sh KEEL VERSION SOURCE_DIR WORK_DIR
set -u
keel=$1 version=$2 src=$3 work=$4
unset KEEL_POSTGRES_DSN
rm -rf "$work"
mkdir -p "$work/tmp"
export TMPDIR=$work/tmp # keel diff/verify generate into a folder in here
fail=0
what=''

# `run STATUS CMD...` runs CMD, keeping its stdout and stderr for the
# checks after it; the exit status must be STATUS.
run() {
    local want=$1
    shift
    "$@" >"$work/stdout" 2>"$work/stderr"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL [$what]: exit status $got, expected $want: $*"
        sed 's/^/    stderr: /' "$work/stderr"
        fail=1
    fi
}
same() { # same STREAM: STREAM (stdout|stderr) is exactly the standard input
    if ! diff -u - "$work/$1" >"$work/diff"; then
        echo "FAIL [$what]: $1 differs (- expected, + actual)"
        cat "$work/diff"
        fail=1
    fi
}
empty() { same "$1" </dev/null; }
has_line() { # has_line STREAM LINE
    if ! grep -qxF -- "$2" "$work/$1"; then
        echo "FAIL [$what]: no line \"$2\" in $1:"
        sed 's/^/    /' "$work/$1"
        fail=1
    fi
}
check() { # check DESCRIPTION COMMAND...: COMMAND must succeed
    if ! "${@:2}" >/dev/null; then
        echo "FAIL [$what]: $1"
        fail=1
    fi
}
tree_sum() { (cd "$1" && find . -type f | sort | xargs md5sum); }

# ---- structure: --version, --help, usage errors

what='--version'
run 0 "$keel" --version
same stdout <<<"keel $version"
empty stderr

what='--help lists every command, and each has --help'
run 0 "$keel" --help
head -1 "$work/stdout" >"$work/first"
check "usage line" diff <(echo 'usage: keel [--diagnostics-format=gcc|json] COMMAND [OPTIONS]') "$work/first"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' "$work/stdout" | tr '\n' ' ')
check "commands listed: $commands" [ "$commands" = "generate check describe diff verify init vet migrate status drift help " ]
for verb in $commands; do
    what="keel $verb --help"
    run 0 "$keel" "$verb" --help
    empty stderr
    check "first line: $(head -1 "$work/stdout")" grep -q "^usage: keel $verb " <(head -1 "$work/stdout")
    cp "$work/stdout" "$work/verb-help"
    what="keel help $verb"
    run 0 "$keel" help "$verb"
    same stdout <"$work/verb-help"
done
what='keel init --help'
run 0 "$keel" init --help
same stdout <<'EOF'
usage: keel init [--name NAME] [DIR]
start a repository: keel.yaml, migrations and queries
Writes into DIR (default: the current folder; created when missing):
  keel.yaml, schema/sqlite/0001_init.sql, schema/postgres/0001_init.sql,
  queries/sqlite/notes.sql, queries/postgres/notes.sql
one example table and two queries per dialect, which pass `keel check`.
NAME defaults to DIR's name made into a C identifier. Refuses to overwrite
an existing file (exit 1).
EOF
what='keel -h'
run 0 "$keel" -h
check "-h is --help" diff <("$keel" --help) "$work/stdout"

what='no command'
run 2 "$keel"
check "usage on stderr" grep -q '^usage: keel ' "$work/stderr"
what='unknown command'
run 2 "$keel" frobnicate
check "message first" diff <(echo 'keel: unknown command "frobnicate"') <(head -1 "$work/stderr")
check "then the usage" grep -q '^usage: keel ' "$work/stderr"
empty stdout
what='unknown option'
run 2 "$keel" generate --frob
same stderr <<'EOF'
keel: unknown option "--frob"
usage: keel generate [OPTIONS]
`keel generate --help` lists the options.
EOF
what='unknown global option'
run 2 "$keel" --frob check
check "message first" diff <(echo 'keel: unknown option "--frob"') <(head -1 "$work/stderr")
what='option without its value'
run 2 "$keel" check --name
same stderr <<'EOF'
keel: --name needs a value
usage: keel check [OPTIONS]
`keel check --help` lists the options.
EOF
what='unknown diagnostics format'
run 2 "$keel" --diagnostics-format=xml check
check "message first" diff <(echo 'keel: --diagnostics-format takes gcc or json, not "xml"') <(head -1 "$work/stderr")
what='stray argument'
run 2 "$keel" describe queries
check "message first" diff <(echo 'keel: unexpected argument "queries"') <(head -1 "$work/stderr")
what='help on no command'
run 2 "$keel" help frobnicate
check "message first" diff <(echo 'keel: no command "frobnicate"') <(head -1 "$work/stderr")
what='init takes no repository options'
run 2 "$keel" init --schema s
check "message first" diff <(echo 'keel: --schema is not an option of keel init') <(head -1 "$work/stderr")
what='init takes one folder'
run 2 "$keel" init a b
check "message first" diff <(echo 'keel: unexpected argument "b"') <(head -1 "$work/stderr")
what='a repository name that is no C identifier'
run 2 "$keel" check --name Shop --schema s --queries q
check "message first" \
    diff <(echo 'keel: repository name "Shop" must be a lower-case C identifier') <(head -1 "$work/stderr")

# ---- finding the configuration

mkdir -p "$work/empty"
cd "$work/empty" || exit 1
what='no configuration and no flags'
run 2 "$keel" check
same stderr <<'EOF'
keel: no keel.yaml, keel.yml, sqlc.yaml, sqlc.yml or sqlc.json in the current folder: `keel init` writes one; or name one with --config FILE, or give --name, --schema and --queries
usage: keel check [OPTIONS]
`keel check --help` lists the options.
EOF
what='no configuration, some flags'
run 2 "$keel" generate --name shop --schema schema
check "message first" \
    diff <(echo 'keel: --queries is missing, and there is no configuration file in the current folder') \
    <(head -1 "$work/stderr")
what='--config names a missing file'
run 2 "$keel" check --config nowhere/keel.yaml
check "message first" diff <(echo 'keel: no configuration file nowhere/keel.yaml') <(head -1 "$work/stderr")
what='no configuration, JSON diagnostics'
run 2 "$keel" --diagnostics-format=json check
same stderr <<'EOF'
{"file":null,"line":null,"column":null,"severity":"error","message":"no keel.yaml, keel.yml, sqlc.yaml, sqlc.yml or sqlc.json in the current folder: `keel init` writes one; or name one with --config FILE, or give --name, --schema and --queries"}
EOF

what='no configuration: every verb that reads a repository says so, exit 2'
for verb in generate check describe diff verify vet; do
    args='[OPTIONS]'
    [ $verb = vet ] && args='[OPTIONS] [--since VERSION]'
    run 2 "$keel" $verb
    empty stdout
    same stderr <<EOF
keel: no keel.yaml, keel.yml, sqlc.yaml, sqlc.yml or sqlc.json in the current folder: \`keel init\` writes one; or name one with --config FILE, or give --name, --schema and --queries
usage: keel $verb $args
\`keel $verb --help\` lists the options.
EOF
    run 2 "$keel" $verb --config keel.yaml
    same stderr <<EOF
keel: no configuration file keel.yaml
usage: keel $verb $args
\`keel $verb --help\` lists the options.
EOF
done
check "nothing written into the empty folder" [ -z "$(ls -A)" ]

# ---- keel init, then everything on what it wrote

cd "$work" || exit 1
what='keel init DIR'
run 0 "$keel" init shop
same stdout <<'EOF'
wrote shop/keel.yaml
wrote shop/schema/sqlite/0001_init.sql
wrote shop/schema/postgres/0001_init.sql
wrote shop/queries/sqlite/notes.sql
wrote shop/queries/postgres/notes.sql
repository "shop": next, `keel check` in shop, then `keel generate`
EOF
empty stderr
cd shop || exit 1
what='init + check'
run 0 "$keel" check
empty stdout
empty stderr
what='init + describe'
run 0 "$keel" describe
same stdout <<'EOF'
CreateNote :one
  param title text
  param body text null
  column id int64
  column title text
  column body text null
ListNotes :many
  column id int64
  column title text
  column body text null
EOF
what='init refuses to overwrite'
before=$(tree_sum .)
run 1 "$keel" init
same stderr <<'EOF'
keel: error: keel.yaml exists; keel init does not overwrite files
keel: error: schema/sqlite/0001_init.sql exists; keel init does not overwrite files
keel: error: schema/postgres/0001_init.sql exists; keel init does not overwrite files
keel: error: queries/sqlite/notes.sql exists; keel init does not overwrite files
keel: error: queries/postgres/notes.sql exists; keel init does not overwrite files
EOF
check "nothing changed" [ "$before" = "$(tree_sum .)" ]

what='keel vet on what init wrote: no finding'
run 0 "$keel" vet
empty stdout
empty stderr
what='keel vet: usage errors'
run 2 "$keel" vet --since x
same stderr <<'EOF'
keel vet: --since wants a migration version (a number), not "x"
EOF
run 2 "$keel" vet --colour
same stderr <<'EOF'
keel vet: unknown option "--colour"
`keel vet --help` lists the options.
EOF
run 2 "$keel" vet --since
same stderr <<'EOF'
keel vet: --since needs a value
`keel vet --help` lists the options.
EOF

what='an unreachable PostgreSQL server: every pipeline verb fails, nothing written'
nowhere='host=/nonexistent-keel-socket-dir dbname=x'
for verb in generate check describe diff verify; do
    run 1 "$keel" $verb --postgres "$nowhere" --out unreachable
    check "$verb: the connection error first" grep -qF 'keel: error: cannot connect to PostgreSQL for the engine check: connection to server on socket "/nonexistent-keel-socket-dir/.s.PGSQL.5432" failed: No such file or directory' <(head -1 "$work/stderr")
    case $verb in
        diff | verify) check "$verb: the count" diff <(echo 'keel: shop: 1 error') <(tail -1 "$work/stderr") ;;
        *) check "$verb: the count" diff <(echo 'keel: 1 error; nothing written') <(tail -1 "$work/stderr") ;;
    esac
    check "$verb: no out folder" [ ! -e unreachable ]
done
check "describe printed nothing" [ ! -s "$work/stdout" ]

what='verify before generate: everything missing'
run 1 "$keel" verify
same stdout <<'EOF'
generated/shop.c: missing
generated/shop.h: missing
generated/shop_postgres.c: missing
generated/shop_sqlite.c: missing
EOF
check "verify does not create the out folder" [ ! -e generated ]
what='generate'
run 0 "$keel" generate
check "the four files" [ "$(ls generated | tr '\n' ' ')" = "shop.c shop.h shop_postgres.c shop_sqlite.c " ]
what='verify and diff on fresh output'
run 0 "$keel" verify
empty stdout
empty stderr
run 0 "$keel" diff
empty stdout
empty stderr

what='verify and diff on stale output'
echo '/* edited by hand */' >>generated/shop.h
rm generated/shop_sqlite.c
before=$(tree_sum generated)
run 1 "$keel" verify
same stdout <<'EOF'
generated/shop.h: stale
generated/shop_sqlite.c: missing
EOF
empty stderr
run 1 "$keel" diff
empty stderr
has_line stdout '--- generated/shop.h'
has_line stdout '+++ generated/shop.h'
has_line stdout '-/* edited by hand */'
has_line stdout '--- generated/shop_sqlite.c'
check "diff -u hunks only for the two files" [ "$(grep -c '^+++ ' "$work/stdout")" = 2 ]
check "diff and verify write nothing into the out folder" [ "$before" = "$(tree_sum generated)" ]
check "no temporary folder left" [ -z "$(ls "$TMPDIR")" ]
what='the diff applies with patch -p0'
check "patch" patch -s -p0 <"$work/stdout"
run 0 "$keel" verify
empty stdout
what='verify after a query changed'
sed -i 's/ORDER BY id;/ORDER BY title;/' queries/sqlite/notes.sql queries/postgres/notes.sql
run 1 "$keel" verify
check "names files" grep -q ': stale$' "$work/stdout"
sed -i 's/ORDER BY title;/ORDER BY id;/' queries/sqlite/notes.sql queries/postgres/notes.sql

what='verify when the queries have errors'
cp queries/sqlite/notes.sql "$work/notes.sql"
sed -i 's/ORDER BY id;/ORDER BY nosuch;/' queries/sqlite/notes.sql
run 1 "$keel" verify
empty stdout
check "a diagnostic" grep -q '^queries/sqlite/notes.sql:7:[0-9]*: error: ' "$work/stderr"

what='JSON diagnostics'
run 1 "$keel" --diagnostics-format=json check
check "every stderr line is a JSON object" jq -e -s 'length > 0 and all(type == "object")' "$work/stderr"
jq -c '{file, line, severity}' "$work/stderr" >"$work/json"
check "one error at the query" diff <(echo '{"file":"queries/sqlite/notes.sql","line":7,"severity":"error"}') \
    <(head -1 "$work/json")
check "columns are numbers, messages strings" \
    jq -e -s 'all(.column | type == "number") and all(.message | type == "string" and length > 0)' "$work/stderr"
what='JSON diagnostics, the option after the verb'
run 1 "$keel" check --diagnostics-format json
check "JSON" jq -e -s 'length > 0' "$work/stderr"
cp "$work/notes.sql" queries/sqlite/notes.sql

what='an unknown key in keel.yaml is a warning'
sed -i 's/^    out: generated$/    out: generated\n    emit: everything/' keel.yaml
run 0 "$keel" check
same stderr <<'EOF'
keel.yaml:12:5: warning: unknown key "emit" in a repository (keel reads name, schema, queries, out, postgres_dsn_env, sqlite, postgres)
     emit: everything
     ^
EOF
what='warnings as JSON'
run 0 "$keel" --diagnostics-format=json check
same stderr <<'EOF'
{"file":"keel.yaml","line":12,"column":5,"severity":"warning","message":"unknown key \"emit\" in a repository (keel reads name, schema, queries, out, postgres_dsn_env, sqlite, postgres)"}
EOF
check "parses" jq -e . "$work/stderr"

what='postgres_dsn_env: the DSN of the PostgreSQL check comes from the variable keel.yaml names'
run 1 env KEEL_POSTGRES_DSN="$nowhere" "$keel" check
check "a server was tried" grep -q '^keel: error: cannot connect to PostgreSQL' "$work/stderr"
sed -i 's/postgres_dsn_env: KEEL_POSTGRES_DSN/postgres_dsn_env: SHOP_DSN/' keel.yaml
run 0 env KEEL_POSTGRES_DSN="$nowhere" "$keel" check
run 1 env SHOP_DSN="$nowhere" "$keel" check
check "a server was tried" grep -q '^keel: error: cannot connect to PostgreSQL' "$work/stderr"
what='--postgres "" overrides the variable'
run 0 env SHOP_DSN="$nowhere" "$keel" check --postgres ""

what='flags override the file'
run 0 "$keel" generate --out elsewhere
check "written to --out" [ -f elsewhere/shop.h ]
what='flags alone read no file'
cd "$work" || exit 1
run 0 "$keel" check --name other --schema shop/schema --queries shop/queries
empty stderr
what='--config: paths are relative to the file'
run 0 "$keel" verify --config shop/keel.yaml
empty stdout

# ---- configuration errors

mkdir -p "$work/bad"
cd "$work/bad" || exit 1
what='invalid YAML'
printf 'version: 1\nrepositories:\n  - name: shop\n    schema: [schema\n    queries: queries\n' >keel.yaml
run 1 "$keel" check
same stderr <<'EOF'
keel.yaml:5:12: error: invalid YAML: did not find expected ',' or ']'
     queries: queries
            ^
keel.yaml:4:13: note: while parsing a flow sequence
     schema: [schema
             ^
EOF
what='invalid YAML as JSON'
run 1 "$keel" --diagnostics-format=json check
same stderr <<'EOF'
{"file":"keel.yaml","line":5,"column":12,"severity":"error","message":"invalid YAML: did not find expected ',' or ']'"}
{"file":"keel.yaml","line":4,"column":13,"severity":"note","message":"while parsing a flow sequence"}
EOF
what='a missing required key'
printf 'version: 1\nrepositories:\n  - name: shop\n    schema: schema\n' >keel.yaml
run 1 "$keel" check
same stderr <<'EOF'
keel.yaml:3:5: error: a repository has no "queries" (the folder holding sqlite/ and postgres/ queries)
   - name: shop
     ^
EOF
what='no repositories'
printf 'version: 1\n' >keel.yaml
run 1 "$keel" check
same stderr <<'EOF'
keel.yaml:1:1: error: the configuration has no "repositories" (a list of repositories)
 version: 1
 ^
EOF
what='an empty file'
: >keel.yaml
run 1 "$keel" check
check "message" diff <(echo 'keel.yaml:1:1: error: the configuration is empty; `keel init` writes a keel.yaml') \
    <(head -1 "$work/stderr")
what='two repositories with one name'
printf 'repositories:\n  - {name: a, schema: s, queries: q}\n  - {name: a, schema: s, queries: q}\n' >keel.yaml
run 1 "$keel" check
same stderr <<'EOF'
keel.yaml:3:5: error: a second repository named "a"
   - {name: a, schema: s, queries: q}
     ^
keel.yaml:2:5: note: the first one
   - {name: a, schema: s, queries: q}
     ^
EOF
rm keel.yaml
what='sqlc version keel does not read'
printf 'version: "3"\nsql: []\n' >sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:1:10: error: sqlc configuration version "3" is not supported: keel reads version "2" (sql: [...]) and "1" (packages: [...])
 version: "3"
          ^
EOF
what='sqlc version 1 package without a path or a name'
printf 'version: "1"\npackages:\n  - schema: s.sql\n    queries: q.sql\n' >sqlc.yaml
: >s.sql
: >q.sql
: >schema.sql
: >query.sql
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:3:5: error: a package has no "path" (the folder of the generated code)
   - schema: s.sql
     ^
EOF
what='sqlc with only an engine keel does not read'
printf 'version: "2"\nsql:\n  - engine: mysql\n    schema: schema.sql\n    queries: query.sql\n    gen:\n      go: {package: db, out: db}\n' >sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:3:3: error: "sql" has no sqlite or postgresql entry: nothing for keel to read
   - engine: mysql
   ^
sqlc.yaml:3:13: warning: engine "mysql" is not supported by keel; this entry is left out
   - engine: mysql
             ^
EOF
what='sqlc entry without a name'
printf 'version: "2"\nsql:\n  - engine: sqlite\n    schema: schema.sql\n    queries: query.sql\n' >sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:3:5: error: an sql entry without a repository name: set gen.go.package (or keel.name)
   - engine: sqlite
     ^
EOF
what='sqlc schema path that does not exist'
printf 'version: "2"\nsql:\n  - engine: sqlite\n    schema: [schema.sql, migrations/]\n    queries: query.sql\n    gen:\n      go: {out: internal/db}\n' >sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:4:26: error: schema "migrations/" does not exist
     schema: [schema.sql, migrations/]
                          ^
EOF
printf 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n' >schema.sql
printf -- '-- name: CountNotes :one\nSELECT count(*) FROM notes;\n' >query.sql
what='sqlc entry named after its gen.go.out folder, as sqlc names the Go package'
printf 'version: "2"\nsql:\n  - engine: sqlite\n    schema: schema.sql\n    queries: query.sql\n    gen:\n      go: {out: internal/notesdb}\n' >sqlc.yaml
run 0 "$keel" generate
check "named notesdb" [ -f internal/notesdb/notesdb.h -a -f internal/notesdb/notesdb_sqlite.c ]
what='sqlc version 1: a package is a repository, path its folder'
printf 'version: "1"\npackages:\n  - name: "Notes"\n    path: "gen/notes"\n    engine: "sqlite"\n    schema: "schema.sql"\n    queries: "query.sql"\n    emit_json_tags: true\n' >sqlc.yaml
run 0 "$keel" generate
same stderr <<'EOF'
sqlc.yaml:8:5: warning: "emit_json_tags" is not used by keel
     emit_json_tags: true
     ^
EOF
check "named notes" [ -f gen/notes/notes.h -a -f gen/notes/notes_sqlite.c ]
rm -r schema.sql query.sql internal gen
rm sqlc.yaml

# ---- sqlc projects

cp -r "$src/tests/cli/projects/bookstore" "$src/tests/cli/projects/tutorial" "$work/"
cd "$work/bookstore" || exit 1
what='sqlc.yaml: both engines, migration folders'
run 0 "$keel" check
same stderr <<'EOF'
sqlc.yaml:11:9: warning: "emit_json_tags" is not used by keel
         emit_json_tags: true
         ^
sqlc.yaml:18:14: warning: keel writes repository "bookstore", both dialects, to internal/bookstore/sqlite, not to internal/bookstore/postgres
         out: "internal/bookstore/postgres"
              ^
sqlc.yaml:19:9: warning: "sql_package" is not used by keel
         sql_package: "pgx/v5"
         ^
sqlc.yaml:20:9: warning: "emit_json_tags" is not used by keel
         emit_json_tags: true
         ^
sqlc.yaml:21:5: warning: "rules" is not used by keel
     rules:
     ^
EOF
what='sqlc.yaml: describe'
run 0 "$keel" describe
same stdout <<'EOF'
GetAuthor :one
  param id int64
  column id int64
  column name text
  column bio text null
CreateAuthor :one
  param name text
  param bio text null
  column id int64
  column name text
  column bio text null
ListBooksByAuthor :many
  param id int64
  column id int64
  column title text
  column year int64 null
  column author text
DeleteBook :execrows
  param id int64
EOF
what='sqlc.yaml: generate into gen.go.out, then verify'
run 0 "$keel" generate
check "files" [ "$(ls internal/bookstore/sqlite | tr '\n' ' ')" = \
    "bookstore.c bookstore.h bookstore_postgres.c bookstore_sqlite.c " ]
check "only there" [ ! -e internal/bookstore/postgres ]
check "sources named by their folder" grep -q '/\* queries/books.sql:1 \*/' internal/bookstore/sqlite/bookstore_sqlite.c
check "golang-migrate names" grep -q '"000002_create_books.up.sql"' internal/bookstore/sqlite/bookstore_sqlite.c
run 0 "$keel" verify
empty stdout
what='sqlc.yaml: JSON warnings'
run 0 "$keel" --diagnostics-format=json check
jq -r '"\(.file):\(.line):\(.column): \(.severity): \(.message)"' "$work/stderr" >"$work/json"
same json <<'EOF'
sqlc.yaml:11:9: warning: "emit_json_tags" is not used by keel
sqlc.yaml:18:14: warning: keel writes repository "bookstore", both dialects, to internal/bookstore/sqlite, not to internal/bookstore/postgres
sqlc.yaml:19:9: warning: "sql_package" is not used by keel
sqlc.yaml:20:9: warning: "emit_json_tags" is not used by keel
sqlc.yaml:21:5: warning: "rules" is not used by keel
EOF

cd "$work/tutorial" || exit 1
what='sqlc.json: both engines, one schema file and one query file each'
run 0 "$keel" check
same stderr <<'EOF'
sqlc.json:19:7: warning: "database" is not used by keel
       "database": {
       ^
sqlc.json:26:11: warning: "emit_interface" is not used by keel
           "emit_interface": true
           ^
EOF
run 0 "$keel" describe
same stdout <<'EOF'
GetAuthor :one
  param id int64
  column id int64
  column name text
  column bio text null
ListAuthors :many
  column id int64
  column name text
  column bio text null
CreateAuthor :one
  param name text
  param bio text null
  column id int64
  column name text
  column bio text null
UpdateAuthor :exec
  param name text
  param bio text null
  param id int64
DeleteAuthor :exec
  param id int64
EOF
what='sqlc.json: generate; schema.sql is migration 1'
run 0 "$keel" generate
check "files" [ "$(ls tutorial | tr '\n' ' ')" = "tutorial.c tutorial.h tutorial_postgres.c tutorial_sqlite.c " ]
check "version 1" grep -A1 -q '\.version = 1,' tutorial/tutorial_postgres.c
check "named schema.sql" grep -q '\.name = "schema.sql",' tutorial/tutorial_postgres.c
check "query file named alone" grep -q '/\* query.sql:1 \*/' tutorial/tutorial_sqlite.c
run 0 "$keel" verify
empty stdout

mkdir -p "$work/layout" && cd "$work/layout" || exit 1
cp -r "$work/shop/schema" "$work/shop/queries" .
what='sqlc pointing at keel-layout folders, with the keel key'
cat >sqlc.yml <<'EOF'
version: "2"
sql:
  - engine: sqlite
    schema: schema/sqlite
    queries: queries/sqlite/
    keel: {name: notes, out: gen}
  - engine: postgresql
    schema: [schema/postgres]
    queries: queries/postgres
    keel: {name: notes}
EOF
run 0 "$keel" generate
empty stderr
check "keel layout names" grep -q '/\* queries/sqlite/notes.sql:1 \*/' gen/notes_sqlite.c
what='--repo picks a repository'
run 0 "$keel" describe --repo notes
check "described" grep -q '^ListNotes :many$' "$work/stdout"
run 2 "$keel" describe --repo nope
check "message first" diff <(echo 'keel: sqlc.yml has no repository "nope" (it has notes)') <(head -1 "$work/stderr")

# ---- sqlc configurations written as real projects write them

mkdir -p "$work/sqlcforms/db/migrations" "$work/sqlcforms/db/queries" && cd "$work/sqlcforms" || exit 1
printf 'CREATE TABLE items (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL);\n' >db/migrations/0001_items.sql
printf -- '-- name: GetItem :one\nSELECT id, title FROM items WHERE id = $1;\n' >db/queries/query.items.sql
printf -- '-- name: CountItems :one\nSELECT count(*) FROM items;\n' >db/queries/query.count.sql
printf -- '-- not a query file: the pattern below leaves it out\n' >db/queries/notes.sql
what='sqlc version 1: packages, engine postgresql by default, name from the path'
cat >sqlc.json <<'EOF'
{
  "version": "1",
  "packages": [{"path": "internal/store", "schema": "db/migrations", "queries": "db/queries/query.*.sql",
                "emit_json_tags": true}],
  "overrides": [{"db_type": "uuid", "go_type": "string"}]
}
EOF
run 0 "$keel" generate
same stderr <<'EOF'
sqlc.json:4:17: warning: "emit_json_tags" is not used by keel
                 "emit_json_tags": true}],
                 ^
sqlc.json:5:3: warning: "overrides" is not used by keel
   "overrides": [{"db_type": "uuid", "go_type": "string"}]
   ^
EOF
check "repository named after its folder" [ -f internal/store/store_postgres.c ]
check "both query files of the pattern" grep -q 'query.count.sql:1' internal/store/store_postgres.c
rm -rf internal sqlc.json
what='sqlc version 2: no gen.go.package, paths with a leading slash, a glob'
cat >sqlc.yaml <<'EOF'
version: "2"
sql:
  - engine: postgresql
    schema: /db/migrations
    queries: ["/db/queries/query.i*.sql"]
    gen:
      go: {out: ../sqlcforms/internal/Items}
EOF
run 0 "$keel" describe
same stdout <<'EOF'
GetItem :one
  param id int64
  column id int64
  column title text
EOF
what='sqlc version 2: a glob that matches nothing'
sed -i 's/query.i\*/nothing*/' sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:5:15: error: "queries": no file matches db/queries/nothing*.sql
     queries: ["/db/queries/nothing*.sql"]
               ^
EOF
what='sqlc version 2: a package named after an out folder that is no C name'
printf 'version: "2"\nsql:\n  - engine: postgresql\n    schema: db/migrations\n    queries: db/queries\n    gen:\n      go: {out: .}\n' >sqlc.yaml
run 1 "$keel" check
same stderr <<'EOF'
sqlc.yaml:7:17: error: the repository is named after this folder, as sqlc names the package, but "." is not a lower-case C identifier: set gen.go.package
       go: {out: .}
                 ^
EOF
what='sqlc version 2: one package name, two out folders, two repositories'
cat >sqlc.yaml <<'EOF'
version: "2"
sql:
  - engine: postgresql
    schema: db/migrations
    queries: db/queries/query.items.sql
    gen:
      go: {package: repository, out: services/a/repository}
  - engine: postgresql
    schema: db/migrations
    queries: db/queries/query.count.sql
    gen:
      go: {package: repository, out: services/b/repository}
EOF
run 0 "$keel" generate
empty stderr
check "first" grep -q 'GetItem' services/a/repository/repository.h
check "second" grep -q 'CountItems' services/b/repository/repository.h
check "apart" [ -z "$(grep CountItems services/a/repository/repository.h)" ]
what='sqlc: one folder for schema and queries, files without NNNN_, in name order'
mkdir -p shared && printf 'CREATE TABLE tags (id BIGSERIAL PRIMARY KEY, label TEXT NOT NULL);\n' >shared/a_tables.sql
printf 'CREATE VIEW tag_labels AS SELECT label FROM tags;\n' >shared/b_views.sql
printf -- '-- name: ListLabels :many\nSELECT label FROM tag_labels;\n' >shared/queries.sql
printf 'version: "2"\nsql:\n  - engine: postgresql\n    schema: shared\n    queries: shared\n    gen:\n      go: {package: tags, out: gen}\n' >sqlc.yaml
run 0 "$keel" generate
empty stderr
check "a_tables.sql is migration 1" grep -A1 -q '\.version = 1,' gen/tags_postgres.c
check "b_views.sql is migration 2" grep -A1 -q '\.version = 2,' gen/tags_postgres.c
check "no migration 3" [ -z "$(grep '\.version = 3,' gen/tags_postgres.c)" ]
check "the query" grep -q 'ListLabels' gen/tags.h
what='sqlc: a folder mixing NNNN_ files with others'
mv shared/a_tables.sql shared/0001_tables.sql
run 0 "$keel" check
same stderr <<'EOF'
shared/0001_tables.sql:1:1: warning: this folder mixes NNNN_ files with b_views.sql: its migrations are numbered 1, 2, ... in name order, as sqlc reads them, not by their NNNN
 CREATE TABLE tags (id BIGSERIAL PRIMARY KEY, label TEXT NOT NULL);
 ^
EOF
rm -rf sqlc.yaml shared gen

# ---- keel.yaml with several repositories and per-dialect sources

mkdir -p "$work/multi/one" && cd "$work/multi" || exit 1
cp -r "$work/shop/schema" "$work/shop/queries" .
cp schema/sqlite/0001_init.sql one/notes_schema.sql
cat >keel.yaml <<'EOF'
repositories:
  - name: shop
    schema: schema
    queries: queries
    out: out/shop
  - name: lite
    sqlite:
      schema: [one/notes_schema.sql]
      queries: queries/sqlite/notes.sql
    out: out/lite
EOF
what='several repositories'
run 0 "$keel" describe
check "headers" [ "$(grep '^==' "$work/stdout" | tr '\n' ' ')" = "== shop == lite " ]
run 0 "$keel" generate
check "both" [ -f out/shop/shop.h -a -f out/lite/lite.h ]
run 0 "$keel" verify
empty stdout
what='several repositories: overriding a path needs --repo'
run 2 "$keel" generate --out x
check "message first" \
    diff <(echo 'keel: keel.yaml names 2 repositories: pick one with --repo to override its paths') \
    <(head -1 "$work/stderr")
run 0 "$keel" generate --repo lite --out x
check "written" [ -f x/lite_sqlite.c ]

# ---- the reference repository's own keel.yaml

cd "$src" || exit 1
what='keel verify on the reference repository'
run 0 "$keel" verify
empty stdout
empty stderr

# ---- the README's tour of the command line, as written

what="the README's command line examples"
awk '/^## Command line$/ { inside = 1; next }
     inside && /^```sh$/ { block = 1; next }
     block && /^```$/ { exit }
     block { print }' "$src/README.md" >"$work/readme-tour.sh"
check "README.md has the block" grep -q '^keel init myapp' "$work/readme-tour.sh"
mkdir -p "$work/tour" "$work/tour-bin"
ln -sf "$keel" "$work/tour-bin/keel"
(cd "$work/tour" && PATH="$work/tour-bin:$PATH" bash -e -o pipefail "$work/readme-tour.sh") >"$work/tour.log" 2>&1
tour_status=$?
check "every line exits 0: $(tail -3 "$work/tour.log")" [ $tour_status -eq 0 ]
check "migrate made the database" [ -f "$work/tour/myapp/app.db" ]
check "the last line wrote the files" [ -f "$work/tour/myapp/generated/myapp_sqlite.c" ]

check "no temporary folder left behind" [ -z "$(ls "$TMPDIR")" ]
[ $fail -eq 0 ] && echo "cli: all checks passed"
exit $fail
