#!/bin/sh
# Lint, draw and run the example pipelines on synthetic users.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hos-synth --users 6 --days 30 --request > "$tmp/users.jsonl"
hos-run lint full-analysis.yaml quick.yaml with-jq.yaml
hos-run graph full-analysis.yaml
echo "user	archetype	readiness	difficulty	items"
hos-run quick.yaml --memory "$tmp/m.sqlite" -i "$tmp/users.jsonl" |
    jq -r '[.user_id, .archetype, .payload.behavior.readiness.state, .payload.routine.difficulty,
            (.payload.routine.items | length)] | @tsv'
# The jq step removed every plan's explanation, which hos-routine --explain wrote.
hos-run with-jq.yaml --memory "$tmp/m.sqlite" -i "$tmp/users.jsonl" |
    jq -r 'select(.event_type == "routine_plan") | "explain kept: \(.payload | has("explain"))"' | sort | uniq -c
