#!/bin/sh
# Installs the system packages hos needs when they are missing (Debian/Ubuntu, non-interactive).
#   libxml2  FoundationXML's parser (hos-import apple-health) at run time
#   jq       make bench's reference, and examples
#   time     GNU time, for make bench's peak memory
#   sqlite3  make bench's reference for storing records, and the example queries of hos-memory(1)
#   libsqlite3-dev  SQLite for GRDB (hos-memory)
#   libssl-dev, gcc  SQLCipher's build against Debian's libcrypto (scripts/sqlcipher.sh, for an encrypted memory file)
# `deps.sh postgresql` (make pg-check): the PostgreSQL server and psql, and openssl for its test certificates.
set -eu
missing=""
if [ "${1:-}" = postgresql ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
    command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
fi
[ -x /usr/bin/time ] || missing="$missing time"
dpkg -s libxml2 >/dev/null 2>&1 || missing="$missing libxml2"
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing="$missing libsqlite3-dev"
dpkg -s libssl-dev >/dev/null 2>&1 || missing="$missing libssl-dev"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v sqlite3 >/dev/null 2>&1 || missing="$missing sqlite3"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "deps: missing$missing; install them with your package manager (e.g. sudo apt-get install$missing)" >&2
    exit 1
fi
