#!/bin/sh
# Splits 8 synthetic users into 4 groups, runs the batch with make -j2, and prints the summary.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp Makefile summary.jq "$work/"
mkdir "$work/in"
hos-synth --users 8 --days 30 --request > "$work/all.jsonl"
for g in 1 2 3 4; do
    # Users u-0001..u-0008: group g holds two of them, whole (every event of a user in one group).
    jq -c --argjson g "$g" 'select(((.user_id | ltrimstr("u-") | tonumber) - 1) / 2 | floor == $g - 1)' \
        "$work/all.jsonl" > "$work/in/group$g.jsonl"
done
make -s -C "$work" -j2 PIPELINE="$PWD/../pipelines/full-analysis.yaml" > /dev/null
echo "user	archetype	readiness	difficulty	insights	degraded"
cat "$work/summary.tsv"
# Nothing changed: make runs nothing the second time.
make -C "$work" -j2 PIPELINE="$PWD/../pipelines/full-analysis.yaml" | grep -c hos-run || true
