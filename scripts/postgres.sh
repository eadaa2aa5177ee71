#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and CI: its data lives in a temporary folder.
#
#   eval "$(scripts/postgres.sh start [DIR])"   # prints export lines: PGHOST PGPORT PGUSER PGDATABASE
#   scripts/postgres.sh stop [DIR]              # stops the server and removes DIR
#
# DIR defaults to $COMMS_POSTGRES_DIR, else $TMPDIR/comms-postgres. The server binaries come
# from PATH or Debian's /usr/lib/postgresql/<version>/bin; when neither has initdb, Debian's
# `postgresql` package is installed (apt-get, needs root). The server listens on a free
# localhost port and a unix socket in DIR, trusts local connections (nothing but tests can
# reach it) and skips fsync: its data is thrown away at stop.
set -euo pipefail

action=${1:-}
dir=${2:-${COMMS_POSTGRES_DIR:-${TMPDIR:-/tmp}/comms-postgres}}
user=comms
database=comms_warehouse

bin_dir() {
    local initdb
    initdb=$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$initdb" ]; then
        echo "postgres.sh: installing Debian's postgresql package" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
        initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)
    fi
    dirname "$(readlink -f "$initdb")"
}

# PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres` user.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bin port
    bin=$(bin_dir)
    if [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
        port=$(cat "$dir/port")  # already running: print its address again
    else
        rm -rf "$dir"
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "$bin/initdb" --pgdata="$dir/data" --username="$user" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
        port=$(free_port)
        as_owner "$bin/pg_ctl" start --pgdata="$dir/data" --wait --log="$dir/server.log" \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC" >&2 \
            || { cat "$dir/server.log" >&2; exit 1; }
        echo "$port" | as_owner tee "$dir/port" >/dev/null
        as_owner "$bin/createdb" --host="$dir" --port="$port" --username="$user" "$database"
    fi
    echo "export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$user PGDATABASE=$database"
}

stop() {
    [ -d "$dir/data" ] || return 0
    as_owner "$(bin_dir)/pg_ctl" stop --pgdata="$dir/data" --mode=fast --wait >&2 || true
    rm -rf "$dir"
}

case "$action" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
