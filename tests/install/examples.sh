#!/usr/bin/env bash
# keel installed and embedded: installs the current build into a temporary
# prefix and builds examples/notes against it, or against keel's source
# tree, then runs each binary on SQLite and on PostgreSQL.
#
#   examples.sh install          BUILD SOURCE WORK VERSION
#       cmake --install BUILD into WORK/prefix; checks the layout, keel.pc,
#       the CMake package files, the man page (against `keel --help`), and
#       that install_manifest.txt lists exactly what is under the prefix.
#   examples.sh find_package     BUILD SOURCE WORK VERSION
#       examples/notes with find_package(keel) + keel_add_repository, with
#       keel::runtime static (default) and shared (KEEL_RUNTIME_SHARED); and
#       find_package(keel X.Y) takes VERSION for its own minor only.
#   examples.sh committed        BUILD SOURCE WORK
#       keel_add_repository's COMMITTED from the install: `regenerate`
#       writes the copy, <name>_generated_is_fresh passes, then fails once
#       the copy is edited.
#   examples.sh pkg_config       BUILD SOURCE WORK
#       examples/notes/Makefile with the installed `keel` and pkg-config.
#   examples.sh add_subdirectory BUILD SOURCE WORK [CMAKE_ARG...]
#       examples/notes with keel's source tree as a subdirectory: keel's
#       tests, apps and reference repository must not be there, and keel's
#       -Werror (forced on) must reach keel's sources only.
#   examples.sh fetch_content    BUILD SOURCE WORK [CMAKE_ARG...]
#       the same through FetchContent_MakeAvailable (pointed at SOURCE).
#   examples.sh uninstall        BUILD SOURCE WORK
#       removes every file install_manifest.txt lists; nothing may remain.
#
# install and uninstall run under strace: neither may write anything
# outside the prefix (the install: but its install_manifest.txt).
#
# WORK/prefix is shared by install, the examples that use it and uninstall
# (the ctest fixture keel_installed orders them). The PostgreSQL runs use a
# fresh database on the server whose DSN is in $KEEL_TEST_PG_DSN_FILE.
# CMAKE, CTEST (default: from PATH) and CC choose the tools of the nested
# builds.
set -uo pipefail

[ $# -ge 4 ] || { echo "usage: $0 MODE BUILD SOURCE WORK [ARG...]" >&2; exit 2; }
mode=$1 build=$(cd "$2" && pwd) source=$(cd "$3" && pwd) work=$4
shift 4
cmake=${CMAKE:-cmake} ctest=${CTEST:-ctest}
mkdir -p "$work" && work=$(cd "$work" && pwd) || exit 1
prefix=$work/prefix
manifest=$work/install_manifest.txt
example=$source/examples/notes
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cc_args=()
[ -n "${CC:-}" ] && cc_args=(-DCMAKE_C_COMPILER="$CC")

failures=0
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}
die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
# step LOG COMMAND...: runs COMMAND with its output in LOG; shows LOG and
# stops the test when it fails.
step() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        die "$* (log: $log)"
    fi
}
finish() {
    if ((failures)); then
        echo "$mode: $failures failure(s)" >&2
        exit 1
    fi
    echo "$mode: ok"
    exit 0
}

# ---- running the example ----------------------------------------------------

expected_output() { # ENGINE-NAME
    cat <<EOF
engine: $1
created 1: shopping: milk, eggs
created 2: call the plumber: (no body)
get 2: call the plumber: (no body)
get 3: not found
list: 2 notes
  1 shopping: milk, eggs
  2 call the plumber: (no body)
EOF
}

# check_run LABEL ENGINE-NAME BINARY DSN: a first run on a fresh database
# prints exactly the expected output; a second one (migrations already
# applied) adds two more notes.
check_run() {
    local label=$1 engine=$2 bin=$3 dsn=$4 out=$work/$1.out
    if ! "$bin" "$dsn" >"$out" 2>"$out.err"; then
        fail "$label: $bin exited with $?: $(cat "$out.err")"
        return
    fi
    diff -u <(expected_output "$engine") "$out" >"$out.diff" || fail "$label: unexpected output:
$(cat "$out.diff")"
    if ! "$bin" "$dsn" >"$out.2" 2>"$out.err"; then
        fail "$label: second run exited with $?: $(cat "$out.err")"
    elif ! grep -qx 'list: 4 notes' "$out.2"; then
        fail "$label: second run did not list 4 notes: $(cat "$out.2")"
    fi
}

