#!/bin/sh
# make pg-check: PostgreSQL 15 from Debian on a temporary folder (scripts/pg.sh: 127.0.0.1, a free port, TLS
# with a generated CA), the PostgreSQL test suites run against it with HOS_PG=require (a missing server
# fails them instead of skipping), and the server stopped on exit, whatever happened.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh postgresql
dir=$(mktemp -d "${TMPDIR:-/tmp}/hos-pg-check.XXXXXX")
trap 'scripts/pg.sh stop "$dir" 2>/dev/null || rm -rf "$dir"' EXIT INT TERM
start=$(date +%s)
. "$(scripts/pg.sh start "$dir")"
echo "pg-check: PostgreSQL on 127.0.0.1:$PGPORT (sslmode=verify-full), ready in $(( $(date +%s) - start )) s"
HOS_PG=require swift test --skip-build $(scripts/sqlcipher.sh --flags) --filter 'AddressTests|PostgresTests|MemorySQLTests|QueueTests|PostgresMemoryTests'
