#!/bin/sh
# The memory file encrypted at rest: a key file, two analyses, what the file shows with and without the key,
# a wrong key, a new key, and the file decrypted again.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
(umask 077; printf '%s\n' 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 > memory.key)
export HOS_MEMORY="$dir/memory.sqlite" HOS_MEMORY_KEY_FILE="$dir/memory.key"
pipeline=$OLDPWD/../pipelines/full-analysis.yaml

hos-synth --users 2 --days 30 --seed 11 --request > week1.jsonl
hos-run "$pipeline" -i week1.jsonl -o run1.jsonl --progress none
echo "== two users analysed; the memory file's first bytes are not SQLite's:"
head -c 15 memory.sqlite | od -An -c | grep -q 'S   Q   L   i   t   e' && echo "  SQLite format 3 (plain!)" || echo "  random (encrypted)"
echo "== with its key:"
hos-memory stats | jq -r '"  users \(.users), records \(.tables.short_term_record), analyses \(.tables.analyses)"'
echo "== without it, or with another:"
HOS_MEMORY_KEY_FILE= hos-memory stats 2>&1 | sed "s|$dir/||; s/^/  /" || true
(umask 077; echo 'not the key' > other.key)
hos-memory stats --memory-key-file other.key 2>&1 | sed "s|$dir/||; s/^/  /" || true
echo "== a week later, the second analysis remembers the first (encrypted all along):"
{ hos-synth respond --days 7 run1.jsonl
  hos-synth --users 2 --days 37 --seed 11 --request | jq -c 'select(.event_type != "health_record" or .payload.date > "2026-02-03")'
} > week2.jsonl
hos-run "$pipeline" -i week2.jsonl -o run2.jsonl --progress none
jq -r 'select(.event_type == "analysis_complete") | "  \(.user_id): analyses remembered \(.payload.memory.history.analyses_total)"' run2.jsonl
echo "== rekey to a new key, then decrypt:"
(umask 077; echo 'a long passphrase, stretched by PBKDF2' > new.key)
hos-memory rekey --key-file new.key
hos-memory check 2>&1 | sed "s|$dir/||; s/^/  old key: /" || true
hos-memory check --memory-key-file new.key | sed 's/^/  new key: /'
hos-memory decrypt --memory-key-file new.key
sqlite3 memory.sqlite 'SELECT count(DISTINCT user_id) FROM analyses' | sed 's/^/  plain again, sqlite3 reads it: users /'