# run_both LABEL BINARY: on a fresh SQLite file, then on a fresh PostgreSQL
# database (dropped afterwards).
run_both() {
    local label=$1 bin=$2
    [ -x "$bin" ] || { fail "$label: no binary $bin"; return; }
    rm -f "$work/$label.db" "$work/$label.db-wal" "$work/$label.db-shm"
    check_run "$label-sqlite" SQLite "$bin" "$work/$label.db"

    local dsn dbname=keel_example_${label//-/_}_$$ url
    dsn=$(cat "${KEEL_TEST_PG_DSN_FILE:?the pg fixture did not run}") || die "no PostgreSQL DSN"
    psql -X -q -v ON_ERROR_STOP=1 -d "$dsn" -c "CREATE DATABASE $dbname" || die "cannot create $dbname"
    if [[ $dsn =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]]; then
        url="${BASH_REMATCH[1]}/$dbname${BASH_REMATCH[4]}"
    else
        url="$dsn dbname=$dbname" # libpq: the last keyword wins
    fi
    check_run "$label-postgres" PostgreSQL "$bin" "$url"
    psql -X -q -d "$dsn" -c "DROP DATABASE IF EXISTS $dbname" || fail "cannot drop $dbname"
}

# ---- what a command writes -------------------------------------------------

# traced_writes LOG TRACE COMMAND...: runs COMMAND (its output in LOG, as
# step does) under strace, following every child process, then prints each
# path a successful or unfinished system call of it created, wrote,
# renamed, linked, removed or changed the attributes of, one per line,
# absolute. Judged from the calls themselves rather than from listings of
# trees before and after, so other tests writing at the same time cannot
# make it pass or fail.
traced_writes() {
    local log=$1 trace=$2
    shift 2
    command -v strace >/dev/null || die "strace is needed (tools/install-deps.sh installs it)"
    rm -f "$trace".*
    step "$log" strace -f -ff -qq -s 4096 -y -e trace=%file,fchdir -e signal=none -o "$trace" "$@"
    local launch_cwd file
    launch_cwd=$(pwd)
    for file in "$trace".*; do
        traced_writes_of_process "$file" "$launch_cwd"
    done | sort -u
}

# traced_writes_of_process TRACE_FILE CWD: traced_writes for one process's
# calls (strace -ff writes one file per process). CWD is where it starts;
# chdir and fchdir move it (a child started after its parent moved is
# taken to start in CWD: neither cmake --install nor xargs rm moves).
traced_writes_of_process() {
    local cwd=$2 line call args path paths dirfd
    while IFS= read -r line; do
        [[ $line =~ ^([a-z0-9_]+)\((.*)$ ]] || continue
        call=${BASH_REMATCH[1]} args=${BASH_REMATCH[2]}
        [[ $line =~ \)\ +=\ -1\  ]] && continue # failed: nothing was written
        # the directory a relative path starts from: the fd strace decorated
        # (-y: "3</dir>", "AT_FDCWD</dir>"), or the process's cwd
        dirfd=$cwd
        [[ $args =~ ^(AT_FDCWD|[0-9]+)\<([^>]*)\>, ]] && dirfd=${BASH_REMATCH[2]}
        case $call in
            open | openat | openat2)
                [[ $args =~ O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND ]] || continue ;;
            creat | mkdir | mkdirat | rmdir | unlink | unlinkat | rename | renameat | renameat2 | link | linkat | \
                symlink | symlinkat | chmod | fchmodat | chown | lchown | fchownat | truncate | utime | utimes | \
                utimensat | futimesat | mknod | mknodat | setxattr | lsetxattr | removexattr | lremovexattr) ;;
            chdir)
                [[ $args =~ ^\"([^\"]*)\" ]] || continue
                path=${BASH_REMATCH[1]}
                [[ $path == /* ]] && cwd=$path || cwd=$cwd/$path
                continue ;;
            fchdir)
                [[ $args =~ ^[0-9]+\<([^>]*)\> ]] && cwd=${BASH_REMATCH[1]}
                continue ;;
            *) continue ;;
        esac
        # Every quoted argument is a path the call changes, except a
        # symlink's target (its first).
        paths=()
        while [[ $args =~ ^[^\"]*\"([^\"]*)\"(.*)$ ]]; do
            paths+=("${BASH_REMATCH[1]}")
            args=${BASH_REMATCH[2]}
        done
        [[ $call == symlink* ]] && paths=("${paths[@]:1}")
        for path in "${paths[@]}"; do
            [[ $path == /* ]] || path=$dirfd/$path
            printf '%s\n' "$path"
        done
    done <"$1"
}

# no_writes_outside WHAT LIST ALLOWED...: every path of LIST (traced_writes'
# output) is PREFIX or below it, or one of ALLOWED.
no_writes_outside() {
    local what=$1 list=$2 path ok allowed
    shift 2
    [ -s "$list" ] || fail "$what: the trace shows no write at all (is strace tracing?)"
    while IFS= read -r path; do
        ok=0
        case $path in "$prefix" | "$prefix"/*) ok=1 ;; esac
        for allowed in "$@"; do [ "$path" = "$allowed" ] && ok=1; done
        ((ok)) || fail "$what wrote outside $prefix: $path"
    done <"$list"
}

needs_install() {
    [ -f "$manifest" ] && [ -x "$prefix/bin/keel" ] || die "no install in $prefix (the test install_into_prefix runs first)"
}

# ---- the modes ---------------------------------------------------------------

mode_install() {
    local version=$1 f
    rm -rf "$prefix" "$manifest"
    # The install writes below the prefix and its manifest in the build
    # tree, nothing else (no package registry in $HOME, no ldconfig cache,
    # nothing in the source tree).
    traced_writes "$work/install.log" "$work/install.trace" "$cmake" --install "$build" --prefix "$prefix" \
        >"$work/install.writes"
    no_writes_outside "cmake --install" "$work/install.writes" "$build/install_manifest.txt"
    grep -qx "$prefix/bin/keel" "$work/install.writes" || fail "the install trace does not show bin/keel written"
    cp "$build/install_manifest.txt" "$manifest" || die "no install_manifest.txt in $build"

    for f in bin/keel lib/libkeel.a lib/libkeel.so "lib/libkeel.so.$version" include/keel.h \
        lib/cmake/keel/keelConfig.cmake lib/cmake/keel/keelConfigVersion.cmake \
        lib/cmake/keel/keelTargets.cmake lib/cmake/keel/KeelAddRepository.cmake \
        lib/cmake/keel/CompareGenerated.cmake lib/pkgconfig/keel.pc share/man/man1/keel.1; do
        [ -e "$prefix/$f" ] || fail "not installed: $f"
    done
    cmp -s "$source/src/keel.h" "$prefix/include/keel.h" || fail "include/keel.h differs from src/keel.h"
    "$prefix/bin/keel" --help >"$work/help.txt" || fail "bin/keel --help exited with $?"

    # The soname carries major.minor; nothing points back into the build.
    local soname
    soname=$(readelf -d "$prefix/lib/libkeel.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
    [ "$soname" = "libkeel.so.${version%.*}" ] || fail "soname is '$soname', expected libkeel.so.${version%.*}"
    for f in bin/keel "lib/libkeel.so.$version"; do
        if readelf -d "$prefix/$f" | grep -E 'R(UN)?PATH' | grep -qF "$build"; then
            fail "$f has an RPATH into the build tree"
        fi
    done

    # Every installed file is in the manifest, and the manifest holds
    # nothing else, nothing outside the prefix.
    find "$prefix" ! -type d | sort >"$work/installed.txt"
    sort "$manifest" >"$work/manifest.sorted"
    diff -u "$work/manifest.sorted" "$work/installed.txt" >"$work/manifest.diff" ||
        fail "install_manifest.txt and the prefix differ:
$(cat "$work/manifest.diff")"
    while IFS= read -r f || [ -n "$f" ]; do # its last line has no newline
        case $f in "$prefix"/*) ;; *) fail "installed outside the prefix: $f" ;; esac
    done <"$manifest"

    # keel.pc
    local pc=(env PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config)
    [ "$("${pc[@]}" --modversion keel)" = "$version" ] || fail "pkg-config --modversion keel is not $version"
    "${pc[@]}" --libs keel | grep -qw -- -lkeel || fail "pkg-config --libs keel has no -lkeel"
    "${pc[@]}" --cflags keel | grep -q -- "-I[^ ]*include" || fail "pkg-config --cflags keel has no -I"
    local requires
    requires=$("${pc[@]}" --print-requires-private keel | awk '{print $1}' | sort | tr '\n' ' ')
    [ "$requires" = "libpq sqlite3 " ] || fail "keel.pc Requires.private is '$requires', expected libpq sqlite3"
    grep -q '^prefix=${pcfiledir}/' "$prefix/lib/pkgconfig/keel.pc" || fail "keel.pc is not relocatable"

    # The CMake package's version.
    grep -q "PACKAGE_VERSION \"$version\"" "$prefix/lib/cmake/keel/keelConfigVersion.cmake" ||
        fail "keelConfigVersion.cmake does not say $version"

    # keel(1): renders without a warning and documents every command and
    # option `keel --help` lists.
    local warnings man=$prefix/share/man/man1/keel.1 verb opt
    warnings=$(groff -man -ww -z "$man" 2>&1) || fail "groff failed on keel.1"
    [ -z "$warnings" ] || fail "keel.1 has roff warnings: $warnings"
    grep -q "^\.TH KEEL 1 .*keel $version" "$man" || fail "keel.1's .TH does not name keel $version"
    # The commands are the lines of the "Commands:" list: "  NAME  what it does".
    local verbs
    verbs=$(sed -n '/^Commands:/,/^$/p' "$work/help.txt" | sed -nE 's/^  ([a-z][a-z-]*)  .*/\1/p')
    [ -n "$verbs" ] || fail "keel --help lists no commands"
    for verb in $verbs; do
        grep -qE "^\.B keel $verb\$" "$man" || fail "keel --help lists '$verb', keel.1's SYNOPSIS does not"
        grep -A1 -E '^\.TP' "$man" | grep -qE "^\.B $verb\$" ||
            fail "keel --help lists '$verb', keel.1's COMMANDS does not (see MORE COMMANDS in doc/keel.1)"
    done
    for opt in $(grep -oE -- '--[a-z][a-z-]*' "$work/help.txt" | sort -u); do
        grep -qF -- "${opt//-/\\-}" "$man" || fail "keel --help lists $opt, keel.1 does not"
    done
}

mode_find_package() {
    needs_install
    local version=$1
    local kind dir args
    for kind in static shared; do
        dir=$work/find_package-$kind
        args=()
        [ $kind = shared ] && args=(-DKEEL_RUNTIME_SHARED=ON)
        rm -rf "$dir"
        step "$dir.configure.log" "$cmake" -S "$example" -B "$dir" "${generator[@]}" "${cc_args[@]}" \
            -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "${args[@]}"
        grep -qx "keel_DIR:PATH=$prefix/lib/cmake/keel" "$dir/CMakeCache.txt" ||
            fail "$kind: find_package(keel) did not find $prefix/lib/cmake/keel"
        step "$dir.build.log" "$cmake" --build "$dir"
        grep -rqF --include=build.ninja --include=build.make "$prefix/bin/keel generate --name notes" "$dir" ||
            fail "$kind: the build does not run the installed keel"
        if [ $kind = shared ]; then
            readelf -d "$dir/notes" | grep -q 'NEEDED.*\[libkeel\.so\.' || fail "shared: notes does not link libkeel.so"
        else
            readelf -d "$dir/notes" | grep -q 'NEEDED.*libkeel' && fail "static: notes links a libkeel.so"
        fi
        run_both "find-package-$kind" "$dir/notes"
    done
    local major=${version%%.*} minor
    minor=${version#*.}
    minor=${minor%%.*}
    check_version_request "$major.$minor" found
    check_version_request "$version" found
    check_version_request "$major.$((minor + 1))" not-found
    ((minor > 0)) && check_version_request "$major.$((minor - 1))" not-found
}

# find_package(keel <version>) takes 0.<minor>.* for 0.<minor> only.
check_version_request() { # REQUESTED found|not-found
    local dir=$work/version-$1
    rm -rf "$dir"
    mkdir -p "$dir/src"
    printf 'cmake_minimum_required(VERSION 3.21)\nproject(v LANGUAGES C)\nfind_package(keel %s REQUIRED)\n' "$1" \
        >"$dir/src/CMakeLists.txt"
    if "$cmake" -S "$dir/src" -B "$dir/build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$dir.log" 2>&1; then
        [ "$2" = found ] || fail "find_package(keel $1) accepted keel $version"
    else
        [ "$2" = not-found ] || fail "find_package(keel $1) refused keel $version: $(cat "$dir.log")"
    fi
}

mode_committed() {
    needs_install
    local dir=$work/committed copy=$work/committed-copy
    rm -rf "$dir" "$copy"
    mkdir -p "$dir/src"
    cat >"$dir/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.21)
project(committed LANGUAGES C)
enable_testing()
find_package(keel 0.2 REQUIRED)
keel_add_repository(notes SCHEMA "$example/db/schema" QUERIES "$example/db/queries"
                    COMMITTED "$copy" OUT generated-here)
EOF
    step "$dir/configure.log" "$cmake" -S "$dir/src" -B "$dir/build" "${generator[@]}" "${cc_args[@]}" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    step "$dir/build.log" "$cmake" --build "$dir/build"
    [ -f "$dir/build/generated-here/notes.h" ] || fail "OUT generated-here was not used"
    "$ctest" --test-dir "$dir/build" --no-tests=error -R notes_generated_is_fresh >"$dir/stale.log" 2>&1 &&
        fail "notes_generated_is_fresh passed before any copy was committed"
    step "$dir/regenerate.log" "$cmake" --build "$dir/build" --target regenerate
    for f in notes.h notes.c notes_sqlite.c notes_postgres.c; do
        cmp -s "$dir/build/generated-here/$f" "$copy/$f" || fail "regenerate did not copy $f"
    done
    step "$dir/fresh.log" "$ctest" --test-dir "$dir/build" --no-tests=error -R notes_generated_is_fresh --output-on-failure
    echo "/* edited */" >>"$copy/notes_sqlite.c"
    if "$ctest" --test-dir "$dir/build" --no-tests=error -R notes_generated_is_fresh --output-on-failure >"$dir/edited.log" 2>&1; then
        fail "notes_generated_is_fresh passed on an edited copy"
    elif ! tr -s ' \n' ' ' <"$dir/edited.log" | grep -qF "$copy/notes_sqlite.c is stale"; then
        fail "notes_generated_is_fresh failed without naming the stale file: $(cat "$dir/edited.log")"
    fi
}

mode_pkg_config() {
    needs_install
    local dir=$work/pkg_config
    rm -rf "$dir"
    step "$dir.build.log" make -f "$example/Makefile" BUILD="$dir" KEEL="$prefix/bin/keel" \
        PKG_CONFIG_PATH="$prefix/lib/pkgconfig" ${CC:+CC="$CC"}
    readelf -d "$dir/notes" | grep -q 'NEEDED.*\[libkeel\.so\.' || fail "notes does not link libkeel.so"
    run_both pkg-config "$dir/notes"
}

# check_embedded DIR KEEL_BUILD_DIR CONFIGURE_ARG...: configures a project
# that builds keel's source tree inside it into DIR, checks what keel added
# there, builds it and runs its notes.
check_embedded() {
    local dir=$1 keel_build=$2 label
    label=$(basename "$1")
    shift 2
    # KEEL_WERROR on: keel's sources get -Werror, and it must stop there.
    step "$dir.configure.log" "$cmake" "$@" -B "$dir" "${generator[@]}" "${cc_args[@]}" \
        -DKEEL_WERROR=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON

    # Only the generator, the runtime and the example are built here.
    local targets t
    targets=$("$cmake" --build "$dir" --target help 2>/dev/null | sed -nE 's/^(\.\.\. )?([A-Za-z0-9_.+-]+)(:.*)?$/\2/p')
    for t in keel_codegen keel_runtime notes_repo; do
        grep -qx "$t" <<<"$targets" || fail "$label: no target $t"
    done
    for t in diun_repo diun_parity keel_test_support kv_store books_repo diun-dashboard diun-ingest \
        runtime_open regenerate fuzzers; do
        grep -qx "$t" <<<"$targets" && fail "$label: keel's $t is in the includer's build"
    done
    [ -d "$keel_build/src" ] || fail "$label: keel's build is not in $keel_build"
    [ -e "$keel_build/tests" ] || [ -e "$keel_build/apps" ] && fail "$label: keel's tests/ or apps/ were configured"
    grep -rl --include=CTestTestfile.cmake add_test "$dir" && fail "$label: keel added tests to the includer's project"

    # Warnings: -Werror on keel's sources, not on the example's main.c nor
    # on the repository generated in the example's directory.
    local file cmd keel_files=0 includer_files=0
    while IFS=$'\t' read -r file cmd; do
        cmd=" $cmd "
        case $file in
            "$source"/src/* | "$source"/codegen/*)
                keel_files=$((keel_files + 1))
                [[ $cmd == *" -Werror "* && $cmd == *" -Wextra "* ]] || fail "$file: keel's own warnings are missing"
                ;;
            "$example/main.c" | "$dir"/generated/notes/*)
                includer_files=$((includer_files + 1))
                [[ $cmd == *" -Werror "* ]] && fail "$file: keel's -Werror reached the includer"
                [[ $file == "$dir"/generated/* && $cmd == *" -Wextra "* ]] &&
                    fail "$file: keel's warnings reached the repository generated in the includer"
                ;;
        esac
    done < <(jq -r '.[] | [.file, .command] | @tsv' "$dir/compile_commands.json")
    ((keel_files > 0)) || fail "$label: no keel source in compile_commands.json"
    ((includer_files == 4)) || fail "$label: expected main.c and 3 generated files in compile_commands.json, got $includer_files"

    step "$dir.build.log" "$cmake" --build "$dir"
    grep -q "unused_on_purpose" "$dir.build.log" ||
        fail "$label: main.c's deliberately unused variable did not warn: the -Werror probe proves nothing"
    run_both "${label//_/-}" "$dir/notes"
}

mode_add_subdirectory() {
    local dir=$work/add_subdirectory
    rm -rf "$dir"
    check_embedded "$dir" "$dir/keel" -S "$example" -DKEEL_SOURCE_DIR="$source" "$@"
}

# The README's FetchContent declaration; FETCHCONTENT_SOURCE_DIR_KEEL (the
# documented override for a local checkout) makes it use this tree, with no
# download.
mode_fetch_content() {
    local dir=$work/fetch_content
    rm -rf "$dir" "$dir-src"
    mkdir -p "$dir-src"
    cat >"$dir-src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.21)
project(notes LANGUAGES C)
include(FetchContent)
FetchContent_Declare(keel GIT_REPOSITORY https://keel.invalid/keel.git GIT_TAG v0.2.0)
FetchContent_MakeAvailable(keel)
keel_add_repository(notes SCHEMA "$example/db/schema" QUERIES "$example/db/queries")
add_executable(notes "$example/main.c")
target_compile_options(notes PRIVATE -Wall -Wextra)
target_link_libraries(notes PRIVATE notes_repo)
EOF
    check_embedded "$dir" "$dir/_deps/keel-build" -S "$dir-src" -DFETCHCONTENT_SOURCE_DIR_KEEL="$source" "$@"
}

# The README's removal: `xargs rm < build/install_manifest.txt` (here the
# copy install_into_prefix kept), traced like the install.
mode_uninstall() {
    needs_install
    local f
    while IFS= read -r f || [ -n "$f" ]; do # its last line has no newline
        case $f in
            "$prefix"/*) ;;
            *) fail "manifest entry outside the prefix: $f" ;;
        esac
    done <"$manifest"
    ((failures)) && finish
    traced_writes "$work/uninstall.log" "$work/uninstall.trace" sh -c 'xargs rm <"$1"' sh "$manifest" \
        >"$work/uninstall.writes"
    no_writes_outside "xargs rm" "$work/uninstall.writes"
    local left
    left=$(find "$prefix" ! -type d)
    [ -z "$left" ] || fail "left in the prefix after removing the manifest's files: $left"
    find "$prefix" -depth -type d -empty -delete
    [ ! -e "$prefix" ] || fail "$prefix is not empty"
    rm -f "$manifest"
}

case $mode in
    install | find_package | committed | pkg_config | add_subdirectory | fetch_content | uninstall) "mode_$mode" "$@" ;;
    *) die "unknown mode $mode" ;;
esac
finish
