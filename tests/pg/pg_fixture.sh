#!/usr/bin/env bash
# pg_fixture.sh start|stop <dir>
#
# start: a throwaway PostgreSQL cluster listening only on a unix socket in a
#        private temp directory; writes its libpq DSN to <dir>/dsn. With
#        KEEL_TEST_PG_DSN set, adopts that server instead (writes it to
#        <dir>/dsn and starts nothing).
# stop:  stops the cluster start made and removes it.
# server-stop / server-start: stop the server of the cluster start made and
#        start it again (same data, socket and DSN), for restart tests.
# start-standby <dir> <primary-dir>: a streaming standby of the cluster
#        recorded in <primary-dir> (pg_basebackup -R over its unix socket),
#        recorded in <dir> like a cluster of its own (stop removes it).
# promote <dir>: promotes the standby in <dir> and waits until it is a
#        primary.
#        start records what they need next to the DSN: base (the cluster's
#        directory: data/, the socket, server.log) and bindir.
#
# initdb refuses to run as root, so as root the cluster belongs to the
# `postgres` user and every server command runs through runuser.
set -euo pipefail

die() { echo "pg_fixture: $*" >&2; exit 1; }

usage="usage: $0 start|stop|server-stop|server-start|promote <dir> | start-standby <dir> <primary-dir>"
[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = start-standby ]; } || die "$usage"
action=$1
dir=$2
primary_dir=${3:-}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_bindir() {
    local candidate
    if command -v pg_config >/dev/null 2>&1; then
        candidate=$(pg_config --bindir 2>/dev/null || true)
        if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
            echo "$candidate"; return 0
        fi
    fi
    # Debian keeps server binaries per major version; the newest one wins.
    candidate=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ]; then
        echo "$candidate"; return 0
    fi
    return 1
}

# Stops and removes the cluster recorded in $dir, if any (also a leftover
# from a run that never reached `stop`).
stop_cluster() {
    local base data bindir
    if [ -f "$dir/base" ]; then
        base=$(cat "$dir/base")
        data=$base/data
        if [ -f "$data/postmaster.pid" ]; then
            bindir=$(cat "$dir/bindir" 2>/dev/null || find_bindir || true)
            if [ -n "$bindir" ]; then
                as_server_user "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
                    as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
            fi
        fi
        case "$base" in
            */keel-pg.*) rm -rf "$base" ;; # never rm what this script did not create
        esac
    fi
    rm -f "$dir/base" "$dir/bindir" "$dir/dsn"
}

# Unix socket only, in the private dir: no port clash with other clusters.
server_start() {
    as_server_user "$1/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 60 \
        -o "-k $2 -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >"$dir/pg_ctl.log" 2>&1
}

recorded() {
    [ -f "$dir/base" ] && [ -f "$dir/bindir" ] || die "no cluster recorded in $dir (run start first)"
}

start() {
    if [ -n "${KEEL_TEST_PG_DSN:-}" ]; then
        printf '%s\n' "$KEEL_TEST_PG_DSN" >"$dir/dsn"
        echo "pg_fixture: using KEEL_TEST_PG_DSN"
        exit 0
    fi
    stop_cluster

    local bindir base data
    bindir=$(find_bindir) || die "no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql or set KEEL_TEST_PG_DSN"

    base=$(new_base) || exit 1
    data=$base/data
    echo "$bindir" >"$dir/bindir"

    if ! as_server_user "$bindir/initdb" -D "$data" -A trust -U postgres --no-sync \
        -E UTF8 --no-locale >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        stop_cluster
        die "initdb failed (log above)"
    fi

    if ! server_start "$bindir" "$base"; then
        cat "$dir/pg_ctl.log" "$base/server.log" >&2 2>/dev/null || true
        stop_cluster
        die "the server did not start (logs above)"
    fi

    if ! as_server_user "$bindir/psql" -X -q -h "$base" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
        cat "$base/server.log" >&2 || true
        stop_cluster
        die "the server started but does not accept connections"
    fi
    echo "host=$base user=postgres dbname=postgres" >"$dir/dsn"
    echo "pg_fixture: cluster in $base, DSN in $dir/dsn"
}

# new_base: a private directory the server user can use, recorded in $dir.
new_base() {
    local base
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to own the cluster"
        # /tmp, not $TMPDIR: every parent must be traversable by postgres.
        base=$(mktemp -d /tmp/keel-pg.XXXXXX)
        chmod 755 "$base"
        chown postgres: "$base"
    else
        base=$(mktemp -d "${TMPDIR:-/tmp}/keel-pg.XXXXXX")
    fi
    echo "$base" >"$dir/base"
    echo "$base"
}

start_standby() {
    [ -f "$primary_dir/base" ] && [ -f "$primary_dir/bindir" ] || die "no primary recorded in $primary_dir"
    stop_cluster
    local bindir primary base
    bindir=$(cat "$primary_dir/bindir")
    primary=$(cat "$primary_dir/base")
    base=$(new_base) || exit 1
    echo "$bindir" >"$dir/bindir"
    if ! as_server_user "$bindir/pg_basebackup" -h "$primary" -U postgres -D "$base/data" -R -X stream \
        --no-sync >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log" >&2
        stop_cluster
        die "pg_basebackup failed (log above)"
    fi
    if ! server_start "$bindir" "$base"; then
        cat "$dir/pg_ctl.log" "$base/server.log" >&2 2>/dev/null || true
        stop_cluster
        die "the standby did not start (logs above)"
    fi
    # Ready once it accepts connections and is replaying.
    local i
    for i in $(seq 300); do
        if [ "$(as_server_user "$bindir/psql" -X -At -h "$base" -U postgres -d postgres \
            -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
            echo "host=$base user=postgres dbname=postgres" >"$dir/dsn"
            echo "pg_fixture: standby in $base, DSN in $dir/dsn"
            return 0
        fi
        sleep 0.1
    done
    cat "$base/server.log" >&2 || true
    stop_cluster
    die "the standby does not accept connections"
}

case "$action" in
    start) start ;;
    start-standby) start_standby ;;
    promote)
        recorded
        as_server_user "$(cat "$dir/bindir")/pg_ctl" -D "$(cat "$dir/base")/data" -w -t 60 promote >/dev/null ;;
    stop) stop_cluster ;;
    server-stop)
        recorded
        as_server_user "$(cat "$dir/bindir")/pg_ctl" -D "$(cat "$dir/base")/data" -m fast -w -t 30 stop >/dev/null ;;
    server-start)
        recorded
        server_start "$(cat "$dir/bindir")" "$(cat "$dir/base")" || { cat "$dir/pg_ctl.log" >&2; die "restart failed"; } ;;
    *) die "$usage" ;;
esac
