#!/bin/sh
# One user analysed twice, a week apart, with one memory file: the second analysis knows the first.
set -e
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HOS_MEMORY="$dir/memory.sqlite"

# Analysis 1: a month of data and the profile.
hos-synth --users 1 --days 29 --seed 8 --request | hos-behavior | hos-memory --stats 2>"$dir/stats1" \
  | hos-nutrition | hos-routine > "$dir/run1.jsonl"
echo "== analysis 1: $(sed 's/^hos-memory: //' "$dir/stats1" | tail -n 1)"
jq -r 'select(.event_type == "memory_context") | .payload
  | "history: \(.history.analyses_total) earlier analyses",
    "preferences: \(.long_term.preferences | to_entries | map("\(.key)=\(.value.value) (\(.value.confidence))") | join(", "))"' \
  "$dir/run1.jsonl"

# Analysis 2: the same export a week longer (the first 29 days again, and 7 new ones) without the profile.
hos-synth --users 1 --days 36 --seed 8 --request | grep -v '"user_profile"' \
  | hos-behavior | hos-memory --stats 2>"$dir/stats2" | hos-nutrition | hos-routine > "$dir/run2.jsonl"
echo "== analysis 2: $(sed 's/^hos-memory: //' "$dir/stats2" | tail -n 1)"
jq -r 'select(.event_type == "memory_context") | .payload
  | "history: \(.history.analyses_total) earlier analysis",
    (.history.analyses[] | "  \(.analysis_id) as of \(.as_of): readiness \(.readiness_score) (\(.readiness_state)), score \(.score)"),
    "preferences: \(.long_term.preferences | to_entries | map("\(.key)=\(.value.value)") | join(", "))",
    "rolling sleep_duration_min: 7d mean \(.short_term.rolling.sleep_duration_min["7d"].mean), 30d mean \(.short_term.rolling.sleep_duration_min["30d"].mean)"' \
  "$dir/run2.jsonl"
jq -r 'select(.event_type == "nutrition_plan") | "nutrition diet: \(.payload.dietary.pattern) (no profile in this run)"' "$dir/run2.jsonl"

echo "== the file"
hos-memory recall --user u-0001 --layer long_term --format table | cut -c1-100
