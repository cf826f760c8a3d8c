#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: a private data directory, loopback TCP on a free port,
# a random password, a database `approvals_test`.
#
#   eval "$(scripts/postgres.sh start)"      # exports APPROVALS_TEST_POSTGRES and APPROVALS_TEST_POSTGRES_DIR
#   scripts/postgres.sh stop "$APPROVALS_TEST_POSTGRES_DIR"
#
# Only the `export …` lines go to stdout; progress goes to stderr.
set -euo pipefail

PG_VERSION_WANTED=15
DATABASE=approvals_test

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_bin_dir() {
    local dir
    if [[ -x /usr/lib/postgresql/${PG_VERSION_WANTED}/bin/initdb ]]; then
        echo "/usr/lib/postgresql/${PG_VERSION_WANTED}/bin"
        return 0
    fi
    # Otherwise the newest installed major version.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
        if [[ -x "$dir/initdb" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_postgres() {
    [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get)."
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available."
    log "installing PostgreSQL with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # postgresql-15 is Debian 12's default; fall back to the distribution's default version.
    apt-get install -y -qq --no-install-recommends "postgresql-${PG_VERSION_WANTED}" >&2 \
        || apt-get install -y -qq --no-install-recommends postgresql >&2
    # The package starts a cluster of its own on 5432; this script does not use it.
}

# Runs a command as the user that owns the cluster (initdb and postgres refuse to run as root).
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local port i
    for i in $(seq 1 50); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! port_in_use "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}

start() {
    local bin_dir root data sock password port attempt
    if ! bin_dir=$(find_bin_dir); then
        install_postgres
        bin_dir=$(find_bin_dir) || die "initdb not found under /usr/lib/postgresql/*/bin after installing."
    fi
    log "using $bin_dir"

    if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi

    root=$(mktemp -d "${TMPDIR:-/tmp}/approvals-pg.XXXXXX")
    data="$root/data"
    sock="$root/sock"
    mkdir -p "$data" "$sock"
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" > "$root/pwfile"
    chmod 700 "$root"
    chmod 600 "$root/pwfile"
    if [[ $EUID -eq 0 ]]; then
        chown -R postgres: "$root"
    fi

    # Unix socket: trust (only the owner can reach the private socket dir); TCP: password.
    as_owner "$bin_dir/initdb" -D "$data" -U postgres --pwfile="$root/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 \
        || { cat "$root/initdb.log" >&2; die "initdb failed"; }
    rm -f "$root/pwfile"

    # A port may be taken between the check and the bind: retry with another one.
    for attempt in 1 2 3 4 5; do
        port=$(pick_port)
        # Durability settings are off: the cluster is thrown away after the tests.
        if as_owner "$bin_dir/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >&2; then
            break
        fi
        port=""
        tail -n 20 "$root/server.log" >&2 || true
    done
    [[ -n "$port" ]] || die "the server did not start; see $root/server.log"

    as_owner "$bin_dir/psql" -X -q -h "$sock" -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE $DATABASE" >&2
    printf '%s\n' "$bin_dir" > "$root/bin_dir"
    log "PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $root"

    echo "export APPROVALS_TEST_POSTGRES=\"Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=$DATABASE\""
    echo "export APPROVALS_TEST_POSTGRES_DIR=\"$root\""
}

stop() {
    local root="${1:-${APPROVALS_TEST_POSTGRES_DIR:-}}" data bin_dir
    [[ -n "$root" ]] || die "usage: $0 stop <dir printed by start>"
    # Accept the directory printed by start or its data/ subdirectory.
    if [[ -f "$root/PG_VERSION" ]]; then
        data="$root"
        root=$(dirname "$root")
    else
        data="$root/data"
    fi
    [[ -f "$data/PG_VERSION" ]] || die "$data is not a PostgreSQL data directory"
    if [[ -f "$root/bin_dir" ]]; then
        bin_dir=$(cat "$root/bin_dir")
    else
        bin_dir=$(find_bin_dir) || die "pg_ctl not found"
    fi
    if [[ -f "$data/postmaster.pid" ]]; then
        as_owner "$bin_dir/pg_ctl" -D "$data" -m fast -w stop >&2 || true
    fi
    # Only remove directories this script created.
    case "$(basename "$root")" in
        approvals-pg.*) rm -rf "$root"; log "stopped and removed $root" ;;
        *) log "stopped; $root was not created by this script, left in place" ;;
    esac
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: $0 start | stop <dir>" >&2; exit 2 ;;
esac
