#!/bin/sh
# make demo: synthetic users of all six archetypes through the toolkit, shown readably.
# Usage: scripts/demo.sh BINDIR
set -eu
bin=$1
PATH="$bin:$PATH"
export PATH
out=.build/demo
mkdir -p "$out"

echo "== 12 synthetic users (two per archetype), 30 days each, with an analysis request per user"
echo "\$ hos-synth --users 12 --days 30 --request --truth $out/truth.json -o $out/events.jsonl"
hos-synth --users 12 --days 30 --request --truth "$out/truth.json" -o "$out/events.jsonl"
echo
echo "== What the stream holds, checked against the contract"
echo "\$ hos-validate $out/events.jsonl"
hos-validate "$out/events.jsonl" | awk '/^metrics/ {skip=1} /^problems/ {skip=0} !skip'
echo "  (metrics: hos-validate $out/events.jsonl | sed -n '/^metrics/,/^problems/p')"
echo
echo "== A recorded export: Fitbit (Fitabase layout), merged into one record per user and day"
echo "\$ hos-import fitbit examples/fitbit-import/fitabase --request | hos-validate --pass --deep --stats | jq ..."
hos-import fitbit examples/fitbit-import/fitabase --request \
  | hos-validate --pass --deep --stats \
  | jq -r 'select(.event_type == "health_record") | [.user_id, .payload.date, (.payload.metrics | to_entries | map("\(.key)=\(.value)") | join(" "))] | @tsv' \
  | cut -c1-150
echo
echo "Events: $out/events.jsonl; planted relationships and hidden preferences: $out/truth.json"
