#!/usr/bin/env bash
# The README's "Your first repository in five minutes", run as written: its
# fenced blocks, in order, in one shell, with HOME a fresh folder (so
# `cmake --install build --prefix ~/.local` installs the build under test
# into a temporary prefix) and the current folder one whose `build` is the
# build under test.
#
#   first_repository.sh BUILD SOURCE WORK
#
# How each block of the section is used (an HTML comment on the line before
# the block says which, when it is not a plain ```sh block):
#   ```sh                      run, in the same shell as the blocks before
#   <!-- file: PATH -->        written to PATH (relative to the current
#                              folder of the shell at that point)
#   <!-- output -->            exactly the last lines the sh block before it
#                              printed (stdout and stderr): the output of its
#                              last command
#   <!-- not run by tests/install/first_repository.sh: WHY -->
#                              skipped; only the build command itself may be
# Any other block fails the test, so nothing in the section goes unchecked.
#
# Then: CMake found the package in ~/.local, both binaries also run on
# PostgreSQL (a fresh database on the server whose DSN is in
# $KEEL_TEST_PG_DSN_FILE), `keel verify` and `keel vet` pass on the
# repository, and the README's `xargs rm < build/install_manifest.txt`
# removes every installed file. CC (default: cc) compiles, as for a user.
set -uo pipefail

[ $# -eq 3 ] || { echo "usage: $0 BUILD SOURCE WORK" >&2; exit 2; }
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd) work=$3
readme=$source/README.md
section='## Your first repository in five minutes'
skippable='cmake -S . -B build -G Ninja && cmake --build build'

failures=0
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}
die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

rm -rf "$work"
mkdir -p "$work/home" "$work/tree" "$work/blocks" || die "cannot make $work"
work=$(cd "$work" && pwd)
ln -s "$build" "$work/tree/build"

# ---- the section's blocks --------------------------------------------------

