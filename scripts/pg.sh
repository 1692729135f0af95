#!/bin/sh
# A throwaway PostgreSQL server for tests and benchmarks: `pg.sh start DIR` makes a cluster in DIR (initdb,
# as the postgres user when run as root), with TLS from a CA generated there, listening on 127.0.0.1 at a free
# port, a role and database `hos` with a generated password; it writes DIR/env, which sets HOS_PG_URL
# (sslmode=verify-full against DIR/ca.crt), PGPASSWORD and PGBIN. `pg.sh stop DIR` stops it and removes DIR.
set -eu

die() { echo "pg.sh: $*" >&2; exit 1; }

bindir() {
    for d in "${PGBIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
        [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && { pg_config --bindir; return; }
    die "PostgreSQL server binaries not found (apt-get install postgresql, or set PGBIN)"
}

# Runs a server binary as the cluster's owner: postgres when we are root (the server refuses root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    dir=$1
    bin=$(bindir)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # The server's tools run as postgres, which may not enter the caller's folder.
    cd /
    # The CA and the server's certificate, for 127.0.0.1 and localhost (verify-full checks either).
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hos-test-ca \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/password"
    chmod 600 "$dir/server.key" "$dir/password" "$dir/ca.key"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    port=$(free_port)
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; die "server did not start"; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<EOF
CREATE ROLE hos LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE hos OWNER hos;
EOF
    cat >"$dir/env" <<EOF
HOS_PG_URL='postgresql://hos@127.0.0.1:$port/hos?sslmode=verify-full&sslrootcert=$dir/ca.crt'
PGPASSWORD='$password'
PGBIN='$bin'
PGPORT='$port'
PGDIR='$dir'
export HOS_PG_URL PGPASSWORD PGBIN PGPORT PGDIR
EOF
    chmod 600 "$dir/env"
    echo "$dir/env"
}

stop() {
    dir=$(cd "$1" 2>/dev/null && pwd || echo "$1")
    cd /
    [ -d "$dir/data" ] || die "$dir: no cluster"
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

case "${1:-}" in
start) [ $# = 2 ] || die "usage: pg.sh start DIR"; start "$2" ;;
stop) [ $# = 2 ] || die "usage: pg.sh stop DIR"; stop "$2" ;;
*) die "usage: pg.sh start|stop DIR" ;;
esac
