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
echo "== The analysis agents: behaviour, then nutrition and routine plans for each user"
echo "\$ hos-behavior $out/events.jsonl | hos-nutrition | hos-routine > $out/plans.jsonl"
hos-behavior "$out/events.jsonl" | hos-nutrition | hos-routine > "$out/plans.jsonl"
echo
echo "One user of each archetype (u-0001 … u-0006):"
jq -r --slurp '
  [.[] | select(.user_id <= "u-0006")] | group_by(.user_id)[] |
  (map(select(.event_type == "behavior_analysis"))[0].payload) as $b |
  (map(select(.event_type == "nutrition_plan"))[0].payload) as $n |
  (map(select(.event_type == "routine_plan"))[0]) as $r |
  "\($r.user_id)  \($r.archetype)\n" +
  "  readiness \($b.readiness.score // "-") (\($b.readiness.state // "-"))  sleep \($b.metrics.sleep_duration_min.baseline // "-") min  " +
  "steps \($b.metrics.steps.baseline // "-")  signature: \([$b.signature[].label] | join(", ") | if . == "" then "-" else . end)\n" +
  "  nutrition: \($n.energy_kcal) kcal (\($n.goal)), protein \($n.macros.protein_g) g, \($n.meals | length) meals from \($n.meals[0].time) to \($n.meals[-1].time)\n" +
  "  routine (difficulty \($r.payload.difficulty), \($r.payload.focus)), wake \($r.payload.wake), lights out \($r.payload.bedtime):\n" +
  ([$r.payload.items[] | "    \(.start)  \(.duration_min | tostring | (" " * (3 - length)) + .) min  \(.category | . + (" " * (12 - length)))\(.title)"] | join("\n"))
' "$out/plans.jsonl"
echo
echo "== A recorded export: Fitbit (Fitabase layout), merged into one record per user and day"
echo "\$ hos-import fitbit examples/fitbit-import/fitabase --request | hos-validate --pass --deep --stats | jq ..."
hos-import fitbit examples/fitbit-import/fitabase --request \
  | hos-validate --pass --deep --stats \
  | jq -r 'select(.event_type == "health_record") | [.user_id, .payload.date, (.payload.metrics | to_entries | map("\(.key)=\(.value)") | join(" "))] | @tsv' \
  | cut -c1-150
echo
echo "Events: $out/events.jsonl; results: $out/plans.jsonl; planted relationships and hidden preferences: $out/truth.json"
