#!/bin/sh
# The memory file plain and encrypted (SQLCipher 4, --memory-key-file), side by side, as make bench runs it:
# storing 1,000 users x 90 days of records, memory_context per request for a user with a year of records, and
# what a passphrase (PBKDF2, 256,000 iterations) adds to each open against a raw key.
# Usage: scripts/bench-encryption.sh RELEASE_BINDIR   (RUNS=3: the median of RUNS runs)
set -eu
bin=$1
runs=${RUNS:-3}
data=.build/bench/encryption
mkdir -p "$data"
if [ -z "$(scripts/sqlcipher.sh --flags)" ]; then
    echo "encryption: skipped (SQLCipher is not built: make deps)"
    exit 0
fi
. scripts/measure.sh
(umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$data/raw.key"; echo 'a passphrase of some length' > "$data/pass.key")
"$bin/hos-synth" --users 1000 --days 90 --seed 3 -o "$data/records.jsonl"
"$bin/hos-synth" --users 1 --days 365 --seed 4 -o "$data/year.jsonl"
awk 'BEGIN { for (i = 1; i <= 200; i++) printf "{\"event_id\":\"bench-%d\",\"event_type\":\"analysis_request\",\"user_id\":\"u-0001\",\"timestamp\":\"2027-01-05T00:00:00Z\",\"payload\":{\"analysis_id\":\"a-bench-%d\"}}\n", i, i }' > "$data/requests.jsonl"
printf 'version: 1\nname: context\nsteps: [{agent: memory}]\n' > "$data/context.yaml"

# One column: "store_s context_mean_ms context_median_ms context_p95_ms bytes".
column() {
    name=$1
    key=$2
    store=$(measure "rm -f $data/$name.sqlite*; $bin/hos-memory store --memory $data/$name.sqlite $key $data/records.jsonl")
    bytes=$(du -cb "$data/$name".sqlite* | tail -n 1 | cut -f1)
    rm -f "$data/$name-year.sqlite"*
    "$bin/hos-memory" store --memory "$data/$name-year.sqlite" $key "$data/year.jsonl"
    cp "$data/$name-year.sqlite" "$data/$name-year0.sqlite"
    context=$(measure "cp $data/$name-year0.sqlite $data/$name-year.sqlite; rm -f $data/$name-year.sqlite-*; $bin/hos-memory run --memory $data/$name-year.sqlite $key $data/requests.jsonl")
    cp "$data/$name-year0.sqlite" "$data/$name-year.sqlite"
    rm -f "$data/$name-year.sqlite-"*
    "$bin/hos-run" "$data/context.yaml" --memory "$data/$name-year.sqlite" $key -i "$data/requests.jsonl" --status \
        2> "$data/$name-context.txt" > /dev/null
    per=$(awk '$1 == "memory" { print $8, $9 }' "$data/$name-context.txt")
    echo "${store% *} $(awk -v s="${context% *}" 'BEGIN { printf "%.2f", s * 1000 / 200 }') $per $bytes"
}
plain=$(column plain "")
raw=$(column raw "--memory-key-file $data/raw.key")
# An open alone (stats of the year file): a raw key against a passphrase.
open_raw=$(measure "$bin/hos-memory stats --memory $data/raw-year0.sqlite --memory-key-file $data/raw.key")
cp "$data/plain-year0.sqlite" "$data/pass-year.sqlite"
"$bin/hos-memory" encrypt --memory "$data/pass-year.sqlite" --key-file "$data/pass.key"
open_pass=$(measure "$bin/hos-memory stats --memory $data/pass-year.sqlite --memory-key-file $data/pass.key")
open_plain=$(measure "$bin/hos-memory stats --memory $data/plain-year0.sqlite")
echo
echo "memory file, plain and encrypted (SQLCipher 4, AES-256, raw key), 1,000 users x 90 days and one user-year"
printf '  %-44s %12s %12s %8s\n' "" plain encrypted ratio
echo "$plain" "$raw" | awk '{
    printf "  %-44s %10.2f s %10.2f s %7.2fx\n", "hos-memory store (1,000 users x 90 days)", $1, $6, $6 / $1
    printf "  %-44s %9.2f ms %9.2f ms %7.2fx\n", "memory_context, mean of 200 (process start in)", $2, $7, $7 / $2
    printf "  %-44s %9s ms %9s ms %7.2fx\n", "memory_context, median per request", $3, $8, $8 / $3
    printf "  %-44s %9s ms %9s ms %7.2fx\n", "memory_context, p95 per request", $4, $9, $9 / $4
    printf "  %-44s %8.1f MB %8.1f MB %7.2fx\n", "file size after store", $5 / 1048576, $10 / 1048576, $10 / $5
}'
awk -v p="${open_plain% *}" -v r="${open_raw% *}" -v s="${open_pass% *}" 'BEGIN {
    printf "  open + stats of one user-year: plain %.3f s, raw key %.3f s, passphrase %.3f s (PBKDF2 at each open)\n", p, r, s
}'