# blocks/N.kind (sh, file, output, skip), blocks/N.body, blocks/N.arg (the
# file's path); blocks/count.
awk -v section="$section" -v dir="$work/blocks" '
    function flush_comment() { comment = "" }
    $0 == section { inside = 1; next }
    inside && /^## / { exit }
    !inside { next }
    fence == "" && /^```/ {
        fence = $0; n++; lang = substr($0, 4)
        body = dir "/" n ".body"; printf "" > body
        if (comment ~ /^<!-- file: /) { kind = "file"; arg = comment; sub(/^<!-- file: /, "", arg); sub(/ -->$/, "", arg) }
        else if (comment == "<!-- output -->") { kind = "output"; arg = "" }
        else if (comment ~ /^<!-- not run by tests\/install\/first_repository.sh: /) { kind = "skip"; arg = "" }
        else if (comment == "" && lang == "sh") { kind = "sh"; arg = "" }
        else { kind = "unknown"; arg = "```" lang " after \"" comment "\"" }
        print kind > (dir "/" n ".kind"); print arg > (dir "/" n ".arg")
        comment = ""; next
    }
    fence != "" && /^```$/ { fence = ""; close(body); next }
    fence != "" { print >> body; next }
    /^<!-- .* -->$/ { comment = $0; next }
    /^[[:space:]]*$/ { next }
    { comment = "" }
    END { print n + 0 > (dir "/count") }
' "$readme"
count=$(cat "$work/blocks/count")
((count >= 5)) || die "README.md: \"$section\" has $count fenced blocks: the section is missing or was renamed"

# One script: each sh block runs with its output kept for an output block,
# each file block becomes a here-document.
script=$work/readme.sh
{
    echo 'set -eo pipefail'
    for ((i = 1; i <= count; i++)); do
        kind=$(cat "$work/blocks/$i.kind")
        case $kind in
            sh)
                echo "echo $i >\"$work/blocks/current\""
                echo '{'
                cat "$work/blocks/$i.body"
                echo "} >\"$work/blocks/$i.out\" 2>&1"
                ;;
            file)
                echo "echo $i >\"$work/blocks/current\""
                printf "cat >'%s' <<'KEEL_README_BLOCK_END'\n" "$(cat "$work/blocks/$i.arg")"
                cat "$work/blocks/$i.body"
                echo 'KEEL_README_BLOCK_END'
                ;;
            output) ;;
            skip)
                [ "$(cat "$work/blocks/$i.body")" = "$skippable" ] ||
                    fail "README block $i is marked not run, and is not the build command: $(cat "$work/blocks/$i.body")"
                ;;
            *) fail "README block $i is neither run, written, compared nor the skipped build: $(cat "$work/blocks/$i.arg")" ;;
        esac
    done
} >"$script"
((failures)) && die "the section's blocks cannot be run as they are"
grep -qx 'keel init notes && cd notes' "$work/blocks/"*.body || die "the section does not start a repository with keel init notes"

# Run it as a new user would: an empty HOME, no keel variables, nothing
# pointing at a prefix.
(
    cd "$work/tree" || exit 1
    unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH KEEL_POSTGRES_DSN CMAKE_GENERATOR MAKEFLAGS
    HOME=$work/home bash "$script"
) >"$work/readme.log" 2>&1
status=$?
if ((status != 0)); then
    failed=$(cat "$work/blocks/current" 2>/dev/null || echo '?')
    echo "--- README block $failed:" >&2
    cat "$work/blocks/$failed.body" >&2
    echo "--- its output:" >&2
    cat "$work/blocks/$failed.out" "$work/readme.log" 2>/dev/null >&2
    die "README block $failed exited with $status"
fi

# Each output block is what the sh block before it printed.
last_sh=''
for ((i = 1; i <= count; i++)); do
    case $(cat "$work/blocks/$i.kind") in
        sh) last_sh=$i ;;
        output)
            [ -n "$last_sh" ] || { fail "README block $i: an output block before any command"; continue; }
            lines=$(wc -l <"$work/blocks/$i.body")
            diff -u "$work/blocks/$i.body" <(tail -n "$lines" "$work/blocks/$last_sh.out") >"$work/blocks/$i.diff" ||
                fail "README block $last_sh printed something other than block $i (- README, + actual):
$(cat "$work/blocks/$i.diff")"
            ;;
    esac
done

# ---- what the section claims, checked from outside -------------------------

home=$work/home
repo=$work/tree/notes
[ -x "$home/.local/bin/keel" ] || fail "keel was not installed into ~/.local"
[ -d "$repo" ] || die "no notes/ repository in $work/tree"
grep -qx "keel_DIR:PATH=$home/.local/lib/cmake/keel" "$repo/build/CMakeCache.txt" ||
    fail "find_package(keel) did not find the package in ~/.local: $(grep keel_DIR "$repo/build/CMakeCache.txt")"
readelf -d "$repo/notes" | grep -q 'NEEDED.*\[libkeel\.so\.' || fail "the pkg-config build does not link libkeel.so"
for f in notes.h notes.c notes_sqlite.c notes_postgres.c; do
    [ -f "$repo/generated/$f" ] || fail "keel generate did not write generated/$f"
done
(cd "$repo" && HOME=$home "$home/.local/bin/keel" verify) >"$work/verify.log" 2>&1 ||
    fail "keel verify in notes/: $(cat "$work/verify.log")"
(cd "$repo" && HOME=$home "$home/.local/bin/keel" vet) >"$work/vet.log" 2>&1 ||
    fail "keel vet in notes/: $(cat "$work/vet.log")"

# Both binaries on PostgreSQL: a fresh database, first the CMake one, then
# the pkg-config one on the same database.
dsn=$(cat "${KEEL_TEST_PG_DSN_FILE:?the pg fixture did not run}") || die "no PostgreSQL DSN"
dbname=keel_first_repository_$$
psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" -c "CREATE DATABASE $dbname" || die "cannot create $dbname"
if [[ $dsn =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]; then
    url="${BASH_REMATCH[1]}/$dbname${BASH_REMATCH[4]}"
else
    url="$dsn dbname=$dbname" # libpq: the last keyword wins
fi
out=$("$repo/build/notes" "$url" 2>&1) || fail "build/notes on PostgreSQL: $out"
[ "$out" = "note 1: try keel (done)" ] || fail "build/notes on PostgreSQL printed: $out"
out=$("$repo/notes" "$url" 2>&1) || fail "notes (pkg-config) on PostgreSQL: $out"
[ "$out" = "note 2: try keel (done)" ] || fail "notes (pkg-config) on PostgreSQL printed: $out"
psql -X -q -d "$dsn" -c "DROP DATABASE IF EXISTS $dbname" || fail "cannot drop $dbname"

# The README's removal, in keel's tree (build/ is the build under test).
(cd "$work/tree" && xargs rm <build/install_manifest.txt) || fail "xargs rm < build/install_manifest.txt failed"
left=$(find "$home/.local" ! -type d)
[ -z "$left" ] || fail "left in ~/.local after removing the manifest's files: $left"

if ((failures)); then
    echo "first repository: $failures failure(s)" >&2
    exit 1
fi
echo "first repository: every block of the README's section ran as written"
