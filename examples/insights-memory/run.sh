#!/bin/sh
# One user's insights across three analyses with one memory file: found, not repeated, re-weighed by feedback.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HOS_MEMORY="$dir/memory.sqlite"
analyse() {
    hos-synth --users 1 --days "$1" --seed 42 --request --truth "$dir/truth.json" \
      | hos-behavior | hos-memory | hos-nutrition | hos-routine | hos-insights > "$dir/run$2.jsonl"
    # Memory learns the insights it is given: store them for the next analysis.
    hos-memory store "$dir/run$2.jsonl"
}
show() {
    jq -r 'select(.event_type == "insight") | .payload
      | "  \(.rank). [\(.kind), priority \(.priority), confidence \(.confidence), \(.status)] \(.title)"' "$dir/run$1.jsonl"
}

echo "== planted in the synthetic data (hos-synth --truth)"
analyse 60 1
jq -r '.users[0].relationships[] | "  \(.cause) -> next-day \(.effect) (\(.direction), strength \(.strength))"' "$dir/truth.json"
echo "== analysis 1: 60 days"
show 1
jq -r 'select(.event_type == "insight" and .payload.rank == 1) | .payload | "  detail: \(.detail)", "  action: \(.action)"' "$dir/run1.jsonl"

echo "== analysis 2: five days later (what was said is not repeated within 14 days)"
analyse 65 2
show 2

echo "== the user marks the correlations not useful"
jq -c 'select(.event_type == "insight" and .payload.kind == "correlation")
  | {event_id: ("fb-" + .payload.insight_id), event_type: "insight_feedback", user_id, timestamp,
     payload: {insight_id: .payload.insight_id, useful: false}}' "$dir/run1.jsonl" > "$dir/feedback.jsonl"
hos-memory store "$dir/feedback.jsonl"
sqlite3 "$HOS_MEMORY" "SELECT '  ' || kind || ' ' || insight_id || ' useful=' || useful FROM insight WHERE useful IS NOT NULL ORDER BY insight_id"

echo "== analysis 3: three weeks after the first (given again: agreed with analysis 1, lower priority)"
analyse 81 3
show 3
